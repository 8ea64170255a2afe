// Hidden tests of the chat server: an over-long line, a reset mid-line, descriptors after clients leave.
#define _GNU_SOURCE
#include <dirent.h>

#include "chat_peer.h"

START_TEST(chat_overlong_line_disconnects)
{
    // alice sends 600 bytes without a newline (over CHAT_LINE_MAX): she is
    // disconnected, bob gets "* alice left" and none of her bytes.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    char big[601];
    memset(big, 'x', 600);
    big[600] = '\0';
    say(a, big);
    expect_closed(a);
    expect_line(b, "* alice left");
    expect_nothing(b, 30);
    free_peer(a), free_peer(b);
    finish();
}
END_TEST

START_TEST(chat_reset_mid_line)
{
    // alice sends half a line, then her connection is reset: bob gets
    // "* alice left" and never the half line.
    start(60000);
    struct peer *a, *b;
    join_two(&a, &b);
    say(a, "unfinish");
    pump(20);
    struct linger hard = {.l_onoff = 1, .l_linger = 0}; // close sends a reset
    ck_assert(setsockopt(a->fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard) == 0);
    free_peer(a);
    expect_line(b, "* alice left");
    expect_nothing(b, 30);
    free_peer(b);
    finish();
}
END_TEST

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_msg(d != NULL, "cannot list /proc/self/fd (the test machine, not your code)");
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

START_TEST(chat_no_descriptor_leak)
{
    // 20 clients join and leave one by one (by /quit and by closing, in
    // turn), watched by one more: afterwards the server holds no descriptor
    // of theirs.
    start(60000);
    struct peer *watch = connect_peer("watch", 0);
    say(watch, "watch\n");
    pump(20);
    int before = open_fds();
    struct peer *p[20];
    char line[32];
    for (int i = 0; i < 20; i++) {
        p[i] = connect_peer("user", 0);
        snprintf(line, sizeof line, "user%d\n", i);
        say(p[i], line);
        snprintf(line, sizeof line, "* user%d joined", i);
        expect_line(watch, line);
    }
    for (int i = 0; i < 20; i++) {
        if (i % 2) {
            say(p[i], "/quit\n");
            expect_closed(p[i]);
        }
        free_peer(p[i]);
        snprintf(line, sizeof line, "* user%d left", i);
        expect_line(watch, line);
    }
    double t0 = el_now_ms();
    while (open_fds() > before && el_now_ms() - t0 < 5000)
        pump(10);
    int after = open_fds();
    ck_assert_msg(after <= before, "%d descriptors open after 20 clients left, %d before they "
                  "came", after, before);
    free_peer(watch);
    finish();
}
END_TEST

Suite *lk_suite(void)
{
    Suite *s = suite_create("eventloop-hidden-chat");
    LK_ADD(s, chat_overlong_line_disconnects);
    LK_ADD(s, chat_reset_mid_line);
    LK_ADD(s, chat_no_descriptor_leak);
    return s;
}
