// new/delete, new[]/delete[], nothrow new, aligned new, sized delete: all matched, clean.
#include <cstdint>
#include <cstdio>
#include <new>

struct alignas(64) Wide {
    int v[20];
};

struct Obj {
    int a;
    double b;
    Obj() : a(1), b(2.5) {}
    ~Obj() { a = 0; }
};

static __attribute__((noinline)) Obj *make_obj() { return new Obj; }
static __attribute__((noinline)) Obj *make_objs(int n) { return new Obj[n]; }

int main()
{
    Obj *o = make_obj();
    Obj *os = make_objs(7); // non-trivial destructor: new[] stores a count
    int *ints = new int[13];
    for (int i = 0; i < 13; i++)
        ints[i] = i;
    int *nt = new (std::nothrow) int(5);
    int *nta = new (std::nothrow) int[3]();
    Wide *w = new Wide;       // aligned new (operator new(size_t, align_val_t))
    Wide *ws = new Wide[3];   // aligned new[]
    w->v[0] = 3;
    ws[2].v[19] = 4;
    void *raw = ::operator new(40, std::align_val_t(128));
    std::printf("%d %.1f %d %d %d %d %d %d\n", o->a, os[6].b, ints[12], *nt, nta[2],
                w->v[0] + ws[2].v[19],
                (int)((std::uintptr_t)w % 64 == 0 && (std::uintptr_t)ws % 64 == 0),
                (int)((std::uintptr_t)raw % 128 == 0));
    ::operator delete(raw, std::align_val_t(128));
    delete[] ws;
    delete w;
    delete[] nta;
    delete nt;
    delete[] ints;
    delete[] os;
    delete o;
    return 0;
}
