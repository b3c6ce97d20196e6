"""Write tests/fixtures/op-golden.json: PyTorch golden values for every public differentiable op of tapegrad.

Run from the repository root with the Debian python (which sees the python3-torch package):

    /usr/bin/python3 tests/fixtures-src/make_op_fixtures.py

Each case names a tapegrad function (`op`, e.g. "variance" or "nn.crossEntropy") and its positional arguments
exactly as tapegrad takes them (options objects in camelCase). The same arguments go through a reference
written here with PyTorch (`REF`, one function per op with tapegrad's signature), which gives the forward
output, the vector-Jacobian product of a fixed random cotangent, and a second-order quantity: the gradient of
<VJP, v> (v fixed and random) with respect to the inputs and to the cotangent, with create_graph=True.
Everything is float64 and every case reseeds torch from a hash of its name, so the output is deterministic for
a given torch build and adding a case changes no other. The format is described in tests/fixtures/README.md.
"""

import json
import math
import os
import zlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "op-golden.json")
INF = math.inf


# ----------------------------------------------------------------------------------------------------------
# Argument markers: X is a differentiated float64 tensor, C a constant tensor (float64, or int32 indices).
class X:
    def __init__(self, t):
        self.t = t.detach().clone().to(torch.float64)


class C:
    def __init__(self, t, int32=False):
        self.int32 = int32 or t.dtype in (torch.int32, torch.int64)
        self.t = t.detach().clone().to(torch.int64 if self.int32 else torch.float64)


class Undefined:
    """An omitted positional argument (tapegrad's `undefined`)."""


UNDEF = Undefined()


