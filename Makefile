# kindlyguard — the two commands a newcomer needs are `make run` and `make test`.
# Every target installs what it lacks first (make deps), so a fresh Debian machine needs nothing else.

BUILD_DIR      ?= build
SANITIZE_DIR   ?= build-sanitize
# clang for the sanitizer build: it compiles the instrumented -O0 tree in 4 minutes where gcc takes 9.
SANITIZE_CXX   ?= clang++
SANITIZE_CC    ?= clang
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
RUN_DIR        := $(BUILD_DIR)/run
LISTEN         ?= 127.0.0.1:8443
METRICS_LISTEN ?= 127.0.0.1:9090
CTEST_FLAGS    ?= --output-on-failure -j $(JOBS)
FUZZ_DIR       ?= build-fuzz
FUZZ_SECONDS   ?= 300
# Per target in `make fuzz-short` (part of `make test`): 8 targets, one per core at a time.
FUZZ_SHORT_SECONDS ?= 20

.PHONY: all deps deps-build build binary test test-sanitize fuzz fuzz-short run bench image test-image test-image-bases clean

# `make deps-build` (and DEPS_FLAGS=--build-only for `make binary`): only the compiler, cmake and the
# libraries the binary links; the image's build stage uses it.
DEPS_FLAGS     ?=
# `make image`: docker when a daemon answers, else buildah (vfs storage, chroot isolation). The
# bases are build arguments; empty keeps the Dockerfile's pinned public ones.
IMAGE          ?= kindlyguard:dev
BUILD_BASE     ?=
RUNTIME_BASE   ?=
VERSION        ?= 0.1.0
# `make test-image IMAGE_BINARY=build/kindlyguard` (CI): build the image around that binary instead
# of compiling the sources in the image again (scripts/test-image.sh, KINDLY_IMAGE_BINARY).
IMAGE_BINARY   ?=

all: build

deps:
	@scripts/deps.sh $(DEPS_FLAGS)

deps-build:
	@scripts/deps.sh --build-only

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only the binary: what `make run` needs, without compiling the test suites.
binary: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) --target kindlyguard

# The suites (ctest), then a short fuzzing run of every parser that takes untrusted input.
test: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)
	$(MAKE) --no-print-directory fuzz-short

# The sanitizer tree also holds the fuzz targets (KINDLY_FUZZ_TARGETS): `make fuzz-short` builds
# them there, and this target's build then only adds the suites.
SANITIZE_CONFIGURE = cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DKINDLY_SANITIZE=ON -DKINDLY_BUILD_BENCH=OFF \
	  -DKINDLY_WHOLE_SUITE_TESTS=unit -DKINDLY_FUZZ_TARGETS=ON \
	  -DCMAKE_C_COMPILER=$(SANITIZE_CC) -DCMAKE_CXX_COMPILER=$(SANITIZE_CXX) $(CMAKE_FLAGS)

test-sanitize: deps
	$(SANITIZE_CONFIGURE)
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest $(CTEST_FLAGS)

# libFuzzer targets (fuzz/, built with clang, ASan and UBSan in $(FUZZ_DIR) at -O1), each run for
# FUZZ_SECONDS; a crash, hang or leak fails and leaves its input in $(FUZZ_DIR)/artifacts/.
fuzz: deps
	FUZZ_JOBS=$(JOBS) scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The short run of `make test`: the same targets built in the sanitizer tree, whose objects
# `make test-sanitize` reuses (one instrumented compile in CI instead of two); artifacts in
# $(SANITIZE_DIR)/artifacts/.
fuzz-short: deps
	$(SANITIZE_CONFIGURE)
	FUZZ_JOBS=$(JOBS) scripts/fuzz.sh $(SANITIZE_DIR) $(FUZZ_SHORT_SECONDS)

# Starts the webhook on loopback with a self-signed certificate and the example policies.
run: binary
	@scripts/run-local.sh $(BUILD_DIR)/kindlyguard $(RUN_DIR) $(LISTEN) $(METRICS_LISTEN)

bench: build
	@scripts/bench.sh $(BUILD_DIR)

image:
	@IMAGE=$(IMAGE) BUILD_BASE=$(BUILD_BASE) RUNTIME_BASE=$(RUNTIME_BASE) VERSION=$(VERSION) scripts/build-image.sh

# Offline: local stand-ins for both bases (debootstrap), the real Dockerfile built with buildah,
# the image run as the chart runs it (scripts/test-image.sh; cache in KINDLY_IMAGE_CACHE).
test-image:
	@KINDLY_IMAGE_BINARY=$(IMAGE_BINARY) scripts/test-image.sh

# Only the two Debian bases of test-image, made and cached (CI makes them while `make test` compiles).
test-image-bases:
	@scripts/test-image.sh --bases-only

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
