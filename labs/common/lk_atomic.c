// The atomic, futex and thread layer's calls to the system.
// (An explore build's lk_ versions of these functions are in lk_sched.c; they
// fall back to the lk_os_ ones outside an explore run.)
#define _GNU_SOURCE
#include "lk_atomic.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

int lk_os_futex_wait(atomic_uint *word, unsigned expected)
{
    // The kernel compares *word with expected and sleeps, as one step, so a
    // wake between our caller's check and this call is never lost.
    long rc = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
    return rc == -1 && errno == EAGAIN ? -1 : 0;
}

int lk_os_futex_wake(atomic_uint *word, int count)
{
    long rc = syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
    return rc < 0 ? 0 : (int)rc;
}

#ifndef LK_EXPLORE
int (lk_futex_wait)(atomic_uint *word, unsigned expected)
{
    return lk_os_futex_wait(word, expected);
}

int (lk_futex_wake)(atomic_uint *word, int count)
{
    return lk_os_futex_wake(word, count);
}

int lk_thread_create(lk_thread_t *thread, void *(*start)(void *), void *arg)
{
    return pthread_create(thread, NULL, start, arg);
}

int lk_thread_join(lk_thread_t thread, void **result)
{
    return pthread_join(thread, result);
}

void (lk_yield)(void)
{
    sched_yield();
}
#endif
