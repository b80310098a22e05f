#!/usr/bin/env bash
# Every writer of LossLab against every kind of destination: nothing that exists is lost.
# Writers: save, export metrics.csv / embeddings.npy / projector / st-snippet, run --out,
# eval --grad-out. Destinations: absent, an existing file (its mode kept), an existing
# directory (refused, untouched), a symlink (written through), a read-only directory, unicode
# and space names, a file-size limit (ulimit -f). A failure must name the file and the reason,
# and leave the old file as it was, with no temporary file behind.
# Usage: Tests/cli/writes.sh PATH/TO/losslab
set -u
bin=$(cd "$(dirname "${1:?usage: writes.sh PATH/TO/losslab}")" && pwd)/$(basename "$1")
work=$(mktemp -d)
chmod 755 "$work"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -f "$work/err" ] && sed 's/^/  | /' "$work/err" | head -3; }

mkdir -p "$work/arrays" && "$bin" test-arrays --out "$work/arrays" >/dev/null
big_prose="# $(head -c 3000 /dev/zero | tr '\0' 'x')"

# The files one writer produces at TARGET (a path, or a prefix / directory).
outputs() { # writer target
  case $1 in
    projector) echo "$2.vectors.tsv" "$2.metadata.tsv" ;;
    run-out) echo "$2/metrics.csv" "$2/embeddings.npy" "$2/summary.json" ;;
    grad-out) echo "$2/grad_input_0.npy" ;;
    *) echo "$2" ;;
  esac
}

# Runs one writer at TARGET; stdout/stderr to $work/out, $work/err.
write_with() { # writer target [prefix command...]
  local writer=$1 target=$2
  shift 2
  local nb="$work/nb-$writer.lab"
  printf 'load toy:blobs\n%s\nstep 30\n' "$big_prose" >"$nb"
  case $writer in
    save) echo "save \"$target\"" >>"$nb" ;;
    metrics) echo "export metrics.csv \"$target\"" >>"$nb" ;;
    embeddings) echo "export embeddings.npy \"$target\"" >>"$nb" ;;
    projector) echo "export projector \"$target\"" >>"$nb" ;;
    snippet) echo "export st-snippet \"$target\"" >>"$nb" ;;
  esac
  chmod 644 "$nb"
  case $writer in
    run-out) "$@" "$bin" run "$nb" --out "$target" ;;
    grad-out) "$@" "$bin" eval --loss BatchHardTripletLoss --embeddings "$work/arrays/items.npy" --labels "$work/arrays/classes.npy" --grad-out "$target" ;;
    *) "$@" "$bin" run "$nb" ;;
  esac > >(cat >"$work/out") 2> >(cat >"$work/err")
  local status=$?
  wait  # for the two cat processes
  return $status
}

# The destination DEST prepared as KIND, holding old content where there is a file.
prepare() { # kind dest writer
  local kind=$1 dest=$2 writer=$3
  rm -rf "$work/d"
  mkdir -p "$work/d"
  case $writer in run-out|grad-out) mkdir -p "$dest" ;; esac
  for file in $(outputs "$writer" "$dest"); do
    case $kind in
      absent) ;;
      file) echo OLD >"$file"; chmod 640 "$file" ;;
      directory) mkdir -p "$file"; echo INSIDE >"$file/keep" ;;
      symlink) mkdir -p "$work/d/real"; echo OLD >"$work/d/real/$(basename "$file")"; ln -s "$work/d/real/$(basename "$file")" "$file" ;;
      readonly|sizelimit) echo OLD >"$file" ;;
    esac
  done
}

no_temporaries() {
  ! find "$work/d" -name '.*.tmp-*' | grep -q .
}

