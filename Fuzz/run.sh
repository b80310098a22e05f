#!/usr/bin/env bash
# Builds LossLab's fuzz targets with libFuzzer + AddressSanitizer and runs each for SECONDS
# (default 10), one after another. Exits non-zero if any target crashes, hangs (a single
# input over 10 s), allocates too much (one allocation over 1 GB, or over 2 GB resident),
# or fails to build. See docs/RELIABILITY.md.
#
#   Fuzz/run.sh [SECONDS]                 every target for SECONDS each
#   FUZZ_TARGETS="npy jsonl" Fuzz/run.sh 600
#
# Environment:
#   FUZZ_TARGETS    targets to run (default: npy npz table jsonl command session)
#   FUZZ_BUILD_DIR  build and scratch folder (default: .build-fuzz, git-ignored)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-seed=1" or "-jobs=2 -workers=2"
#   SWIFT           the swift driver (default: swift)
#
# Seeds are read from Tests/Fuzz/<target>/ and never written; inputs the fuzzer finds
# interesting accumulate in $FUZZ_BUILD_DIR/corpus/<target>/ (kept between runs, so long
# runs resume), and crashing inputs land in $FUZZ_BUILD_DIR/artifacts/<target>/.
set -euo pipefail

seconds="${1:-10}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: Fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
swift="${SWIFT:-swift}"
build="${FUZZ_BUILD_DIR:-$root/.build-fuzz}"
targets="${FUZZ_TARGETS:-npy npz table jsonl command session}"

# libFuzzer's runtime ships with the Swift toolchain's clang; say so plainly if it is missing.
swiftc_path="$(command -v "${swift}c" || command -v swiftc || true)"
if [ -n "$swiftc_path" ]; then
  toolchain="$(cd "$(dirname "$(readlink -f "$swiftc_path")")/.." && pwd)"
  if ! ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer*-"$(uname -m)".a >/dev/null 2>&1 \
     && ! ls "$toolchain"/lib/swift/clang/lib/linux/libclang_rt.fuzzer*-"$(uname -m)".a >/dev/null 2>&1; then
    echo "Fuzz/run.sh: this Swift toolchain ($toolchain) has no libFuzzer runtime (libclang_rt.fuzzer-$(uname -m).a)" >&2
    exit 1
  fi
fi

echo "== building fuzz targets (release, -sanitize=fuzzer,address) in $build"
mkdir -p "$build"
# `--sanitize fuzzer` makes SwiftPM compile the targets as libraries and link libFuzzer's
# main; the sanitizers themselves come from one `-sanitize=fuzzer,address` flag, because
# SwiftPM orders two `--sanitize` options arbitrarily and with `address` last the code gets
# no coverage instrumentation (libFuzzer then fuzzes blind).
if ! "$swift" build --package-path "$root/Fuzz" --scratch-path "$build" -c release \
     --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address >"$build/build.log" 2>&1; then
  grep -v "Cannot export local symbol" "$build/build.log" | tail -40 >&2
  echo "Fuzz/run.sh: the fuzz targets did not build (log: $build/build.log)" >&2
  exit 1
fi
grep -E "^(Build complete|warning|.*error:)" "$build/build.log" | grep -v "Cannot export local symbol" || true
bin="$build/release"

executable() {
  case "$1" in
    npy) echo FuzzNpy ;; npz) echo FuzzNpz ;; table) echo FuzzTable ;;
    jsonl) echo FuzzJSONL ;; command) echo FuzzCommand ;; session) echo FuzzSession ;;
    *) echo "Fuzz/run.sh: unknown target '$1' (targets: npy npz table jsonl command session)" >&2; return 1 ;;
  esac
}

max_len() {
  case "$1" in
    npz) echo 16384 ;;      # room for a few deflated entries
    command) echo 12288 ;;  # past the 10,000-character command limit
    session) echo 1024 ;;   # up to 8 command lines
    *) echo 4096 ;;
  esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0:handle_abort=1}"
# Swift's own crash backtracer fights ASan over the crashed process; libFuzzer and ASan
# print the stack instead.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
failed=()
for target in $targets; do
  name="$(executable "$target")"
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  # Scratch files (the loaders' inputs, the command target's journal) go to memory when
  # /dev/shm is there: the journal forces every line to disk.
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then scratch_base=/dev/shm/losslab-fuzz-$$; else scratch_base="$build/tmp"; fi
  scratch="$scratch_base/$target"
  mkdir -p "$corpus" "$artifacts" "$scratch"
  echo "== $target: ${seconds}s ($name, seeds in Tests/Fuzz/$target)"
  log="$build/$target.log"
  status=0
  # shellcheck disable=SC2086
  FUZZ_TMPDIR="$scratch" "$bin/$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len="$(max_len "$target")" -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
    "$corpus" "$root/Tests/Fuzz/$target" >"$log" 2>&1 || status=$?
  rm -rf "$scratch"; rmdir "$scratch_base" 2>/dev/null || true
  runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)"
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)"
  if [ "$status" -eq 0 ] && ! grep -q "inline 8-bit counters" "$log"; then
    echo "!! $target: the target reports no coverage counters (not instrumented); see $log"
    status=1
  fi
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "!! $target FAILED (exit $status); the end of $log:"
    grep -v -E '^(#[0-9]+|\s+NEW_FUNC)' "$log" | tail -40
    crash="$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //' || true)"
    if [ -n "$crash" ]; then
      echo "!! reproduce with: $bin/$name $crash"
      echo "!! input bytes: $(od -An -c "$crash" | head -8 | tr -s ' ')"
    fi
  else
    echo "   ok: ${runs:-?} inputs, ${cov:-no coverage reported}"
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "Fuzz/run.sh: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "Fuzz/run.sh: all targets ran ${seconds}s without a failure"
