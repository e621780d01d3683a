#!/bin/sh
# run_tests.sh SPEC... - run unit-test binaries and print one closing line for the
# whole run:   tests: N passed, N failed
# Each SPEC is BUILD_DIR (every test binary in BUILD_DIR/tests) or
# BUILD_DIR:name,name (just those). Exits non-zero on any failure, on a crashed
# binary, or when no test ran.
passed=0
failed=0
tmp=$(mktemp)
for spec in "$@"; do
    build=${spec%%:*}
    if [ "$build" != "$spec" ]; then
        bins=$(echo "${spec#*:}" | tr ',' ' ' | sed "s|[^ ][^ ]*|$build/tests/&|g")
    else
        bins=$(ls "$build"/tests/test_* 2>/dev/null | grep -v '\.d$')
    fi
    for bin in $bins; do
        name="$(basename "$build")/$(basename "$bin")"
        if [ ! -x "$bin" ]; then
            echo "# $name: missing"
            failed=$((failed + 1))
            continue
        fi
        CMOCKA_MESSAGE_OUTPUT=TAP HPO_TEST_BUILD="$build" "$bin" > "$tmp" 2>&1
        rc=$?
        p=$(grep -c '^ok ' "$tmp")
        f=$(grep -c '^not ok ' "$tmp")
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
            cat "$tmp"
            if [ "$f" -eq 0 ]; then
                echo "# $name exited with status $rc"
                failed=$((failed + 1))
            fi
            echo "# $name: $p passed, $f failed"
        else
            echo "# $name: $p passed"
        fi
    done
done
rm -f "$tmp"
echo "tests: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
exit 0
