"""Write tests/fixtures/optim-golden.json: golden trajectories for torch.optim optimizers and LR schedulers.

Run from the repository root with the Debian python (which sees the python3-torch package):

    /usr/bin/python3 tests/fixtures-src/make_optim_fixtures.py

Everything is float64 and the random draws are seeded, so the output is deterministic for a given torch build.
Every optimizer is built with foreach=False (and differentiable=False / capturable=False where the constructor
takes them), so PyTorch runs its plain single-tensor loop, the one a straightforward port reproduces.
The format is described in tests/fixtures/README.md.
"""

import json
import math
import os
import warnings

import torch
from torch.optim import lr_scheduler as lrs

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "optim-golden.json")

N_STEPS = 10
N_EPOCHS = 30
BASE_LR = 0.1


def enc(t):
    """A tensor as {shape, data} with data flat and row-major; Python floats repr-round-trip float64."""
    t = t.detach().contiguous()
    assert t.dtype == torch.float64, t.dtype
    assert torch.isfinite(t).all(), "non-finite value in fixture"
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


# ---------------------------------------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------------------------------------

# Shared problem: two parameters (shapes [3, 2] and [4]) and a fixed non-quadratic loss.
torch.manual_seed(1234)
P1_0 = torch.randn(3, 2)
P2_0 = torch.randn(4)
LOSS_A = torch.randn(3, 2)
LOSS_B = 0.5 * torch.randn(4)


def loss_fn(p1, p2):
    # Information only (nothing about the loss is stored; the fixture stores the grads).
    return (torch.sin(p1) * LOSS_A).sum() + ((p2 - LOSS_B) ** 4).sum() + 0.5 * (p1 ** 2).sum()


# camelCase option -> PyTorch kwarg, per optimizer, in a fixed order; values are PyTorch's defaults
# (None = required).
OPTIMIZERS = {
    "SGD": (torch.optim.SGD, [
        ("lr", "lr", None), ("momentum", "momentum", 0.0), ("dampening", "dampening", 0.0),
        ("weightDecay", "weight_decay", 0.0), ("nesterov", "nesterov", False), ("maximize", "maximize", False),
    ], dict(foreach=False, differentiable=False)),
    "Adam": (torch.optim.Adam, [
        ("lr", "lr", 1e-3), ("betas", "betas", [0.9, 0.999]), ("eps", "eps", 1e-8),
        ("weightDecay", "weight_decay", 0.0), ("amsgrad", "amsgrad", False), ("maximize", "maximize", False),
    ], dict(foreach=False, differentiable=False, capturable=False, fused=False)),
    "AdamW": (torch.optim.AdamW, [
        ("lr", "lr", 1e-3), ("betas", "betas", [0.9, 0.999]), ("eps", "eps", 1e-8),
        ("weightDecay", "weight_decay", 1e-2), ("amsgrad", "amsgrad", False), ("maximize", "maximize", False),
    ], dict(foreach=False, capturable=False)),
    "RMSprop": (torch.optim.RMSprop, [
        ("lr", "lr", 1e-2), ("alpha", "alpha", 0.99), ("eps", "eps", 1e-8),
        ("weightDecay", "weight_decay", 0.0), ("momentum", "momentum", 0.0), ("centered", "centered", False),
        ("maximize", "maximize", False),
    ], dict(foreach=False, differentiable=False)),
    "Adagrad": (torch.optim.Adagrad, [
        ("lr", "lr", 1e-2), ("lrDecay", "lr_decay", 0.0), ("weightDecay", "weight_decay", 0.0),
        ("initialAccumulatorValue", "initial_accumulator_value", 0.0), ("eps", "eps", 1e-10),
        ("maximize", "maximize", False),
    ], dict(foreach=False)),
}


def full_options(optimizer, given):
    """All camelCase options the optimizer takes, PyTorch defaults filled in; and the matching kwargs."""
    _, table, _ = OPTIMIZERS[optimizer]
    known = {c for c, _, _ in table}
    assert set(given) <= known, (optimizer, set(given) - known)
    opts, kwargs = {}, {}
    for camel, snake, default in table:
        v = given.get(camel, default)
        assert v is not None, "%s needs %s" % (optimizer, camel)
        if isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        opts[camel] = list(v) if isinstance(v, (list, tuple)) else v
        kwargs[snake] = tuple(v) if isinstance(v, (list, tuple)) else v
    return opts, kwargs