def num(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return float(v)


def enc(t, grad=False):
    """A tensor as {shape, data[, dtype][, grad]}: data flat row-major; non-finite values as strings."""
    t = t.detach()
    if t._is_zerotensor():  # autograd's lazily-zero gradients (e.g. of sgn) have no storage
        t = torch.zeros(t.shape, dtype=t.dtype)
    t = t.contiguous()
    d = {"shape": list(t.shape)}
    if t.dtype in (torch.int32, torch.int64):
        d["data"] = [int(v) for v in t.reshape(-1).tolist()]
        d["dtype"] = "int32"
    else:
        d["data"] = [num(v) for v in t.reshape(-1).tolist()]
        if t.dtype == torch.float32:
            d["dtype"] = "float32"
        else:
            assert t.dtype == torch.float64, t.dtype
    if grad:
        d["grad"] = True
    return d


def enc_arg(a):
    if isinstance(a, X):
        return enc(a.t, grad=True)
    if isinstance(a, C):
        return enc(a.t)
    if a is UNDEF:
        return {"$undefined": True}
    if isinstance(a, bool) or a is None or isinstance(a, str):
        return a
    if isinstance(a, int):
        return a
    if isinstance(a, float):
        return a if math.isfinite(a) else {"$number": num(a)}
    if isinstance(a, (list, tuple)):
        return [enc_arg(v) for v in a]
    if isinstance(a, dict):
        return {k: enc_arg(v) for k, v in a.items()}
    raise TypeError(type(a))


def leaves_of(a, out):
    """The X markers in depth-first order (the order of `grads` in a case)."""
    if isinstance(a, X):
        out.append(a)
    elif isinstance(a, (list, tuple)):
        for v in a:
            leaves_of(v, out)
    elif isinstance(a, dict):
        for v in a.values():
            leaves_of(v, out)
    return out


def to_torch(a, leaf):
    if isinstance(a, X):
        return leaf[id(a)]
    if isinstance(a, C):
        return a.t
    if isinstance(a, (list, tuple)):
        return [to_torch(v, leaf) for v in a]
    if isinstance(a, dict):
        return {k: to_torch(v, leaf) for k, v in a.items()}
    return a


# ----------------------------------------------------------------------------------------------------------
# References: one per tapegrad op, with tapegrad's signature, computed with PyTorch.
def opt(o, k, default):
    return default if (o is None or o is UNDEF or k not in o) else o[k]


def scalar_operand(v, other):
    return torch.tensor(float(v), dtype=torch.float64) if not torch.is_tensor(v) else v


def binary(f):
    def ref(a, b):
        return f(scalar_operand(a, b), scalar_operand(b, a))
    return ref


def dims_of(x, axis):
    if axis is None or axis is UNDEF:
        return list(range(x.dim()))
    return [axis] if isinstance(axis, int) else list(axis)


def reduction(f):
    """sum/mean/amax/amin/logsumexp over tapegrad's axis (all when omitted), with keepdims."""
    def ref(x, axis=UNDEF, o=None):
        keep = opt(o, "keepdims", False)
        dims = dims_of(x, axis)
        if x.dim() == 0 and (axis is None or axis is UNDEF):
            return f(x.reshape(1), [0], False).reshape(())
        return f(x, dims, keep)
    return ref


def ref_variance(x, axis=UNDEF, o=None):
    dims = None if axis is UNDEF or axis is None else dims_of(x, axis)
    return torch.var(x, dim=dims, correction=opt(o, "correction", 1), keepdim=opt(o, "keepdims", False))


def ref_std(x, axis=UNDEF, o=None):
    dims = None if axis is UNDEF or axis is None else dims_of(x, axis)
    return torch.std(x, dim=dims, correction=opt(o, "correction", 1), keepdim=opt(o, "keepdims", False))


def ref_norm(x, p=2, axis=UNDEF, o=None):
    p = 2 if p is UNDEF else p
    dims = None if axis is UNDEF or axis is None else dims_of(x, axis)
    return torch.linalg.vector_norm(x, ord=p, dim=dims, keepdim=opt(o, "keepdims", False))


def ref_clamp(x, lo=UNDEF, hi=UNDEF):
    return torch.clamp(x, min=None if lo is UNDEF else lo, max=None if hi is UNDEF else hi)


def ref_linear(x, w, b=UNDEF):
    if b is UNDEF or b is None:
        return F.linear(x, w)
    if b.dim() == 1:
        return F.linear(x, w, b)
    return F.linear(x, w) + b  # tapegrad's addmm-style addend of the output's shape


def ref_transpose(x, a0=UNDEF, a1=UNDEF):
    if a0 is UNDEF and a1 is UNDEF and x.dim() < 2:
        return x
    return torch.transpose(x, -2 if a0 is UNDEF else a0, -1 if a1 is UNDEF else a1)


def ref_squeeze(x, axis=UNDEF):
    if axis is UNDEF:
        return torch.squeeze(x)
    for a in sorted((d % max(x.dim(), 1) for d in ([axis] if isinstance(axis, int) else axis)), reverse=True):
        x = torch.squeeze(x, a)
    return x


def py_slice(spec):
    if isinstance(spec, str):
        parts = [p.strip() for p in spec.split(":")]
        if len(parts) == 1:
            return int(parts[0])
        vals = [int(p) if p else None for p in parts] + [None] * (3 - len(parts))
        return slice(*vals)
    if isinstance(spec, dict):
        return slice(spec.get("start"), spec.get("end"), spec.get("step"))
    return spec


def ref_slice(x, specs):
    """Python's indexing semantics (negative steps too), by index_select along each axis."""
    drop = []
    for d, n in enumerate(list(x.shape)):
        s = py_slice(specs[d]) if d < len(specs) else None
        if s is None:
            continue
        idx = [s % n] if isinstance(s, int) else list(range(*s.indices(n)))
        if isinstance(s, int):
            drop.append(d)
        x = torch.index_select(x, d, torch.tensor(idx, dtype=torch.int64))
    for d in reversed(drop):
        x = torch.squeeze(x, d)
    return x


def ref_pad(x, pads, third=0):
    if isinstance(third, dict):
        mode = third.get("mode", "constant")
        if mode != "constant":
            return F.pad(x, pads, mode=mode)
        return F.pad(x, pads, value=third.get("value", 0.0))
    return F.pad(x, pads, value=float(third))


def ref_cast(x, dtype):
    return x.to({"float32": torch.float32, "float64": torch.float64}[dtype])


def ref_ce_top(x, t, o=None):
    """tapegrad's top-level crossEntropy: int32 class indices; PyTorch's options."""
    return ref_cross_entropy(x, t, o)


def ref_cross_entropy(x, t, o=None):
    kw = dict(reduction=opt(o, "reduction", "mean"), ignore_index=opt(o, "ignoreIndex", -100),
              label_smoothing=opt(o, "labelSmoothing", 0.0), weight=opt(o, "weight", None))
    return F.cross_entropy(x, t if t.is_floating_point() else t.long(), **kw)


def ref_nll(x, t, o=None):
    return F.nll_loss(x, t.long(), weight=opt(o, "weight", None), ignore_index=opt(o, "ignoreIndex", -100),
                      reduction=opt(o, "reduction", "mean"))


def ref_bce_logits(x, t, o=None):
    return F.binary_cross_entropy_with_logits(x, t, weight=opt(o, "weight", None), pos_weight=opt(o, "posWeight", None),
                                              reduction=opt(o, "reduction", "mean"))


def ref_layer_norm(shape, o, x, params):
    shape = [shape] if isinstance(shape, int) else shape
    return F.layer_norm(x, shape, params.get("weight"), params.get("bias"), eps=opt(o, "eps", 1e-5))


def ref_dropout(x, p=0.5, training=True):
    assert p in (0, 1) or not training, "only the deterministic cases"
    return F.dropout(x, p, training)


REF = {
    "add": binary(torch.add), "sub": binary(torch.sub), "mul": binary(torch.mul), "div": binary(torch.div),
    "neg": torch.neg,
    "pow": lambda a, b: torch.pow(a, float(b)) if not torch.is_tensor(b) else torch.pow(float(a) if not torch.is_tensor(a) else a, b),
    "maximum": binary(torch.maximum), "minimum": binary(torch.minimum),
    "where": lambda c, a, b: torch.where(c != 0, scalar_operand(a, b), scalar_operand(b, a)),
    "exp": torch.exp, "log": torch.log, "log1p": torch.log1p, "sqrt": torch.sqrt, "abs": torch.abs,
    "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
    "leakyRelu": lambda x, s=0.01: F.leaky_relu(x, s),
    "softplus": lambda x, beta=1: F.softplus(x, beta),
    "clamp": ref_clamp,
    "sum": reduction(lambda x, d, k: torch.sum(x, dim=d, keepdim=k)),
    "mean": reduction(lambda x, d, k: torch.mean(x, dim=d, keepdim=k)),
    "max": reduction(lambda x, d, k: torch.amax(x, dim=d, keepdim=k)),
    "min": reduction(lambda x, d, k: torch.amin(x, dim=d, keepdim=k)),
    "logsumexp": reduction(lambda x, d, k: torch.logsumexp(x, dim=d, keepdim=k)),
    "variance": ref_variance, "var": ref_variance, "std": ref_std, "norm": ref_norm,
    "matmul": torch.matmul, "linear": ref_linear,
    "reshape": torch.reshape, "permute": lambda x, axes: x.permute(*axes), "transpose": ref_transpose,
    "squeeze": ref_squeeze, "unsqueeze": torch.unsqueeze,
    "expand": lambda x, shape: x.expand(*shape), "broadcastTo": torch.broadcast_to,
    "flatten": lambda x, s=0, e=-1: torch.flatten(x, s, e),
    "slice": ref_slice, "narrow": torch.narrow, "select": torch.select,
    "indexSelect": lambda x, a, i: torch.index_select(x, a, i.long()),
    "gather": lambda x, a, i: torch.gather(x, a, i.long()),
    "concat": lambda xs, a=0: torch.cat(xs, a), "stack": lambda xs, a=0: torch.stack(xs, a),
    "split": lambda x, s, a=0: list(torch.split(x, s, a)), "chunk": lambda x, c, a=0: list(torch.chunk(x, c, a)),
    "unbind": lambda x, a=0: list(torch.unbind(x, a)),
    "flip": lambda x, axes: torch.flip(x, [axes] if isinstance(axes, int) else axes),
    "pad": ref_pad, "cast": ref_cast, "clone": torch.clone,
    "softmax": lambda x, a=-1: torch.softmax(x, a), "logSoftmax": lambda x, a=-1: torch.log_softmax(x, a),
    "crossEntropy": ref_ce_top, "binaryCrossEntropyWithLogits": ref_bce_logits,
    "nn.mseLoss": lambda x, t, o=None: F.mse_loss(x, t, reduction=opt(o, "reduction", "mean")),
    "nn.l1Loss": lambda x, t, o=None: F.l1_loss(x, t, reduction=opt(o, "reduction", "mean")),
    "nn.huberLoss": lambda x, t, o=None: F.huber_loss(x, t, reduction=opt(o, "reduction", "mean"), delta=opt(o, "delta", 1.0)),
    "nn.smoothL1Loss": lambda x, t, o=None: F.smooth_l1_loss(x, t, reduction=opt(o, "reduction", "mean"), beta=opt(o, "beta", 1.0)),
    "nn.nllLoss": ref_nll, "nn.crossEntropy": ref_cross_entropy,
    "nn.binaryCrossEntropy": lambda x, t, o=None: F.binary_cross_entropy(x, t, weight=opt(o, "weight", None), reduction=opt(o, "reduction", "mean")),
    "nn.binaryCrossEntropyWithLogits": ref_bce_logits,
    "nn.l1Penalty": lambda ps: sum(p.abs().sum() for p in ps),
    "nn.l2Penalty": lambda ps: sum((p * p).sum() for p in ps),
    "nn.dropout": ref_dropout,
    "nn.LayerNorm": ref_layer_norm,
}


# ----------------------------------------------------------------------------------------------------------
def run_case(name, op, build, note=None, no_second=None):
    """Seeds torch from the name, builds the arguments, and computes output, VJP and second order."""
    torch.manual_seed(zlib.crc32(name.encode()))
    args = build()
    xs = leaves_of(args, [])
    assert xs, "%s: no differentiated input" % name
    leaf = {id(m): m.t.clone().requires_grad_(True) for m in xs}
    leaves = [leaf[id(m)] for m in xs]
    out = REF[op](*to_torch(args, leaf))
    multi = isinstance(out, (list, tuple))
    outs = list(out) if multi else [out]
    us = [torch.randn(o.shape, dtype=o.dtype).requires_grad_(True) for o in outs]
    vs = [torch.randn(l.shape) for l in leaves]
    live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    if live:
        gs = torch.autograd.grad([o for o, _ in live], leaves, grad_outputs=[u for _, u in live],
                                 create_graph=True, allow_unused=True)
    else:
        gs = [None] * len(leaves)
    grads = [torch.zeros_like(l) if g is None else g for l, g in zip(leaves, gs)]
    terms = [(g * v).sum() for g, v in zip(gs, vs) if g is not None and g.requires_grad]
    wrt = leaves + us
    if terms:
        s = sum(terms)
        hs = torch.autograd.grad(s, wrt, allow_unused=True)
    else:
        hs = [None] * len(wrt)
    hs = [torch.zeros_like(w) if h is None else h for w, h in zip(wrt, hs)]
    case = {"name": name, "op": op, "args": enc_arg(args)}
    if note:
        case["note"] = note
    case["out"] = [enc(o) for o in outs] if multi else enc(outs[0])
    case["cotangent"] = [enc(u) for u in us] if multi else enc(us[0])
    case["grads"] = [enc(g) for g in grads]
    if no_second:
        case["noSecondOrder"] = no_second
        return case
    case["v"] = [enc(v) for v in vs]
    case["grads2"] = {"inputs": [enc(h) for h in hs[:len(leaves)]],
                      "cotangent": [enc(h) for h in hs[len(leaves):]] if multi else enc(hs[len(leaves)])}
    return case


CASES = []


def case(name, op, build, note=None, no_second=None):
    """no_second: why PyTorch's second-order value is not a reference for this case (then none is stored)."""
    CASES.append((name, op, build, note, no_second))


def rn(*shape):
    return torch.randn(tuple(shape))


def pos(*shape, lo=0.5, hi=2.0):
    return torch.rand(tuple(shape)) * (hi - lo) + lo


def ints(high, *shape):
    return torch.randint(0, high, shape)


def T(values):
    return torch.tensor(values, dtype=torch.float64)


def distinct(*shape):
    """Values with no ties (for max/min and norm inf away from kinks)."""
    n = 1
    for d in shape:
        n *= d
    perm = torch.randperm(n).to(torch.float64)
    return (perm + 0.25 * torch.rand(n)).reshape(shape) - n / 2


# ----------------------------------------------------------------------------------------------------------
# Elementwise arithmetic, broadcasting, numbers as operands
for op in ["add", "sub", "mul"]:
    case(op + "_same", op, lambda: [X(rn(2, 3)), X(rn(2, 3))])
    case(op + "_bcast_row", op, lambda: [X(rn(2, 3)), X(rn(3))])
    case(op + "_bcast_outer", op, lambda: [X(rn(2, 1)), X(rn(1, 3))])
    case(op + "_bcast_rank0", op, lambda: [X(rn()), X(rn(2, 3))])
    case(op + "_number_right", op, lambda: [X(rn(2, 3)), 2.5])
    case(op + "_number_left", op, lambda: [-1.5, X(rn(3))])
    case(op + "_empty", op, lambda: [X(rn(0, 3)), X(rn(3))])
case("div_same", "div", lambda: [X(rn(2, 3)), X(pos(2, 3) * torch.tensor([1.0, -1.0, 1.0]))])
case("div_bcast", "div", lambda: [X(rn(2, 1, 3)), X(pos(4, 1))])
case("div_number_right", "div", lambda: [X(rn(2, 3)), 4.0])
case("div_number_left", "div", lambda: [3.0, X(pos(2, 2))])
case("neg", "neg", lambda: [X(rn(2, 3))])
case("neg_rank0", "neg", lambda: [X(rn())])
case("pow_tensor_tensor", "pow", lambda: [X(pos(2, 3)), X(rn(2, 3))])
case("pow_bcast", "pow", lambda: [X(pos(2, 3)), X(rn(3))])
case("pow_number_exponent", "pow", lambda: [X(rn(2, 3)), 3.0])
case("pow_number_exponent_frac", "pow", lambda: [X(pos(2, 3)), 0.5])
case("pow_number_exponent_neg", "pow", lambda: [X(pos(2, 3)), -1.5])
case("pow_negative_base_integer_exponent", "pow", lambda: [X(T([-2.0, -0.5, 3.0])), C(T([3.0, 2.0, -1.0]))])
case("pow_number_base", "pow", lambda: [2.0, X(rn(2, 3))])
case("pow_zero_base", "pow", lambda: [X(T([0.0, 0.0, 0.0])), X(T([1.0, 2.0, 3.0]))],
     note="zero base with positive exponents")
case("pow_zero_base_zero_exponent", "pow", lambda: [X(T([0.0, 0.0])), X(T([0.0, 2.0]))],
     note="0^0 = 1; PyTorch's gradient is 0 for both operands there")
case("pow_zero_exponent", "pow", lambda: [X(T([2.0, 0.5, 1.5])), X(T([0.0, 0.0, 0.0]))], note="a^0 with a > 0",
     no_second="PyTorch's pow backward masks the base's gradient with where(exponent == 0, 0, ...), which also drops "
               "the mixed term d/db (b a^(b-1)) = a^(b-1) at b = 0: its second order is wrong there")
case("pow_number_exponent_zero", "pow", lambda: [X(T([0.0, -1.0, 2.0])), 0.0],
     note="x^0 at x = 0: gradient 0")
case("pow_number_exponent_one_at_zero", "pow", lambda: [X(T([0.0, -1.0, 2.0])), 1.0])
case("pow_number_exponent_two_at_zero", "pow", lambda: [X(T([0.0, -1.0, 2.0])), 2.0])
for op in ["maximum", "minimum"]:
    case(op + "_same", op, lambda: [X(rn(2, 3)), X(rn(2, 3))])
    case(op + "_bcast", op, lambda: [X(rn(2, 3)), X(rn(2, 1))])
    case(op + "_ties", op, lambda: [X(T([1.0, 2.0, -3.0, 0.5])), X(T([1.0, 1.0, -3.0, 0.7]))],
         note="ties share the gradient equally")
    case(op + "_number", op, lambda: [X(rn(2, 3)), 0.25])
case("where_same", "where", lambda: [C((rn(2, 3) > 0).double()), X(rn(2, 3)), X(rn(2, 3))])
case("where_bcast", "where", lambda: [C((rn(2, 1) > 0).double()), X(rn(2, 3)), X(rn(3))])
case("where_number", "where", lambda: [C(T([1.0, 0.0, 1.0])), X(rn(3)), 0.0])
case("where_number_left", "where", lambda: [C(T([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])), -2.0, X(rn(2, 3))])

# Elementwise unary
case("exp", "exp", lambda: [X(rn(2, 3))])
case("exp_empty", "exp", lambda: [X(rn(0, 2))])
case("log", "log", lambda: [X(pos(2, 3, lo=0.1, hi=3.0))])
case("log_zero", "log", lambda: [X(T([0.0, 1.0]))], note="-inf, with an infinite gradient")
case("log1p", "log1p", lambda: [X(pos(2, 3, lo=-0.9, hi=2.0))])
case("log1p_tiny", "log1p", lambda: [X(T([1e-10, -1e-12, 3e-8]))])
case("sqrt", "sqrt", lambda: [X(pos(2, 3, lo=0.1, hi=4.0))])
case("sqrt_zero", "sqrt", lambda: [X(T([0.0, 4.0]))], note="an infinite gradient at 0")
case("abs", "abs", lambda: [X(T([-2.0, -0.5, 0.0, 0.5, 3.0]))], note="the gradient at 0 is 0")
case("sin", "sin", lambda: [X(rn(2, 3) * 3)])
case("cos", "cos", lambda: [X(rn(2, 3) * 3)])
case("tanh", "tanh", lambda: [X(rn(2, 3) * 2)])
case("tanh_saturated", "tanh", lambda: [X(T([-30.0, -5.0, 0.0, 5.0, 30.0]))])
case("sigmoid", "sigmoid", lambda: [X(rn(2, 3) * 2)])
case("sigmoid_extreme", "sigmoid", lambda: [X(T([-1000.0, -40.0, 0.0, 40.0, 1000.0]))])
case("relu", "relu", lambda: [X(T([-2.0, -0.5, 0.0, 0.5, 3.0]))], note="the gradient at 0 is 0")
case("relu_2d", "relu", lambda: [X(rn(3, 4))])
case("leakyRelu_default", "leakyRelu", lambda: [X(T([-2.0, -0.5, 0.0, 0.5, 3.0]))],
     note="the gradient at 0 is the negative slope")
case("leakyRelu_slope", "leakyRelu", lambda: [X(rn(2, 3)), 0.2])
case("softplus_default", "softplus", lambda: [X(rn(2, 3) * 3)])
case("softplus_beta", "softplus", lambda: [X(rn(2, 3)), 2.0])
case("softplus_large", "softplus", lambda: [X(T([-1000.0, -30.0, 0.0, 30.0, 1000.0]))],
     note="PyTorch switches to the identity above threshold 20; the difference is below 1e-12")
case("clamp_both", "clamp", lambda: [X(T([-2.0, -1.0, -0.3, 0.0, 0.4, 1.0, 1.7])), -1.0, 1.0],
     note="the gradient passes at the bounds")
case("clamp_min_equals_max", "clamp", lambda: [X(T([-1.0, 0.5, 2.0])), 0.5, 0.5], note="the gradient passes at x = min = max")
case("clamp_min_only", "clamp", lambda: [X(rn(2, 3)), 0.0])
case("clamp_max_only", "clamp", lambda: [X(rn(2, 3)), UNDEF, 0.5])
case("clamp_tensor_bounds", "clamp", lambda: [X(rn(2, 3)), C(rn(2, 3) - 0.5), C(rn(3) + 0.5)],
     note="tensor bounds (broadcast), constant")
case("clamp_tensor_min_only", "clamp", lambda: [X(rn(2, 3)), C(rn(2, 1))])
case("clamp_tensor_bounds_grad", "clamp", lambda: [X(rn(3, 2)), X(rn(3, 2) - 1.0), X(rn(3, 2) + 1.0)],
     note="tensor bounds that are differentiated too")

# Reductions
for op in ["sum", "mean", "logsumexp"]:
    case(op + "_all", op, lambda: [X(rn(2, 3))])
    case(op + "_axis0", op, lambda: [X(rn(2, 3)), 0])
    case(op + "_axis_neg", op, lambda: [X(rn(2, 3, 4)), -1])
    case(op + "_axes_list_keepdims", op, lambda: [X(rn(2, 3, 4)), [0, -1], {"keepdims": True}])
    case(op + "_axes_list", op, lambda: [X(rn(2, 3, 4)), [2, 0]])
    case(op + "_all_keepdims", op, lambda: [X(rn(2, 3)), UNDEF, {"keepdims": True}])
    case(op + "_size1_axis", op, lambda: [X(rn(2, 1, 3)), 1])
    case(op + "_rank0", op, lambda: [X(rn())])
    case(op + "_rank0_axis0", op, lambda: [X(rn()), 0])
    case(op + "_rank0_axis_neg", op, lambda: [X(rn()), -1, {"keepdims": True}])
case("sum_empty", "sum", lambda: [X(rn(0, 3))], note="the sum of nothing is 0")
case("sum_empty_axis", "sum", lambda: [X(rn(0, 3)), 0])
case("sum_empty_keep_axis", "sum", lambda: [X(rn(2, 0)), 0, {"keepdims": True}])
case("mean_empty", "mean", lambda: [X(rn(0, 3)), 0], note="the mean of nothing is NaN")
case("logsumexp_empty", "logsumexp", lambda: [X(rn(2, 0)), 1], note="-inf")
case("logsumexp_neg_inf", "logsumexp", lambda: [X(T([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]])), -1], note="masked entries")
case("logsumexp_extreme", "logsumexp", lambda: [X(T([[1e4, 1e4, -1e4], [-1e4, -1e4, 0.0]])), 1])
for op in ["max", "min"]:
    case(op + "_all", op, lambda: [X(distinct(2, 3))])
    case(op + "_axis0", op, lambda: [X(distinct(2, 3)), 0])
    case(op + "_axes_neg_keepdims", op, lambda: [X(distinct(2, 3, 4)), [-1, -3], {"keepdims": True}])
    case(op + "_ties", op, lambda: [X(T([[1.0, 3.0, 3.0], [-2.0, -2.0, -2.0]])), 1],
         note="ties share the gradient equally")
    case(op + "_ties_all", op, lambda: [X(T([[1.0, 3.0], [3.0, -3.0]]))])
    case(op + "_rank0", op, lambda: [X(rn())])
    case(op + "_rank0_axis0", op, lambda: [X(rn()), 0])
