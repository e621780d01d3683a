/* clock.c - time sources: CLOCK_REALTIME for stored datetimes, CLOCK_MONOTONIC for deadlines. */
#include "core/clock.h"

#include <time.h>

double hpo__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double hpo__monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