def json_value(v):
    if torch.is_tensor(v):
        return enc(v)
    if isinstance(v, tuple):
        return [json_value(x) for x in v]
    if isinstance(v, list):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, float):
        assert math.isfinite(v)
    return v


def state_dict_json(opt):
    """optimizer.state_dict() as JSON: PyTorch's own (snake_case) keys; 'step' always a plain number."""
    sd = opt.state_dict()
    state = {}
    for idx, st in sd["state"].items():
        out = {}
        for k, v in st.items():
            if k == "step":
                out[k] = float(v.item()) if torch.is_tensor(v) else v
            else:
                out[k] = json_value(v)
        state[str(idx)] = out
    groups = [{k: json_value(v) for k, v in g.items()} for g in sd["param_groups"]]
    return {"state": state, "param_groups": groups}


def step_types(opt):
    """How PyTorch holds state['step'] per parameter: 'tensor' (0-dim), 'int', or absent (None)."""
    out = []
    for p in [p for g in opt.param_groups for p in g["params"]]:
        st = opt.state.get(p, {})
        if "step" not in st:
            out.append(None)
        else:
            out.append("tensor" if torch.is_tensor(st["step"]) else type(st["step"]).__name__)
    return out


def optim_case(name, optimizer, options, groups=None, lr_changes=(), state_dict=False):
    cls, _, fixed = OPTIMIZERS[optimizer]
    opts, kwargs = full_options(optimizer, options)
    p1 = P1_0.clone().requires_grad_(True)
    p2 = P2_0.clone().requires_grad_(True)
    params = [p1, p2]
    if groups is None:
        opt = cls(params, **kwargs, **fixed)
    else:
        opt = cls([{"params": [params[i] for i in g["params"]], **{k: v for k, v in g.items() if k != "params"}}
                   for g in groups], **kwargs, **fixed)
    for g in opt.param_groups:
        assert g["foreach"] is False
        for flag in ("differentiable", "capturable", "fused"):
            assert not g.get(flag, False), flag

    case = {"name": name, "optimizer": optimizer, "options": opts}
    if groups is not None:
        case["groups"] = groups
        case["lrChanges"] = [dict(c) for c in lr_changes]
    case["params0"] = [enc(p1), enc(p2)]
    steps = []
    for k in range(1, N_STEPS + 1):
        loss = loss_fn(p1, p2)
        g1, g2 = torch.autograd.grad(loss, params)
        p1.grad, p2.grad = g1.clone(), g2.clone()
        opt.step()
        steps.append({"grads": [enc(g1), enc(g2)], "params": [enc(p1), enc(p2)]})
        for c in lr_changes:
            if c["afterStep"] == k:
                opt.param_groups[c["group"]]["lr"] = c["lr"]
    case["steps"] = steps
    if state_dict:
        case["stateDict"] = state_dict_json(opt)
        case["stepTypes"] = step_types(opt)
    return case


