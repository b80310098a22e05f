#!/usr/bin/env python3
"""PyTorch reference timings for `losslab bench`: the real sentence-transformers v1.2.0 losses.

Times forward + backward (w.r.t. the input embeddings) of each of the 12 losses that
`losslab bench` times, on random float32 data shaped the way losslab's BenchCase shapes it,
on the CPU with 2 threads, and prints the same fields as `losslab bench --json`.

Set-up (once; torch 2.x CPU must already be installed system-wide):

    python3 -m venv --system-site-packages /tmp/st120-venv
    /tmp/st120-venv/bin/pip install --no-deps sentence-transformers==1.2.0
    /tmp/st120-venv/bin/pip install nltk tqdm scikit-learn transformers==4.44.2

Run:

    /tmp/st120-venv/bin/python benchmarks/torch_reference.py --json
    /tmp/st120-venv/bin/python benchmarks/torch_reference.py --loss TripletLoss --batch 256 --dim 768

Shapes: like `losslab bench`: with neither --batch nor --dim, (64, 384), (256, 768), (1024, 768);
otherwise every combination of the given batches (default 256) and dims (default 768).

Data (same shapes and label structure as losslab's BenchCase, not the same random numbers):
  * BatchAll/BatchHard/BatchHardSoftMargin/BatchSemiHard triplet losses: one column,
    labels i // 4 (classes of 4 consecutive rows);
  * SoftmaxLoss: two columns, labels i % 3, num_labels=3, default concatenation (u, v, |u-v|);
  * ContrastiveLoss, OnlineContrastiveLoss: two columns, binary labels i % 2;
  * CosineSimilarityLoss: two columns, float scores uniform in [0, 1);
  * MSELoss: one column and a random normal teacher matrix;
  * MultipleNegativesRankingLoss, MegaBatchMarginLoss: two columns (anchor, positive);
  * TripletLoss: three columns (anchor, positive, negative).
All losses at their sentence-transformers 1.2.0 defaults (so MegaBatchMarginLoss runs its
mini-batched version, mini_batch_size 50, which calls backward itself for all but the last
mini-batch). The "model" is an identity nn.Module that hands the loss features["emb"] as
the sentence embedding.

Timing: one warm-up, then repeats until --seconds or 50 runs (at least 3); the median.
gemm_floor_ms is torch's own time for the three products E @ E.T, U @ E and U.T @ E at the
case's shape (U an N x N matrix), the same three that losslab reports as its GEMM floor.

Each case runs in its own child process (this script with --single), so peak_mb is that
child's own peak RSS (from wait4's rusage, so it is known even when the child is killed).
base_mb is the child's RSS after importing torch and sentence-transformers, before the case.
A child that runs past --timeout is killed and reported with status "timeout"; one that runs
out of memory (allocation failure under the --mem-limit-gb address-space limit, or killed
by SIGKILL) is reported as "oom"; any other failure as "failed". The script itself never
crashes because of one case.

Threads: OMP_NUM_THREADS=2 and torch.set_num_threads(2) (override with --threads); other
OPENBLAS_*/OMP_* variables are left as they are.
"""
import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time

LOSSES = [
    "BatchAllTripletLoss",
    "BatchHardTripletLoss",
    "BatchHardSoftMarginTripletLoss",
    "BatchSemiHardTripletLoss",
    "ContrastiveLoss",
    "OnlineContrastiveLoss",
    "CosineSimilarityLoss",
    "MSELoss",
    "MultipleNegativesRankingLoss",
    "MegaBatchMarginLoss",
    "SoftmaxLoss",
    "TripletLoss",
]
DEFAULT_SHAPES = [(64, 384), (256, 768), (1024, 768)]


def canonical_loss(name):
    wanted = name.split(".")[-1].lower()
    for loss in LOSSES:
        if loss.lower() == wanted:
            return loss
    raise SystemExit(f"unknown loss '{name}'; known losses: {', '.join(LOSSES)}")


