"""Independent check of tests/fixtures/op-golden.json, with no autograd.

Reads the file as tests/fixtures/README.md documents it, evaluates each case's forward function (the PyTorch
references of make_op_fixtures.py, called on plain tensors under torch.no_grad) and checks the stored
gradients by central differences:

- forward: the stored `out` is the reference's output on the stored `args`;
- first order: grads_i[k] = d/dx_ik <F(x), u>;
- second order: grads2.cotangent = J v = d/dt F(x + t v), and
  grads2.inputs_i[k] = d/dx_ik d/dt <F(x + t v), u> (a mixed second difference).

Points where the function has a kink or is undefined (listed in NOT_SMOOTH, with the reason) are checked for
the forward value only: a central difference there averages the two sides.

    /usr/bin/python3 tests/fixtures-src/verify_op_fixtures.py
"""

import importlib.util
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "..", "fixtures", "op-golden.json")
spec = importlib.util.spec_from_file_location("make_op_fixtures", os.path.join(HERE, "make_op_fixtures.py"))
make = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make)

H1 = 1e-6  # step of the first-order differences
H2 = 1e-4  # steps of the second-order differences
TOL1 = 1e-6
TOL2 = 1e-4

NOT_SMOOTH = {
    "abs": "kink at 0", "relu": "kink at 0", "leakyRelu_default": "kink at 0", "clamp_both": "inputs at the bounds",
    "maximum_ties": "ties", "minimum_ties": "ties", "max_ties": "ties", "min_ties": "ties", "max_ties_all": "ties",
    "min_ties_all": "ties", "nn.l1Loss_zero_difference": "kink at 0",
    "pow_zero_base": "base 0 (one-sided domain)", "pow_zero_base_zero_exponent": "0^0",
    "pow_number_exponent_zero": "x^0 at 0", "pow_number_exponent_one_at_zero": "x^1 at 0 (second order)",
    "pow_number_exponent_two_at_zero": "x^2 at 0 through 0^1 (second order)",
    "std_constant_slice": "sqrt at 0", "std_constant_all": "sqrt at 0",
    "norm_p2_zero_slice": "norm at 0", "norm_p1_zero_slice": "norm at 0", "norm_pinf_zero_slice": "norm at 0",
    "norm_p3_zero_slice": "norm at 0", "norm_p1p5_zero_slice": "norm at 0",
    "nn.crossEntropy_extreme": "log-probability -2e4 (differences of 1e-6 lose everything)",
    "mean_empty": "NaN everywhere", "logsumexp_empty": "-inf everywhere", "nn.nllLoss_all_ignored": "NaN everywhere",
    "nn.mseLoss_empty_mean": "NaN everywhere", "nn.crossEntropy_empty_batch_mean": "NaN everywhere",
    "nn.binaryCrossEntropy_near_bounds": "inputs 1e-6 from the edge of the domain, as close as the difference step",
    "sqrt_zero": "the edge of the domain", "log_zero": "the edge of the domain", "clamp_min_equals_max": "kinks",
    "logSoftmax_neg_inf": "-inf outputs",
    "cast_float32": "a float32 output: differences of 1e-6 are below its precision",
}


def num(v):
    return v if not isinstance(v, str) else {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]


def dec(t):
    dtype = {"int32": torch.int64, "float32": torch.float32}.get(t.get("dtype"), torch.float64)
    return torch.tensor([num(v) for v in t["data"]], dtype=dtype).reshape(t["shape"])


def is_tensor(a):
    return isinstance(a, dict) and "shape" in a and "data" in a


def leaves(a, out):
    if is_tensor(a):
        if a.get("grad"):
            out.append(dec(a))
    elif isinstance(a, list):
        for v in a:
            leaves(v, out)
    elif isinstance(a, dict):
        for v in a.values():
            leaves(v, out)
    return out


def instantiate(args, xs):
    it = iter(xs)

    def walk(a):
        if is_tensor(a):
            return next(it) if a.get("grad") else dec(a)
        if isinstance(a, list):
            return [walk(v) for v in a]
        if isinstance(a, dict):
            if "$undefined" in a:
                return make.UNDEF
            if "$number" in a:
                return num(a["$number"])
            return {k: walk(v) for k, v in a.items()}
        return a

    return [walk(a) for a in args]


