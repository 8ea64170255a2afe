// The actors lab's API: processes that share nothing, framed messages, monitors, a supervisor and a sharded service.
//
// An actor is a Unix process.  Its parent reaches it through a link (a
// socketpair or two pipes) made by actor_spawn; the only way to talk is to
// copy bytes into a message.  The runtime is one library per process: the
// links it holds are those to its own children and, in a child, the one to
// its parent.  README.md (labs/actors) has the whole contract.
#ifndef ACTOR_H
#define ACTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef pid_t actor_t;
typedef void (*actor_fn)(void *arg);

// The largest message body actor_send must carry.
enum { ACTOR_MAX_MESSAGE = 4 << 20 };

enum actor_kind {
    ACTOR_DATA,   // bytes another actor sent
    ACTOR_DOWN,   // a monitored child ended, or the parent's link closed
};

enum actor_reason {
    ACTOR_NORMAL,   // the child's function returned, or it exited with code 0
    ACTOR_EXIT,     // it exited with a non-zero code (detail: the code)
    ACTOR_SIGNAL,   // a signal ended it (detail: the signal number)
    ACTOR_CLOSED,   // in a child: the link to the parent closed (the parent ended)
};

struct actor_message {
    enum actor_kind kind;
    actor_t from;
    size_t length;              // ACTOR_DATA: bytes in data
    unsigned char *data;        // ACTOR_DATA: malloc'd; actor_message_free frees it
    enum actor_reason reason;   // ACTOR_DOWN
    int detail;                 // ACTOR_DOWN: exit code or signal number
};

// Start fn(arg) in a new process linked to this one; the child exits with
// code 0 when fn returns.  Returns the child's id, or -1 (errno set).
actor_t actor_spawn(actor_fn fn, void *arg);
// The same, and the child leads a new process group, which the children it
// spawns join: killing the group ends the child and everything it started.
actor_t actor_spawn_leader(actor_fn fn, void *arg);

// Copy length bytes to `to` (a child of this process, or actor_parent()).
// Blocks while the receiver's link is full.  Returns 0, or -1 (errno set)
// when `to` is not linked to this process or has ended.
int actor_send(actor_t to, const void *data, size_t length);

// The next message: 1 (in *m), 0 when timeout_ms passed with none (a
// negative timeout waits for ever), -1 when this process has no link.
int actor_receive(struct actor_message *m, int timeout_ms);
void actor_message_free(struct actor_message *m);

// Deliver one ACTOR_DOWN message when child `who` ends, even if it has
// already ended.  Returns 0, or -1 if `who` is not a child of this process.
int actor_monitor(actor_t who);

actor_t actor_self(void);
actor_t actor_parent(void);   // 0 in a process that actor_spawn did not start

// ---- The supervisor (supervisor.c) ----

struct supervisor_child {
    const char *name;
    actor_fn fn;
    void *arg;
};

struct supervisor;

enum { SUPERVISOR_GAVE_UP = -2 };

// Start count children, each with actor_spawn_leader, and monitor them.  If
// more than max_restarts restarts happen within period_ms, the supervisor
// gives up.  NULL if a child cannot be started.
struct supervisor *supervisor_start(const struct supervisor_child *children, int count,
                                    int max_restarts, int period_ms);
// Like actor_receive; a DOWN of a supervised child is handled first (the
// child's process group killed, the child restarted) and then returned too.
// SUPERVISOR_GAVE_UP once the limit is crossed: every child is stopped.
int supervisor_receive(struct supervisor *s, struct actor_message *m, int timeout_ms);
actor_t supervisor_which(const struct supervisor *s, int index);   // the child's current id
int supervisor_restarts(const struct supervisor *s);               // restarts so far, in all
const char *supervisor_failed(const struct supervisor *s);         // who broke the limit, or NULL
// Ask every child to stop (SIGTERM), kill the groups of those still there
// after grace_ms (SIGKILL), reap them all and free s.
void supervisor_stop(struct supervisor *s, int grace_ms);

// ---- The key-value service (service.c) ----

enum { SERVICE_KEY_MAX = 24, SERVICE_KEYS = 64, SERVICE_MAX_SHARDS = 16 };
enum { SERVICE_ADD = 1, SERVICE_GET = 2 };

// A request and its reply, as they travel between the service and a worker.
struct service_request {
    uint64_t id;
    int32_t op;                  // SERVICE_ADD or SERVICE_GET
    int32_t unused;
    int64_t delta;
    char key[SERVICE_KEY_MAX];   // NUL-terminated
};
struct service_reply {
    uint64_t id;
    int64_t value;
};

// Which shard holds a key: the same function in every submission.
static inline int service_shard_of(const char *key, int shards)
{
    uint32_t h = 2166136261u;   // FNV-1a
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return (int)(h % (uint32_t)shards);
}

struct service;

struct service *service_start(int shards);
// Add delta to key's value (0 if new) and say the new value; 0, or -1 when
// the request could not be answered.  A request whose worker died is sent
// again to its replacement, and applied once.
int service_add(struct service *s, const char *key, long delta, long *value);
int service_get(struct service *s, const char *key, long *value);
// Send `bytes` as one request to a shard's worker, without retrying: 0 if it
// answered, -1 if it died on them (and was restarted).
int service_send_raw(struct service *s, int shard, const void *bytes, size_t length);
actor_t service_worker(const struct service *s, int shard);
int service_restarts(const struct service *s);
void service_stop(struct service *s);

#endif
