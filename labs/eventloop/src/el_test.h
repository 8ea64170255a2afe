// Helpers of the eventloop lab's tests: a count of the loop's sleeps, a clock, socket pairs.
#ifndef EL_TEST_H
#define EL_TEST_H

// How many times the code under test has called epoll_wait or poll (the
// lab's link flags route both through el_test.c).
long el_wait_calls(void);

// Milliseconds on the monotonic clock, as a double.
double el_now_ms(void);

// A connected, non-blocking pair of local stream sockets; fails the test if
// the kernel refuses.
void el_socketpair(int sv[2]);

#endif
