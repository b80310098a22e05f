#!/usr/bin/env bash
# End-to-end checks of the explorer in tmux: it starts, trains, answers keys, survives tiny
# terminals, resize storms and long pastes, and always gives the terminal back (quit, Ctrl-C,
# SIGTERM, SIGHUP, SIGPIPE, and crashes: fatalError, a failed precondition, SIGSEGV, abort).
# Usage: Tests/e2e/explorer.sh PATH/TO/losslab
set -u
bin=$(cd "$(dirname "${1:?usage: explorer.sh PATH/TO/losslab}")" && pwd)/$(basename "$1")
work=$(mktemp -d)
export LOSSLAB_HOME="$work/home"
# After a crash signal Swift's runtime prints a backtrace; on a terminal it would then wait
# 30 s for a key. The terminal is already restored by then; the test needs no interaction.
export SWIFT_BACKTRACE=interactive=no
round=0
socket="losslab-e2e-$$-0"
tm() { tmux -L "$socket" "$@"; }
trap 'for s in /tmp/tmux-$(id -u)/losslab-e2e-$$-*; do tmux -S "$s" kill-server 2>/dev/null; done; umount "$work/ro" "$work/full" 2>/dev/null; rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $1"; tm capture-pane -p -t e2e 2>/dev/null | sed 's/^/  | /' | head -50; }

# Waits up to $2 seconds for text $1 on the screen.
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do
    tm capture-pane -p -t e2e 2>/dev/null | grep -q -- "$1" && return 0
    sleep 0.2
  done
  return 1
}

start() { # width height [args...]
  local width=$1 height=$2
  shift 2
  tm kill-server 2>/dev/null
  # A fresh server per run: reusing one that is shutting down races.
  round=$((round + 1))
  socket="losslab-e2e-$$-$round"
  tm new-session -d -s e2e -x "$width" -y "$height" \
    "cd '$work' && '$bin' $* ; echo \"EXITED \$?\"; stty -a | grep -q ' icanon' && echo COOKED; sleep 60"
}

# The explorer of this test's tmux pane (never another losslab on the machine).
explorer_pid() {
  local shell
  shell=$(tm list-panes -t e2e -F '#{pane_pid}' 2>/dev/null | head -1)
  [ -n "$shell" ] && pgrep -P "$shell" -x losslab | head -1
}

restored() { # name
  if wait_for "EXITED" 10 && wait_for "COOKED" 3; then ok; else fail "$1: terminal not restored"; fi
}

# 1. Starts on the default dataset, steps, runs and pauses.
start 120 40
wait_for "labelled-items" 15 && ok || fail "default dataset shown"
tm send-keys -t e2e n
wait_for "step 1" 10 && ok || fail "n takes one step"
tm send-keys -t e2e " "
sleep 1.5
tm send-keys -t e2e " "
wait_for "paused" 10 && ok || fail "space pauses"
wait_for "Mined triplets" 10 && ok || fail "mining pane"
# 2. The margin key, the command line, a loss change and the help overlay.
tm send-keys -t e2e +
wait_for "margin=6.25" 10 && ok || fail "+ raises the margin"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "loss BatchAllTripletLoss margin=2" Enter
wait_for "BatchAllTripletLoss distance_metric=euclidean margin=2" 10 && ok || fail "loss command"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "set lr=banana" Enter
wait_for "lr must be a" 10 && ok || fail "bad command answered"
tm send-keys -t e2e "?"
wait_for "Keys" 10 && ok || fail "help overlay"
tm send-keys -t e2e Escape
tm send-keys -t e2e l
wait_for "needs binary-pairs data" 10 && ok || fail "loss picker shows what does not fit"
tm send-keys -t e2e Escape
# 3. Resize below the minimum and back.
tm resize-window -t e2e -x 60 -y 20 2>/dev/null || tm resize-pane -t e2e -x 60 -y 20
wait_for "enlarge it" 10 && ok || fail "tiny terminal message"
tm resize-window -t e2e -x 100 -y 30 2>/dev/null || tm resize-pane -t e2e -x 100 -y 30
wait_for "Hyperparameters" 10 && ok || fail "back from tiny"
# 4. Quit with unsaved work asks, then saves.
tm send-keys -t e2e q
wait_for "unsaved work" 10 && ok || fail "quit asks"
tm send-keys -t e2e s
restored "quit and save"
[ -s "$work/session.lab" ] && grep -q "loss BatchAllTripletLoss" "$work/session.lab" && ok || fail "notebook saved on quit"
ls "$LOSSLAB_HOME"/journal-*.lab >/dev/null 2>&1 && fail "a clean quit removes its journal" || ok
# 5. The saved notebook reopens and replays.
start 120 40 session.lab
wait_for "cells to go" 15 && ok || fail "notebook opens with its cells pending"
tm send-keys -t e2e ">"
wait_for "BatchAllTripletLoss distance_metric" 15 && ok || fail "notebook replays"
# Ctrl-C asks when there is unsaved work; a second Ctrl-C quits keeping the journal.
tm send-keys -t e2e C-c
wait_for "unsaved work" 10 && ok || fail "Ctrl-C asks"
tm send-keys -t e2e C-c
restored "Ctrl-C twice"
ls "$LOSSLAB_HOME"/journal-*.lab >/dev/null 2>&1 && ok || fail "Ctrl-C twice keeps the journal"
rm -f "$LOSSLAB_HOME"/journal-*