for op in ["variance", "std"]:
    case(op + "_all", op, lambda: [X(rn(2, 3))])
    case(op + "_axis", op, lambda: [X(rn(3, 4)), 1])
    case(op + "_axis_neg_keepdims", op, lambda: [X(rn(2, 3, 4)), -2, {"keepdims": True}])
    case(op + "_axes_list", op, lambda: [X(rn(2, 3, 4)), [0, 2]])
    case(op + "_correction0", op, lambda: [X(rn(2, 3)), 1, {"correction": 0}])
    case(op + "_correction2", op, lambda: [X(rn(2, 5)), 1, {"correction": 2}])
    case(op + "_all_correction0_keepdims", op, lambda: [X(rn(2, 3)), UNDEF, {"correction": 0, "keepdims": True}])
    case(op + "_constant_slice", op, lambda: [X(T([[1.5, 1.5, 1.5], [0.0, 1.0, 3.0]])), 1],
         note="a constant slice: value 0, PyTorch's gradient 0")
    case(op + "_constant_all", op, lambda: [X(torch.full((2, 2), -0.75))])
case("var_alias", "var", lambda: [X(rn(3, 2)), 0])
for p, tag in [(2, "2"), (1, "1"), (INF, "inf"), (3, "3"), (1.5, "1p5")]:
    case("norm_p%s_all" % tag, "norm", lambda p=p: [X(distinct(2, 3) / 3), p])
    case("norm_p%s_axis_neg_keepdims" % tag, "norm", lambda p=p: [X(distinct(2, 3, 2) / 4), p, -1, {"keepdims": True}])
    case("norm_p%s_axes_list" % tag, "norm", lambda p=p: [X(distinct(2, 3, 2) / 4), p, [0, 2]])
    case("norm_p%s_zero_slice" % tag, "norm", lambda p=p: [X(T([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])), p, 1],
         note="an all-zero slice: value 0, PyTorch's gradient 0")
    if p != INF:  # PyTorch refuses the inf-norm of nothing (max has no identity)
        case("norm_p%s_empty" % tag, "norm", lambda p=p: [X(rn(0, 3)), p], note="the norm of nothing is 0",
             no_second=None if p in (1, 2) else "PyTorch's J v here is NaN (0 * inf in its backward); the exact value is 0")