def median_time(budget, body):
    """One warm-up, then repeats until `budget` seconds or 50 runs (at least 3): (median ms, repeats)."""
    body()
    times = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        body()
        times.append((time.perf_counter() - t0) * 1e3)
        if len(times) >= 3 and (len(times) >= 50 or time.perf_counter() - start >= budget):
            break
    times.sort()
    return times[len(times) // 2], len(times)


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------------------------------------
# Child: one case.

def run_single(loss_name, batch, dim, seconds, threads):
    import torch
    from torch import nn
    from sentence_transformers import losses as st_losses

    torch.set_num_threads(threads)
    base_mb = rss_mb()

    class IdentityModel(nn.Module):
        """Stands in for a SentenceTransformer: the features' "emb" is the sentence embedding."""

        def forward(self, features):
            out = dict(features)
            out["sentence_embedding"] = features["emb"]
            return out

    model = IdentityModel()
    torch.manual_seed(batch * 7919 + dim)

    def column():
        return torch.randn(batch, dim, dtype=torch.float32, requires_grad=True)

    rows = torch.arange(batch)
    if loss_name in ("BatchAllTripletLoss", "BatchHardTripletLoss",
                     "BatchHardSoftMarginTripletLoss", "BatchSemiHardTripletLoss"):
        inputs, labels = [column()], rows // 4
    elif loss_name == "SoftmaxLoss":
        inputs, labels = [column(), column()], rows % 3
    elif loss_name in ("ContrastiveLoss", "OnlineContrastiveLoss"):
        inputs, labels = [column(), column()], rows % 2
    elif loss_name == "CosineSimilarityLoss":
        inputs, labels = [column(), column()], torch.rand(batch, dtype=torch.float32)
    elif loss_name == "MSELoss":
        inputs, labels = [column()], torch.randn(batch, dim, dtype=torch.float32)
    elif loss_name in ("MultipleNegativesRankingLoss", "MegaBatchMarginLoss"):
        inputs, labels = [column(), column()], None
    elif loss_name == "TripletLoss":
        inputs, labels = [column(), column(), column()], None
    else:
        raise ValueError(f"unknown loss {loss_name}")

    if loss_name == "SoftmaxLoss":
        loss = st_losses.SoftmaxLoss(model, sentence_embedding_dimension=dim, num_labels=3)
    else:
        loss = getattr(st_losses, loss_name)(model)
    loss.train()
    features = [{"emb": x} for x in inputs]

    def step():
        for x in inputs:
            x.grad = None
        loss.zero_grad(set_to_none=True)
        value = loss(features, labels)
        value.backward()

    median_ms, repeats = median_time(seconds, step)

    with torch.no_grad():
        embeddings = inputs[0].detach()
        upstream = (torch.arange(batch * batch) % 7).to(torch.float32).reshape(batch, batch)

        def gemm_floor():
            torch.matmul(embeddings, embeddings.t())
            torch.matmul(upstream, embeddings)
            torch.matmul(upstream.t(), embeddings)

        floor_ms, _ = median_time(seconds / 4, gemm_floor)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"loss": loss_name, "batch": batch, "dim": dim, "median_ms": round(median_ms, 4),
            "peak_mb": round(peak_mb, 1), "gemm_floor_ms": round(floor_ms, 4), "repeats": repeats,
            "base_mb": round(base_mb, 1), "status": "ok"}