# 4b. Quit → save over an existing file asks first; overwriting is a choice.
cp "$work/session.lab" "$work/session.before"
start 120 40
wait_for "labelled-items" 15 || true
tm send-keys -t e2e n
wait_for "step 1" 10 || true
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e s
wait_for "already exists" 10 && ok || fail "quit-save asks before overwriting"
cmp -s "$work/session.lab" "$work/session.before" && ok || fail "the existing notebook is untouched while asking"
tm send-keys -t e2e o
restored "quit, overwrite"
grep -q "^step 1$" "$work/session.lab" && ! grep -q "^save " "$work/session.lab" && ok || fail "overwritten with this session, no save cell"

# 6. SIGINT, SIGTERM, SIGHUP and SIGPIPE restore the terminal; with unsaved work the journal
# stays, the exit status is 128 + the signal, and the next start offers the work.
for signal in INT TERM HUP PIPE; do
  rm -f "$LOSSLAB_HOME"/journal-*
  start 100 30
  wait_for "labelled-items" 15 || true
  tm send-keys -t e2e n
  wait_for "step 1" 10 || true
  pid=$(explorer_pid || true)
  [ -n "$pid" ] && kill -s "$signal" "$pid"
  restored "SIG$signal"
  status=$(tm capture-pane -p -t e2e -S -200 | sed -n 's/^EXITED \([0-9]*\)$/\1/p' | tail -1)
  [ "${status:-0}" = $((128 + $(kill -l "$signal"))) ] && ok || fail "SIG$signal: exit status ${status:-none}"
  grep -qx "step 1" "$LOSSLAB_HOME"/journal-*.lab 2>/dev/null && ok || fail "SIG$signal: the journal keeps the step"
  start 100 30
  wait_for "did not end cleanly" 15 && ok || fail "SIG$signal: the next start offers the work"
  tm send-keys -t e2e Escape
  tm send-keys -t e2e q
  restored "SIG$signal: quit the next start"
done

# 7. A journal left by a killed session is offered for restore. (SIGPIPE above also leaves one:
# the process dies without a clean quit; start from none so the offer is this session's.)
rm -f "$LOSSLAB_HOME"/journal-*
start 100 30
wait_for "labelled-items" 15 || true
tm send-keys -t e2e n
wait_for "step 1" 10 || true
pid=$(explorer_pid || true)
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.5
grep -q "load toy:blobs" "$LOSSLAB_HOME"/journal-*-"$pid"-*.lab 2>/dev/null && ok || fail "journal kept after kill -9"
start 100 30
wait_for "did not end cleanly" 15 && ok || fail "restore offered"
tm send-keys -t e2e y
wait_for "step 1" 25 && ok || fail "restored session replayed"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after restore"
ls "$LOSSLAB_HOME"/journal-*.lab >/dev/null 2>&1 && fail "restored and discarded: no journal left" || ok

