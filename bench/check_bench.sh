#!/usr/bin/env bash
# Times `kindlyguard check -p examples/policies -f DIR -o FORMAT` on generated Deployments
# (bench/gen_manifests.py), once per output format, and prints the numbers. It never passes or
# fails: issue 17's bar (within 1.2x of 0.1.0's time on 20,000 Deployments) is read off the table.
#
#   bench/check_bench.sh [BINARY]                    # BINARY: build/kindlyguard unless given
#   CHECK_BENCH_BASELINE=/tmp/kindlyguard-0.1.0 bench/check_bench.sh build/kindlyguard
#
# With CHECK_BENCH_BASELINE the two binaries run in turn (A B A B ...) on the same files, so a drift
# in the machine's speed hits both, and the ratio of each pair is printed (median, min, max). A
# format the binary does not know (0.1.0 has text and json only) is listed as such and skipped.
#
#   CHECK_BENCH_COUNT     Deployments (20000)
#   CHECK_BENCH_FILES     multi-document files they are spread over (10)
#   CHECK_BENCH_RUNS      counted runs per format and binary, after one warm-up each (3)
#   CHECK_BENCH_FORMATS   "text wide json sarif junit github"
#   CHECK_BENCH_POLICIES  examples/policies
#   CHECK_BENCH_DIR       where the manifests and outputs go (${TMPDIR:-/tmp}/kindlyguard-check-bench);
#                         the manifests are reused while the generator and its arguments are unchanged
#
# Wall, CPU (user + system), user and system seconds and peak memory are GNU time's (/usr/bin/time) accounting of the
# whole process, reading and parsing included; the output goes to a file, as in a CI job that keeps
# its report. Quote medians, and on a shared machine the CPU seconds: wall time there includes the
# waits for a core that other processes hold.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"
binary="${1:-${root}/build/kindlyguard}"
baseline="${CHECK_BENCH_BASELINE:-}"
count="${CHECK_BENCH_COUNT:-20000}"
files="${CHECK_BENCH_FILES:-10}"
runs="${CHECK_BENCH_RUNS:-3}"
formats="${CHECK_BENCH_FORMATS:-text wide json sarif junit github}"
policies="${CHECK_BENCH_POLICIES:-${root}/examples/policies}"
work="${CHECK_BENCH_DIR:-${TMPDIR:-/tmp}/kindlyguard-check-bench}"
gnu_time=/usr/bin/time

die() { echo "check_bench: $*" >&2; exit 2; }
[[ -x "${binary}" ]] || die "no binary at ${binary} (build it: cmake --build build --target kindlyguard)"
[[ -z "${baseline}" || -x "${baseline}" ]] || die "CHECK_BENCH_BASELINE=${baseline} is not an executable"
[[ -x "${gnu_time}" ]] || die "${gnu_time} is missing (Debian package: time)"
[[ "${runs}" =~ ^[1-9][0-9]*$ ]] || die "CHECK_BENCH_RUNS must be a positive number"

# The manifests: regenerated only when the generator or its arguments changed.
manifests="${work}/manifests"
stamp="$(sha256sum "${here}/gen_manifests.py" | cut -c1-16) count=${count} files=${files}"
if [[ "$(cat "${manifests}/.stamp" 2>/dev/null)" != "${stamp}" ]]; then
  rm -rf "${manifests}"
  python3 "${here}/gen_manifests.py" "${manifests}" --count "${count}" --files "${files}" >&2
  echo "${stamp}" > "${manifests}/.stamp"
fi
lines="$(cat "${manifests}"/*.yaml | wc -l)"
bytes="$(cat "${manifests}"/*.yaml | wc -c)"

# One run: "wall user sys peak_kb exit output_bytes cpu" (cpu = user + sys), output to ${work}/out.
run_once() {
  local bin="$1" format="$2" exit_code=0
  "${gnu_time}" -f '%e %U %S %M' -o "${work}/time" \
    "${bin}" check -p "${policies}" -f "${manifests}" -o "${format}" > "${work}/out" 2> "${work}/err" || exit_code=$?
  # GNU time prefixes "Command exited with non-zero status N" when the command fails.
  tail -n 1 "${work}/time" | awk -v e="${exit_code}" -v b="$(wc -c < "${work}/out")" '{ print $0, e, b, $2 + $3 }'
}

