/* clock.h - wall-clock (Unix seconds, for trial timestamps) and monotonic time (for timeouts). */
#ifndef HPO_CORE_CLOCK_H
#define HPO_CORE_CLOCK_H

double hpo__now(void);
double hpo__monotonic(void);

#endif
