# libobsplatform - build, test, install.
#
#   make                 library (static + shared) and examples
#   make check           unit tests, sanitizers, clang build, simulator,
#                        install test (installs missing Debian packages)
#   make check-tsan      the thread tests under ThreadSanitizer
#   make bench           benchmark figures (not a test)
#   make docs            Doxygen over the public headers, zero warnings
#   make install         honours PREFIX, LIBDIR, INCLUDEDIR and DESTDIR

VERSION_H := include/obsplatform_version.h
MAJOR := $(shell sed -n 's/^\#define OBS_VERSION_MAJOR \([0-9]*\)/\1/p' $(VERSION_H))
MINOR := $(shell sed -n 's/^\#define OBS_VERSION_MINOR \([0-9]*\)/\1/p' $(VERSION_H))
PATCH := $(shell sed -n 's/^\#define OBS_VERSION_PATCH \([0-9]*\)/\1/p' $(VERSION_H))
VERSION := $(MAJOR).$(MINOR).$(PATCH)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

CC ?= cc
OPT ?= -O2 -g
WARN := -Wall -Wextra -Wpedantic -Werror
# -ffp-contract=off: the simulator reproduces Python's floating point to the
# last bit, and a fused multiply-add would round differently.
BASE_CFLAGS := -std=c11 $(WARN) $(OPT) -ffp-contract=off \
	-D_POSIX_C_SOURCE=200809L -Iinclude
LIB_CFLAGS := $(BASE_CFLAGS) -DOBS_BUILDING_LIBRARY -fvisibility=hidden -Isrc
LIBS := -lm -lpthread
SANITIZE ?=
EXTRA_CFLAGS ?=

BUILD ?= build
SONAME := libobsplatform.so.$(MAJOR)
SHARED := lib/libobsplatform.so.$(VERSION)
STATIC := lib/libobsplatform.a