# min / median / max of column $1 of the file $2.
stats() {
  sort -g -k "$1,$1" "$2" | awk -v c="$1" '{ v[NR] = $c }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f / %.3f / %.3f", v[1], m, v[NR] }'
}
median() { stats "$1" "$2" | awk -F' / ' '{ print $2 }'; }

# Does the binary know the format? 0.1.0 answers `--output must be text or json` with exit 2.
# Asked on the first Deployment alone, so the question costs no time.
awk '/^---/ { n++ } n == 1' "${manifests}/deployments-00.yaml" > "${work}/probe.yaml"
supports() {
  local exit_code=0
  "$1" check -p "${policies}" -f "${work}/probe.yaml" -o "$2" > /dev/null 2> "${work}/probe" || exit_code=$?
  ! { [[ ${exit_code} -eq 2 ]] && grep -qiE 'output|format' "${work}/probe"; }
}

report() {  # label, samples file
  printf '  %-9s wall %s s   cpu %s s   user %s s   sys %s s   peak %s MB   exit %s   output %s KB\n' "$1" \
    "$(stats 1 "$2")" "$(stats 7 "$2")" "$(stats 2 "$2")" "$(stats 3 "$2")" \
    "$(awk '{ print $4 / 1024 }' "$2" | sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] }')" \
    "$(awk '{ print $5 }' "$2" | sort -u | paste -sd, -)" "$(awk '{ printf "%.0f", $6 / 1024; exit }' "$2")"
}

echo "kindlyguard check: ${count} Deployments in ${files} files (${lines} lines, $((bytes / 1024 / 1024)) MB), policies ${policies#"${root}/"}"
echo "  A: ${binary} ($("${binary}" version 2>/dev/null | head -n 1))"
[[ -n "${baseline}" ]] && echo "  B: ${baseline} ($("${baseline}" version 2>/dev/null | head -n 1))"
echo "  ${runs} runs per format and binary after one warm-up; min / median / max; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for format in ${formats}; do
  echo "-o ${format}"
  a_ok=1 b_ok=0 a_note="" b_note=""
  supports "${binary}" "${format}" || { a_ok=0; a_note="does not know -o ${format}: $(head -n 1 "${work}/probe")"; }
  if [[ -n "${baseline}" ]]; then
    b_ok=1
    supports "${baseline}" "${format}" || { b_ok=0; b_note="does not know -o ${format}"; }
  fi
  : > "${work}/a" ; : > "${work}/b"
  (( a_ok )) && run_once "${binary}" "${format}" > /dev/null
  (( b_ok )) && run_once "${baseline}" "${format}" > /dev/null
  for ((i = 0; i < runs; i++)); do
    (( a_ok )) && run_once "${binary}" "${format}" >> "${work}/a"
    (( b_ok )) && run_once "${baseline}" "${format}" >> "${work}/b"
  done
  if (( a_ok )); then report A "${work}/a"; else echo "  A         ${a_note}"; fi
  if (( b_ok )); then report B "${work}/b"; elif [[ -n "${b_note}" ]]; then echo "  B         ${b_note}"; fi
  if (( a_ok && b_ok )); then
    for col in 1:wall 7:cpu; do
      paste -d' ' "${work}/a" "${work}/b" | awk -v c="${col%%:*}" '{ printf "%.4f\n", ($(c + 7) > 0 ? $c / $(c + 7) : 0) }' > "${work}/ratio"
      printf '  A/B %-4s pair by pair: %s (median of A / median of B: %.3f)\n' "${col#*:}" "$(stats 1 "${work}/ratio")" \
        "$(awk -v a="$(median "${col%%:*}" "${work}/a")" -v b="$(median "${col%%:*}" "${work}/b")" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    done
  fi
done