def outputs(case, xs):
    with torch.no_grad():
        y = make.REF[case["op"]](*instantiate(case["args"], xs))
    return [t.to(torch.float64) for t in (y if isinstance(y, (list, tuple)) else [y])]


def as_list(t):
    return [dec(v) for v in t] if isinstance(t, list) else [dec(t)]


WORST = {}


def close(got, want, tol):
    both_nan = torch.isnan(got) & torch.isnan(want)
    same_inf = torch.isinf(want) & (got == want)
    err = ((got - want).abs() / (1 + want.abs())).masked_fill(both_nan | same_inf, 0)
    if err.numel():
        WORST[tol] = max(WORST.get(tol, 0.0), float(err.max()))
    return bool((both_nan | same_inf | (err <= tol)).all())


def phi(case, xs, us):
    return sum(float((o * u.to(torch.float64)).sum()) for o, u in zip(outputs(case, xs), us))


def shifted(xs, i, k, h):
    ys = [x.clone() for x in xs]
    ys[i].view(-1)[k] += h
    return ys


def along(xs, vs, t):
    return [x + t * v for x, v in zip(xs, vs)]


def check(case):
    """Returns a list of problems (empty when the case checks out)."""
    xs = leaves(case["args"], [])
    problems = []
    outs = outputs(case, xs)
    for j, (o, w) in enumerate(zip(outs, as_list(case["out"]))):
        if list(o.shape) != list(w.shape) or not close(o, w.to(torch.float64), 1e-12):
            problems.append("forward %d" % j)
    if case["name"] in NOT_SMOOTH:
        return problems
    us = as_list(case["cotangent"])
    for i, (x, g) in enumerate(zip(xs, case["grads"])):
        # An infinite input stays put under a finite step: its stored gradient is taken as it is.
        fd = torch.tensor([(phi(case, shifted(xs, i, k, H1), us) - phi(case, shifted(xs, i, k, -H1), us)) / (2 * H1)
                           if math.isfinite(x.view(-1)[k]) else dec(g).view(-1)[k]
                           for k in range(x.numel())]).reshape(x.shape)
        if not close(fd, dec(g), TOL1):
            problems.append("grads[%d]: differences %s, stored %s" % (i, fd.flatten().tolist(), dec(g).flatten().tolist()))
    if "grads2" not in case:
        return problems
    vs = [dec(v) for v in case["v"]]
    plus, minus = outputs(case, along(xs, vs, H2)), outputs(case, along(xs, vs, -H2))
    for j, (p, m, w) in enumerate(zip(plus, minus, as_list(case["grads2"]["cotangent"]))):
        if not close((p - m) / (2 * H2), w, TOL2):
            problems.append("grads2.cotangent[%d]" % j)
    for i, (x, g) in enumerate(zip(xs, case["grads2"]["inputs"])):
        fd = []
        for k in range(x.numel()):
            if not math.isfinite(x.view(-1)[k]):
                fd.append(dec(g).view(-1)[k])
                continue
            f = lambda t, d: phi(case, shifted(along(xs, vs, t), i, k, d), us)
            fd.append((f(H2, H2) - f(H2, -H2) - f(-H2, H2) + f(-H2, -H2)) / (4 * H2 * H2))
        fd = torch.tensor(fd).reshape(x.shape)
        if not close(fd, dec(g), TOL2):
            problems.append("grads2.inputs[%d]: differences %s, stored %s" % (i, fd.flatten().tolist(), dec(g).flatten().tolist()))
    return problems


def main():
    with open(PATH) as f:
        cases = json.load(f)["cases"]
    bad = 0
    for case in cases:
        problems = check(case)
        if problems:
            bad += 1
            print("%s (%s): %s" % (case["name"], case["op"], "; ".join(problems)))
    smooth = sum(1 for c in cases if c["name"] not in NOT_SMOOTH)
    print("%d cases: forward checked for all, gradients by central differences for %d; %d with problems"
          % (len(cases), smooth, bad))
    print("worst |difference - stored| / (1 + |stored|): forward %.1e, first order %.1e, second order %.1e"
          % (WORST.get(1e-12, 0), WORST.get(TOL1, 0), WORST.get(TOL2, 0)))
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
