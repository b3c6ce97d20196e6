"""Independent check of tests/fixtures/rnn-golden.json.

Re-implements RNN/LSTM/GRU (layers and cells) from the equations in the PyTorch docs with plain tensor ops,
one sequence at a time (no torch.nn modules, no packing), then compares every stored value and gradient
against it. It also documents how to read the fixture: gate order, state indexing, lengths, unbatched input.

    /usr/bin/python3 tests/fixtures-src/verify_rnn_fixtures.py
"""

import json
import os

import torch

torch.set_default_dtype(torch.float64)

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "rnn-golden.json")
TOL = 1e-12


def dec(t, grad=False):
    return torch.tensor(t["data"]).reshape(t["shape"]).requires_grad_(grad)


def lin(x, w, b):
    y = x @ w.T
    return y if b is None else y + b


def step(kind, p, sfx, x, h, c, nonlinearity="tanh"):
    """One step of a cell. p: params dict; sfx: "" for cells, "_l0", "_l1_reverse", ... for layers."""
    w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
    b_ih, b_hh = p.get("bias_ih" + sfx), p.get("bias_hh" + sfx)
    if kind == "RNN":
        a = lin(x, w_ih, b_ih) + lin(h, w_hh, b_hh)
        return (torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)), None
    if kind == "LSTM":
        i, f, g, o = (lin(x, w_ih, b_ih) + lin(h, w_hh, b_hh)).chunk(4, -1)  # gate order i, f, g, o
        c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h2 = torch.sigmoid(o) * torch.tanh(c2)
        if "weight_hr" + sfx in p:
            h2 = h2 @ p["weight_hr" + sfx].T  # projection, no bias
        return h2, c2
    if kind == "GRU":
        gi_r, gi_z, gi_n = lin(x, w_ih, b_ih).chunk(3, -1)  # gate order r, z, n
        gh_r, gh_z, gh_n = lin(h, w_hh, b_hh).chunk(3, -1)
        r = torch.sigmoid(gi_r + gh_r)
        z = torch.sigmoid(gi_z + gh_z)
        n = torch.tanh(gi_n + r * gh_n)  # r multiplies (W_hn h + b_hn)
        return (1 - z) * n + z * h, None
    raise ValueError(kind)


def run_layer(kind, o, p, x, h0, c0, lengths):
    """x: (L, N, F) time-major; h0/c0: (layers*D, N, .). Returns output (L, N, D*H_out), hN, cN."""
    L, N, _ = x.shape
    D = 2 if o["bidirectional"] else 1
    outs, hNs, cNs = [], [], []
    for b in range(N):
        T = lengths[b] if lengths is not None else L
        seq = [x[t, b] for t in range(T)]
        hb, cb = [], []
        for l in range(o["numLayers"]):
            dir_outs = []
            for d in range(D):
                sfx = "_l%d%s" % (l, "_reverse" if d == 1 else "")
                h = h0[l * D + d, b]
                c = c0[l * D + d, b] if c0 is not None else None
                ys = [None] * T
                for t in (range(T) if d == 0 else reversed(range(T))):
                    h, c = step(kind, p, sfx, seq[t], h, c, o.get("nonlinearity", "tanh"))
                    ys[t] = h
                dir_outs.append(ys)
                hb.append(h)
                cb.append(c)
            seq = [torch.cat([dir_outs[d][t] for d in range(D)]) for t in range(T)]
        h_out = seq[0].shape[0]
        seq = seq + [torch.zeros(h_out)] * (L - T)  # padded positions are zero
        outs.append(torch.stack(seq))
        hNs.append(torch.stack(hb))
        cNs.append(torch.stack(cb) if c0 is not None else None)
    out = torch.stack(outs, 1)
    hN = torch.stack(hNs, 1)
    cN = torch.stack(cNs, 1) if c0 is not None else None
    return out, hN, cN


def check(name, what, got, want):
    want = dec(want)
    assert list(got.shape) == list(want.shape), (name, what, list(got.shape), list(want.shape))
    err = (got - want).abs().max().item() if got.numel() else 0.0
    assert err < TOL, (name, what, err)
    return err


