"""PyTorch's side of the benchmark: one workload per process, run by bench/run.ts as
`/usr/bin/python3 bench/torch_bench.py --threads N --spec JSON --timing JSON`. Prints INFO and RESULT
lines (JSON), as the TypeScript children do. The models are torch.nn's: LSTM, GRU, RNN, Embedding, Linear."""
import argparse
import json
import os
import statistics
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def loaded_blas():
    """The BLAS/LAPACK shared objects this process really mapped, resolved through the alternatives links."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if path.startswith("/") and any(k in path for k in ("blas", "lapack", "mkl")):
                found.add(os.path.realpath(path))
    return sorted(found)


def debian_version(package):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def time_steps(step, timing):
    """As timeSteps in workloads.ts: warm-up and timed steps by count, and by time for fast steps."""
    warmup_ms, times_ms, losses, capped = [], [], [], False
    w0 = time.perf_counter()
    while len(warmup_ms) < timing["warmup"] or (warmup_ms and not capped and (time.perf_counter() - w0) * 1e3 < timing["minWarmupMs"]):
        t = time.perf_counter()
        losses.append(step())
        dt = (time.perf_counter() - t) * 1e3
        warmup_ms.append(dt)
        capped = capped or dt > timing["capMs"]
    n = min(timing["steps"], timing["slowSteps"]) if capped else timing["steps"]
    t0 = time.perf_counter()
    while len(times_ms) < n or (not capped and (time.perf_counter() - t0) * 1e3 < timing["minTimedMs"]):
        t = time.perf_counter()
        losses.append(step())
        times_ms.append((time.perf_counter() - t) * 1e3)
    return {
        "medianMs": statistics.median(times_ms), "timed": len(times_ms), "capped": capped and n < timing["steps"],
        "warmupMs": warmup_ms, "timesMs": times_ms, "lossFirst": losses[0], "lossLast": losses[-1],
    }


def train_step(params, opt, loss_fn):
    def step():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def recurrent(s):
    layer = (nn.LSTM if s["cell"] == "lstm" else nn.GRU)(s["input"], s["hidden"], batch_first=True)
    head = nn.Linear(s["hidden"], 1)
    x = torch.randn(s["batch"], s["seq"], s["input"])
    y = torch.randn(s["batch"], 1)
    params = [*layer.parameters(), *head.parameters()]

    def loss():
        out, _ = layer(x)
        return F.mse_loss(head(out[:, -1]), y)
    return train_step(params, torch.optim.Adam(params, lr=s["lr"]), loss)


def charlm(s):
    emb = nn.Embedding(s["vocab"], s["embed"])
    lstm = nn.LSTM(s["embed"], s["hidden"], num_layers=s["layers"], batch_first=True)
    head = nn.Linear(s["hidden"], s["vocab"])
    ids = torch.randint(0, s["vocab"], (s["batch"], s["seq"]))
    targets = torch.randint(0, s["vocab"], (s["batch"], s["seq"])).reshape(-1)
    params = [*emb.parameters(), *lstm.parameters(), *head.parameters()]

    def loss():
        out, _ = lstm(emb(ids))
        return F.cross_entropy(head(out).reshape(-1, s["vocab"]), targets)
    return train_step(params, torch.optim.Adam(params, lr=s["lr"]), loss)


def tiny_rnn(s):
    """torch.nn.RNN (its C++ time loop), as the issue's reference numbers were measured."""
    rnn = nn.RNN(s["input"], s["hidden"], batch_first=True)
    x = torch.randn(s["batch"], s["seq"], s["input"])
    params = list(rnn.parameters())

    def loss():
        _, h = rnn(x)
        return h[-1].sum()
    return train_step(params, torch.optim.SGD(params, lr=s["lr"]), loss)


def tiny_rnn_cell_loop(s):
    """The same model as an nn.RNNCell stepped in a Python loop: reported beside W4 as `cellLoopMs`."""
    cell = nn.RNNCell(s["input"], s["hidden"])
    xs = [torch.randn(s["batch"], s["input"]) for _ in range(s["seq"])]
    params = list(cell.parameters())

    def loss():
        h = None
        for x in xs:
            h = cell(x, h)
        return h.sum()
    return train_step(params, torch.optim.SGD(params, lr=s["lr"]), loss)


def emit(kind, payload):
    print(kind, json.dumps(payload), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--timing", required=True)
    a = ap.parse_args()
    spec, timing = json.loads(a.spec), json.loads(a.timing)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    emit("INFO", {
        "framework": f"torch-{a.threads}t", "torch": torch.__version__, "debian": debian_version("python3-torch"), "threads": torch.get_num_threads(),
        "blasInfo": next((p.split("=")[1] for p in torch.__config__.show().replace(",", " ").split() if p.startswith("BLAS_INFO=")), "?"),
        "blas": loaded_blas(),
        "capability": next((l.split(":")[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l), None),
    })
    if spec["id"] == "W5":
        for n in spec["sizes"]:
            a_, b_ = torch.randn(n, n), torch.randn(n, n)
            r = time_steps(lambda: (a_ @ b_)[0, 0].item(), timing)
            emit("RESULT", {"row": f"W5 matmul n={n}", "unit": "GFLOP/s", "value": 2 * n**3 / (r["medianMs"] * 1e6), **r})
        return
    make = {"W1": recurrent, "W2": recurrent, "W3": charlm, "W4": tiny_rnn}[spec["id"]]
    r = time_steps(make(spec), timing)
    if spec["id"] == "W4":
        r["cellLoopMs"] = time_steps(tiny_rnn_cell_loop(spec), timing)["medianMs"]
    emit("RESULT", {"row": f"{spec['id']} {spec['name']}", "unit": "ms", "value": r["medianMs"], **r})


if __name__ == "__main__":
    main()
    emit("DONE", {"cpuS": time.process_time()})
