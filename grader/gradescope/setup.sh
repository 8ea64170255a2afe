#!/bin/sh
# Gradescope runs this once, as root, in /autograder/source when it builds the
# autograder's image (Ubuntu): install what the grader needs, build it, and
# make the user the tests run as.  Written into LAB-autograder.zip by
# `make autograder LAB=...`; docs/instructor.md explains it.
set -eu
cd "$(dirname "$0")"
PACKAGES="gcc make pkg-config check libseccomp-dev valgrind gdb bubblewrap python3"
# An unprivileged user to grade as (empty: grade as whoever runs the autograder).
LABKIT_USER=${LABKIT_USER-labkit}

missing=""
for package in $PACKAGES; do
    dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $package"
done
if [ -n "$missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

make -s -C labkit/grader
labkit/grader/labgrade --kit labkit list

if [ -n "$LABKIT_USER" ] && [ "$(id -u)" = 0 ] && ! id "$LABKIT_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$LABKIT_USER"
fi
