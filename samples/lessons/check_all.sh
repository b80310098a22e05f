#!/usr/bin/env bash
# Runs every lesson notebook in this folder with `losslab run --check` and prints
# "lessons: N passed, M failed". Exit status 1 when a lesson fails (an expectation does not
# hold, or a command errs). Usage: samples/lessons/check_all.sh PATH/TO/losslab
set -u
bin=${1:?usage: check_all.sh PATH/TO/losslab}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
for lesson in "$here"/*.lab; do
  name=$(basename "$lesson" .lab)
  start=$(date +%s)
  if "$bin" run "$lesson" --check --out "$out/$name" >"$out/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok   $name ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1))
    echo "FAIL $name ($(( $(date +%s) - start )) s)"
    grep -E "FAILED|rror|failed" "$out/$name.log" | head -10 | sed 's/^/  | /'
  fi
done
echo "lessons: $passed passed, $failed failed"
[ "$failed" = 0 ]
