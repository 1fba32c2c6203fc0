// exceptions: throw/catch across frames, std::runtime_error::what(), rethrow, RAII
// unwinding order, standard library exceptions, nested exceptions.
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

struct Guard {
    const char *name;
    explicit Guard(const char *n) : name(n) { printf("  enter %s\n", name); }
    ~Guard() { printf("  leave %s\n", name); }
};

struct MyError : std::runtime_error {
    int code;
    MyError(const std::string &m, int c) : std::runtime_error(m), code(c) {}
};

static void level3(int mode)
{
    Guard g("level3");
    if (mode == 0)
        throw std::runtime_error("runtime error from level3");
    if (mode == 1)
        throw MyError("my error", 17);
    if (mode == 2)
        throw 42;
    if (mode == 3)
        throw std::string("a string");
    printf("  level3 returns normally\n");
}

static void level2(int mode)
{
    Guard g("level2");
    level3(mode);
}

static int level1(int mode)
{
    Guard g("level1");
    try {
        level2(mode);
    } catch (const MyError &e) {
        printf("  level1 caught MyError(%s, %d), rethrowing\n", e.what(), e.code);
        throw;
    }
    return mode;
}

static int depth_throw(int n)
{
    if (n == 0)
        throw std::out_of_range("bottom reached");
    return depth_throw(n - 1) + 1;
}

int main()
{
    for (int mode = 0; mode < 5; mode++) {
        printf("mode %d:\n", mode);
        try {
            int r = level1(mode);
            printf("  returned %d\n", r);
        } catch (const MyError &e) {
            printf("  main caught MyError: %s code=%d\n", e.what(), e.code);
        } catch (const std::exception &e) {
            printf("  main caught std::exception: %s\n", e.what());
        } catch (int i) {
            printf("  main caught int %d\n", i);
        } catch (...) {
            printf("  main caught something else\n");
        }
    }
    try {
        depth_throw(200);
    } catch (const std::logic_error &e) {
        printf("caught from depth 200: %s\n", e.what());
    }
    try {
        std::vector<int> v(3);
        v.at(10) = 1;
    } catch (const std::out_of_range &e) {
        printf("vector::at threw out_of_range\n");
    }
    try {
        volatile size_t huge = static_cast<size_t>(1) << 62;
        char *p = new char[huge];
        printf("new of 2^62 bytes succeeded?! %p\n", static_cast<void *>(p));
    } catch (const std::bad_alloc &e) {
        printf("new threw bad_alloc: %s\n", e.what());
    }
    try {
        try {
            throw std::runtime_error("inner");
        } catch (...) {
            std::throw_with_nested(std::logic_error("outer"));
        }
    } catch (const std::exception &e) {
        printf("nested: %s", e.what());
        try {
            std::rethrow_if_nested(e);
        } catch (const std::exception &inner) {
            printf(" <- %s\n", inner.what());
        }
    }
    std::exception_ptr ep;
    try {
        throw MyError("stored", 5);
    } catch (...) {
        ep = std::current_exception();
    }
    try {
        std::rethrow_exception(ep);
    } catch (const MyError &e) {
        printf("rethrown exception_ptr: %s %d\n", e.what(), e.code);
    }
    int caught = 0;
    for (int i = 0; i < 200; i++) {
        try {
            if (i % 2)
                throw i;
        } catch (int) {
            caught++;
        }
    }
    printf("caught %d of 200\n", caught);
    return 0;
}