# 7b. Two crashed sessions are both offered, newest first; a live session's journal never is.
start_second() { # a second explorer on its own tmux server, left running
  tmux -L "$socket-live" kill-server 2>/dev/null
  tmux -L "$socket-live" new-session -d -s live -x 100 -y 30 "cd '$work' && '$bin' $*; sleep 60"
}
# (The live one starts first: a session offering journals holds them while it asks.)
start_second --dataset toy:hierarchical
sleep 2
for what in "toy:rings" "toy:spirals"; do
  start 100 30 --dataset "$what"
  wait_for "labelled-items" 15 || true
  pid=$(explorer_pid || true)
  [ -n "$pid" ] && kill -9 "$pid"
  sleep 1.1
done
start 120 40
wait_for "2 sessions did not end cleanly" 15 && ok || fail "both crashed sessions offered"
tm capture-pane -p -t e2e | grep -A3 "did not end" | head -3 | tail -1 | grep -q "spirals" && ok || fail "newest first"
tm capture-pane -p -t e2e | grep -q "hierarchical" && fail "a live session's journal is offered" || ok
tm send-keys -t e2e Escape
tm send-keys -t e2e q
restored "after the two-journal offer"
[ "$(ls "$LOSSLAB_HOME"/journal-*.lab | wc -l)" = 3 ] && ok || fail "Esc keeps both journals (and the live one)"
tmux -L "$socket-live" kill-server 2>/dev/null
rm -f "$LOSSLAB_HOME"/journal-*

# 7c. Restore replays in order and does not re-run exports: the exported metrics keep their steps.
start 120 40
wait_for "labelled-items" 15 || true
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "step 20" Enter
wait_for "step 20:" 15 || true
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "export metrics.csv 'my metrics.csv'" Enter
wait_for "wrote 20 steps" 10 && ok || fail "export with a quoted name"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "step 5" Enter
wait_for "step 25:" 15 || true
cp "$work/my metrics.csv" "$work/metrics.before"
pid=$(explorer_pid || true)
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.5
start 120 40
wait_for "did not end cleanly" 15 || true
tm send-keys -t e2e Enter
wait_for "not re-run on restore" 20 && ok || fail "restore shows the export without re-running it"
wait_for "step 25 " 20 && ok || fail "restore ends at the same step"
cmp -s "$work/my metrics.csv" "$work/metrics.before" && ok || fail "restore left the export alone"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after the export restore"

# 8. Crashes give the terminal back: cooked mode, the main screen, a visible cursor; the process
# still dies of its crash (exit status 128 + signal). LOSSLAB_CRASH_TEST (see CrashTestHook)
# makes the explorer crash the named way once the trigger file exists.
for kind in fatal precondition segv abort; do
  rm -f "$work/crash-now"
  export LOSSLAB_CRASH_TEST="$kind:$work/crash-now"
  start 100 30
  unset LOSSLAB_CRASH_TEST
  wait_for "labelled-items" 15 || true
  tm send-keys -t e2e n
  wait_for "step 1" 10 || true
  touch "$work/crash-now"
  restored "crash ($kind)"
  status=$(tm capture-pane -p -t e2e -S -200 | sed -n 's/^EXITED \([0-9]*\)$/\1/p' | tail -1)
  [ "${status:-0}" -gt 128 ] && ok || fail "crash ($kind): exit status ${status:-none}, expected a signal's"
  [ "$(tm display -p -t e2e '#{alternate_on} #{cursor_flag}')" = "0 1" ] && ok || fail "crash ($kind): screen or cursor not restored"
done
# ...and lose nothing: the crashed session's commands are offered for restore.
start 100 30
wait_for "did not end cleanly" 15 && ok || fail "restore offered after a crash"
tm send-keys -t e2e Escape
tm send-keys -t e2e q
restored "after crash restore offer"
rm -f "$LOSSLAB_HOME"/journal-*

