"""Checks a state_dict written by `nninit init` against PyTorch:
state_dict_with_torch.py FILE SEED EXPR [STATEMENT]

Runs `torch.manual_seed(SEED); m = eval(EXPR)` (torch.nn's names in scope), then STATEMENT (Python code with
`m`, `nn` and `torch` bound, e.g. an init loop), and compares every tensor of m.state_dict() with the tensor
of the same name in FILE: names, dtypes, shapes and bits. Exit status 0 when all are equal, 1 otherwise."""
import json
import math  # noqa: F401  (expressions may use math)
import struct
import sys

import torch
import torch.nn as nn

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64"}


def main():
    path, seed, expr = sys.argv[1:4]
    statement = sys.argv[4] if len(sys.argv) > 4 else ""
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)

    torch.manual_seed(int(seed))
    env = {name: getattr(nn, name) for name in dir(nn) if not name.startswith("_")}
    m = eval(expr, env)
    if statement:
        exec(statement, {"m": m, "nn": nn, "torch": torch, "math": math})
    state = m.state_dict()
    status = 0
    if sorted(state) != sorted(header):
        print(f"state_dict_with_torch: names differ: {sorted(state)} against {sorted(header)}", file=sys.stderr)
        return 1
    for name, t in state.items():
        entry = header[name]
        begin, end = entry["data_offsets"]
        ours = data[8 + n + begin:8 + n + end]
        theirs = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dim() else t.reshape(1).view(
            torch.uint8).numpy().tobytes()
        if entry["dtype"] != DTYPES[t.dtype] or entry["shape"] != list(t.shape) or ours != theirs:
            print(f"state_dict_with_torch: {name} differs", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
