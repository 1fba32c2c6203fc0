// iostream: std::cout with numbers, manipulators, strings; std::cerr unbuffered; sstream.
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

int main()
{
    std::ios::sync_with_stdio(true);
    std::cout << "Hello from iostream" << std::endl;
    std::cout << 42 << ' ' << -7 << ' ' << 3000000000u << ' ' << -9223372036854775807LL - 1 << '\n';
    std::cout << std::hex << 255 << ' ' << std::showbase << 255 << ' ' << std::oct << 8 << std::dec
              << std::noshowbase << '\n';
    std::cout << 3.14159 << ' ' << 1e-10 << ' ' << 1e20 << ' ' << 0.1 + 0.2 << '\n';
    std::cout << std::setprecision(17) << 0.1 << ' ' << std::fixed << std::setprecision(3) << 2.0 / 3
              << ' ' << std::scientific << 12345.678 << std::defaultfloat << '\n';
    std::cout << std::setw(10) << std::left << "left" << '|' << std::setw(10) << std::right << "right"
              << '|' << std::setfill('*') << std::setw(6) << 42 << std::setfill(' ') << '\n';
    std::cout << std::boolalpha << true << ' ' << false << std::noboolalpha << ' ' << true << '\n';
    std::string s = "a string";
    std::cout << s << " of length " << s.size() << '\n';
    std::ostringstream os;
    os << "built " << 1 << '+' << 2.5 << " in a stream";
    std::cout << os.str() << '\n';
    std::istringstream is("10 20 thirty 40");
    int a, b;
    std::string w;
    is >> a >> b >> w;
    std::cout << "parsed " << a + b << " and " << w << '\n';
    int c;
    is >> c;
    std::cout << "then " << c << " good=" << is.good() << " eof=" << is.eof() << '\n';
    for (int i = 0; i < 1000; i++)
        std::cout << i << (i % 20 == 19 ? '\n' : ' ');
    std::cout << std::flush;
    return 0;
}