def verify_layer(case):
    kind, o = case["module"], case["options"]
    p = {k: dec(v, True) for k, v in case["stateDict"].items()}
    x = dec(case["input"], True)
    unbatched = x.dim() == 2
    D = 2 if o["bidirectional"] else 1
    proj = o.get("projSize", 0)
    H_out = proj if proj else o["hiddenSize"]
    xt = x.unsqueeze(1) if unbatched else (x.transpose(0, 1) if o["batchFirst"] else x)
    N = xt.shape[1]
    given = case["initialState"] == "given"
    h0 = dec(case["h0"], True) if given else torch.zeros(D * o["numLayers"], *([] if unbatched else [N]), H_out)
    c0 = None
    if kind == "LSTM":
        c0 = dec(case["c0"], True) if given else torch.zeros(D * o["numLayers"], *([] if unbatched else [N]), o["hiddenSize"])
    h0b = h0.unsqueeze(1) if unbatched else h0
    c0b = (c0.unsqueeze(1) if unbatched else c0) if c0 is not None else None
    out, hN, cN = run_layer(kind, o, p, xt, h0b, c0b, case.get("lengths"))
    if unbatched:
        out, hN, cN = out.squeeze(1), hN.squeeze(1), (cN.squeeze(1) if cN is not None else None)
    elif o["batchFirst"]:
        out = out.transpose(0, 1)
    errs = [check(case["name"], "output", out, case["output"]), check(case["name"], "hN", hN, case["hN"])]
    lw = case["lossWeights"]
    loss = (out * dec(lw["output"])).sum() + (hN * dec(lw["hN"])).sum()
    if kind == "LSTM":
        errs.append(check(case["name"], "cN", cN, case["cN"]))
        loss = loss + (cN * dec(lw["cN"])).sum()
    assert abs(loss.item() - case["loss"]) < TOL, (case["name"], "loss")
    leaves = {"input": x, **({"h0": h0} if given else {}), **({"c0": c0} if given and c0 is not None else {}), **p}
    assert set(leaves) == set(case["grads"]), (case["name"], set(leaves) ^ set(case["grads"]))
    gs = torch.autograd.grad(loss, list(leaves.values()))
    for k, g in zip(leaves, gs):
        errs.append(check(case["name"], "grad " + k, g, case["grads"][k]))
    if "lengths" in case:  # padded input positions must get zero gradient
        gi = dec(case["grads"]["input"])
        gi = gi if o["batchFirst"] else gi.transpose(0, 1)
        for b, T in enumerate(case["lengths"]):
            assert (gi[b, T:] == 0).all(), (case["name"], "padded grad")
    return max(errs)


def verify_cell(case):
    kind = case["module"][:-4]
    p = {k: dec(v, True) for k, v in case["stateDict"].items()}
    x, hx = dec(case["input"], True), dec(case["hx"], True)
    cx = dec(case["cx"], True) if kind == "LSTM" else None
    h, c = step(kind, p, "", x, hx, cx, case["options"].get("nonlinearity", "tanh"))
    errs = [check(case["name"], "h", h, case["h"])]
    loss = (h * dec(case["lossWeights"]["h"])).sum()
    if c is not None:
        errs.append(check(case["name"], "c", c, case["c"]))
        loss = loss + (c * dec(case["lossWeights"]["c"])).sum()
    assert abs(loss.item() - case["loss"]) < TOL, (case["name"], "loss")
    leaves = {"input": x, "hx": hx, **({"cx": cx} if cx is not None else {}), **p}
    assert set(leaves) == set(case["grads"]), (case["name"], set(leaves) ^ set(case["grads"]))
    for k, g in zip(leaves, torch.autograd.grad(loss, list(leaves.values()))):
        errs.append(check(case["name"], "grad " + k, g, case["grads"][k]))
    return max(errs)


def main():
    with open(PATH) as f:
        fx = json.load(f)
    worst = 0.0
    for case in fx["cases"]:
        err = verify_cell(case) if case["module"].endswith("Cell") else verify_layer(case)
        worst = max(worst, err)
        print("ok %-32s max abs err %.2e" % (case["name"], err))
    print("all %d cases agree (worst %.2e, tolerance %.0e)" % (len(fx["cases"]), worst, TOL))


if __name__ == "__main__":
    main()
