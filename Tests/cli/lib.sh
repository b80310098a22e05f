# Shared by the CLI checks: source it after setting $work (a scratch directory).
# check NAME CODE COMMAND... runs COMMAND (stdout to $work/out, stderr to $work/err) and
# expects exit status CODE; contains/lacks look for fixed text in a file, matches for a
# regular expression. Each counts into $passed / $failed.
passed=0
failed=0

check() { # name, expected exit code, command...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $got, wanted $want"
    sed 's/^/  | /' "$work/out" "$work/err" | head -5
  fi
}

contains() { # name, file, text
  if grep -qF -- "$3" "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: '$3' not in $(head -c 400 "$2")"; fi
}

matches() { # name, file, regular expression
  if grep -q -- "$3" "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: /$3/ not in $(head -c 400 "$2")"; fi
}

lacks() { # name, file, text
  if grep -qF -- "$3" "$2"; then failed=$((failed + 1)); echo "FAIL $1: '$3' in $(head -c 400 "$2")"; else passed=$((passed + 1)); fi
}