def child_main(args):
    loss_name, batch, dim = args.single.split(",")
    batch, dim = int(batch), int(dim)
    if args.mem_limit_gb > 0:
        limit = int(args.mem_limit_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = run_single(loss_name, batch, dim, args.seconds, args.threads)
    except (MemoryError, RuntimeError) as error:
        text = str(error)
        oom = isinstance(error, MemoryError) or "alloc" in text.lower() or "memory" in text.lower()
        result = {"loss": loss_name, "batch": batch, "dim": dim, "median_ms": None,
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "gemm_floor_ms": None, "repeats": 0, "status": "oom" if oom else "failed",
                  "error": text.strip().splitlines()[0][:300] if text.strip() else type(error).__name__}
        wanted = re.search(r"tried to allocate (\d+) bytes", text)
        if wanted:
            result["error"] = f"could not allocate {int(wanted.group(1)) / 1024 ** 3:.1f} GiB more"
        if oom and args.mem_limit_gb > 0:
            result["error"] += f" [address-space limit {args.mem_limit_gb:g} GiB]"
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# Parent: runs each case in a child process.

def run_child(loss_name, batch, dim, args):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(args.threads)
    command = [sys.executable, os.path.abspath(__file__), "--single", f"{loss_name},{batch},{dim}",
               "--seconds", str(args.seconds), "--threads", str(args.threads),
               "--mem-limit-gb", str(args.mem_limit_gb)]
    base = {"loss": loss_name, "batch": batch, "dim": dim, "median_ms": None, "peak_mb": None,
            "gemm_floor_ms": None, "repeats": 0}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, start_new_session=True)
        deadline = time.monotonic() + args.timeout
        timed_out = False
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid != 0:
                break
            if time.monotonic() > deadline:
                timed_out = True
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        peak_mb = round(usage.ru_maxrss / 1024, 1)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace").strip()
        stderr = err.read().decode(errors="replace").strip()
    if timed_out:
        return dict(base, peak_mb=peak_mb, status="timeout", error=f"killed after {args.timeout:g} s")
    code = process.returncode
    if code == 0 and stdout:
        try:
            result = json.loads(stdout.splitlines()[-1])
            result["peak_mb"] = max(result.get("peak_mb") or 0.0, peak_mb)
            return result
        except json.JSONDecodeError:
            pass
    last = stderr.splitlines()[-1][:300] if stderr else ""
    if code == -signal.SIGKILL or "MemoryError" in stderr or "can't allocate memory" in stderr:
        return dict(base, peak_mb=peak_mb, status="oom", error=last or "killed by SIGKILL")
    return dict(base, peak_mb=peak_mb, status="failed", error=f"exit {code}: {last}")


def fmt(value, spec):
    return format(value, spec) if isinstance(value, (int, float)) else "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loss", action="append", default=[], help="a loss to time (repeatable; default: all)")
    parser.add_argument("--batch", action="append", type=int, default=[], help="batch size (repeatable)")
    parser.add_argument("--dim", action="append", type=int, default=[], help="embedding dimension (repeatable)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds of timing per case (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON array instead of a table")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a case is killed (default 300)")
    parser.add_argument("--mem-limit-gb", type=float, default=16.0,
                        help="address-space limit per case in GiB, so that a runaway case fails as 'oom' "
                             "instead of taking the machine (default 16; 0: none)")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.single:
        child_main(args)
        return

    names = [canonical_loss(n) for n in args.loss] or LOSSES
    if any(b < 2 for b in args.batch) or any(d < 1 for d in args.dim):
        raise SystemExit("--batch must be at least 2 and --dim at least 1")
    if not args.batch and not args.dim:
        shapes = DEFAULT_SHAPES
    else:
        shapes = [(b, d) for b in (args.batch or [256]) for d in (args.dim or [768])]

    if not args.json:
        print("loss                              batch   dim   median ms   gemm floor ms   x floor   peak MiB  status")
    results = []
    for batch, dim in shapes:
        for name in names:
            result = run_child(name, batch, dim, args)
            results.append(result)
            if args.json:
                print(f"  {name} {batch}x{dim}: {result.get('status')} "
                      f"{fmt(result.get('median_ms'), '.3f')} ms", file=sys.stderr, flush=True)
            else:
                median, floor = result.get("median_ms"), result.get("gemm_floor_ms")
                ratio = median / max(floor, 1e-9) if median is not None and floor is not None else None
                print(f"{name:<32}{batch:7d} {dim:5d} {fmt(median, '11.3f'):>11} {fmt(floor, '15.3f'):>15} "
                      f"{fmt(ratio, '9.2f'):>9} {fmt(result.get('peak_mb'), '10.1f'):>10}  {result.get('status')}"
                      + (f" ({result['error']})" if result.get("error") else ""),
                      flush=True)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
