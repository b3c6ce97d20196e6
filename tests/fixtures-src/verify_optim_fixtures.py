"""Independent check of tests/fixtures/optim-golden.json, in plain Python (no torch).

    python3 tests/fixtures-src/verify_optim_fixtures.py      # any python3; torch is not needed

Re-implements every optimizer update (element by element, from the stored grads) and every scheduler (in
closed form where one exists, so it also shows how far PyTorch's recursive forms drift), and compares with the
stored values. It doubles as a readable reference for how to interpret a case.
"""

import json
import math
import os
import sys

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "optim-golden.json")


def close(a, b, rtol=1e-12, atol=1e-13):
    return abs(a - b) <= atol + rtol * abs(b)


# ----------------------------------------------------------------------------------------------- optimizers
# Each update works on one parameter: lists p, g (same length), a per-parameter state dict, the group options
# o (camelCase) and lr. It returns the new p. Orders of operations follow torch 1.13's single-tensor paths.

def sgd(p, g, st, o, lr):
    d = [-x for x in g] if o["maximize"] else list(g)
    if o["weightDecay"]:
        d = [di + o["weightDecay"] * pi for di, pi in zip(d, p)]
    if o["momentum"]:
        if "momentum_buffer" not in st:
            st["momentum_buffer"] = list(d)  # first step: buf = d, no dampening
        else:
            st["momentum_buffer"] = [o["momentum"] * b + (1 - o["dampening"]) * di
                                     for b, di in zip(st["momentum_buffer"], d)]
        buf = st["momentum_buffer"]
        d = [di + o["momentum"] * b for di, b in zip(d, buf)] if o["nesterov"] else list(buf)
    return [pi - lr * di for pi, di in zip(p, d)]


def adam(p, g, st, o, lr, decoupled=False):
    b1, b2 = o["betas"]
    g = [-x for x in g] if o["maximize"] else list(g)
    if "step" not in st:
        st.update(step=0, exp_avg=[0.0] * len(p), exp_avg_sq=[0.0] * len(p))
        if o["amsgrad"]:
            st["max_exp_avg_sq"] = [0.0] * len(p)
    st["step"] += 1
    if decoupled:
        p = [pi * (1 - lr * o["weightDecay"]) for pi in p]
    elif o["weightDecay"]:
        g = [gi + o["weightDecay"] * pi for gi, pi in zip(g, p)]
    st["exp_avg"] = [b1 * m + (1 - b1) * gi for m, gi in zip(st["exp_avg"], g)]
    st["exp_avg_sq"] = [b2 * v + (1 - b2) * gi * gi for v, gi in zip(st["exp_avg_sq"], g)]
    bc1 = 1 - b1 ** st["step"]
    bc2 = 1 - b2 ** st["step"]
    v = st["exp_avg_sq"]
    if o["amsgrad"]:
        st["max_exp_avg_sq"] = [max(a, b) for a, b in zip(st["max_exp_avg_sq"], v)]
        v = st["max_exp_avg_sq"]
    denom = [math.sqrt(vi) / math.sqrt(bc2) + o["eps"] for vi in v]
    return [pi - (lr / bc1) * m / dn for pi, m, dn in zip(p, st["exp_avg"], denom)]


def adamw(p, g, st, o, lr):
    return adam(p, g, st, o, lr, decoupled=True)


def rmsprop(p, g, st, o, lr):
    a = o["alpha"]
    g = [-x for x in g] if o["maximize"] else list(g)
    if "step" not in st:
        st.update(step=0, square_avg=[0.0] * len(p))
        if o["momentum"] > 0:
            st["momentum_buffer"] = [0.0] * len(p)
        if o["centered"]:
            st["grad_avg"] = [0.0] * len(p)
    st["step"] += 1
    if o["weightDecay"]:
        g = [gi + o["weightDecay"] * pi for gi, pi in zip(g, p)]
    st["square_avg"] = [a * s + (1 - a) * gi * gi for s, gi in zip(st["square_avg"], g)]
    if o["centered"]:
        st["grad_avg"] = [a * m + (1 - a) * gi for m, gi in zip(st["grad_avg"], g)]
        avg = [math.sqrt(s - m * m) + o["eps"] for s, m in zip(st["square_avg"], st["grad_avg"])]
    else:
        avg = [math.sqrt(s) + o["eps"] for s in st["square_avg"]]
    if o["momentum"] > 0:
        st["momentum_buffer"] = [o["momentum"] * b + gi / av for b, gi, av in zip(st["momentum_buffer"], g, avg)]
        return [pi - lr * b for pi, b in zip(p, st["momentum_buffer"])]
    return [pi - lr * gi / av for pi, gi, av in zip(p, g, avg)]


def adagrad(p, g, st, o, lr):
    if "step" not in st:
        st.update(step=0, sum=[o["initialAccumulatorValue"]] * len(p))
    st["step"] += 1
    g = [-x for x in g] if o["maximize"] else list(g)
    if o["weightDecay"]:
        g = [gi + o["weightDecay"] * pi for gi, pi in zip(g, p)]
    clr = lr / (1 + (st["step"] - 1) * o["lrDecay"])
    st["sum"] = [s + gi * gi for s, gi in zip(st["sum"], g)]
    return [pi - clr * gi / (math.sqrt(s) + o["eps"]) for pi, gi, s in zip(p, g, st["sum"])]


UPDATES = {"SGD": sgd, "Adam": adam, "AdamW": adamw, "RMSprop": rmsprop, "Adagrad": adagrad}


