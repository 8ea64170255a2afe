// The bank demo's scheduling points at plain loads and stores of race.c.
//
// The demo compiles race.c with -fsanitize=thread for its instrumentation
// only: the compiler then calls __tsan_read8(addr) before each plain load,
// __tsan_write8(addr) before each store, __tsan_atomic64_fetch_add() for each
// C11 atomic, and so on.  These definitions stand in for ThreadSanitizer's
// run-time library: in the demo's explore build every plain access of race.c
// becomes a point where the forced-schedule scheduler may switch threads, so
// a race between two plain accesses happens under the schedule a seed picks,
// the same on every run.  Atomics are done as sequentially consistent ones;
// lk_atomic_* and lk_mutex_* already make their own points.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "forced.h"
#include "lk_sched.h"

void demo_forced(const char *name, const char *what, void (*scenario)(void *), int seeds)
{
    struct lk_explore_opts opts = {.seeds = seeds, .strategies = LK_RANDOM};
    char *report = NULL;
    printf("%s: %s, under %d forced schedules\n"
           "  (seeds 1-%d of the kit's scheduler: it runs one thread at a time, may switch at\n"
           "  every load and store of race.c, and a seed picks the same schedule every run)\n",
           name, what, seeds, seeds);
    fflush(stdout);
    // The scheduler's own lines on stderr say again what the report says.
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, 2);
    int failed = lk_explore(name, scenario, NULL, &opts, &report);
    if (saved >= 0)
        dup2(saved, 2);
    if (failed) {
        printf("%s: wrong under %d of the %d schedules  <- wrong\n%s%s: each of those seeds "
               "goes wrong on every run: the race is in the code, not in luck.\n",
               name, failed, seeds, report ? report : "", name);
    } else {
        printf("%s: all %d schedules came out right\n", name, seeds);
    }
    free(report);
}

#define LK_READ(n)                                                            \
    void __tsan_read##n(void *addr);                                          \
    void __tsan_read##n(void *addr) { lk_sched_point(LK_OP_LOAD, addr); }     \
    void __tsan_unaligned_read##n(void *addr);                                \
    void __tsan_unaligned_read##n(void *addr) { lk_sched_point(LK_OP_LOAD, addr); } \
    void __tsan_volatile_read##n(void *addr);                                 \
    void __tsan_volatile_read##n(void *addr) { lk_sched_point(LK_OP_LOAD, addr); }
#define LK_WRITE(n)                                                           \
    void __tsan_write##n(void *addr);                                         \
    void __tsan_write##n(void *addr) { lk_sched_point(LK_OP_STORE, addr); }   \
    void __tsan_unaligned_write##n(void *addr);                               \
    void __tsan_unaligned_write##n(void *addr) { lk_sched_point(LK_OP_STORE, addr); } \
    void __tsan_volatile_write##n(void *addr);                                \
    void __tsan_volatile_write##n(void *addr) { lk_sched_point(LK_OP_STORE, addr); }
LK_READ(1) LK_READ(2) LK_READ(4) LK_READ(8) LK_READ(16)
LK_WRITE(1) LK_WRITE(2) LK_WRITE(4) LK_WRITE(8) LK_WRITE(16)

void __tsan_read_range(void *addr, unsigned long size);
void __tsan_read_range(void *addr, unsigned long size)
{
    (void)size;
    lk_sched_point(LK_OP_LOAD, addr);
}
void __tsan_write_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size)
{
    (void)size;
    lk_sched_point(LK_OP_STORE, addr);
}

void __tsan_init(void);
void __tsan_init(void) {}
void __tsan_func_entry(void *caller);
void __tsan_func_entry(void *caller) { (void)caller; }
void __tsan_func_exit(void);
void __tsan_func_exit(void) {}
void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_thread_fence(int mo) { (void)mo; __atomic_thread_fence(__ATOMIC_SEQ_CST); }
void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_signal_fence(int mo) { (void)mo; __atomic_signal_fence(__ATOMIC_SEQ_CST); }

#define SC __ATOMIC_SEQ_CST
#define LK_ATOMIC(n, T)                                                                 \
    T __tsan_atomic##n##_load(const volatile T *a, int mo);                             \
    T __tsan_atomic##n##_load(const volatile T *a, int mo) { (void)mo; return __atomic_load_n(a, SC); } \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo);                          \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo) { (void)mo; __atomic_store_n(a, v, SC); } \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo);                          \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo) { (void)mo; return __atomic_exchange_n(a, v, SC); } \
    T __tsan_atomic##n##_fetch_add(volatile T *a, T v, int mo);                         \
    T __tsan_atomic##n##_fetch_add(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_add(a, v, SC); } \
    T __tsan_atomic##n##_fetch_sub(volatile T *a, T v, int mo);                         \
    T __tsan_atomic##n##_fetch_sub(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_sub(a, v, SC); } \
    T __tsan_atomic##n##_fetch_and(volatile T *a, T v, int mo);                         \
    T __tsan_atomic##n##_fetch_and(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_and(a, v, SC); } \
    T __tsan_atomic##n##_fetch_or(volatile T *a, T v, int mo);                          \
    T __tsan_atomic##n##_fetch_or(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_or(a, v, SC); } \
    T __tsan_atomic##n##_fetch_xor(volatile T *a, T v, int mo);                         \
    T __tsan_atomic##n##_fetch_xor(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_xor(a, v, SC); } \
    T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo);                        \
    T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo) { (void)mo; return __atomic_fetch_nand(a, v, SC); } \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo); \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c, T v, int mo, int fmo) \
    { (void)mo, (void)fmo; return __atomic_compare_exchange_n(a, c, v, 0, SC, SC); }    \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo); \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c, T v, int mo, int fmo) \
    { (void)mo, (void)fmo; return __atomic_compare_exchange_n(a, c, v, 0, SC, SC); }    \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo); \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) \
    { (void)mo, (void)fmo; __atomic_compare_exchange_n(a, &c, v, 0, SC, SC); return c; }
LK_ATOMIC(8, uint8_t)
LK_ATOMIC(16, uint16_t)
LK_ATOMIC(32, uint32_t)
LK_ATOMIC(64, uint64_t)
