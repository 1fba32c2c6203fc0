// Mismatched free() / delete / delete []: new[] released with delete, malloc with delete.
// Both are harmless natively for an int array (no array cookie, operator delete calls free).
#include <cstdio>
#include <cstdlib>

static __attribute__((noinline)) int *make_array(int n)
{
    return new int[n];
}

static __attribute__((noinline)) int *make_malloc(int n)
{
    return static_cast<int *>(std::malloc(n * sizeof(int)));
}

int main()
{
    int *a = make_array(10);
    a[0] = 1;
    delete a; // should be delete[]
    int *m = make_malloc(4);
    m[0] = 2;
    delete m; // should be free()
    std::printf("done\n");
    return 0;
}
