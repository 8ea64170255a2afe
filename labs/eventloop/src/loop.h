// The eventloop lab's API: a single-threaded reactor of descriptors and timers.
//
// One thread calls loop_run(), which sleeps in the kernel until a registered
// descriptor is ready or the nearest timer is due, then calls the callbacks of
// what happened, one at a time, each to its end.  Callbacks may add and remove
// descriptors and timers (their own included) and call loop_stop().
#ifndef LOOP_H
#define LOOP_H

typedef struct loop loop_t;

// Interest and readiness flags for a descriptor (a bitwise OR).
enum { LOOP_READ = 1, LOOP_WRITE = 2 };

// A descriptor's callback: `events` says what is ready now (LOOP_READ,
// LOOP_WRITE or both; a hang-up or error reports as whatever was asked for,
// so the next read or write sees it).
typedef void (*loop_fd_fn)(loop_t *loop, int fd, int events, void *arg);

// A timer's callback, given the id loop_add_timer returned.
typedef void (*loop_timer_fn)(loop_t *loop, long id, void *arg);

// A new, empty loop; NULL if out of memory or descriptors.
loop_t *loop_new(void);

// Free the loop and its timers.  It closes no registered descriptor (they
// belong to the caller).  Not called from inside a callback.
void loop_free(loop_t *loop);

// Watch `fd` for `events` (LOOP_READ and/or LOOP_WRITE, not 0) and call
// fn(loop, fd, ready, arg) whenever some of them are ready.  If `fd` is
// already registered, its events, callback and argument are replaced.
// Returns 0, or -1 on error (bad arguments, a descriptor the kernel refuses).
int loop_add_fd(loop_t *loop, int fd, int events, loop_fd_fn fn, void *arg);

// Stop watching `fd`.  From the moment it returns, fd's callback is never
// called again, not even for readiness already found in the current round.
// Call it before closing the descriptor.  Returns 0, or -1 if not registered.
int loop_remove_fd(loop_t *loop, int fd);

// Call fn(loop, id, arg) once `delay_ms` milliseconds from now have passed
// (never earlier), then, if `interval_ms` > 0, every interval_ms after that
// until cancelled.  Timers due in the same round fire in order of their
// deadlines; equal deadlines in the order they were added.  A timer added by a
// callback never fires in the round that added it.  Returns a positive id, or
// -1 on error (negative delay or interval, out of memory).
long loop_add_timer(loop_t *loop, long delay_ms, long interval_ms, loop_timer_fn fn, void *arg);

// Cancel a pending timer (a repeating one may cancel itself from its own
// callback).  From the moment it returns the timer never fires again.
// Returns 0, or -1 if no pending timer has this id (a one-shot timer is no
// longer pending once its callback has started).
int loop_cancel_timer(loop_t *loop, long id);

// Dispatch until loop_stop() is called or nothing is registered (no
// descriptor and no pending timer).  Sleeps in the kernel while nothing is
// ready.  Returns 0, or -1 if waiting failed.
int loop_run(loop_t *loop);

// Make loop_run return as soon as the running callback returns: no other
// callback is called before it returns.  A later loop_run continues.
void loop_stop(loop_t *loop);

#endif
