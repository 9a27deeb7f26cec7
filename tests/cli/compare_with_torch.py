"""Checks a file written by `nninit fill` against PyTorch: compare_with_torch.py FILE EXPR SHAPE DTYPE SEED.

Runs `torch.manual_seed(SEED); t = torch.empty(SHAPE, dtype=DTYPE); torch.nn.init.EXPR(t)` and compares the
bits with the tensor named "tensor" in FILE. Exit status 0 when equal, 1 otherwise."""
import json
import math  # noqa: F401  (expressions may use math.sqrt)
import struct
import sys

import torch
import torch.nn as nn  # noqa: F401


def main():
    path, expr, shape, dtype, seed = sys.argv[1:6]
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    begin, end = header["tensor"]["data_offsets"]
    ours = data[8 + n + begin:8 + n + end]

    torch.manual_seed(int(seed))
    t = torch.empty([int(s) for s in shape.split(",")], dtype=getattr(torch, dtype))
    name = expr.split("(")[0].split(".")[-1]
    args = expr[len(expr.split("(")[0]):] or "()"
    args = args[1:-1]
    eval(f"torch.nn.init.{name}(t{', ' + args if args.strip() else ''})")
    theirs = t.contiguous().view(torch.uint8).numpy().tobytes()
    if ours != theirs:
        print(f"compare_with_torch: {expr} {shape} {dtype} seed {seed}: nninit and PyTorch differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
