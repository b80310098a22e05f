#!/usr/bin/env bash
# The conventions of a command-line tool: --version, shell completions, the man page and
# `make install` (into a DESTDIR, of the build given), and a misspelt command refused with a
# suggestion while a notebook file of any name still opens.
# Usage: Tests/cli/conventions.sh PATH/TO/losslab (a build under .build/CONFIGURATION/)
set -u
bin=${1:?usage: conventions.sh PATH/TO/losslab}
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"

check "--version" 0 "$bin" --version
matches "--version prints a version" "$work/out" '^[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$'

check "misspelt command" 2 "$bin" evl --loss TripletLoss
contains "misspelt command suggests" "$work/err" "losslab: 'evl' is not a command, and there is no notebook file of that name; did you mean 'eval'?"
check "misspelt run" 2 "$bin" rnu notebook.lab
contains "misspelt run suggests" "$work/err" "did you mean 'run'?"
check "unknown word" 2 "$bin" frobnicate
contains "unknown word lists the commands" "$work/err" "the commands are explore, run, eval, losses, bench"
# A notebook file opens whatever its name: the explorer takes it (and here, without a
# terminal, says it needs one instead of calling the name a misspelt command).
printf 'load toy:blobs\n' >"$work/evl"
(cd "$work" && check "a notebook named like a command" 2 "$bin" evl </dev/null)
contains "the notebook reaches the explorer" "$work/err" "the explorer needs a terminal"
lacks "the notebook is not a misspelt command" "$work/err" "not a command"
check "help still works" 0 "$bin" help run
contains "help run" "$work/out" "USAGE: losslab run"

for shell in bash zsh fish; do
  check "$shell completion" 0 "$bin" --generate-completion-script "$shell"
  contains "$shell completion names the subcommands" "$work/out" "losses"
  cp "$work/out" "$work/completion.$shell"
done
check "bash completion parses" 0 bash -n "$work/completion.bash"
if command -v zsh >/dev/null; then check "zsh completion parses" 0 zsh -n "$work/completion.zsh"; fi
if command -v fish >/dev/null; then check "fish completion parses" 0 fish --no-execute "$work/completion.fish"; fi

# make install into a staging root, from the build under test.
configuration=$(basename "$(dirname "$bin")")
stage="$work/stage"
check "make install" 0 make -C "$root" install CONFIGURATION="$configuration" DESTDIR="$stage" PREFIX=/opt/losslab
for file in bin/losslab share/man/man1/losslab.1 share/bash-completion/completions/losslab \
            share/zsh/site-functions/_losslab share/fish/vendor_completions.d/losslab.fish; do
  check "installed $file" 0 test -s "$stage/opt/losslab/$file"
done
check "installed binary runs" 0 "$stage/opt/losslab/bin/losslab" --version
check "installed binary is executable" 0 test -x "$stage/opt/losslab/bin/losslab"
contains "man page title" "$stage/opt/losslab/share/man/man1/losslab.1" ".Dt LOSSLAB 1"
contains "man page lists eval" "$stage/opt/losslab/share/man/man1/losslab.1" "eval"
if command -v mandoc >/dev/null; then
  check "man page renders" 0 mandoc -T lint -W error "$stage/opt/losslab/share/man/man1/losslab.1"
elif command -v groff >/dev/null; then
  check "man page renders" 0 groff -mandoc -T utf8 "$stage/opt/losslab/share/man/man1/losslab.1"
fi
check "make uninstall" 0 make -C "$root" uninstall DESTDIR="$stage" PREFIX=/opt/losslab
check "uninstall removed the binary" 1 test -e "$stage/opt/losslab/bin/losslab"

echo "conventions: $passed passed, $failed failed"
[ "$failed" = 0 ]
