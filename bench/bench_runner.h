/*
 * bench_runner.h - `hpo-bench runner` (bench/bench_runner.c): per-trial cost of
 * `hpo run` beyond process start-up.
 */
#ifndef HPO_BENCH_BENCH_RUNNER_H
#define HPO_BENCH_BENCH_RUNNER_H

/** argv[0] is "runner"; returns the exit status. */
int bench_runner_main(int argc, char **argv);

#endif