# 9. A resize storm (sizes below the minimum among them) neither crashes nor wedges the explorer.
start 120 40
wait_for "labelled-items" 15 || true
for size in 200x60 30x8 80x24 79x23 150x45 20x5 100x30 60x20 180x50 81x25 40x12 120x40 90x28 10x3 100x30; do
  for repeat in 1 2; do
    tm resize-window -t e2e -x "${size%x*}" -y "${size#*x}" 2>/dev/null || tm resize-pane -t e2e -x "${size%x*}" -y "${size#*x}"
  done
done
wait_for "Hyperparameters" 10 && ok || fail "resize storm: layout back at 100x30"
tm send-keys -t e2e n
wait_for "step 1" 10 && ok || fail "resize storm: still answers keys"
# 10. A long paste into the command line is taken as one (unknown) command and answered.
tm send-keys -t e2e ":" && sleep 0.3
tm send-keys -t e2e -l "$(head -c 6000 /dev/zero | tr '\0' 'x')"
tm send-keys -t e2e Enter
wait_for "unknown command" 15 && ok || fail "long paste answered"
tm send-keys -t e2e C-c
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after resize storm and paste"

# 12. A journal that cannot be written (a read-only or a full LOSSLAB_HOME) is a warning in the
# status line; the session goes on. (Needs a tmpfs mount, as root; skipped where there is none.)
mkdir -p "$work/ro" "$work/full"
if mount -t tmpfs -o ro,size=64k tmpfs "$work/ro" 2>/dev/null; then
  for home in ro full; do
    [ $home = full ] && { mount -t tmpfs -o size=64k tmpfs "$work/full"; head -c 100k /dev/zero >"$work/full/filler" 2>/dev/null; }
    LOSSLAB_HOME="$work/$home" start 120 40
    wait_for "journal not saved" 15 && ok || fail "$home LOSSLAB_HOME: warning shown"
    tm send-keys -t e2e n
    wait_for "step 1" 10 && ok || fail "$home LOSSLAB_HOME: the session goes on"
    tm send-keys -t e2e q
    wait_for "unsaved work" 10 || true
    tm send-keys -t e2e d
    restored "$home LOSSLAB_HOME"
  done
  umount "$work/ro" "$work/full"
else
  echo "note: cannot mount a tmpfs here; the unwritable-journal checks are skipped"
fi

# 13. The pickers filter as you type and Enter picks; j/k and / search move in the panes
# (keys from the key table: n finds the next match while a search is on, Esc ends it).
start 120 40
wait_for "labelled-items" 15 || true
tm send-keys -t e2e l
wait_for "to filter" 10 || true
tm send-keys -t e2e -l "semihard"
wait_for "━ 1/" 5 && ok || fail "loss picker narrows as you type"
tm send-keys -t e2e Enter
wait_for "BatchSemiHardTripletLoss distance_metric" 10 && ok || fail "loss picker: Enter picks the filtered loss"
tm send-keys -t e2e Tab Tab Tab Tab
wait_for "/ search" 5 && ok || fail "footer shows the notebook's keys"
tm send-keys -t e2e g "/"
sleep 0.3
tm send-keys -t e2e -l "semi"
tm send-keys -t e2e Enter
wait_for "semi: match 1 of" 10 && ok || fail "/ search finds a notebook cell"
tm send-keys -t e2e n
wait_for "semi: match" 5 && ok || fail "n goes to the next match while searching"
tm send-keys -t e2e Escape n
wait_for "step 1" 10 && ok || fail "after Esc, n steps again"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after pickers and search"

# 10b. A sum of losses typed on the command line: its terms chart with GOR's targets, and t on
# the second term.
start 140 45
wait_for "labelled-items" 15 && ok || fail "sum: explorer started"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "load text:pairs" Enter
wait_for "anchor-positive" 15 && ok || fail "sum: pairs loaded"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss" Enter
wait_for "losses.1.mean_weight" 10 && ok || fail "sum: each term's settings in the hyperparameter pane"
tm send-keys -t e2e n n n
wait_for "step 3" 15 && ok || fail "sum: steps"
tm send-keys -t e2e c c c
wait_for "Loss terms" 10 && ok || fail "sum: c reaches the terms chart"
wait_for "second_moment .* → 0.0625" 10 && ok || fail "sum: the second moment against 1/d"
tm send-keys -t e2e t
wait_for "term 2/2 GlobalOrthogonalRegularizationLoss" 10 && ok || fail "sum: t shows the second term"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after a sum"

