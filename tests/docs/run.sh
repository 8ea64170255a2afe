#!/bin/bash
# The book's tests: every example builds warning-free with gcc and clang, runs,
# and exits 0 (the racy ones too); the synchronisation examples are checked under
# ThreadSanitizer (clean, except the racy counter, which must be reported);
# every link, referenced file and quoted C block in docs/ is checked; and if
# pandoc is installed, the html site is rendered and its links checked.
#
# The book's definitions that were once wrong are checked too: chapter 4's
# data race, chapter 5's pointer comparison, chapter 1's ways into the free
# list, and the README's install line with and without sudo.
#
#   tests/docs/run.sh          (from anywhere; about 20 s)
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread"
EXAMPLES=$(ls docs/examples/*.c)

# Files a link may name before they exist (they only warn): none now.
: > "$WORK/pending"

# Examples that run under the forced-schedule scheduler include lk_sched.h:
# they build with the kit's lk_ layer, in its explore build.
lk_flags() {
    if grep -q '#include "lk_sched.h"' "$1"; then
        echo "-DLK_EXPLORE -Ilabs/common $(ls labs/common/lk_*.c | tr '\n' ' ')"
    fi
}

# The arguments an example runs with in the test (most take none).
args_for() {
    case "$1" in
    chat_server) echo --self-test ;;
    esac
}

echo "== building the examples with gcc and clang"
for cc in gcc clang; do
    if ! command -v $cc >/dev/null; then
        fail "$cc is not installed"
        continue
    fi
    mkdir -p "$WORK/$cc"
    for src in $EXAMPLES; do
        name=$(basename "$src" .c)
        # shellcheck disable=SC2046
        $cc $CFLAGS "$src" $(lk_flags "$src") -o "$WORK/$cc/$name" 2>"$WORK/$cc/$name.log" &
    done
    wait
    for src in $EXAMPLES; do
        name=$(basename "$src" .c)
        if [ ! -x "$WORK/$cc/$name" ] || [ -s "$WORK/$cc/$name.log" ]; then
            cat "$WORK/$cc/$name.log"
            fail "$cc: $src does not build warning-free"
        fi
    done
done

echo "== running the examples ($SECONDS s)"
for src in $EXAMPLES; do
    name=$(basename "$src" .c)
    for cc in gcc clang; do
        [ -x "$WORK/$cc/$name" ] || continue
        timeout 20 "$WORK/$cc/$name" $(args_for "$name") >"$WORK/out" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            cat "$WORK/out"
            fail "$name ($cc) exited with $rc, expected 0"
        elif [ ! -s "$WORK/out" ]; then
            fail "$name ($cc) printed nothing"
        fi
    done
    echo "  $name: $(head -n 1 "$WORK/out")"
done

echo "== threaded examples under ThreadSanitizer ($SECONDS s)"
mkdir -p "$WORK/tsan"
# The examples whose point is correct synchronisation (and the one race).
for name in racy_counter race_fixes primitives channel rwlock persistent stm; do
    src=docs/examples/$name.c
    # shellcheck disable=SC2046
    clang $CFLAGS -O1 -fsanitize=thread "$src" $(lk_flags "$src") -o "$WORK/tsan/$name" &
done
wait
for bin in "$WORK"/tsan/*; do
    name=$(basename "$bin")
    TSAN_OPTIONS="exitcode=66" timeout 60 "$bin" $(args_for "$name") >"$WORK/last" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && grep -q "unexpected memory mapping" "$WORK/last"; then
        TSAN_OPTIONS="exitcode=66" timeout 60 setarch "$(uname -m)" -R "$bin" \
            $(args_for "$name") >"$WORK/last" 2>&1
        rc=$?
    fi
    if [ "$name" = racy_counter ]; then
        grep -q "WARNING: ThreadSanitizer: data race" "$WORK/last" && [ $rc -eq 66 ] ||
            fail "racy_counter: expected TSan to report its data race (exit 66), got exit $rc"
    elif [ $rc -ne 0 ]; then
        head -n 40 "$WORK/last"
        fail "$name under TSan exited with $rc, expected 0 and no report"
    fi
done
echo "  $(ls "$WORK/tsan" | wc -l) programs"

echo "== links, referenced files and quoted code in docs/ ($SECONDS s)"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror tests/docs/check_docs.c -o "$WORK/check_docs" ||
    fail "tests/docs/check_docs.c does not build"
# The checker must catch what it is for: a broken link, a missing anchor, a
# missing file, and a C block that is not in its example.
EXAMPLE=$(realpath --relative-to="$WORK" docs/examples/racy_counter.c)
INDEX=$(realpath --relative-to="$WORK" docs/index.md)
FENCE='```'
cat >"$WORK/bad.md" <<BAD
# A page

[gone](no-such-page.md), [bad anchor]($INDEX#no-such-heading),
\`labs/no-such-lab/README.md\`, and [the example]($EXAMPLE):

${FENCE}c
    counter += 2; // not in racy_counter.c
${FENCE}

<!-- fragment -->
${FENCE}c
int illustration_only;
${FENCE}
BAD
"$WORK/check_docs" "$WORK/bad.md" >"$WORK/bad.out"
for expect in "no-such-page.md does not exist" "no heading with id #no-such-heading" \
    "file labs/no-such-lab/README.md does not exist" "not in .*racy_counter.c word for word" \
    "1 files, 4 errors"; do
    grep -q "$expect" "$WORK/bad.out" || { cat "$WORK/bad.out"; fail "check_docs missed: $expect"; }
done
MARKDOWN=$(find docs -name '*.md' -not -path 'docs/_site/*' | sort)
"$WORK/check_docs" --pending "$WORK/pending" $MARKDOWN || fail "docs/ has broken links or code"
for src in $EXAMPLES; do
    grep -q "examples/$(basename "$src"))" docs/book/*.md ||
        fail "$src is not linked from any chapter"
done

echo "== the book's definitions and the quick start ($SECONDS s)"
# Ch. 4: a data race needs a non-atomic access, or the chapter's own relaxed
# atomic fix would be one.
sed -n '/^## The three conditions/,/^## /p' docs/book/04-data-races.md | grep -q 'not atomic' ||
    fail "chapter 4's data-race conditions do not say at least one access is not atomic"
# Ch. 5: no relational comparison of pointers to different objects in its
# code; addresses compared as uintptr_t; why the deadlock lab orders by id.
if grep -n -E '^[^/]*\b[a-z_>.-]*(first|second|lock)[a-z_]* *[<>] *[a-z_]*->' docs/book/05-deadlocks.md docs/examples/deadlock.c; then
    fail "chapter 5 or deadlock.c compares pointers to different objects with < or >"
fi
grep -q '(uintptr_t)p->first > (uintptr_t)p->second' docs/examples/deadlock.c ||
    fail "deadlock.c does not order its locks by address as uintptr_t"
grep -q 'uintptr_t' docs/book/05-deadlocks.md && grep -q 'forbids' docs/book/05-deadlocks.md ||
    fail "chapter 5 does not explain uintptr_t and why the deadlock lab forbids ordering by address"
# Ch. 1: heap growth is a third way into the free list.
sed -n '/^### The two places that insert into the free list/,/^### /p' docs/book/01-allocator.md |
    grep -q 'a third when it grows' || fail "chapter 1 does not count heap growth as a way into the free list"
# The quick start works with sudo and as root without it.
grep -q 'sudo apt-get install -y make && sudo make deps' README.md &&
    grep -q '`apt-get install -y make && make deps`' README.md ||
    fail "the README's quick start does not give both the sudo and the root form"

echo "== the html site ($SECONDS s)"
if ! command -v pandoc >/dev/null; then
    echo "  pandoc is not installed: skipped (apt-get install -y pandoc)"
else
    rm -rf docs/_site
    make -s -C docs html || fail "make -C docs html failed"
    for md in $MARKDOWN; do
        page=docs/_site/${md#docs/}
        [ -f "${page%.md}.html" ] || fail "${page%.md}.html was not rendered"
    done
    grep -q '<nav id="TOC"' docs/_site/book/01-allocator.html || fail "the pages have no table of contents"
    # Every relative link of every page must reach a file, and its #anchor an id there.
    for page in $(find docs/_site -name '*.html'); do
        dir=$(dirname "$page")
        grep -o 'href="[^"]*"' "$page" | sed 's/^href="//; s/"$//' | sort -u |
            while read -r href; do
                case "$href" in *://* | mailto:*) continue ;; esac
                path=${href%%#*}
                anchor=${href#"$path"}
                anchor=${anchor#\#}
                target=$page
                [ -n "$path" ] && target=$dir/$path
                if [ ! -e "$target" ]; then
                    in_kit=$(realpath -m --relative-to="$ROOT" "$target")
                    in_site=$(realpath -m --relative-to="$ROOT/docs/_site" "$target")
                    case "$in_site" in
                    labs/*) source=${in_site%.html}.md ;;
                    *) source=docs/${in_site%.html}.md ;;
                    esac
                    if grep -qx -e "$in_kit" -e "$source" "$WORK/pending"; then
                        continue # written by another part of the kit
                    fi
                    echo "FAIL: $page: link to $href: no such file"
                    echo x >>"$WORK/html-failures"
                elif [ -n "$anchor" ] && [ "${target%.html}" != "$target" ] &&
                    ! grep -q "id=\"$anchor\"" "$target"; then
                    echo "FAIL: $page: link to $href: no such anchor"
                    echo x >>"$WORK/html-failures"
                fi
            done
    done
    [ -s "$WORK/html-failures" ] && fail "the html site has broken links"
    echo "  $(find docs/_site -name '*.html' | wc -l) pages"
fi

if [ $FAILED -ne 0 ]; then
    echo "docs: FAILED ($SECONDS s)"
    exit 1
fi
echo "docs: all passed ($SECONDS s)"
