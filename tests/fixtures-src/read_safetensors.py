"""Reads a safetensors file written by tapegrad from Python, and loads its model keys into torch.nn.LSTM.

Used by tests/optim/checkpoint.test.ts (run by hand for a look at a file):

    /usr/bin/python3 tests/fixtures-src/read_safetensors.py read FILE [independent|safetensors] [LSTM_JSON]
    /usr/bin/python3 tests/fixtures-src/read_safetensors.py write FILE LSTM_JSON     (needs safetensors)

`independent` reads the format from its specification alone (no safetensors package, so the test runs
where Debian has no python3-safetensors); `safetensors` uses `safetensors.torch.load_file`. LSTM_JSON is
{"input_size", "hidden_size", "num_layers", "x"}: the model keys (all but `__optimizer__.*`) are loaded
with `load_state_dict(strict=True)` and the output for input x is printed. `write` saves the state dict
of a torch.nn.LSTM made with torch.manual_seed(0) and prints its output for x. Output: one JSON object.
"""

import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32}
SIZES = {"F32": 4, "F64": 8, "I32": 4}


def read_independent(path):
    """u64 little-endian header length N, N bytes of JSON header, then the little-endian tensor bytes."""
    assert sys.byteorder == "little", "torch.frombuffer reads native byte order"
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        count = 1
        for d in info["shape"]:
            count *= d
        assert end - begin == count * SIZES[info["dtype"]], name
        dtype = DTYPES[info["dtype"]]
        flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(info["shape"])
    return tensors, metadata


def crc32c(data):
    """CRC-32C bit by bit from its definition (reflected polynomial 0x82F63B78), independent of tapegrad's tables."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def digests(path):
    """tapegrad's digest recomputed: the CRC-32C of the first 8 + N bytes with the header digest's 8 hex
    digits (right after '{"__metadata__":{"tapegrad.digest":"crc32c:') read as '0', and of each tensor's bytes."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    prefix = b'{"__metadata__":{"tapegrad.digest":"crc32c:'
    if not blob[8:].startswith(prefix):
        return None
    head = bytearray(blob[: 8 + n])
    at = 8 + len(prefix)
    head[at : at + 8] = b"00000000"
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__")
    data = blob[8 + n :]
    tensors = {k: "%08x" % crc32c(data[v["data_offsets"][0] : v["data_offsets"][1]]) for k, v in header.items()}
    return {"header": "%08x" % crc32c(head), "tensors": tensors}


def read_safetensors(path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, framework="pt") as f:
        metadata = f.metadata() or {}
    return load_file(path), metadata


def make_lstm(spec, dtype):
    lstm = torch.nn.LSTM(spec["input_size"], spec["hidden_size"], num_layers=spec["num_layers"])
    return lstm.to(dtype)


def run(lstm, spec, dtype):
    with torch.no_grad():
        return lstm(torch.tensor(spec["x"], dtype=dtype))[0].flatten().tolist()


def main(argv):
    mode, path = argv[1], argv[2]
    if mode == "write":
        from safetensors.torch import save_file

        spec = json.loads(argv[3])
        torch.manual_seed(0)
        lstm = make_lstm(spec, torch.float64)
        save_file({k: v.contiguous() for k, v in lstm.state_dict().items()}, path, metadata={"format": "pt"})
        print(json.dumps({"output": run(lstm, spec, torch.float64)}))
        return
    reader = argv[3] if len(argv) > 3 else "independent"
    tensors, metadata = (read_safetensors if reader == "safetensors" else read_independent)(path)
    codes = {v: k for k, v in DTYPES.items()}
    out = {
        "reader": reader,
        "metadata": metadata,
        "tensors": {k: {"dtype": codes[v.dtype], "shape": list(v.shape), "data": v.flatten().tolist()} for k, v in tensors.items()},
    }
    if reader == "independent":
        out["digest"] = digests(path)
    if len(argv) > 4:
        spec = json.loads(argv[4])
        model = {k: v for k, v in tensors.items() if not k.startswith("__optimizer__.")}
        dtype = model["weight_ih_l0"].dtype
        lstm = make_lstm(spec, dtype)
        lstm.load_state_dict(model, strict=True)
        out["lstm"] = run(lstm, spec, dtype)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