def build_optimizer_cases():
    c = optim_case
    cases = [
        c("SGD_plain", "SGD", dict(lr=0.01)),
        c("SGD_momentum", "SGD", dict(lr=0.01, momentum=0.9), state_dict=True),
        c("SGD_momentum_dampening", "SGD", dict(lr=0.01, momentum=0.9, dampening=0.1)),
        c("SGD_nesterov", "SGD", dict(lr=0.01, momentum=0.9, dampening=0.0, nesterov=True)),
        c("SGD_weightDecay", "SGD", dict(lr=0.01, weightDecay=0.1)),
        c("SGD_maximize", "SGD", dict(lr=0.001, maximize=True)),
        c("SGD_maximize_momentum_weightDecay", "SGD", dict(lr=0.001, momentum=0.5, weightDecay=0.1, maximize=True)),
        c("Adam_default", "Adam", dict(), state_dict=True),
        c("Adam_lr_weightDecay", "Adam", dict(lr=0.05, weightDecay=0.1)),
        c("Adam_amsgrad", "Adam", dict(lr=0.05, amsgrad=True)),
        c("Adam_maximize", "Adam", dict(lr=0.05, maximize=True)),
        c("Adam_maximize_weightDecay", "Adam", dict(lr=0.05, betas=[0.8, 0.99], eps=1e-6, weightDecay=0.1,
                                                    maximize=True)),
        c("AdamW_default", "AdamW", dict()),
        c("AdamW_lr_amsgrad", "AdamW", dict(lr=0.05, weightDecay=0.1, amsgrad=True)),
        c("RMSprop_default", "RMSprop", dict()),
        c("RMSprop_momentum", "RMSprop", dict(momentum=0.9)),
        c("RMSprop_centered", "RMSprop", dict(centered=True), state_dict=True),
        c("RMSprop_centered_momentum_weightDecay", "RMSprop",
          dict(lr=0.02, alpha=0.9, centered=True, momentum=0.5, weightDecay=0.1)),
        c("Adagrad_default", "Adagrad", dict(), state_dict=True),
        c("Adagrad_lrDecay_initAcc_weightDecay", "Adagrad",
          dict(lr=0.1, lrDecay=0.1, initialAccumulatorValue=0.1, weightDecay=0.05)),
        c("Adam_two_groups", "Adam", dict(lr=1e-3),
          groups=[{"params": [0], "lr": 1e-2}, {"params": [1], "lr": 1e-3}],
          lr_changes=[{"afterStep": 5, "group": 0, "lr": 5e-3}]),
    ]
    # stateDict on SGD_momentum, Adam_default, RMSprop_centered, Adagrad_default (covers every state key).
    return cases


# ---------------------------------------------------------------------------------------------------------
# LR schedulers
# ---------------------------------------------------------------------------------------------------------

SCHEDULERS = {
    "StepLR": (lrs.StepLR, {"stepSize": "step_size", "gamma": "gamma"}),
    "MultiStepLR": (lrs.MultiStepLR, {"milestones": "milestones", "gamma": "gamma"}),
    "ConstantLR": (lrs.ConstantLR, {"factor": "factor", "totalIters": "total_iters"}),
    "ExponentialLR": (lrs.ExponentialLR, {"gamma": "gamma"}),
    "CosineAnnealingLR": (lrs.CosineAnnealingLR, {"tMax": "T_max", "etaMin": "eta_min"}),
    "LinearLR": (lrs.LinearLR, {"startFactor": "start_factor", "endFactor": "end_factor",
                                "totalIters": "total_iters"}),
    "ReduceLROnPlateau": (lrs.ReduceLROnPlateau, {"mode": "mode", "factor": "factor", "patience": "patience",
                                                  "threshold": "threshold", "thresholdMode": "threshold_mode",
                                                  "cooldown": "cooldown", "minLr": "min_lr", "eps": "eps"}),
}


def make_scheduler(opt, kind, options):
    if kind == "SequentialLR":
        subs = [make_scheduler(opt, s["scheduler"], s["options"]) for s in options["schedulers"]]
        return lrs.SequentialLR(opt, subs, milestones=list(options["milestones"]))
    if kind == "ChainedScheduler":
        subs = [make_scheduler(opt, s["scheduler"], s["options"]) for s in options["schedulers"]]
        return lrs.ChainedScheduler(subs)
    cls, names = SCHEDULERS[kind]
    assert set(options) <= set(names), (kind, set(options) - set(names))
    return cls(opt, **{names[k]: v for k, v in options.items()})


def sched_case(name, kind, options, metrics=None):
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=BASE_LR, foreach=False)
    sched = make_scheduler(opt, kind, options)
    lr_list = [opt.param_groups[0]["lr"]]
    for epoch in range(N_EPOCHS):
        w.grad = torch.zeros_like(w)
        opt.step()
        if metrics is not None:
            sched.step(metrics[epoch])
        else:
            sched.step()
        lr_list.append(opt.param_groups[0]["lr"])
    lr_list = [float(v) for v in lr_list]
    assert all(math.isfinite(v) for v in lr_list)
    case = {"name": name, "scheduler": kind, "options": options, "baseLr": BASE_LR}
    if metrics is not None:
        case["metrics"] = [float(m) for m in metrics]
    case["lrs"] = lr_list
    return case