# 14. The views of issue 14's losses: CoSENT's inverted orderings, GIST's probable false
# negatives (and the masked count in the census), the symmetric MNRL's loss by direction.
printf 'load text:scored\nloss CoSENTLoss\nset batch_size=12 eval_every=0\nstep 3\n' > "$work/views.lab"
start 140 45 explore "$work/views.lab"
wait_for "cells to go" 15 || true
tm send-keys -t e2e ">"
wait_for "inverted orderings [0-9]* of 66 (" 20 && ok || fail "CoSENT: inverted orderings among the 66 comparable pairs"
wait_for "#label #score" 5 && ok || fail "CoSENT: the pairs' ranks by label and by score"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "load text:pairs" Enter
wait_for "paraphrase pairs" 10 || true
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "loss GISTEmbedLoss margin=5" Enter
wait_for "margin=5.0" 10 || true
tm send-keys -t e2e n
wait_for "anchors kept no candidate but the positive" 15 && ok || fail "GIST: anchors whose candidates were all masked"
wait_for "probable false negatives" 5 && ok || fail "GIST: probable false negatives listed"
tm send-keys -t e2e c
wait_for "masked [0-9]* (" 5 && ok || fail "GIST: masked count in the census"
tm send-keys -t e2e c c
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "loss MultipleNegativesSymmetricRankingLoss" Enter
wait_for "MultipleNegativesSymmetricRankingLoss scale" 10 || true
tm send-keys -t e2e n
wait_for "directions: query_to_doc [0-9]*% · doc_to_query [0-9]*% of loss" 15 && ok || fail "symmetric MNRL: loss by direction"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after the new losses' views"

# 15. MatryoshkaLoss beside the plain loss in a duel: the terms chart shows the loss at each
# dimension over steps, and under it the held-out metric at each width for both sides; t shows
# the mining at the next dimension.
printf 'load text:pairs\nencoder bow dim=32\nset eval_every=2\nloss MatryoshkaLoss matryoshka_dims=32,8\nduel loss MultipleNegativesRankingLoss\nstep 4\n' > "$work/matryoshka.lab"
start 140 45 explore "$work/matryoshka.lab"
wait_for "cells to go" 15 || true
tm send-keys -t e2e ">"
wait_for "step 4: loss" 60 && ok || fail "matryoshka: the notebook ran"
tm send-keys -t e2e c c c
wait_for "terms loss@32 [0-9.e-]* · loss@8" 10 && ok || fail "matryoshka: the loss at each dimension"
wait_for "held-out retrieval_accuracy by dimension (step 4)" 10 && ok || fail "matryoshka: the held-out curve"
tm capture-pane -p -t e2e | grep -Eq "│ +2 [^│]*[01]\.[0-9]{3} [^│]*[01]\.[0-9]{3} *│" && ok || fail "matryoshka: both sides' bars at width 2"
tm send-keys -t e2e t
wait_for "term 2/2 loss@8" 10 && ok || fail "matryoshka: t shows the mining at the next dimension"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after the matryoshka view"
# 15. Issue 15's views: a teacher loaded with the data (MiniLM teaching a bag of words), the
# distillation view (the fit of student against teacher, the rows that disagree most, the
# scatter) and the contrastive-tension encoders' drift.
sentences=$(cd "$(dirname "$0")/../.." && pwd)/samples/sentences
printf 'load %s/sentences.jsonl teacher=%s/teacher.npz as=teacher-scored\nencoder bow dim=16\nloss MarginMSELoss\nset batch_size=16 eval_every=0\nstep 3\n' \
  "$sentences" "$sentences" > "$work/distill.lab"