case("norm_default", "norm", lambda: [X(rn(2, 3))])
case("norm_p2_empty_axis", "norm", lambda: [X(rn(2, 0)), 2, 1])

# Linear algebra
case("matmul_2d", "matmul", lambda: [X(rn(2, 3)), X(rn(3, 4))])
case("matmul_batched", "matmul", lambda: [X(rn(2, 2, 3)), X(rn(2, 3, 2))])
case("matmul_batch_bcast", "matmul", lambda: [X(rn(2, 1, 2, 3)), X(rn(3, 3, 2))])
case("matmul_batch_vs_2d", "matmul", lambda: [X(rn(3, 2, 3)), X(rn(3, 2))])
case("matmul_vec_mat", "matmul", lambda: [X(rn(3)), X(rn(3, 2))])
case("matmul_mat_vec", "matmul", lambda: [X(rn(2, 3)), X(rn(3))])
case("matmul_vec_vec", "matmul", lambda: [X(rn(4)), X(rn(4))])
case("matmul_vec_batched", "matmul", lambda: [X(rn(3)), X(rn(2, 3, 2))])
case("matmul_batched_vec", "matmul", lambda: [X(rn(2, 2, 3)), X(rn(3))])
case("matmul_empty_inner", "matmul", lambda: [X(rn(2, 0)), X(rn(0, 3))], note="zeros")
case("linear_bias", "linear", lambda: [X(rn(4, 3)), X(rn(2, 3)), X(rn(2))])
case("linear_no_bias", "linear", lambda: [X(rn(4, 3)), X(rn(2, 3))])
case("linear_3d", "linear", lambda: [X(rn(2, 3, 3)), X(rn(4, 3)), X(rn(4))])
case("linear_1d", "linear", lambda: [X(rn(3)), X(rn(2, 3)), X(rn(2))])
case("linear_full_bias", "linear", lambda: [X(rn(4, 3)), X(rn(2, 3)), X(rn(4, 2))],
     note="tapegrad's addmm-style addend of the output's shape")
