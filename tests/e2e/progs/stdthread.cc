// stdthread: C++ std::thread, std::mutex, std::lock_guard, std::atomic, thread_local.
// 4 threads each add 1..N to an atomic and to a mutex-protected total; prints both.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

static constexpr int kThreads = 4;
static constexpr long kN = 20000;

static std::atomic<long> atomic_total{0};
static std::atomic<int> atomic_count{0};
static std::mutex lock;
static long locked_total = 0;
static std::vector<std::string> finished;  // under lock
static thread_local long tl_sum = 0;

static void work(int id)
{
    for (long i = 1; i <= kN; i++) {
        atomic_total.fetch_add(i, std::memory_order_relaxed);
        atomic_count++;
        tl_sum += i;
        if (i % 100 == 0) {
            std::lock_guard<std::mutex> g(lock);
            locked_total += 100;
        }
    }
    std::lock_guard<std::mutex> g(lock);
    finished.push_back("thread " + std::to_string(id) + " thread_local sum " +
                       std::to_string(tl_sum));
}

int main()
{
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back(work, i);
    for (auto &t : threads)
        t.join();
    long want = kThreads * (kN * (kN + 1) / 2);
    std::printf("atomic total %ld (expected %ld)\n", atomic_total.load(), want);
    std::printf("atomic count %d\n", atomic_count.load());
    std::printf("locked total %ld\n", locked_total);
    std::printf("main thread_local sum %ld\n", tl_sum);
    // the threads finish in any order: print their reports sorted
    std::vector<std::string> sorted = finished;
    std::sort(sorted.begin(), sorted.end());
    for (auto &s : sorted)
        std::printf("%s\n", s.c_str());
    bool ok = atomic_total.load() == want && atomic_count.load() == kThreads * kN &&
              locked_total == kThreads * kN && tl_sum == 0 && sorted.size() == kThreads;
    if (!ok) {
        std::printf("FAILED: wrong totals\n");
        return 1;
    }
    std::printf("ok\n");
    return 0;
}
