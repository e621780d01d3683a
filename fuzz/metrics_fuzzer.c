/*
 * metrics_fuzzer.c - libFuzzer target for the metric-line parser of `hpo run`
 * (cli/metrics.c): any bytes, any length, must parse without a crash, a leak
 * or an out-of-range result. Its corpus (fuzz/corpus/metrics) is replayed by
 * tests/test_cli_parse.c in every `make check`.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Iinclude \
 *       fuzz/metrics_fuzzer.c cli/metrics.c -ljansson -o metrics_fuzzer
 *   ./metrics_fuzzer fuzz/corpus/metrics
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_metric_line m;
    double v;
    size_t n = cli_metrics_parse((const char *)data, size, &m);
    if (n != m.n || n > CLI_METRICS_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!cli_metrics_get(&m, m.items[i].name, &v) || m.items[i].name[0] == '\0')
            abort();
    return 0;
}