case("linear_full_bias_3d", "linear", lambda: [X(rn(2, 3, 3)), X(rn(2, 3)), X(rn(2, 3, 2))])

# Shape and indexing
case("reshape", "reshape", lambda: [X(rn(2, 3)), [3, 2]])
case("reshape_infer", "reshape", lambda: [X(rn(2, 3, 2)), [-1, 4]])
case("reshape_to_rank0", "reshape", lambda: [X(rn(1, 1)), []])
case("reshape_empty", "reshape", lambda: [X(rn(0, 3)), [3, 0]])
case("permute", "permute", lambda: [X(rn(2, 3, 4)), [2, 0, 1]])
case("permute_neg", "permute", lambda: [X(rn(2, 3, 4)), [-1, 0, -2]])
case("transpose_default", "transpose", lambda: [X(rn(2, 3, 4))])
case("transpose_axes", "transpose", lambda: [X(rn(2, 3, 4)), 0, 2])
case("transpose_neg", "transpose", lambda: [X(rn(2, 3, 4)), -3, -2])
case("transpose_1d", "transpose", lambda: [X(rn(3))])
case("squeeze_all", "squeeze", lambda: [X(rn(1, 3, 1, 2))])
case("squeeze_axis", "squeeze", lambda: [X(rn(1, 3, 1)), 0])
case("squeeze_axis_neg", "squeeze", lambda: [X(rn(1, 3, 1)), -1])
case("squeeze_axes_list", "squeeze", lambda: [X(rn(1, 3, 1, 1)), [0, -1]])
case("unsqueeze_0", "unsqueeze", lambda: [X(rn(2, 3)), 0])
case("unsqueeze_neg", "unsqueeze", lambda: [X(rn(2, 3)), -1])
case("unsqueeze_middle", "unsqueeze", lambda: [X(rn(2, 3)), 1])
case("unsqueeze_rank0", "unsqueeze", lambda: [X(rn()), 0])
case("expand", "expand", lambda: [X(rn(3, 1)), [3, 4]])
case("expand_keep_new_axes", "expand", lambda: [X(rn(1, 3)), [2, 2, -1]])
case("expand_rank0", "expand", lambda: [X(rn()), [2, 3]])
case("broadcastTo", "broadcastTo", lambda: [X(rn(3)), [2, 3]])
case("broadcastTo_size1", "broadcastTo", lambda: [X(rn(2, 1)), [4, 2, 3]])
case("flatten_default", "flatten", lambda: [X(rn(2, 3, 2))])
case("flatten_start", "flatten", lambda: [X(rn(2, 3, 2)), 1])
case("flatten_start_end", "flatten", lambda: [X(rn(2, 3, 2, 2)), 1, 2])
case("flatten_neg", "flatten", lambda: [X(rn(2, 3, 2, 2)), -3, -2])
case("flatten_rank0", "flatten", lambda: [X(rn())])
case("slice_strings", "slice", lambda: [X(rn(4, 5)), ["1:3", "::2"]])
case("slice_negative_step", "slice", lambda: [X(rn(4, 5)), ["::-1", "4:0:-2"]])
case("slice_index_drops_axis", "slice", lambda: [X(rn(3, 4)), [None, 1]])
case("slice_negative_index", "slice", lambda: [X(rn(3, 4)), [-1]])
case("slice_objects", "slice", lambda: [X(rn(4, 3)), [{"start": -3, "end": None, "step": 1}, {"step": -1}]])
case("slice_out_of_range_bounds", "slice", lambda: [X(rn(3, 4)), ["-10:10", "2:100"]])
case("slice_empty_result", "slice", lambda: [X(rn(3, 4)), ["2:1"]])
case("narrow", "narrow", lambda: [X(rn(5, 3)), 0, 1, 3])
case("narrow_neg", "narrow", lambda: [X(rn(3, 5)), -1, -3, 2])
case("narrow_empty", "narrow", lambda: [X(rn(3, 5)), 1, 2, 0])
case("select", "select", lambda: [X(rn(3, 4)), 1, 2])
case("select_neg", "select", lambda: [X(rn(3, 4, 2)), -2, -1])
case("select_1d", "select", lambda: [X(rn(4)), 0, 3])
case("indexSelect", "indexSelect", lambda: [X(rn(4, 3)), 0, C(torch.tensor([3, 1, 3, 0]), int32=True)],
     note="repeated indices add their gradients")
