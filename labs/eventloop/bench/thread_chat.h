// The benchmark's thread-per-client chat server (thread_chat.c).
#ifndef THREAD_CHAT_H
#define THREAD_CHAT_H

// Serve chat on a listening (blocking) socket with a thread per client.
// Never returns.
void thread_chat_serve(int listen_fd);

#endif
