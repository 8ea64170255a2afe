// The toy lab's API: each function is where a broken submission goes wrong.
#ifndef TOY_H
#define TOY_H
int toy_add(int a, int b);
// Allocate n bytes, fill them with the byte b, return their sum, free them.
long toy_buffer(int n, int b);
// Fill the n bytes of buf with b.
void toy_fill(char *buf, int n, int b);
// Count to n with two threads; returns the count.
long toy_count(long n);
// Return (after doing nothing for long).
void toy_wait(void);
// Return 42.
int toy_poke(void);
#endif