case("indexSelect_neg_axis", "indexSelect", lambda: [X(rn(2, 4)), -1, C(torch.tensor([2, 2]), int32=True)])
case("indexSelect_empty_index", "indexSelect", lambda: [X(rn(3, 2)), 0, C(torch.zeros(0, dtype=torch.int64), int32=True)])
case("gather", "gather", lambda: [X(rn(3, 4)), 1, C(ints(4, 3, 2))])
case("gather_axis0", "gather", lambda: [X(rn(3, 4)), 0, C(torch.tensor([[2, 0, 2, 1], [2, 2, 0, 0]]), int32=True)])
case("gather_neg_smaller", "gather", lambda: [X(rn(3, 4, 2)), -2, C(ints(4, 2, 5, 1))])
case("concat", "concat", lambda: [[X(rn(2, 3)), X(rn(1, 3))]])
case("concat_axis_neg", "concat", lambda: [[X(rn(2, 1)), X(rn(2, 3)), X(rn(2, 2))], -1])
case("concat_with_empty", "concat", lambda: [[X(rn(2, 0)), X(rn(2, 3))], 1])
case("concat_single", "concat", lambda: [[X(rn(2, 3))], 0])
case("stack", "stack", lambda: [[X(rn(2, 3)), X(rn(2, 3))]])
case("stack_axis_neg", "stack", lambda: [[X(rn(2, 3)), X(rn(2, 3)), X(rn(2, 3))], -1])
case("stack_rank0", "stack", lambda: [[X(rn()), X(rn())]])
case("split_size", "split", lambda: [X(rn(5, 2)), 2])
case("split_sections", "split", lambda: [X(rn(2, 6)), [1, 0, 3, 2], 1])
case("split_size_neg_axis", "split", lambda: [X(rn(2, 3, 4)), 3, -1])
case("split_whole", "split", lambda: [X(rn(3, 2)), 5])
case("chunk", "chunk", lambda: [X(rn(6, 2)), 4], note="as torch.chunk: 3 pieces of 2")
case("chunk_uneven_neg_axis", "chunk", lambda: [X(rn(2, 7)), 3, -1])
case("unbind", "unbind", lambda: [X(rn(3, 2))])
case("unbind_axis_neg", "unbind", lambda: [X(rn(2, 3, 2)), -1])
case("flip", "flip", lambda: [X(rn(4)), 0])
case("flip_axes", "flip", lambda: [X(rn(2, 3, 4)), [0, -1]])
case("pad_constant", "pad", lambda: [X(rn(2, 3)), [1, 2]])
case("pad_constant_value", "pad", lambda: [X(rn(2, 3)), [0, 1, 2, 0], 0.5])
case("pad_constant_3d", "pad", lambda: [X(rn(2, 2, 2)), [1, 0, 0, 1, 1, 1], -1.0])
case("pad_negative", "pad", lambda: [X(rn(3, 4)), [-1, 1, 0, -2]], note="negative padding crops")
case("pad_reflect_1d", "pad", lambda: [X(rn(2, 5)), [2, 1], {"mode": "reflect"}])
case("pad_reflect_2d", "pad", lambda: [X(rn(1, 3, 4)), [1, 2, 2, 1], {"mode": "reflect"}])
case("pad_replicate_1d", "pad", lambda: [X(rn(1, 2, 3)), [2, 3], {"mode": "replicate"}])
case("pad_replicate_2d", "pad", lambda: [X(rn(1, 2, 3)), [1, 0, 2, 1], {"mode": "replicate"}])
case("pad_circular_1d", "pad", lambda: [X(rn(1, 2, 4)), [2, 1], {"mode": "circular"}])
case("pad_circular_2d", "pad", lambda: [X(rn(1, 1, 3, 3)), [1, 2, 2, 0], {"mode": "circular"}])
case("pad_constant_mode_value", "pad", lambda: [X(rn(2, 3)), [1, 1], {"mode": "constant", "value": 2.5}])
case("cast_float32", "cast", lambda: [X(rn(2, 3)), "float32"], note="the forward rounds to float32")
case("cast_float64", "cast", lambda: [X(rn(3)), "float64"])
case("clone", "clone", lambda: [X(rn(2, 3))])

# Stable composites
case("softmax_default", "softmax", lambda: [X(rn(2, 4))])
case("softmax_axis0", "softmax", lambda: [X(rn(3, 2)), 0])
case("softmax_axis_middle", "softmax", lambda: [X(rn(2, 3, 2)), -2])
case("softmax_size1", "softmax", lambda: [X(rn(3, 1))])
case("softmax_extreme", "softmax", lambda: [X(T([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4 - 1.0]]))])
case("softmax_neg_inf", "softmax", lambda: [X(T([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]]))], note="masked entries")
case("logSoftmax_neg_inf", "logSoftmax", lambda: [X(T([[-INF, 0.0, 1.0], [2.0, -INF, -INF]]))], note="masked entries")
case("logSoftmax_default", "logSoftmax", lambda: [X(rn(2, 4))])
case("logSoftmax_axis0", "logSoftmax", lambda: [X(rn(3, 2)), 0])
case("logSoftmax_1d", "logSoftmax", lambda: [X(rn(5))])
case("logSoftmax_extreme", "logSoftmax", lambda: [X(T([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]]))])
for r in ["mean", "sum", "none"]:
    case("crossEntropy_" + r, "crossEntropy", lambda r=r: [X(rn(3, 4)), C(ints(4, 3)), {"reduction": r}])
case("crossEntropy_default", "crossEntropy", lambda: [X(rn(3, 4)), C(ints(4, 3))])
case("crossEntropy_1d", "crossEntropy", lambda: [X(rn(4)), C(torch.tensor(2), int32=True)])
case("crossEntropy_spatial", "crossEntropy", lambda: [X(rn(2, 3, 2)), C(ints(3, 2, 2))])
case("crossEntropy_extreme", "crossEntropy", lambda: [X(T([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]])), C(torch.tensor([1, 1]), int32=True)])
case("crossEntropy_weight", "crossEntropy", lambda: [X(rn(3, 4)), C(ints(4, 3)), {"weight": C(pos(4))}],
     note="top-level crossEntropy with nn.crossEntropy's options")
case("crossEntropy_ignoreIndex", "crossEntropy", lambda: [X(rn(3, 4)), C(torch.tensor([1, 3, 1]), int32=True), {"ignoreIndex": 1}])
case("crossEntropy_labelSmoothing", "crossEntropy", lambda: [X(rn(3, 4)), C(ints(4, 3)), {"labelSmoothing": 0.2, "reduction": "sum"}])
case("crossEntropy_probabilities", "crossEntropy", lambda: [X(rn(3, 4)), X(torch.softmax(rn(3, 4), 1))])
for r in ["mean", "sum", "none"]:
    case("binaryCrossEntropyWithLogits_" + r, "binaryCrossEntropyWithLogits",
         lambda r=r: [X(rn(2, 3)), X(torch.rand(2, 3)), {"reduction": r}])