start 140 45 explore "$work/distill.lab"
wait_for "cells to go" 15 || true
tm send-keys -t e2e ">"
wait_for "student vs teacher margins" 20 && ok || fail "distillation: the fit of student against teacher"
wait_for "per row: mean .* worst rows:" 5 && ok || fail "distillation: the rows that disagree most"
tm send-keys -t e2e c c c
wait_for "Student vs teacher" 10 && ok || fail "distillation: c reaches the scatter"
wait_for "margins: x teacher, y student" 5 && ok || fail "distillation: the scatter's axes"
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "load text:sentences as=contrastive-tension" Enter
wait_for "contrastive-tension pairs" 10 || true
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "loss ContrastiveTensionLoss" Enter
wait_for "ContrastiveTensionLoss" 10 || true
tm send-keys -t e2e n n n
# The notebook's own "step 3" is on the screen already: wait for this one's cell.
wait_for "\[8\] step 3" 15 || true
sleep 0.5
for _ in 1 2 3 4 5 6; do
  tm capture-pane -p -t e2e | grep -q "Encoders' drift" && break
  tm send-keys -t e2e c
  sleep 0.3
done
wait_for "Encoders' drift" 10 && ok || fail "contrastive tension: c reaches the drift chart"
wait_for "model 1 · model 2 cosine" 5 && ok || fail "contrastive tension: the encoders' cosine over steps"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after the distillation and drift views"

# 14. Enter on a mining row opens its frozen detail with the sentences; Esc closes it. The
# arrows put the embeddings cursor on a point, and its nearest neighbours come back from the
# trainer, also while it runs. --no-color shows a glyph per class and says what bold means.
start 140 45 --dataset text:topics
wait_for "labelled-items" 15 || true
tm send-keys -t e2e n
wait_for "step 1" 10 || true
tm send-keys -t e2e Tab Tab Enter
wait_for "frozen (training goes on)" 10 && ok || fail "Enter on a mining row opens its detail"
wait_for "share of the loss" 5 && tm capture-pane -p -t e2e | grep -q "anchor    item" && ok || fail "the detail names its members and its share"
tm send-keys -t e2e Escape
sleep 0.3
tm capture-pane -p -t e2e | grep -q "frozen (training goes on)" && fail "Esc closes the detail" || ok
tm send-keys -t e2e BTab BTab Right
wait_for "5 nearest by euclidean distance in the 16-D embedding" 10 && ok || fail "the cursor shows its nearest neighbours"
tm send-keys -t e2e " "
sleep 1
tm send-keys -t e2e Right
sleep 0.5
wait_for "5 nearest by" 5 && ok || fail "the cursor's neighbours follow a running trainer"
tm send-keys -t e2e " " q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after the row detail and the cursor"

start 120 40 --no-color
wait_for "bold: batch" 15 || true
tm send-keys -t e2e n
wait_for "bold: batch · ● class 0" 10 && ok || fail "--no-color: a legend of the class glyphs"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after --no-color"

# 15. Large data is drawn as a sample: the title says so, the legend counts each class's points
# shown of its total, and a step's batch items the sample missed are drawn on top of it.
start 140 45
wait_for "labelled-items" 15 || true
tm send-keys -t e2e ":" && sleep 0.3 && tm send-keys -t e2e "load toy:blobs classes=4 per_class=6000 dim=8" Enter
wait_for "sample 20000 of 24000" 20 && ok || fail "the embeddings title says the points are a sample"
wait_for "shown/total:  ●0 5000/6000  ●1 5000/6000  ●2 5000/6000  ●3 5000/6000" 5 && ok || fail "the legend counts each class's sample"
tm send-keys -t e2e n
wait_for "sample 20000 of 24000 + [0-9]* looked at" 15 && ok || fail "the batch's items outside the sample are drawn"
tm send-keys -t e2e q
wait_for "unsaved work" 10 || true
tm send-keys -t e2e d
restored "after a sampled dataset"

# 11. No terminal: a clear message, not a crash.
TERM=dumb "$bin" </dev/null >"$work/out" 2>&1
[ $? = 2 ] && grep -q "needs a terminal" "$work/out" && ok || { failed=$((failed + 1)); echo "FAIL no terminal: $(cat "$work/out")"; }

echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
