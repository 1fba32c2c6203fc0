// containers: vector, map, unordered_map, set, deque, list, string, algorithms.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

static uint32_t seed = 42;
static uint32_t rnd() { seed = seed * 1664525u + 1013904223u; return seed >> 8; }

struct Item {
    std::string name;
    int weight;
};

int main()
{
    std::vector<int> v;
    for (int i = 0; i < 5000; i++)
        v.push_back(static_cast<int>(rnd() % 100000));
    std::vector<int> w = v;
    std::sort(v.begin(), v.end());
    std::stable_sort(w.begin(), w.end(), [](int a, int b) { return a % 100 < b % 100; });
    long long sum = std::accumulate(v.begin(), v.end(), 0LL);
    printf("vector: size %zu sum %lld min %d max %d median %d\n", v.size(), sum, v.front(), v.back(), v[v.size() / 2]);
    printf("stable_sort by %%100: first %d %d %d last %d\n", w[0], w[1], w[2], w.back());
    auto last = std::unique(v.begin(), v.end());
    printf("unique values: %zd\n", last - v.begin());
    printf("lower_bound(50000) at %zd\n", std::lower_bound(v.begin(), last, 50000) - v.begin());
    std::reverse(w.begin(), w.end());
    printf("reversed front %d, count of 7s %zd\n", w.front(), std::count(w.begin(), w.end(), 7));

    std::map<std::string, int> m;
    std::unordered_map<std::string, int> um;
    static const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
    for (int i = 0; i < 2000; i++) {
        std::string k = std::string(words[rnd() % 8]) + std::to_string(rnd() % 50);
        m[k]++;
        um[k] += 2;
    }
    printf("map: %zu keys, first %s=%d, last %s=%d\n", m.size(), m.begin()->first.c_str(), m.begin()->second,
           m.rbegin()->first.c_str(), m.rbegin()->second);
    int agree = 1;
    for (auto &kv : m)
        agree &= um.at(kv.first) == 2 * kv.second;
    printf("unordered_map agrees: %d (size %zu)\n", agree, um.size());
    std::vector<std::pair<std::string, int>> sorted(um.begin(), um.end());
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); i += 37)
        printf("  %s -> %d\n", sorted[i].first.c_str(), sorted[i].second);
    um.erase("alpha0");
    printf("after erase: count(alpha0)=%zu\n", um.count("alpha0"));

    std::set<int> st(v.begin(), last);
    printf("set: %zu, contains 12345: %d\n", st.size(), (int)st.count(12345));
    std::deque<int> dq;
    for (int i = 0; i < 1000; i++) {
        if (i % 3)
            dq.push_back(i);
        else
            dq.push_front(i);
    }
    printf("deque: front %d back %d [500]=%d\n", dq.front(), dq.back(), dq[500]);
    std::list<Item> items;
    for (int i = 0; i < 100; i++)
        items.push_back({"item" + std::to_string(i), static_cast<int>(rnd() % 1000)});
    items.sort([](const Item &a, const Item &b) { return a.weight < b.weight || (a.weight == b.weight && a.name < b.name); });
    printf("list: lightest %s (%d), heaviest %s (%d)\n", items.front().name.c_str(), items.front().weight,
           items.back().name.c_str(), items.back().weight);

    std::string s = "The quick brown fox jumps over the lazy dog";
    printf("string: find(fox)=%zu rfind(o)=%zu substr=%s upper=", s.find("fox"), s.rfind('o'), s.substr(4, 5).c_str());
    std::string up = s;
    std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return static_cast<char>(toupper(c)); });
    printf("%s\n", up.c_str());
    std::string big;
    for (int i = 0; i < 2000; i++)
        big += std::to_string(i);
    printf("big string: %zu chars, stoi(\"-123\")=%d, stod(\"2.5e3\")=%g\n", big.size(), std::stoi("-123"),
           std::stod("2.5e3"));
    auto sp = std::make_shared<std::vector<int>>(10, 3);
    auto up2 = std::make_unique<std::string>("unique");
    printf("shared_ptr sum %d use_count %ld, unique_ptr %s\n", std::accumulate(sp->begin(), sp->end(), 0),
           sp.use_count(), up2->c_str());
    return 0;
}
