#!/bin/sh
# run_tests.sh BUILD_DIR [test names...] - run the unit-test binaries of one build
# variant, count TAP results across all of them, and print one closing line:
#   tests: N passed, N failed
# Exits non-zero on any failure, on a crashed binary, or when no test ran.
build=$1
shift
if [ $# -gt 0 ]; then
    bins=""
    for t in "$@"; do bins="$bins $build/tests/$t"; done
else
    bins=$(ls "$build"/tests/test_* 2>/dev/null | grep -v '\.d$')
fi
passed=0
failed=0
crashed=0
tmp=$(mktemp)
for bin in $bins; do
    name=$(basename "$bin")
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
            crashed=$((crashed + 1))
            failed=$((failed + 1))
        fi
        echo "# $name: $p passed, $f failed"
    else
        echo "# $name: $p passed"
    fi
done
rm -f "$tmp"
echo "tests: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi
exit 0
