"""Write tests/fixtures/rnn-golden.json: golden values for nn.RNN/LSTM/GRU and their cells, made with PyTorch.

Run from the repository root with the Debian python (which sees the python3-torch package):

    /usr/bin/python3 tests/fixtures-src/make_rnn_fixtures.py

Everything is float64 and every case reseeds torch, so the output is deterministic for a given torch build.
The format is described in tests/fixtures/README.md.
"""

import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "rnn-golden.json")

LAYERS = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
CELLS = {"RNNCell": torch.nn.RNNCell, "LSTMCell": torch.nn.LSTMCell, "GRUCell": torch.nn.GRUCell}


def enc(t):
    """A tensor as {shape, data} with data flat and row-major; Python floats repr-round-trip float64."""
    t = t.detach().contiguous()
    assert t.dtype == torch.float64, t.dtype
    assert torch.isfinite(t).all(), "non-finite value in fixture"
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def layer_options(module, o):
    """camelCase constructor options, only those the module accepts."""
    opts = {
        "inputSize": o["inputSize"],
        "hiddenSize": o["hiddenSize"],
        "numLayers": o.get("numLayers", 1),
    }
    if module == "RNN":
        opts["nonlinearity"] = o.get("nonlinearity", "tanh")
    opts.update(
        {
            "bias": o.get("bias", True),
            "batchFirst": o.get("batchFirst", False),
            "dropout": 0,
            "bidirectional": o.get("bidirectional", False),
        }
    )
    if module == "LSTM":
        opts["projSize"] = o.get("projSize", 0)
    return opts


def make_layer(module, opts):
    kwargs = dict(
        input_size=opts["inputSize"],
        hidden_size=opts["hiddenSize"],
        num_layers=opts["numLayers"],
        bias=opts["bias"],
        batch_first=opts["batchFirst"],
        dropout=0.0,
        bidirectional=opts["bidirectional"],
    )
    if module == "RNN":
        kwargs["nonlinearity"] = opts["nonlinearity"]
    if module == "LSTM":
        kwargs["proj_size"] = opts["projSize"]
    return LAYERS[module](**kwargs)


def layer_case(name, module, seed, options, seq_len, batch, initial_state="zeros", lengths=None):
    """batch=None means an unbatched input of shape (L, H_in)."""
    torch.manual_seed(seed)
    opts = layer_options(module, options)
    net = make_layer(module, opts)
    params = dict(net.named_parameters())
    state_dict = {k: v.clone() for k, v in net.state_dict().items()}
    assert set(state_dict) == set(params), (set(state_dict), set(params))

    D = 2 if opts["bidirectional"] else 1
    proj = opts.get("projSize", 0)
    h_out = proj if proj > 0 else opts["hiddenSize"]
    n_state = D * opts["numLayers"]

    if batch is None:
        x_shape = (seq_len, opts["inputSize"])
        h_shape = (n_state, h_out)
        c_shape = (n_state, opts["hiddenSize"])
    else:
        x_shape = (batch, seq_len, opts["inputSize"]) if opts["batchFirst"] else (seq_len, batch, opts["inputSize"])
        h_shape = (n_state, batch, h_out)
        c_shape = (n_state, batch, opts["hiddenSize"])

    x = torch.randn(*x_shape, requires_grad=True)
    h0 = c0 = None
    if initial_state == "given":
        h0 = torch.randn(*h_shape, requires_grad=True)
        if module == "LSTM":
            c0 = torch.randn(*c_shape, requires_grad=True)

    if lengths is not None:
        assert batch is not None and len(lengths) == batch and max(lengths) == seq_len
        inp = pack_padded_sequence(x, lengths, batch_first=opts["batchFirst"], enforce_sorted=False)
    else:
        inp = x

    if h0 is None:
        res = net(inp)
    elif module == "LSTM":
        res = net(inp, (h0, c0))
    else:
        res = net(inp, h0)

    out, state = res
    if module == "LSTM":
        hN, cN = state
    else:
        hN, cN = state, None
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=opts["batchFirst"], total_length=seq_len)

    w_out = torch.randn(*out.shape)
    w_h = torch.randn(*hN.shape)
    loss = (out * w_out).sum() + (hN * w_h).sum()
    loss_weights = {"output": enc(w_out), "hN": enc(w_h)}
    if cN is not None:
        w_c = torch.randn(*cN.shape)
        loss = loss + (cN * w_c).sum()
        loss_weights["cN"] = enc(w_c)

    leaves = [x] + ([h0] if h0 is not None else []) + ([c0] if c0 is not None else []) + list(params.values())
    grads_list = torch.autograd.grad(loss, leaves, allow_unused=True)
    grads_list = [torch.zeros_like(l) if g is None else g for l, g in zip(leaves, grads_list)]
    grads = {"input": enc(grads_list[0])}
    i = 1
    if h0 is not None:
        grads["h0"] = enc(grads_list[i])
        i += 1
    if c0 is not None:
        grads["c0"] = enc(grads_list[i])
        i += 1
    for k, g in zip(params.keys(), grads_list[i:]):
        grads[k] = enc(g)

    case = {
        "name": name,
        "module": module,
        "seed": seed,
        "options": opts,
        "stateDict": {k: enc(v) for k, v in state_dict.items()},
        "initialState": initial_state,
        "input": enc(x),
    }
    if h0 is not None:
        case["h0"] = enc(h0)
    if c0 is not None:
        case["c0"] = enc(c0)
    if lengths is not None:
        case["lengths"] = list(lengths)
    case["output"] = enc(out)
    case["hN"] = enc(hN)
    if cN is not None:
        case["cN"] = enc(cN)
    case["lossWeights"] = loss_weights
    case["loss"] = float(loss.item())
    case["grads"] = grads
    return case


