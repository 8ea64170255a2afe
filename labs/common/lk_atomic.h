// The kit's atomic, futex and thread layer for the concurrency labs.
//
// Every name here is one-to-one with C11 <stdatomic.h>, the Linux futex(2)
// calls or POSIX threads, with an `lk_` prefix:
//
//     lk_atomic_load(&x)                    is  atomic_load(&x)
//     lk_atomic_compare_exchange_strong(..) is  atomic_compare_exchange_strong(..)
//     lk_futex_wait(&word, 2)               is  futex(&word, FUTEX_WAIT_PRIVATE, 2)
//     lk_thread_create(&t, fn, arg)         is  pthread_create(&t, NULL, fn, arg)
//
// The variables themselves are plain C11 atomics (`atomic_uint state;`).
//
// In a normal build each name is the C11 operation or the system call itself,
// at no cost.  In an explore build (-DLK_EXPLORE, see lk_sched.h) each is also
// a scheduling point: a seeded scheduler runs one thread at a time and chooses,
// at every such point, which thread goes next.  That is how the grader makes a
// rare interleaving happen on every run, and replays it from its seed.
#ifndef LK_ATOMIC_H
#define LK_ATOMIC_H

#include <pthread.h>
#include <stdatomic.h>

// What a scheduling point is about to do (for the explore trace).
enum lk_op {
    LK_OP_LOAD,
    LK_OP_STORE,
    LK_OP_EXCHANGE,
    LK_OP_CAS,
    LK_OP_FETCH_ADD,
    LK_OP_FETCH_SUB,
    LK_OP_FETCH_OR,
    LK_OP_FETCH_AND,
    LK_OP_FETCH_XOR,
    LK_OP_FENCE,
    LK_OP_FUTEX_WAIT,
    LK_OP_FUTEX_WAKE,
    LK_OP_YIELD,
    LK_OP_SPAWN,
    LK_OP_JOIN,
    LK_OP_EXIT,
    LK_OP_LOCK,    // lk_mutex_lock (lk_sched.h)
    LK_OP_TRYLOCK, // lk_mutex_trylock
    LK_OP_UNLOCK,  // lk_mutex_unlock
};

typedef pthread_t lk_thread_t;

// Sleep while *word == expected (the check and the sleep are one atomic step).
// Returns 0 when woken (or woken spuriously), -1 if *word != expected already.
int lk_futex_wait(atomic_uint *word, unsigned expected);

// Wake up to `count` threads sleeping on word (INT_MAX: all).  Returns how
// many were woken.
int lk_futex_wake(atomic_uint *word, int count);

int lk_thread_create(lk_thread_t *thread, void *(*start)(void *), void *arg);
int lk_thread_join(lk_thread_t thread, void **result);

// Give up the processor (sched_yield).
void lk_yield(void);

// The system's futex calls themselves (lk_atomic.c), whatever the build.
int lk_os_futex_wait(atomic_uint *word, unsigned expected);
int lk_os_futex_wake(atomic_uint *word, int count);

#ifdef LK_EXPLORE
// Explore build: every operation below first asks the scheduler for a turn.
void lk_sched_point(enum lk_op op, const volatile void *addr);
// The same, with the size of the object and the call site (for the trace, and
// so the scheduler sees whether the operation changed memory).
void lk_sched_point_at(enum lk_op op, const volatile void *addr, unsigned size,
                       const char *file, int line);
// Record the value an operation read or wrote, for the trace.
void lk_sched_note(enum lk_op op, const volatile void *addr, unsigned long value);
#define LK_POINT(op, addr) \
    lk_sched_point_at((op), (const volatile void *)(addr), 0, __FILE__, __LINE__)
#define LK_POINT_OBJ(op, obj) \
    lk_sched_point_at((op), (const volatile void *)(obj), sizeof *(obj), __FILE__, __LINE__)
#define LK_NOTE(op, addr, value) \
    lk_sched_note((op), (const volatile void *)(addr), (unsigned long)(value))
// The call site of the next futex, yield or lk_mutex call, for the trace.
extern __thread const char *lk_site_file;
extern __thread int lk_site_line;
#define LK_SITE_(call) (lk_site_file = __FILE__, lk_site_line = __LINE__, (call))
#define lk_futex_wait(word, expected) LK_SITE_(lk_futex_wait(word, expected))
#define lk_futex_wake(word, count) LK_SITE_(lk_futex_wake(word, count))
#define lk_yield() LK_SITE_(lk_yield())
#else
#define LK_POINT(op, addr) ((void)0)
#define LK_POINT_OBJ(op, obj) ((void)0)
#define LK_NOTE(op, addr, value) ((void)0)
#endif

// Each operation is a GNU statement expression: take a turn, do the C11
// operation, note its value, yield the value.
#define LK_ATOMIC_OP_(op, obj, expr)                                  \
    __extension__({                                                   \
        LK_POINT_OBJ(op, obj);                                        \
        __typeof__(expr) lk_value_ = (expr);                          \
        LK_NOTE(op, obj, lk_value_);                                  \
        lk_value_;                                                    \
    })

