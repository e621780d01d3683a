# Source lists, kept apart so a switch to another build system stays mechanical.
LIB_SRC      := $(sort $(wildcard src/*.c src/*/*.c))
CLI_SRC      := $(sort $(wildcard cli/*.c cli/*/*.c))
WORK_SRC     := $(sort $(wildcard workloads/*/*.c))
BENCH_SRC    := $(sort $(wildcard bench/*.c))
TEST_SRC     := $(sort $(wildcard tests/test_*.c))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))
EXAMPLE_SRC  := $(sort $(wildcard examples/*.c))