def check_optimizer(case):
    update = UPDATES[case["optimizer"]]
    groups = case.get("groups") or [{"params": [0, 1]}]
    lr_of = {}  # param index -> group index
    lrs = []
    for gi, grp in enumerate(groups):
        lrs.append(grp.get("lr", case["options"]["lr"]))
        for i in grp["params"]:
            lr_of[i] = gi
    params = [list(t["data"]) for t in case["params0"]]
    states = [{} for _ in params]
    worst = 0.0
    for k, step in enumerate(case["steps"], start=1):
        for i in range(len(params)):
            params[i] = update(params[i], step["grads"][i]["data"], states[i], case["options"], lrs[lr_of[i]])
            want = step["params"][i]["data"]
            for a, b in zip(params[i], want):
                if not close(a, b):
                    return "step %d param %d: %r vs stored %r" % (k, i, a, b)
                worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
            params[i] = list(want)  # continue from the stored values so errors do not compound
        for c in case.get("lrChanges", []):
            if c["afterStep"] == k:
                lrs[c["group"]] = c["lr"]
    if "stateDict" in case:
        for i, st in enumerate(states):
            stored = case["stateDict"]["state"][str(i)]
            mine = {k: v for k, v in st.items() if v is not None}
            if set(mine) != set(stored):
                return "state keys %s vs stored %s" % (sorted(mine), sorted(stored))
            for key, v in mine.items():
                sv = stored[key]
                if key == "step":
                    if v != sv:
                        return "state step %r vs %r" % (v, sv)
                elif not all(close(a, b, rtol=1e-10) for a, b in zip(v, sv["data"])):
                    return "state %s differs" % key
    return worst


# ----------------------------------------------------------------------------------------------- schedulers

def closed_form(kind, o, base, n):
    """lr after n scheduler steps (n = 0: at construction)."""
    if kind == "StepLR":
        return base * o["gamma"] ** (n // o["stepSize"])
    if kind == "MultiStepLR":
        return base * o["gamma"] ** sum(1 for m in o["milestones"] if m <= n)
    if kind == "ConstantLR":
        return base * (o["factor"] if n < o["totalIters"] else 1.0)
    if kind == "ExponentialLR":
        return base * o["gamma"] ** n
    if kind == "CosineAnnealingLR":  # PyTorch's recursion continues the cosine past tMax (period 2 tMax)
        return o["etaMin"] + (base - o["etaMin"]) * (1 + math.cos(math.pi * n / o["tMax"])) / 2
    if kind == "LinearLR":
        t = min(n, o["totalIters"]) / o["totalIters"]
        return base * (o["startFactor"] + (o["endFactor"] - o["startFactor"]) * t)
    if kind == "SequentialLR":
        ms = o["milestones"]
        idx = sum(1 for m in ms if m <= n)
        start = ms[idx - 1] if idx > 0 else 0
        s = o["schedulers"][idx]
        return closed_form(s["scheduler"], s["options"], base, n - start)
    if kind == "ChainedScheduler":  # multiplicative schedulers compose as a product of factors
        f = 1.0
        for s in o["schedulers"]:
            f *= closed_form(s["scheduler"], s["options"], 1.0, n)
        return base * f
    raise KeyError(kind)


def plateau(o, base, metrics):
    """ReduceLROnPlateau as documented: 'better' uses the threshold; cooldown epochs ignore bad epochs."""
    mode_min = o["mode"] == "min"
    rel = o["thresholdMode"] == "rel"
    thr = o["threshold"]

    def is_better(a, best):
        if mode_min:
            return a < (best * (1 - thr) if rel else best - thr)
        return a > (best * (1 + thr) if rel else best + thr)

    best = math.inf if mode_min else -math.inf
    bad, cooldown, lr = 0, 0, base
    out = [lr]
    for m in metrics:
        if is_better(m, best):
            best, bad = m, 0
        else:
            bad += 1
        if cooldown > 0:
            cooldown -= 1
            bad = 0
        if bad > o["patience"]:
            new = max(lr * o["factor"], o["minLr"])
            if lr - new > o["eps"]:
                lr = new
            cooldown, bad = o["cooldown"], 0
        out.append(lr)
    return out


def check_scheduler(case):
    if case["scheduler"] == "ReduceLROnPlateau":
        want = plateau(case["options"], case["baseLr"], case["metrics"])
    else:
        want = [closed_form(case["scheduler"], case["options"], case["baseLr"], n) for n in range(len(case["lrs"]))]
    worst = 0.0
    for n, (a, b) in enumerate(zip(want, case["lrs"])):
        if not close(a, b, rtol=1e-9, atol=1e-15):
            return "epoch %d: closed form %r vs stored %r" % (n, a, b)
        worst = max(worst, abs(a - b))
    return worst


def main():
    with open(FIX) as f:
        fx = json.load(f)
    print("torch", fx["torch_version"])
    bad = 0
    for kind, cases, check in (("optimizer", fx["optimizers"], check_optimizer),
                               ("scheduler", fx["schedulers"], check_scheduler)):
        for case in cases:
            r = check(case)
            if isinstance(r, str):
                bad += 1
                print("FAIL %-10s %-40s %s" % (kind, case["name"], r))
            else:
                label = "max rel err" if kind == "optimizer" else "max abs diff vs closed form"
                print("ok   %-10s %-40s %s %.1e" % (kind, case["name"], label, r))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
