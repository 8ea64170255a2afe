// Demo: one thread publishes a message; another polls the mailbox for it.
//
// The demos are built with link-time optimisation, which lets the compiler
// inline consume() into the polling loop.  With the racy plain `int` flag the
// compiler may then assume no other thread changes the flag (that would be a
// data race, which C leaves undefined), read it once, and spin forever; a
// watchdog ends the demo after one second.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "race.h"
#include "race_lab.h"

static void give_up(int signal)
{
    static const char text[] = "mailbox: expected the reader to find the message, got nothing "
                               "after 1 s  <- wrong: it never saw the flag change\n";
    (void)signal;
    (void)!write(STDOUT_FILENO, text, sizeof text - 1);
    _exit(0);
}

static struct message got;

static void writer_or_reader(int index, void *arg)
{
    (void)arg;
    if (index == 0) {
        struct message m = {.seq = 42, .items = {1, 2, 3, 4, 5, 6, 7}};
        usleep(10000); // let the reader start polling first
        publish(&m);
    } else {
        while (!consume(&got)) {
            // Spin with nothing else in the loop.  (A `pause` hint here is
            // enough to stop gcc from reading the flag only once: the race
            // is still there, only better hidden.)
        }
    }
}

int main(void)
{
    signal(SIGALRM, give_up);
    alarm(1);
    mailbox_reset();
    lab_run_threads(2, writer_or_reader, NULL);
    int whole = got.seq == 42 && got.items[0] == 1 && got.items[6] == 7;
    printf("mailbox: expected message 42 with items 1..7, got message %ld with items %ld..%ld%s\n",
           got.seq, got.items[0], got.items[6], whole ? "" : "  <- wrong");
    return 0;
}