#define lk_atomic_load(obj) LK_ATOMIC_OP_(LK_OP_LOAD, obj, atomic_load(obj))
#define lk_atomic_load_explicit(obj, mo) \
    LK_ATOMIC_OP_(LK_OP_LOAD, obj, atomic_load_explicit(obj, mo))

// The value is evaluated once, before the turn is taken, so an argument with a
// side effect (`i++`) behaves the same in both builds.
#define lk_atomic_store(obj, value)                   \
    __extension__({                                   \
        __typeof__(value) lk_stored_ = (value);       \
        LK_POINT_OBJ(LK_OP_STORE, obj);               \
        atomic_store(obj, lk_stored_);                \
        LK_NOTE(LK_OP_STORE, obj, lk_stored_);        \
    })
#define lk_atomic_store_explicit(obj, value, mo)      \
    __extension__({                                   \
        __typeof__(value) lk_stored_ = (value);       \
        LK_POINT_OBJ(LK_OP_STORE, obj);               \
        atomic_store_explicit(obj, lk_stored_, mo);   \
        LK_NOTE(LK_OP_STORE, obj, lk_stored_);        \
    })

#define lk_atomic_exchange(obj, value) \
    LK_ATOMIC_OP_(LK_OP_EXCHANGE, obj, atomic_exchange(obj, value))
#define lk_atomic_exchange_explicit(obj, value, mo) \
    LK_ATOMIC_OP_(LK_OP_EXCHANGE, obj, atomic_exchange_explicit(obj, value, mo))

#define lk_atomic_compare_exchange_strong(obj, expected, desired) \
    LK_ATOMIC_OP_(LK_OP_CAS, obj, atomic_compare_exchange_strong(obj, expected, desired))
#define lk_atomic_compare_exchange_weak(obj, expected, desired) \
    LK_ATOMIC_OP_(LK_OP_CAS, obj, atomic_compare_exchange_weak(obj, expected, desired))
#define lk_atomic_compare_exchange_strong_explicit(obj, expected, desired, s, f) \
    LK_ATOMIC_OP_(LK_OP_CAS, obj,                                                \
                  atomic_compare_exchange_strong_explicit(obj, expected, desired, s, f))
#define lk_atomic_compare_exchange_weak_explicit(obj, expected, desired, s, f) \
    LK_ATOMIC_OP_(LK_OP_CAS, obj,                                              \
                  atomic_compare_exchange_weak_explicit(obj, expected, desired, s, f))

#define lk_atomic_fetch_add(obj, v) LK_ATOMIC_OP_(LK_OP_FETCH_ADD, obj, atomic_fetch_add(obj, v))
#define lk_atomic_fetch_sub(obj, v) LK_ATOMIC_OP_(LK_OP_FETCH_SUB, obj, atomic_fetch_sub(obj, v))
#define lk_atomic_fetch_or(obj, v) LK_ATOMIC_OP_(LK_OP_FETCH_OR, obj, atomic_fetch_or(obj, v))
#define lk_atomic_fetch_and(obj, v) LK_ATOMIC_OP_(LK_OP_FETCH_AND, obj, atomic_fetch_and(obj, v))
#define lk_atomic_fetch_xor(obj, v) LK_ATOMIC_OP_(LK_OP_FETCH_XOR, obj, atomic_fetch_xor(obj, v))
#define lk_atomic_fetch_add_explicit(obj, v, mo) \
    LK_ATOMIC_OP_(LK_OP_FETCH_ADD, obj, atomic_fetch_add_explicit(obj, v, mo))
#define lk_atomic_fetch_sub_explicit(obj, v, mo) \
    LK_ATOMIC_OP_(LK_OP_FETCH_SUB, obj, atomic_fetch_sub_explicit(obj, v, mo))
#define lk_atomic_fetch_or_explicit(obj, v, mo) \
    LK_ATOMIC_OP_(LK_OP_FETCH_OR, obj, atomic_fetch_or_explicit(obj, v, mo))
#define lk_atomic_fetch_and_explicit(obj, v, mo) \
    LK_ATOMIC_OP_(LK_OP_FETCH_AND, obj, atomic_fetch_and_explicit(obj, v, mo))
#define lk_atomic_fetch_xor_explicit(obj, v, mo) \
    LK_ATOMIC_OP_(LK_OP_FETCH_XOR, obj, atomic_fetch_xor_explicit(obj, v, mo))

#define lk_atomic_thread_fence(mo)                    \
    __extension__({                                   \
        LK_POINT(LK_OP_FENCE, 0);                     \
        atomic_thread_fence(mo);                      \
    })

// A spin-wait hint (the x86 `pause` instruction); in an explore build also a
// scheduling point, so a spinning thread lets the others run.
#if defined(__x86_64__) || defined(__i386__)
#define LK_CPU_RELAX_() __builtin_ia32_pause()
#else
#define LK_CPU_RELAX_() ((void)0)
#endif
#define lk_cpu_relax()                                \
    __extension__({                                   \
        LK_POINT(LK_OP_YIELD, 0);                     \
        LK_CPU_RELAX_();                              \
    })

#endif
