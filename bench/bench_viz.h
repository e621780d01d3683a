/*
 * bench_viz.h - `hpo-bench viz` (bench/bench_viz.c): importance, report and
 * dashboard page times on a big study.
 */
#ifndef HPO_BENCH_BENCH_VIZ_H
#define HPO_BENCH_BENCH_VIZ_H

/** argv[0] is "viz"; returns the exit status. */
int bench_viz_main(int argc, char **argv);

#endif
