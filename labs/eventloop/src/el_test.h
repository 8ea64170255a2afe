// Helpers of the eventloop lab's tests: a count of the loop's sleeps, a clock, socket pairs.
#ifndef EL_TEST_H
#define EL_TEST_H

// How many times the code under test has called epoll_wait or poll (the
// lab's link flags route both through el_test.c).
long el_wait_calls(void);

// Milliseconds on the monotonic clock, as a double.
double el_now_ms(void);

// A watch on the loop's thread for a sleep inside a send.  A non-blocking
// send never sleeps; one on a blocking socket sleeps until the client
// reads, and while it does no other client is served.  el_watch_start
// starts a thread that, while armed, reads the calling thread's current
// system call from /proc; a send (send, sendto, sendmsg, write, writev)
// it sleeps in for 8 looks in a row, 20 ms or more, is recorded and cut
// short by shutting the socket down for writing, so the test fails with a
// message at once instead of hanging until its time limit.
void el_watch_start(void);
void el_watch_arm(int armed);
// The descriptor of the first send found asleep, or -1; its call's name.
int el_watch_blocked_fd(const char **call);
void el_watch_stop(void);

// A connected, non-blocking pair of local stream sockets; fails the test if
// the kernel refuses.
void el_socketpair(int sv[2]);

#endif