case("binaryCrossEntropyWithLogits_posWeight", "binaryCrossEntropyWithLogits",
     lambda: [X(rn(2, 3)), X(torch.rand(2, 3)), {"posWeight": C(pos(3))}])
case("binaryCrossEntropyWithLogits_weight", "binaryCrossEntropyWithLogits",
     lambda: [X(rn(2, 3)), X(torch.rand(2, 3)), {"weight": C(pos(3))}],
     note="top-level binaryCrossEntropyWithLogits with nn.binaryCrossEntropyWithLogits's weight option")
case("binaryCrossEntropyWithLogits_extreme", "binaryCrossEntropyWithLogits",
     lambda: [X(T([1e4, -1e4, 1e4, -1e4, 30.0])), X(T([1.0, 0.0, 0.0, 1.0, 0.5]))])

# Axis 0 / -1 of a rank-0 tensor: PyTorch wraps them onto the scalar
case("norm_rank0_axis0", "norm", lambda: [X(rn()), 2, 0])
case("variance_rank0_axis0_correction0", "variance", lambda: [X(rn()), 0, {"correction": 0}])
case("softmax_rank0", "softmax", lambda: [X(rn()), 0])
case("logSoftmax_rank0", "logSoftmax", lambda: [X(rn())])
case("flip_rank0", "flip", lambda: [X(rn()), 0])
case("squeeze_rank0_axis0", "squeeze", lambda: [X(rn()), 0])
case("gather_rank0", "gather", lambda: [X(rn()), 0, C(torch.tensor(0), int32=True)])

# Empty tensors elsewhere (PyTorch defines all of these)
case("softmax_empty_batch", "softmax", lambda: [X(rn(0, 3))])
case("logSoftmax_empty_batch", "logSoftmax", lambda: [X(rn(0, 3)), 1])
case("max_empty_batch", "max", lambda: [X(rn(0, 3)), 1, {"keepdims": True}])
case("linear_empty_batch", "linear", lambda: [X(rn(0, 3)), X(rn(2, 3)), X(rn(2))], note="the bias gradient sums nothing: 0")
case("matmul_empty_batch", "matmul", lambda: [X(rn(0, 2, 3)), X(rn(3, 2))])
case("where_empty", "where", lambda: [C(torch.zeros(0, 2)), X(rn(0, 2)), X(rn(2))])
case("stack_empty", "stack", lambda: [[X(rn(0, 2)), X(rn(0, 2))], 1])
case("split_empty_axis", "split", lambda: [X(rn(2, 0)), 2, 1], note="one empty piece")
case("chunk_empty_axis", "chunk", lambda: [X(rn(2, 0)), 3, 1], note="as torch.chunk: 3 empty pieces")
case("gather_empty_index", "gather", lambda: [X(rn(3, 2)), 0, C(torch.zeros(0, 2, dtype=torch.int64), int32=True)])
case("crossEntropy_empty_batch_sum", "crossEntropy", lambda: [X(rn(0, 3)), C(torch.zeros(0, dtype=torch.int64), int32=True), {"reduction": "sum"}])
case("nn.mseLoss_empty_mean", "nn.mseLoss", lambda: [X(rn(0, 2)), X(rn(0, 2))], note="the mean of nothing is NaN")
case("nn.mseLoss_empty_sum", "nn.mseLoss", lambda: [X(rn(0, 2)), X(rn(0, 2)), {"reduction": "sum"}])
case("nn.crossEntropy_empty_batch_mean", "nn.crossEntropy", lambda: [X(rn(0, 3)), C(torch.zeros(0, dtype=torch.int64), int32=True)],
     note="no target counted: 0/0 = NaN")

# nn losses
for r in ["mean", "sum", "none"]:
    case("nn.mseLoss_" + r, "nn.mseLoss", lambda r=r: [X(rn(2, 3)), X(rn(2, 3)), {"reduction": r}])
    case("nn.l1Loss_" + r, "nn.l1Loss", lambda r=r: [X(rn(2, 3)), X(rn(2, 3)), {"reduction": r}])
    case("nn.huberLoss_" + r, "nn.huberLoss", lambda r=r: [X(rn(2, 3) * 2), X(rn(2, 3)), {"reduction": r}])
    case("nn.smoothL1Loss_" + r, "nn.smoothL1Loss", lambda r=r: [X(rn(2, 3) * 2), X(rn(2, 3)), {"reduction": r}])
case("nn.mseLoss_default_rank0", "nn.mseLoss", lambda: [X(rn()), X(rn())])
case("nn.l1Loss_zero_difference", "nn.l1Loss", lambda: [X(T([1.0, 2.0, -3.0])), C(T([1.0, 0.0, -3.0]))],
     note="the gradient at a zero difference is 0")
case("nn.huberLoss_delta", "nn.huberLoss", lambda: [X(T([0.0, 0.1, -0.3, 2.0, -4.0])), X(T([0.2, 0.5, 0.4, -1.0, 0.0])), {"delta": 0.5}])
case("nn.smoothL1Loss_beta", "nn.smoothL1Loss", lambda: [X(T([0.0, 0.1, -0.3, 2.0, -4.0])), X(T([0.2, 0.5, 0.4, -1.0, 0.0])), {"beta": 0.5, "reduction": "sum"}])
case("nn.smoothL1Loss_beta0", "nn.smoothL1Loss", lambda: [X(rn(2, 3)), X(rn(2, 3)), {"beta": 0.0}], note="the L1 loss")
for r in ["mean", "sum", "none"]:
    case("nn.nllLoss_" + r, "nn.nllLoss", lambda r=r: [X(torch.log_softmax(rn(3, 4), 1)), C(ints(4, 3)), {"reduction": r}])
case("nn.nllLoss_weight", "nn.nllLoss", lambda: [X(rn(4, 3)), C(ints(3, 4)), {"weight": C(pos(3))}])
case("nn.nllLoss_ignoreIndex_weight", "nn.nllLoss",
     lambda: [X(rn(4, 3)), C(torch.tensor([0, 2, 2, 1]), int32=True), {"ignoreIndex": 2, "weight": C(pos(3))}])
case("nn.nllLoss_ignoreIndex_none", "nn.nllLoss",
     lambda: [X(rn(4, 3)), C(torch.tensor([0, 2, 2, 1]), int32=True), {"ignoreIndex": 2, "reduction": "none"}])
case("nn.nllLoss_all_ignored", "nn.nllLoss", lambda: [X(rn(2, 3)), C(torch.tensor([1, 1]), int32=True), {"ignoreIndex": 1}],
     note="the mean over no counted target is 0/0 = NaN")
case("nn.nllLoss_1d", "nn.nllLoss", lambda: [X(rn(4)), C(torch.tensor(1), int32=True)])
case("nn.nllLoss_spatial", "nn.nllLoss", lambda: [X(rn(2, 3, 2, 2)), C(ints(3, 2, 2, 2)), {"weight": C(pos(3))}])
for r in ["mean", "sum", "none"]:
    case("nn.crossEntropy_" + r, "nn.crossEntropy", lambda r=r: [X(rn(3, 4)), C(ints(4, 3)), {"reduction": r}])
