#!/bin/sh
# checksrc.sh - banned calls in libhpo (STYLE.md 2.7), checked by grep as curl does.
# Comments and string literals are not parsed; keep banned words out of both.
status=0
check() {
    pattern=$1
    why=$2
    shift 2
    hits=$(grep -nE "$pattern" "$@" 2>/dev/null | grep -v 'checksrc: allow')
    if [ -n "$hits" ]; then
        echo "$hits"
        echo "checksrc: $why"
        status=1
    fi
}
lib=$(find src -name '*.c' -o -name '*.h')
all=$(find src cli workloads -name '*.c' -o -name '*.h')
check '\b(sprintf|strcpy|strcat|strtok|gets)\s*\(' "unbounded string call; use snprintf/hpo_buf" $all
check '\b(atoi|atof|atol)\s*\(' "use strtod/strtoll with endptr and errno" $all
check '\b(rand|srand)\s*\(' "use the seeded hpo_rng" $all
check '\b(system|popen)\s*\(' "exec an argv instead of a shell" $all
check '(^|[^_a-z])(malloc|calloc|realloc|free)\s*\(' "allocate through core/alloc.h" $(echo "$lib" | grep -v 'src/core/alloc.c')
check '\b(printf|puts|exit|abort)\s*\(' "libhpo never prints, exits or aborts" $lib
if [ $status -eq 0 ]; then
    echo "checksrc: ok"
fi
exit $status