PLATEAU = dict(factor=0.5, patience=2, threshold=1e-4, thresholdMode="rel", cooldown=1, minLr=0.001, eps=1e-8)

# Loss-like: improves, plateaus, "improves" by less than the relative threshold, improves again, stalls.
METRICS_MIN = [1.0, 0.8, 0.7, 0.7, 0.70001, 0.69999, 0.6, 0.6, 0.6, 0.6,
               0.6, 0.6, 0.5, 0.55, 0.52, 0.51, 0.5, 0.49, 0.49, 0.49,
               0.49, 0.489999, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49]
# Accuracy-like.
METRICS_MAX = [0.1, 0.3, 0.5, 0.5, 0.5, 0.50004, 0.6, 0.6, 0.59, 0.6,
               0.6, 0.7, 0.7, 0.7, 0.7, 0.700001, 0.75, 0.75, 0.8, 0.8,
               0.8, 0.8, 0.8, 0.8, 0.80005, 0.8, 0.8, 0.8, 0.8, 0.8]


def build_scheduler_cases():
    s = sched_case
    assert len(METRICS_MIN) == N_EPOCHS and len(METRICS_MAX) == N_EPOCHS
    return [
        s("StepLR", "StepLR", {"stepSize": 5, "gamma": 0.5}),
        s("MultiStepLR", "MultiStepLR", {"milestones": [3, 8, 20], "gamma": 0.3}),
        s("ConstantLR", "ConstantLR", {"factor": 0.25, "totalIters": 4}),
        s("ExponentialLR", "ExponentialLR", {"gamma": 0.9}),
        s("CosineAnnealingLR", "CosineAnnealingLR", {"tMax": 10, "etaMin": 0.01}),
        s("LinearLR_warmup", "LinearLR", {"startFactor": 0.1, "endFactor": 1.0, "totalIters": 5}),
        s("LinearLR_decay", "LinearLR", {"startFactor": 1.0, "endFactor": 0.2, "totalIters": 8}),
        s("SequentialLR_warmup_cosine", "SequentialLR", {
            "schedulers": [
                {"scheduler": "LinearLR", "options": {"startFactor": 0.1, "endFactor": 1.0, "totalIters": 5}},
                {"scheduler": "CosineAnnealingLR", "options": {"tMax": 25, "etaMin": 0.0}},
            ],
            "milestones": [5]}),
        s("ChainedScheduler_exp_step", "ChainedScheduler", {
            "schedulers": [
                {"scheduler": "ExponentialLR", "options": {"gamma": 0.9}},
                {"scheduler": "StepLR", "options": {"stepSize": 4, "gamma": 0.5}},
            ]}),
        s("ReduceLROnPlateau_min", "ReduceLROnPlateau", dict(mode="min", **PLATEAU), METRICS_MIN),
        s("ReduceLROnPlateau_max", "ReduceLROnPlateau", dict(mode="max", **PLATEAU), METRICS_MAX),
        s("ReduceLROnPlateau_max_abs", "ReduceLROnPlateau",
          dict(PLATEAU, mode="max", thresholdMode="abs", threshold=0.01, cooldown=0, minLr=0.01), METRICS_MAX),
    ]


def main():
    warnings.simplefilter("ignore")  # SequentialLR calls scheduler.step(0): PyTorch's own deprecated-epoch warning
    opt_cases = build_optimizer_cases()
    sched_cases = build_scheduler_cases()
    names = [c["name"] for c in opt_cases + sched_cases]
    assert len(names) == len(set(names)), "case names must be unique"
    # One case per line: small diffs when a case changes, still one JSON document.
    dump = lambda c: json.dumps(c, separators=(",", ":"), allow_nan=False)
    text = '{"torch_version":%s,\n"optimizers":[\n%s\n],\n"schedulers":[\n%s\n]}\n' % (
        json.dumps(torch.__version__),
        ",\n".join(dump(c) for c in opt_cases),
        ",\n".join(dump(c) for c in sched_cases))
    assert len(text) < 1_000_000
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote %s: %d optimizer cases, %d scheduler cases, %d bytes, torch %s" % (
        os.path.normpath(OUT), len(opt_cases), len(sched_cases), len(text), torch.__version__))


if __name__ == "__main__":
    main()
