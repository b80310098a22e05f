"""Writes cases.json: parameter trajectories of torch.optim optimizers in float64.

Each case runs a torch optimizer (single-tensor path, foreach=False) with a LambdaLR schedule
and optional clip_grad_norm_ for a few steps. The gradients are a fixed rule of the step number
and the current parameters, so a wrong update shows up in every later step:

    grad[j] = 0.3 * p[j] * p[j] - p[j] + c(step, offset + j)
    c(k, i) = ((7 * k + 3 * i) % 11 - 5) / 10

where j indexes the parameter's values row-major and offset is the parameter's OFFSETS entry.
With "sparse", parameter "s" only gets a gradient on even steps (None on odd ones), which tests
that a skipped parameter keeps its state.

The schedule lambdas are transformers' get_*_schedule_with_warmup formulas, written out here so
the script needs only torch. Tests/LossKitTests/Training/OptimizerGoldenTests.swift replays the
same rule and compares. Run: python3 Tests/Fixtures/optimizer/generate.py
"""

import json
import math
import os

import torch

STEPS = 10
INITIAL = {
    "w": [[0.5, -1.2, 0.8], [0.05, 1.5, -0.3]],
    "b": [[0.1, -0.4, 0.9]],
    "s": [[-0.7, 0.25]],
}
OFFSETS = {"w": 0, "b": 6, "s": 9}
ORDER = ["w", "b", "s"]


def constant(_step, _warmup, _total):
    return 1.0


def warmup_constant(step, warmup, _total):
    if step < warmup:
        return float(step) / float(max(1.0, warmup))
    return 1.0


def warmup_linear(step, warmup, total):
    if step < warmup:
        return float(step) / float(max(1, warmup))
    return max(0.0, float(total - step) / float(max(1, total - warmup)))


def warmup_cosine(step, warmup, total, cycles=0.5):
    if step < warmup:
        return float(step) / float(max(1, warmup))
    progress = float(step - warmup) / float(max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))


SCHEDULES = {
    "constantlr": constant,
    "warmupconstant": warmup_constant,
    "warmuplinear": warmup_linear,
    "warmupcosine": warmup_cosine,
}


def gradient(name, param, step):
    count = param.numel()
    c = torch.tensor(
        [((7 * step + 3 * (OFFSETS[name] + j)) % 11 - 5) / 10 for j in range(count)],
        dtype=torch.float64,
    ).reshape(param.shape)
    return 0.3 * param * param - param + c


def make_optimizer(case, params):
    kind = case["optimizer"]
    lr = case["lr"]
    wd = case["weight_decay"]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd, foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=case["momentum"], weight_decay=wd, foreach=False)
    betas = (case["beta1"], case["beta2"])
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas, eps=case["eps"], weight_decay=wd, foreach=False)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=betas, eps=case["eps"], weight_decay=wd, foreach=False)
    raise ValueError(kind)


def run(case):
    params = {n: torch.tensor(INITIAL[n], dtype=torch.float64, requires_grad=True) for n in ORDER}
    optimizer = make_optimizer(case, [params[n] for n in ORDER])
    rule = SCHEDULES[case["schedule"]]
    warmup, total = case["warmup_steps"], case["total_steps"]
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: rule(step, warmup, total))
    trajectory = []
    for step in range(case["steps"]):
        with torch.no_grad():
            for n in ORDER:
                if case["sparse"] and n == "s" and step % 2 == 1:
                    params[n].grad = None
                else:
                    params[n].grad = gradient(n, params[n].detach(), step)
        grads = [params[n].grad for n in ORDER if params[n].grad is not None]
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])).item()
        clipped = False
        if case["max_grad_norm"] is not None:
            returned = torch.nn.utils.clip_grad_norm_([params[n] for n in ORDER], case["max_grad_norm"], foreach=False).item()
            assert returned == norm
            clipped = case["max_grad_norm"] / (norm + 1e-6) < 1
        lr = optimizer.param_groups[0]["lr"]
        optimizer.step()
        scheduler.step()
        trajectory.append({
            "lr": lr,
            "grad_norm": norm,
            "clipped": clipped,
            "params": {n: params[n].detach().flatten().tolist() for n in ORDER},
        })
    return trajectory


def case(name, optimizer, lr, weight_decay=0.0, schedule="constantlr", warmup=0, total=10,
         max_grad_norm=None, sparse=False, steps=STEPS):
    return {
        "name": name, "optimizer": optimizer, "lr": lr, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999,
        "eps": 1e-8, "weight_decay": weight_decay, "schedule": schedule, "warmup_steps": warmup,
        "total_steps": total, "max_grad_norm": max_grad_norm, "sparse": sparse, "steps": steps,
    }


CASES = [
    case("sgd", "sgd", 0.1),
    case("sgd-l2", "sgd", 0.1, weight_decay=0.05),
    case("sgd-clip-cosine", "sgd", 0.2, schedule="warmupcosine", warmup=3, max_grad_norm=2.7),
    case("momentum", "momentum", 0.05),
    case("momentum-warmuplinear-sparse", "momentum", 0.05, schedule="warmuplinear", warmup=3, sparse=True),
    case("adam", "adam", 0.05),
    case("adam-l2-clip", "adam", 0.05, weight_decay=0.05, max_grad_norm=3.0),
    case("adamw", "adamw", 0.05, weight_decay=0.01),
    case("adamw-warmuplinear", "adamw", 0.05, weight_decay=0.01, schedule="warmuplinear", warmup=3),
    case("adamw-warmupcosine", "adamw", 0.05, weight_decay=0.01, schedule="warmupcosine", warmup=3),
    case("adamw-warmupconstant", "adamw", 0.05, weight_decay=0.01, schedule="warmupconstant", warmup=3),
    case("adamw-clip-sparse", "adamw", 0.05, weight_decay=0.01, max_grad_norm=2.8, sparse=True),
    case("adamw-warmuplinear-past-total", "adamw", 0.05, weight_decay=0.01, schedule="warmuplinear",
         warmup=2, total=8, steps=12),
    case("adamw-warmupcosine-past-total", "adamw", 0.05, weight_decay=0.01, schedule="warmupcosine",
         warmup=2, total=8, steps=12),
]


def main():
    torch.set_default_dtype(torch.float64)
    output = {
        "generator": f"torch {torch.__version__}",
        "initial": {n: {"shape": list(torch.tensor(INITIAL[n]).shape), "data": sum(INITIAL[n], [])} for n in ORDER},
        "offsets": OFFSETS,
        "cases": [dict(c, trajectory=run(c)) for c in CASES],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    # One case per line: small, and diffs show which case changed.
    head = {k: v for k, v in output.items() if k != "cases"}
    lines = [json.dumps(c, separators=(",", ":")) for c in output["cases"]]
    with open(path, "w") as f:
        f.write(json.dumps(head, separators=(",", ":"))[:-1] + ',"cases":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
