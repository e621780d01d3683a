# hpo - one plain GNU Makefile (STYLE.md 2.8).
#   make            libhpo.a, libhpo.so.0, hpo.pc and the hpo binary in build/release
#   make check      unit tests (release build) with one closing summary line
#   make asan       the same tests under ASan+UBSan        (build/asan)
#   make tsan       the threaded tests under ThreadSanitizer (build/tsan)
#   make bench      build/hpo-bench
#   make install PREFIX=/usr/local
# WERROR=1 turns warnings into errors (CI sets it).

VARIANT ?= release
BUILD   ?= build/$(VARIANT)
PREFIX  ?= /usr/local

CC      ?= cc
PKGS    := jansson sqlite3 libpq
WORK_PKGS := zlib yaml-0.1 libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(WORK_PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
WORK_LIBS   := $(shell pkg-config --libs $(WORK_PKGS))
# GP and CMA-ES: LAPACK through LAPACKE on OpenBLAS, bounded quasi-Newton through L-BFGS-B.
MATH_LIBS   := -llapacke $(BLAS_LIBS) -llbfgsb

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wcast-align \
        -Wnull-dereference -Wimplicit-fallthrough -Wdouble-promotion \
        $(if $(filter 1,$(WERROR)),-Werror)

OPT_release := -O2 -g
OPT_asan    := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT_tsan    := -O1 -g -fsanitize=thread
OPT := $(OPT_$(VARIANT))
LDOPT := $(filter -fsanitize=%,$(OPT))

CPPFLAGS += -I. -Iinclude -Isrc -Iworkloads -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS   += -std=c11 $(OPT) -fPIC -fvisibility=hidden -pthread $(WARN) $(PKG_CFLAGS) $(BLAS_CFLAGS)
LDLIBS   := $(PKG_LIBS) $(MATH_LIBS) -lm -pthread

include sources.mk

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TLIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/tobj/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
WORK_OBJ  := $(WORK_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/tobj/%.o)
EXAMPLE_BINS := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)

SONAME := libhpo.so.0

.PHONY: all lib check asan tsan test bench tests examples install clean lint format-check checksrc
all: lib $(BUILD)/hpo $(BUILD)/hpo.pc examples
lib: $(BUILD)/libhpo.a $(BUILD)/$(SONAME)

# V=1 shows full command lines.
Q := $(if $(filter 1,$(V)),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Test builds of the library expose fault injection (HPO_TESTING).
$(BUILD)/tobj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (test)")
	$(Q)$(CC) $(CPPFLAGS) -DHPO_TESTING $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libhpo.a: $(LIB_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BUILD)/libhpo-test.a: $(TLIB_OBJ)
	@rm -f $@
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BUILD)/$(SONAME): $(LIB_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) $(LDOPT) -o $@ $^ $(LDLIBS)
	$(Q)ln -sf $(SONAME) $(BUILD)/libhpo.so

$(BUILD)/hpo: $(CLI_OBJ) $(WORK_OBJ) $(BUILD)/libhpo.a
	$(CC) $(LDOPT) -o $@ $(CLI_OBJ) $(WORK_OBJ) $(BUILD)/libhpo.a $(LDLIBS) $(WORK_LIBS)

$(BUILD)/hpo.pc: hpo.pc.in Makefile
	@mkdir -p $(BUILD)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' hpo.pc.in > $@

VERSION := $(shell sed -n 's/^\#define HPO_VERSION_STRING "\(.*\)"/\1/p' include/hpo/hpo.h)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT_OBJ) $(WORK_OBJ) $(BUILD)/libhpo-test.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) -DHPO_TESTING $(CFLAGS) -Itests -MMD -MP -o $@ $< $(TEST_SUPPORT_OBJ) \
		$(WORK_OBJ) $(BUILD)/libhpo-test.a -lcmocka $(LDLIBS) $(WORK_LIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/libhpo.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libhpo.a $(LDLIBS)

examples: $(EXAMPLE_BINS)
# The Python binding is tested on the release library only (a sanitised .so
# would need the sanitiser preloaded into Python).
PY_TEST := $(if $(filter release,$(VARIANT)),$(BUILD)/tests/test_python)
tests: $(TEST_BINS) $(BUILD)/hpo $(PY_TEST)

# A test "binary" like the others: runs every tests/python/test_*.py (TAP) on this
# build's libhpo.so.0 with the python/ package, from the repository root.
PY_SRC := $(wildcard python/hpo/*.py python/hpo/*/*.py tests/python/test_*.py)
$(BUILD)/tests/test_python: $(PY_SRC) $(BUILD)/$(SONAME)
	@mkdir -p $(dir $@)
	@printf '%s\n' '#!/bin/sh' 'cd "$$(dirname "$$0")/../../.." || exit 1' \
		'export HPO_LIBRARY="$$PWD/$(BUILD)/$(SONAME)" PYTHONPATH="$$PWD/python"' \
		'rc=0' 'for f in tests/python/test_*.py; do python3 "$$f" || rc=1; done' \
		'exit $$rc' > $@
	@chmod +x $@

# One closing line for the whole run; non-zero exit on any failure or no test.
check: tests examples
	@sh tests/run_tests.sh $(BUILD)

asan:
	$(MAKE) VARIANT=asan check

comma := ,
empty :=
space := $(empty) $(empty)

# ThreadSanitizer on the tests that run threads.
TSAN_TESTS := test_threads
tsan:
	$(MAKE) VARIANT=tsan $(TSAN_TESTS:%=build/tsan/tests/%)
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		sh tests/run_tests.sh build/tsan:$(subst $(space),$(comma),$(strip $(TSAN_TESTS)))

# The README's test command: everything under ASan+UBSan, the threaded tests
# under TSan, one closing summary line for the whole run.
test:
	$(MAKE) VARIANT=asan tests examples
	$(MAKE) VARIANT=tsan $(TSAN_TESTS:%=build/tsan/tests/%)
	$(MAKE) VARIANT=release build/release/tests/test_python
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		sh tests/run_tests.sh build/asan build/tsan:$(subst $(space),$(comma),$(strip $(TSAN_TESTS))) \
		build/release:test_python

bench: build/hpo-bench
build/hpo-bench: $(BENCH_OBJ) $(WORK_OBJ) $(BUILD)/libhpo.a
	$(CC) $(LDOPT) -o $@ $(BENCH_OBJ) $(WORK_OBJ) $(BUILD)/libhpo.a $(LDLIBS) $(WORK_LIBS)

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/hpo $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(BUILD)/libhpo.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/$(SONAME) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libhpo.so
	install -m 644 include/hpo/hpo.h $(DESTDIR)$(PREFIX)/include/hpo/
	install -m 644 $(BUILD)/hpo.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 755 $(BUILD)/hpo $(DESTDIR)$(PREFIX)/bin/

checksrc:
	sh tools/checksrc.sh

format-check:
	clang-format --dry-run -Werror $(LIB_SRC) $(CLI_SRC) include/hpo/hpo.h

clean:
	rm -rf build

.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