def cell_case(name, module, seed, options, batch):
    """One step cell(x, h) / cell(x, (h, c)) with a given state. batch=None means unbatched (1-D x and h)."""
    torch.manual_seed(seed)
    opts = {"inputSize": options["inputSize"], "hiddenSize": options["hiddenSize"], "bias": options.get("bias", True)}
    kwargs = dict(input_size=opts["inputSize"], hidden_size=opts["hiddenSize"], bias=opts["bias"])
    if module == "RNNCell":
        opts["nonlinearity"] = options.get("nonlinearity", "tanh")
        kwargs["nonlinearity"] = opts["nonlinearity"]
    cell = CELLS[module](**kwargs)
    params = dict(cell.named_parameters())
    state_dict = {k: v.clone() for k, v in cell.state_dict().items()}
    assert set(state_dict) == set(params)

    lead = () if batch is None else (batch,)
    x = torch.randn(*lead, opts["inputSize"], requires_grad=True)
    hx = torch.randn(*lead, opts["hiddenSize"], requires_grad=True)
    cx = torch.randn(*lead, opts["hiddenSize"], requires_grad=True) if module == "LSTMCell" else None

    if module == "LSTMCell":
        h, c = cell(x, (hx, cx))
    else:
        h, c = cell(x, hx), None

    w_h = torch.randn(*h.shape)
    loss = (h * w_h).sum()
    loss_weights = {"h": enc(w_h)}
    if c is not None:
        w_c = torch.randn(*c.shape)
        loss = loss + (c * w_c).sum()
        loss_weights["c"] = enc(w_c)

    leaves = [x, hx] + ([cx] if cx is not None else []) + list(params.values())
    grads_list = torch.autograd.grad(loss, leaves, allow_unused=True)
    grads_list = [torch.zeros_like(l) if g is None else g for l, g in zip(leaves, grads_list)]
    grads = {"input": enc(grads_list[0]), "hx": enc(grads_list[1])}
    i = 2
    if cx is not None:
        grads["cx"] = enc(grads_list[2])
        i = 3
    for k, g in zip(params.keys(), grads_list[i:]):
        grads[k] = enc(g)

    case = {
        "name": name,
        "module": module,
        "seed": seed,
        "options": opts,
        "stateDict": {k: enc(v) for k, v in state_dict.items()},
        "input": enc(x),
        "hx": enc(hx),
    }
    if cx is not None:
        case["cx"] = enc(cx)
    case["h"] = enc(h)
    if c is not None:
        case["c"] = enc(c)
    case["lossWeights"] = loss_weights
    case["loss"] = float(loss.item())
    case["grads"] = grads
    return case