LIB_SRC := $(wildcard src/*.c)
LIB_HDR := $(wildcard src/*.h include/*.h)
STATIC_OBJ := $(patsubst src/%.c,$(BUILD)/static/%.o,$(LIB_SRC))
SHARED_OBJ := $(patsubst src/%.c,$(BUILD)/shared/%.o,$(LIB_SRC))

EXAMPLES := examples/obs-sim examples/obs-replay
EXAMPLES += examples/obs-server
TEST_SRC := $(wildcard tests/unit/test_*.c)
TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.PHONY: all lib examples check check-unit check-asan check-clang check-sim \
	check-install check-tsan bench docs install uninstall clean deps

all: lib examples

lib: $(STATIC) $(SHARED)

$(BUILD)/static/%.o: src/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(SANITIZE) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/shared/%.o: src/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(EXTRA_CFLAGS) -fPIC -c $< -o $@

$(STATIC): $(STATIC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(SHARED_OBJ)
	@mkdir -p lib
	$(CC) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LIBS)
	ln -sf libobsplatform.so.$(VERSION) lib/$(SONAME)
	ln -sf $(SONAME) lib/libobsplatform.so

# ---- examples ---------------------------------------------------------------

examples: $(EXAMPLES)

SIM_SRC := examples/sim/main.c examples/sim/pyrandom.c \
	examples/sim/fault_spec.c examples/sim/scenario.c
# The examples use Debian libraries (jansson, zlib, libmicrohttpd): `deps`
# installs what is missing as root, or says what to install, first. It is
# order-only so that it never forces a rebuild.
examples/obs-sim: $(SIM_SRC) $(wildcard examples/sim/*.h) $(STATIC) | deps
	$(CC) $(BASE_CFLAGS) $(SANITIZE) -Iexamples/sim -o $@ $(SIM_SRC) \
		$(STATIC) -ljansson $(LIBS)

$(BUILD)/pyrandom_check: examples/sim/pyrandom.c examples/sim/pyrandom_check.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -Iexamples/sim -o $@ $^ -lm

# ---- Prometheus exposition: obs-server, promtool, end to end ---------------

.PHONY: check-prometheus check-e2e-prometheus

SERVER_SRC := examples/server/main.c
examples/obs-server: $(SERVER_SRC) $(STATIC) | deps
	$(CC) $(BASE_CFLAGS) $(SANITIZE) -o $@ $(SERVER_SRC) $(STATIC) \
		-lmicrohttpd $(LIBS)

# The unit test writes every exposition it checks into a directory; promtool
# and an OpenMetrics parser then read each of them.
check-prometheus: $(BUILD)/tests/test_prometheus
	@rm -rf $(BUILD)/expositions
	@OBS_EXPOSITION_DIR=$(BUILD)/expositions sh tests/run_unit.sh $<
	@sh tests/prometheus/check_expositions.sh $(BUILD)/expositions

# obs-server under wrk, scraped by a real Prometheus, all on 127.0.0.1.
check-e2e-prometheus: examples/obs-server
	@bash tests/e2e/prometheus_e2e.sh examples/obs-server

# ---- end of Prometheus exposition ------------------------------------------

# ---- obs-sim timelines: fault specs, scenarios, drills ---------------------

.PHONY: check-scenarios

SIM_PARSER_SRC := examples/sim/fault_spec.c examples/sim/scenario.c
SIM_PARSER_HDR := examples/sim/fault_spec.h examples/sim/scenario.h

# The parsers' unit test compiles the simulator's sources with it; this
# explicit rule wins over the pattern rule for test binaries below.
$(BUILD)/tests/test_fault_spec: tests/unit/test_fault_spec.c \
		tests/unit/test_util.h $(SIM_PARSER_SRC) $(SIM_PARSER_HDR) \
		$(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SANITIZE) $(EXTRA_CFLAGS) -Itests/unit \
		-Iexamples/sim -o $@ $< $(SIM_PARSER_SRC) $(STATIC) -lcmocka \
		-ljansson $(LIBS)

# Every scenario of examples/scenarios plays out as its .events file says,
# and the fault drills of the issue hold (part of check-sim).
check-scenarios: examples/obs-sim
	@sh tests/sim/run_scenarios.sh examples/obs-sim examples/scenarios
	@sh tests/sim/run_fault_drills.sh examples/obs-sim

# ---- end of obs-sim timelines ----------------------------------------------

# ---- obs-replay: nginx access logs through the public API ------------------

REPLAY_SRC := examples/replay/logformat.c examples/replay/linereader.c \
	examples/replay/replay.c
REPLAY_HDR := $(wildcard examples/replay/*.h)
REPLAY_LIBS := -lz -ljansson

.PHONY: check-e2e-nginx bench-replay

examples/obs-replay: examples/replay/main.c $(REPLAY_SRC) $(REPLAY_HDR) \
		$(STATIC) | deps
	$(CC) $(BASE_CFLAGS) $(SANITIZE) -Iexamples/replay -o $@ \
		examples/replay/main.c $(REPLAY_SRC) $(STATIC) $(REPLAY_LIBS) $(LIBS)

# The parser's unit test compiles the tool's sources with it; this explicit
# rule wins over the pattern rule for test binaries below.
$(BUILD)/tests/test_logformat: tests/unit/test_logformat.c \
		tests/unit/test_util.h $(REPLAY_SRC) $(REPLAY_HDR) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SANITIZE) $(EXTRA_CFLAGS) -Itests/unit \
		-Iexamples/replay -o $@ $< $(REPLAY_SRC) $(STATIC) -lcmocka \
		$(REPLAY_LIBS) $(LIBS)

$(BUILD)/gen_access_log: tests/bench/gen_access_log.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -o $@ $<

check-e2e-nginx: examples/obs-replay
	@bash tests/e2e/nginx_e2e.sh examples/obs-replay

bench-replay: examples/obs-replay $(BUILD)/gen_access_log
	@sh tests/bench/replay_bench.sh $(BUILD)/gen_access_log \
		examples/obs-replay $(BUILD)/bench-access.log

# ---- end of obs-replay ------------------------------------------------------

# ---- robustness: fuzzing, valgrind -----------------------------------------
#
#   make fuzz-smoke      every libFuzzer target over its corpus (the inputs
#                        that ever crashed are there), then FUZZ_SMOKE_SECONDS
#                        on new inputs; part of make check
#   make fuzz            the same for FUZZ_SECONDS (600) per target
#   make check-valgrind  the unit tests (plain gcc build) under memcheck
#   make check-never     the library refers to no print, exit or abort

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-binaries check-valgrind \
	check-tsan-stress check-never

FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_BIN := build/fuzz/bin
FUZZ_SANITIZE := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
# Every target is listed here: the fuzz-binaries rule below expands this
# list when make reads it, so later additions would not be built.
FUZZ_TARGETS := fuzz_api fuzz_logline fuzz_logformat fuzz_fault_spec \
	fuzz_scenario
FUZZ_LINK = $(CC) $(BASE_CFLAGS) $(SANITIZE) -fsanitize=fuzzer -Itests/fuzz

# The library and the targets are built by clang, instrumented for
# coverage, AddressSanitizer and UndefinedBehaviorSanitizer.
fuzz-build:
	$(MAKE) CC=clang BUILD=build/fuzz STATIC=build/fuzz/libobsplatform.a \
		SANITIZE="$(FUZZ_SANITIZE)" OPT="-O1 -g" fuzz-binaries

fuzz-binaries: $(patsubst %,$(FUZZ_BIN)/%,$(FUZZ_TARGETS))

$(FUZZ_BIN)/fuzz_api: tests/fuzz/fuzz_api.c tests/fuzz/fuzz_common.h \
		$(STATIC)
	@mkdir -p $(dir $@)
	$(FUZZ_LINK) -o $@ $< $(STATIC) -ljansson $(LIBS)

$(FUZZ_BIN)/fuzz_logline $(FUZZ_BIN)/fuzz_logformat: $(FUZZ_BIN)/%: \
		tests/fuzz/%.c tests/fuzz/fuzz_common.h \
		examples/replay/logformat.c examples/replay/logformat.h
	@mkdir -p $(dir $@)
	$(FUZZ_LINK) -Iexamples/replay -o $@ $< examples/replay/logformat.c \
		-ljansson -lm

# obs-sim's parsers of fault specs and scenario files.
$(FUZZ_BIN)/fuzz_fault_spec $(FUZZ_BIN)/fuzz_scenario: $(FUZZ_BIN)/%: \
		tests/fuzz/%.c tests/fuzz/fuzz_common.h examples/sim/fault_spec.c \
		examples/sim/scenario.c examples/sim/fault_spec.h \
		examples/sim/scenario.h $(STATIC)
	@mkdir -p $(dir $@)
	$(FUZZ_LINK) -Iexamples/sim -o $@ $< examples/sim/fault_spec.c \
		examples/sim/scenario.c $(STATIC) -ljansson $(LIBS)

fuzz-smoke: fuzz-build
	@sh tests/fuzz/run_fuzz.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BIN) \
		$(FUZZ_TARGETS)

fuzz: fuzz-build
	@sh tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN) $(FUZZ_TARGETS)

check-valgrind: $(TESTS)
	@sh tests/robustness/run_valgrind.sh $(TESTS)

# The library neither prints, exits nor aborts (docs/guarantees.md).
check-never: lib
	@sh tests/robustness/never_calls.sh $(STATIC)

# The stress test also runs under ThreadSanitizer, with the thread tests.
check-tsan: check-tsan-stress

check-tsan-stress:
	$(MAKE) BUILD=build/tsan STATIC=build/tsan/libobsplatform.a \
		SANITIZE="-fsanitize=thread" OPT="-O1 -g" \
		TEST_SRC=tests/unit/test_stress.c check-unit-static

# ---- end of robustness ------------------------------------------------------

# ---- tests ------------------------------------------------------------------

# Test binaries link the static library: the suite uses the public API only.
$(BUILD)/tests/%: tests/unit/%.c tests/unit/test_util.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SANITIZE) $(EXTRA_CFLAGS) -Itests/unit -o $@ $< \
		$(STATIC) -lcmocka $(LIBS)

deps:
	@sh tests/deps.sh

check-unit: $(TESTS)
	@sh tests/run_unit.sh $(TESTS)

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-prometheus
	$(MAKE) check-e2e-prometheus
	$(MAKE) check-sim
	$(MAKE) check-e2e-nginx
	$(MAKE) check-asan
	$(MAKE) check-clang
	$(MAKE) check-install
	$(MAKE) docs
	$(MAKE) check-never
	$(MAKE) check-valgrind
	$(MAKE) fuzz-smoke
	@echo "make check: all suites passed"

check-asan:
	$(MAKE) BUILD=build/asan STATIC=build/asan/libobsplatform.a \
		SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer" OPT="-O1 -g" check-unit-static

# Sanitized builds link a static library of their own.
check-unit-static: $(TESTS)
	@sh tests/run_unit.sh $(TESTS)

# The examples and the benchmark must also be warning-free under clang.
CLANG_CHECKED := $(SIM_SRC) examples/replay/main.c $(REPLAY_SRC) \
	$(SERVER_SRC) tests/bench/bench.c

check-clang:
	$(MAKE) CC=clang BUILD=build/clang STATIC=build/clang/libobsplatform.a \
		check-unit-static
	clang $(BASE_CFLAGS) -Iexamples/sim -Iexamples/replay -fsyntax-only \
		$(CLANG_CHECKED)

check-tsan:
	$(MAKE) BUILD=build/tsan STATIC=build/tsan/libobsplatform.a \
		SANITIZE="-fsanitize=thread" OPT="-O1 -g" \
		TEST_SRC="tests/unit/test_threads.c tests/unit/test_prometheus.c \
		tests/unit/test_faults.c" \
		check-unit-static

check-sim: examples/obs-sim $(BUILD)/pyrandom_check
	@bash tests/sim/check_pyrandom.sh $(BUILD)/pyrandom_check
	@OBS_REFERENCE=$(REFERENCE) sh tests/sim/run_sim_tests.sh examples/obs-sim
	@$(MAKE) --no-print-directory check-scenarios

check-install: lib
	@sh tests/install/check_install.sh

REFERENCE ?= ../shared/reference/capstone.py

bench: lib examples/obs-sim
	@mkdir -p $(BUILD)
	$(CC) $(BASE_CFLAGS) -O3 -o $(BUILD)/bench tests/bench/bench.c \
		$(STATIC) $(LIBS)
	$(BUILD)/bench
	@sh tests/bench/sim_vs_reference.sh examples/obs-sim $(REFERENCE)
	$(MAKE) bench-replay

docs:
	@mkdir -p build
	@rm -f build/doxygen-warnings.log
	@doxygen docs/Doxyfile > build/doxygen.log 2>&1 || \
		{ cat build/doxygen.log; exit 1; }
	@if [ -s build/doxygen-warnings.log ]; then \
		cat build/doxygen-warnings.log; exit 1; fi
	@test -f build/docs/html/obsplatform_8h.html || \
		{ echo "docs: the header page is missing"; exit 1; }
	@echo "docs: build/docs/html/index.html (no warnings)"

# ---- install ----------------------------------------------------------------

obsplatform.pc: obsplatform.pc.in $(VERSION_H)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		$< > $@

install: lib obsplatform.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/obsplatform.h include/obsplatform_version.h \
		$(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)
	ln -sf libobsplatform.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libobsplatform.so
	install -m 644 obsplatform.pc $(DESTDIR)$(PKGCONFIGDIR)
	rm -f obsplatform.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/obsplatform.h \
		$(DESTDIR)$(INCLUDEDIR)/obsplatform_version.h \
		$(DESTDIR)$(LIBDIR)/libobsplatform.* \
		$(DESTDIR)$(PKGCONFIGDIR)/obsplatform.pc

clean:
	rm -rf build lib/*.a lib/*.so* $(EXAMPLES) obsplatform.pc
