// std::vector, std::string, std::map: clean.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

static __attribute__((noinline)) std::vector<int> squares(int n)
{
    std::vector<int> v;
    for (int i = 0; i < n; i++)
        v.push_back(i * i);
    return v;
}

int main()
{
    std::vector<int> v = squares(1000);
    long sum = 0;
    for (int x : v)
        sum += x;
    v.resize(10);
    v.shrink_to_fit();

    std::string s = "short";
    for (int i = 0; i < 50; i++)
        s += static_cast<char>('a' + i % 26); // grows past the small-string buffer
    std::string t = s.substr(3, 40);

    std::map<std::string, int> m;
    for (int i = 0; i < 200; i++)
        m[std::to_string(i * 7919 % 1000)] += i;
    m.erase("7");
    int total = 0;
    for (const auto &kv : m)
        total += kv.second + static_cast<int>(kv.first.size());

    std::printf("%ld %zu %zu %s %zu %d\n", sum, v.size(), s.size(), t.c_str(), m.size(), total);
    return 0;
}