def build_cases():
    I, H, P = 3, 4, 2
    cases = [
        # --- RNN ---
        layer_case("rnn_tanh_1layer", "RNN", 101,
                   dict(inputSize=I, hiddenSize=H), seq_len=4, batch=2),
        layer_case("rnn_relu_2layer_batchfirst", "RNN", 102,
                   dict(inputSize=I, hiddenSize=H, numLayers=2, nonlinearity="relu", batchFirst=True),
                   seq_len=4, batch=3, initial_state="given"),
        layer_case("rnn_tanh_bidir_2layer_nobias", "RNN", 103,
                   dict(inputSize=I, hiddenSize=H, numLayers=2, bias=False, bidirectional=True),
                   seq_len=4, batch=2, initial_state="given"),
        layer_case("rnn_relu_bidir_varlen", "RNN", 108,
                   dict(inputSize=I, hiddenSize=H, nonlinearity="relu", bidirectional=True),
                   seq_len=5, batch=3, initial_state="given", lengths=[2, 5, 3]),
        # --- LSTM ---
        layer_case("lstm_1layer", "LSTM", 201,
                   dict(inputSize=I, hiddenSize=H), seq_len=4, batch=2),
        layer_case("lstm_2layer_bidir_given", "LSTM", 202,
                   dict(inputSize=I, hiddenSize=H, numLayers=2, bidirectional=True),
                   seq_len=4, batch=2, initial_state="given"),
        layer_case("lstm_proj_1layer", "LSTM", 203,
                   dict(inputSize=I, hiddenSize=H, projSize=P), seq_len=4, batch=2, initial_state="given"),
        layer_case("lstm_proj_2layer_bidir", "LSTM", 204,
                   dict(inputSize=I, hiddenSize=H, numLayers=2, bidirectional=True, projSize=P),
                   seq_len=4, batch=3, initial_state="given"),
        layer_case("lstm_bidir_batchfirst_varlen", "LSTM", 205,
                   dict(inputSize=I, hiddenSize=H, batchFirst=True, bidirectional=True),
                   seq_len=5, batch=3, initial_state="given", lengths=[3, 5, 2]),
        layer_case("lstm_2layer_nobias_batchfirst", "LSTM", 206,
                   dict(inputSize=I, hiddenSize=5, numLayers=2, bias=False, batchFirst=True),
                   seq_len=4, batch=2),
        layer_case("lstm_unbatched_bidir", "LSTM", 207,
                   dict(inputSize=I, hiddenSize=H, bidirectional=True),
                   seq_len=4, batch=None, initial_state="given"),
        layer_case("lstm_unbatched_zeros", "LSTM", 208,
                   dict(inputSize=I, hiddenSize=H), seq_len=4, batch=None),
        # --- GRU ---
        layer_case("gru_1layer", "GRU", 301,
                   dict(inputSize=I, hiddenSize=H), seq_len=4, batch=2),
        layer_case("gru_2layer_bidir_batchfirst", "GRU", 302,
                   dict(inputSize=I, hiddenSize=H, numLayers=2, batchFirst=True, bidirectional=True),
                   seq_len=4, batch=3, initial_state="given"),
        layer_case("gru_varlen", "GRU", 303,
                   dict(inputSize=I, hiddenSize=H, numLayers=2),
                   seq_len=5, batch=3, lengths=[4, 2, 5]),
        layer_case("gru_unbatched_given", "GRU", 304,
                   dict(inputSize=I, hiddenSize=H, numLayers=2), seq_len=4, batch=None, initial_state="given"),
        # --- cells ---
        cell_case("rnncell_tanh", "RNNCell", 401, dict(inputSize=I, hiddenSize=H), batch=3),
        cell_case("rnncell_relu", "RNNCell", 407, dict(inputSize=I, hiddenSize=H, nonlinearity="relu"), batch=3),
        cell_case("rnncell_tanh_nobias", "RNNCell", 403, dict(inputSize=I, hiddenSize=H, bias=False), batch=2),
        cell_case("lstmcell", "LSTMCell", 501, dict(inputSize=I, hiddenSize=H), batch=3),
        cell_case("lstmcell_unbatched", "LSTMCell", 502, dict(inputSize=I, hiddenSize=H), batch=None),
        cell_case("grucell", "GRUCell", 601, dict(inputSize=I, hiddenSize=H), batch=3),
        cell_case("grucell_nobias", "GRUCell", 602, dict(inputSize=I, hiddenSize=H, bias=False), batch=2),
    ]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def main():
    cases = build_cases()
    # One case per line: small diffs when a case changes, still one JSON document.
    body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
    text = '{"torch_version":%s,"cases":[\n%s\n]}\n' % (json.dumps(torch.__version__), body)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print("wrote %s: %d cases, %d bytes, torch %s" % (os.path.normpath(OUT), len(cases), len(text), torch.__version__))


if __name__ == "__main__":
    main()
