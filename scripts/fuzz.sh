#!/usr/bin/env bash
# `make fuzz` and `make fuzz-short`: builds the libFuzzer targets of fuzz/ with clang (ASan and
# UBSan on) and runs each for a bounded time. Fails when any target finds a crash, a leak, a
# timeout or a broken invariant; the input that did it is kept for a regression test.
#
#   scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]
#
# BUILD_DIR: a new or existing tree of the fuzz/ project (`make fuzz`: -O1, fastest per run), or the
# sanitizer tree configured with KINDLY_FUZZ_TARGETS=ON (`make fuzz-short`: -O0, the objects
# `make test-sanitize` tests, so CI compiles them once).
#
# Corpora: each target starts from its hand-written seeds (fuzz/corpus/<target>/), the matching
# test data of the repository (examples/, crds/), and what earlier runs found
# (BUILD_DIR/corpus/<target>/, where new inputs are written; fuzz/corpus is never modified).
# Artifacts (crash-*, leak-*, timeout-*, oom-*) land in BUILD_DIR/artifacts/<target>/ and logs in
# BUILD_DIR/logs/<target>.log. Reproduce one with: BUILD_DIR/<target> <artifact>.
#
# Environment: FUZZ_JOBS (compile jobs, default nproc), FUZZ_PARALLEL (targets fuzzed at once,
# default nproc), FUZZ_RSS_LIMIT_MB (default 2560),
# FUZZ_ARGS (more libFuzzer flags, e.g. -only_ascii=1).
set -euo pipefail

build=${1:?usage: scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]}
seconds=${2:?usage: scripts/fuzz.sh BUILD_DIR SECONDS_PER_TARGET [TARGET...]}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${FUZZ_JOBS:-$(nproc)}
rss_limit=${FUZZ_RSS_LIMIT_MB:-2560}

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; make deps installs clang and libclang-rt-14-dev" >&2
  exit 2
fi
# libFuzzer's runtime comes apart from the compiler (Debian: libclang-rt-14-dev).
if [ ! -f "$(clang++ -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] &&
   [ ! -f "$(clang++ -print-runtime-dir)/libclang_rt.fuzzer.a" ]; then
  echo "fuzz: clang's libFuzzer runtime is missing; make deps installs libclang-rt-14-dev" >&2
  exit 2
fi
# BUILD_DIR is either the fuzz/ project's tree (configured here when new: -O1, for long runs) or
# a tree configured with KINDLY_FUZZ_TARGETS=ON (the sanitizer tree of `make fuzz-short`). Both
# write fuzz-targets.txt when configured.
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Fuzz >/dev/null
fi
# A tree configured before fuzz-targets.txt existed writes it when configured again.
[ -f "$build/fuzz-targets.txt" ] || cmake "$build" >/dev/null
if [ ! -f "$build/fuzz-targets.txt" ]; then
  echo "fuzz: $build has no fuzz targets (fuzz-targets.txt): configure it from fuzz/, or with -DKINDLY_FUZZ_TARGETS=ON" >&2
  exit 2
fi
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < "$build/fuzz-targets.txt"
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

# Repository data that makes good seeds, per target.
seeds_for() {
  case "$1" in
    fuzz_admission_review) echo examples/reviews ;;
    fuzz_policy_yaml) echo examples/policies examples/pods crds ;;
    fuzz_source_map) echo examples/pods examples/tests ;;
    *) ;;
  esac
}

# One target: fuzz it, then print its outcome; the exit status says whether it failed.
fuzz_one() {
  local t=$1
  local work="$build/corpus/$t" artifacts="$build/artifacts/$t" log="$build/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  local dirs=("$work" "fuzz/corpus/$t") d
  for d in $(seeds_for "$t"); do [ -d "$d" ] && dirs+=("$d"); done
  local dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  echo "fuzz: $t for ${seconds}s"
  # detect_leaks: the targets keep their fixtures in never-freed statics, which LeakSanitizer
  # does not report (still reachable); anything else leaked is a bug. quarantine_size_mb: with ASan's
  # default (256 MiB of freed memory held back) fuzz_kubeconfig, whose yaml-cpp nodes are many
  # and small (redzones on each), reached 1.3 GiB of RSS in five minutes and kept growing; 64 MiB
  # holds it near 400 MiB and still catches a use after free within thousands of runs.
  if ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=64 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/$t" "${dirs[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=25 -rss_limit_mb="$rss_limit" \
      -artifact_prefix="$artifacts/" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed "s/^/fuzz: $t: /" || true
    return 0
  fi
  {
    echo "fuzz: $t FAILED; the last lines of $log:"
    tail -40 "$log"
    local a
    for a in "$artifacts"/*; do
      [ -e "$a" ] && echo "fuzz: reproduce with: $build/$t $a"
    done
  } >&2
  return 1
}

# FUZZ_PARALLEL targets at a time (default: one per core); each libFuzzer process is one thread.
parallel=${FUZZ_PARALLEL:-$(nproc)}
failed=()
declare -A running=()  # pid -> target
reap() {
  local pid
  wait -n -p pid && status=0 || status=$?
  [ "$status" -eq 0 ] || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
for t in "${targets[@]}"; do
  [ -n "$t" ] || continue
  while [ ${#running[@]} -ge "$parallel" ]; do reap; done
  fuzz_one "$t" &
  running[$!]=$t
done
while [ ${#running[@]} -gt 0 ]; do reap; done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a failure"