for writer in save metrics embeddings projector snippet run-out grad-out; do
  case $writer in run-out|grad-out) dest="$work/d/out" ;; *) dest="$work/d/target" ;; esac

  prepare absent "$dest" "$writer"
  if write_with "$writer" "$dest"; then
    all=1; for f in $(outputs "$writer" "$dest"); do [ -s "$f" ] || all=0; done
    [ $all = 1 ] && ok || fail "$writer/absent: files missing"
  else fail "$writer/absent: exit $?"; fi

  prepare file "$dest" "$writer"
  if write_with "$writer" "$dest"; then
    all=1; for f in $(outputs "$writer" "$dest"); do
      [ "$(head -c 3 "$f")" != OLD ] || all=0
      [ "$(stat -c %a "$f")" = 640 ] || all=0
    done
    [ $all = 1 ] && ok || fail "$writer/file: not replaced with its mode kept"
  else fail "$writer/file: exit $?"; fi
  no_temporaries && ok || fail "$writer/file: temporary files left"

  prepare directory "$dest" "$writer"
  if write_with "$writer" "$dest"; then fail "$writer/directory: accepted"; else
    grep -q "directory" "$work/err" && ok || fail "$writer/directory: message does not say directory"
    all=1; for f in $(outputs "$writer" "$dest"); do [ "$(cat "$f/keep" 2>/dev/null)" = INSIDE ] || all=0; done
    [ $all = 1 ] && ok || fail "$writer/directory: the directory changed"
  fi
  [ "$(grep -c '^losslab: ' "$work/err")" = 1 ] && ok || fail "$writer/directory: not one line of error"

  prepare symlink "$dest" "$writer"
  if write_with "$writer" "$dest"; then
    all=1; for f in $(outputs "$writer" "$dest"); do
      [ -L "$f" ] || all=0
      [ "$(head -c 3 "$work/d/real/$(basename "$f")")" != OLD ] || all=0
    done
    [ $all = 1 ] && ok || fail "$writer/symlink: not written through the link"
  else fail "$writer/symlink: exit $?"; fi

  # A directory the writer may not write to (run as nobody: root may write anywhere).
  if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    prepare readonly "$dest" "$writer"
    chmod -R a+rX "$work/d"; chmod a+rx "$work/arrays"
    if write_with "$writer" "$dest" setpriv --reuid=65534 --regid=65534 --clear-groups; then fail "$writer/readonly: accepted"; else
      grep -q "permission denied" "$work/err" && ok || fail "$writer/readonly: message does not say permission denied"
      all=1; for f in $(outputs "$writer" "$dest"); do [ "$(cat "$f")" = OLD ] || all=0; done
      [ $all = 1 ] && ok || fail "$writer/readonly: old file changed"
    fi
  fi

  # A file-size limit of 0: every write fails with EFBIG (SIGXFSZ is ignored).
  prepare sizelimit "$dest" "$writer"
  if write_with "$writer" "$dest" bash -c 'ulimit -f 0; exec "$@"' limit; then fail "$writer/sizelimit: accepted"; else
    grep -q "file-size limit" "$work/err" && ok || fail "$writer/sizelimit: message does not name the limit"
    all=1; for f in $(outputs "$writer" "$dest"); do [ "$(cat "$f")" = OLD ] || all=0; done
    [ $all = 1 ] && ok || fail "$writer/sizelimit: old files changed (all or none)"
  fi
  no_temporaries && ok || fail "$writer/sizelimit: temporary files left"
done

# Unicode and spaces in names, quoted in the notebook.
rm -rf "$work/d"; mkdir -p "$work/d/données été"
for writer in save metrics snippet; do
  if write_with "$writer" "$work/d/données été/run 1 ✓.out"; then
    [ -s "$work/d/données été/run 1 ✓.out" ] && ok || fail "$writer/unicode: file missing"
  else fail "$writer/unicode: exit $?"; fi
done
if write_with run-out "$work/d/données été/out dir"; then
  [ -s "$work/d/données été/out dir/summary.json" ] && ok || fail "run-out/unicode: summary missing"
else fail "run-out/unicode: exit $?"; fi

# `save sub/` names a directory: refused, nothing created or removed.
rm -rf "$work/d"; mkdir -p "$work/d/sub"; echo INSIDE >"$work/d/sub/keep"
write_with save "$work/d/sub/" && fail "save sub/: accepted" || ok
[ "$(cat "$work/d/sub/keep")" = INSIDE ] && ok || fail "save sub/: the directory changed"

# run --out when the output directory is a file.
rm -rf "$work/d"; mkdir -p "$work/d"; echo OLD >"$work/d/out"
write_with run-out "$work/d/out" && fail "run --out FILE: accepted" || { grep -q "is a file" "$work/err" && ok || fail "run --out FILE: message"; }
[ "$(cat "$work/d/out")" = OLD ] && ok || fail "run --out FILE: the file changed"

# A full disk (a small tmpfs, where this machine lets us mount one). The projector's pair is one
# set: with room for the new vectors file but not the metadata, both old files stay.
tiny="$work/tiny"
mkdir -p "$tiny"
if mount -t tmpfs -o size=256k tmpfs "$tiny" 2>/dev/null; then
  trap 'umount "$tiny" 2>/dev/null; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  rm -rf "$work/d"; mkdir -p "$work/d"
  write_with projector "$work/d/sized"
  vectors_pages=$(( ($(stat -c %s "$work/d/sized.vectors.tsv") + 4095) / 4096 ))
  for writer in save metrics embeddings snippet projector; do
    rm -rf "${tiny:?}"/*
    for f in $(outputs "$writer" "$tiny/target"); do echo OLD >"$f"; done
    # Fill the disk, then free just enough pages for the projector's vectors (none for the rest).
    head -c 300k /dev/zero >"$tiny/filler" 2>/dev/null
    [ "$writer" = projector ] && truncate -s $(( $(stat -c %s "$tiny/filler") - vectors_pages * 4096 )) "$tiny/filler"
    if write_with "$writer" "$tiny/target"; then fail "$writer/full disk: accepted"; else
      grep -q "the disk is full" "$work/err" && ok || fail "$writer/full disk: message does not say the disk is full"
      all=1; for f in $(outputs "$writer" "$tiny/target"); do [ "$(cat "$f")" = OLD ] || all=0; done
      [ $all = 1 ] && ok || fail "$writer/full disk: old files changed (all or none)"
    fi
    ! find "$tiny" -name '.*.tmp-*' | grep -q . && ok || fail "$writer/full disk: temporary files left"
  done
  umount "$tiny"
else
  echo "note: cannot mount a tmpfs here; the full-disk checks are skipped"
fi

echo "writes: $passed passed, $failed failed"
[ "$failed" = 0 ]