case("nn.crossEntropy_1d", "nn.crossEntropy", lambda: [X(rn(4)), C(torch.tensor(3), int32=True)])
case("nn.crossEntropy_spatial", "nn.crossEntropy", lambda: [X(rn(2, 3, 2)), C(ints(3, 2, 2)), {"weight": C(pos(3))}])
case("nn.crossEntropy_weight", "nn.crossEntropy", lambda: [X(rn(3, 4)), C(ints(4, 3)), {"weight": C(pos(4))}])
case("nn.crossEntropy_ignoreIndex", "nn.crossEntropy", lambda: [X(rn(4, 3)), C(torch.tensor([1, -100, 0, 1]), int32=True)],
     note="the default ignoreIndex -100")
case("nn.crossEntropy_ignoreIndex_weight_sum", "nn.crossEntropy",
     lambda: [X(rn(4, 3)), C(torch.tensor([2, 0, 2, 1]), int32=True), {"ignoreIndex": 2, "weight": C(pos(3)), "reduction": "sum"}])
case("nn.crossEntropy_all_ignored_sum", "nn.crossEntropy",
     lambda: [X(rn(2, 3)), C(torch.tensor([-100, -100]), int32=True), {"reduction": "sum", "labelSmoothing": 0.2}])
case("nn.crossEntropy_labelSmoothing", "nn.crossEntropy", lambda: [X(rn(3, 4)), C(ints(4, 3)), {"labelSmoothing": 0.1}])
case("nn.crossEntropy_labelSmoothing_all", "nn.crossEntropy",
     lambda: [X(rn(4, 3)), C(torch.tensor([2, 0, 2, 1]), int32=True),
              {"labelSmoothing": 0.3, "ignoreIndex": 2, "weight": C(pos(3))}])
case("nn.crossEntropy_labelSmoothing_none_spatial", "nn.crossEntropy",
     lambda: [X(rn(2, 3, 2)), C(ints(3, 2, 2)), {"labelSmoothing": 0.25, "reduction": "none", "weight": C(pos(3))}])
case("nn.crossEntropy_labelSmoothing_1", "nn.crossEntropy", lambda: [X(rn(2, 3)), C(ints(3, 2)), {"labelSmoothing": 1.0}])
case("nn.crossEntropy_probabilities", "nn.crossEntropy", lambda: [X(rn(3, 4)), X(torch.softmax(rn(3, 4), 1))])
case("nn.crossEntropy_probabilities_weight_none", "nn.crossEntropy",
     lambda: [X(rn(3, 4)), X(torch.softmax(rn(3, 4), 1)), {"weight": C(pos(4)), "reduction": "none"}])
case("nn.crossEntropy_probabilities_smoothing_spatial", "nn.crossEntropy",
     lambda: [X(rn(2, 3, 2)), X(torch.softmax(rn(2, 3, 2), 1)), {"labelSmoothing": 0.2, "reduction": "sum"}])
case("nn.crossEntropy_probabilities_1d", "nn.crossEntropy", lambda: [X(rn(3)), X(torch.softmax(rn(3), 0))])
case("nn.crossEntropy_extreme", "nn.crossEntropy",
     lambda: [X(T([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]])), C(torch.tensor([1, 1]), int32=True), {"labelSmoothing": 0.1}])
for r in ["mean", "sum", "none"]:
    case("nn.binaryCrossEntropy_" + r, "nn.binaryCrossEntropy",
         lambda r=r: [X(torch.sigmoid(rn(2, 3))), X(torch.rand(2, 3)), {"reduction": r}])
case("nn.binaryCrossEntropy_weight", "nn.binaryCrossEntropy",
     lambda: [X(torch.sigmoid(rn(2, 3))), X(torch.rand(2, 3)), {"weight": C(pos(3))}])
case("nn.binaryCrossEntropy_near_bounds", "nn.binaryCrossEntropy",
     lambda: [X(T([1e-6, 1 - 1e-6, 0.5, 1e-3])), X(T([1.0, 0.0, 0.5, 0.0]))],
     no_second="PyTorch's double backward of binary_cross_entropy adds eps = 1e-12 to x and 1 - x (relative error "
               "2e-6 at x = 1e-6; the exact value, checked with mpmath, is tapegrad's)")
for r in ["mean", "sum", "none"]:
    case("nn.binaryCrossEntropyWithLogits_" + r, "nn.binaryCrossEntropyWithLogits",
         lambda r=r: [X(rn(2, 3)), X(torch.rand(2, 3)), {"reduction": r}])
case("nn.binaryCrossEntropyWithLogits_weight_posWeight", "nn.binaryCrossEntropyWithLogits",
     lambda: [X(rn(2, 3)), X(torch.rand(2, 3)), {"weight": C(pos(2, 1)), "posWeight": C(pos(3))}])
case("nn.binaryCrossEntropyWithLogits_extreme", "nn.binaryCrossEntropyWithLogits",
     lambda: [X(T([1e4, -1e4, 1e4, -1e4, 30.0])), X(T([1.0, 0.0, 0.0, 1.0, 0.5])), {"posWeight": C(T([2.0]))}])
case("nn.l1Penalty", "nn.l1Penalty", lambda: [[X(rn(2, 3)), X(rn(4))]])
case("nn.l2Penalty", "nn.l2Penalty", lambda: [[X(rn(2, 3)), X(rn(4))]])
case("nn.dropout_eval", "nn.dropout", lambda: [X(rn(2, 3)), 0.3, False])
case("nn.dropout_p0", "nn.dropout", lambda: [X(rn(2, 3)), 0.0, True])
case("nn.dropout_p1", "nn.dropout", lambda: [X(rn(2, 3)), 1.0, True], note="input * 0")
case("nn.LayerNorm", "nn.LayerNorm", lambda: [4, {"dtype": "float64"}, X(rn(3, 4)), {"weight": X(rn(4)), "bias": X(rn(4))}])
case("nn.LayerNorm_2d_eps", "nn.LayerNorm",
     lambda: [[2, 3], {"eps": 1e-3, "dtype": "float64"}, X(rn(2, 2, 3)), {"weight": X(rn(2, 3)), "bias": X(rn(2, 3))}])
case("nn.LayerNorm_no_affine", "nn.LayerNorm", lambda: [3, {"elementwiseAffine": False, "dtype": "float64"}, X(rn(2, 3)), {}])
case("nn.LayerNorm_no_bias", "nn.LayerNorm", lambda: [3, {"bias": False, "dtype": "float64"}, X(rn(2, 3)), {"weight": X(rn(3))}])


def main():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    cases, failed = [], []
    for c in CASES:
        try:
            cases.append(run_case(*c))
        except Exception as e:  # report every broken case at once
            failed.append("%s: %s" % (c[0], str(e).splitlines()[0]))
    assert not failed, "cases PyTorch refused:\n" + "\n".join(failed)
    # One case per line: small diffs when a case changes, still one JSON document.
    body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
    text = '{"torch_version":%s,"cases":[\n%s\n]}\n' % (json.dumps(torch.__version__), body)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote %s: %d cases, %d bytes, torch %s" % (os.path.normpath(OUT), len(cases), len(text), torch.__version__))


if __name__ == "__main__":
    main()
