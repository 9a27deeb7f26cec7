#!/usr/bin/python3
"""Reads the sharded checkpoints nninit writes as a Hugging Face loader does, with json + numpy only.

safetensors_interop_tool write-sharded DIR MAX writes a small state_dict through ShardedSafetensorsWriter.
For several maximum shard sizes this script checks, independently of nninit's code:
  * the split: the shards and their order follow huggingface_hub's rule (split_state_dict_into_shards_factory,
    used by transformers' save_pretrained), implemented again here from its documentation: tensors in order;
    a tensor larger than the maximum gets a shard of its own, appended at once; any other tensor starts a
    new shard when it would take the current one past the maximum;
  * the files: model.safetensors alone for one shard; otherwise model-0000k-of-0000N.safetensors and
    model.safetensors.index.json, whose text is what save_pretrained writes (json.dumps(indent=2,
    sort_keys=True) + newline) and whose weight_map and total_size agree with the shards;
  * the load: following the index (as transformers' load_sharded_checkpoint does), every shard is read by
    the strict reader of safetensors_interop.py, and every tensor has its name, dtype, shape and values.

Usage: /usr/bin/python3 sharded_checkpoint.py TOOL WORK_DIR
Exit status: 0 pass, 1 failure, 77 skipped (numpy missing).
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Importing it ends the run with status 77 (skipped) when numpy is missing.
from safetensors_interop import decode, pattern, strict_load  # noqa: E402

import numpy as np  # noqa: E402

# The state_dict of write_sharded() in safetensors_interop_tool.cpp, in its order: (name, dtype, shape).
TENSORS = [("embed.weight", "F32", (16, 32)), ("layers.0.norm.weight", "BF16", (32,)),
           ("layers.0.proj.weight", "F16", (32, 8)), ("layers.0.proj.bias", "F64", (32,)),
           ("layers.1.empty", "F32", (0, 8)), ("layers.1.proj.weight", "F32", (8, 8)),
           ("head.weight", "BF16", (4, 32)), ("step", "I64", ())]
ITEMSIZE = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def nbytes(dtype, shape):
    return int(np.prod(shape, dtype=np.int64)) * ITEMSIZE[dtype]


def expected_split(max_size):
    """[[tensor names]] per shard, by huggingface_hub's rule."""
    shards, current, current_size = [], [], 0
    for name, dtype, shape in TENSORS:
        size = nbytes(dtype, shape)
        if max_size is not None and size > max_size:
            shards.append([name])
            continue
        if max_size is not None and current_size + size > max_size:
            shards.append(current)
            current, current_size = [], 0
        current.append(name)
        current_size += size
    if current or not shards:
        shards.append(current)
    return shards


def check_checkpoint(tool, work, max_arg):
    out = os.path.join(work, f"max-{max_arg}")
    result = subprocess.run([tool, "write-sharded", out, max_arg], capture_output=True, text=True)
    check(result.returncode == 0, f"{out}: write-sharded failed: {result.stderr.strip()}")
    if result.returncode != 0:
        return
    split = expected_split(None if max_arg == "none" else int(max_arg))
    count = len(split)
    if count == 1:
        names = ["model.safetensors"]
        check(sorted(os.listdir(out)) == names, f"{out}: files {sorted(os.listdir(out))}")
        files_to_load = {"model.safetensors": [n for n, _, _ in TENSORS]}
    else:
        names = [f"model-{k + 1:05d}-of-{count:05d}.safetensors" for k in range(count)]
        check(sorted(os.listdir(out)) == sorted(names + ["model.safetensors.index.json"]),
              f"{out}: files {sorted(os.listdir(out))}")
        with open(os.path.join(out, "model.safetensors.index.json"), encoding="utf-8") as f:
            text = f.read()
        index = json.loads(text)
        check(text == json.dumps(index, indent=2, sort_keys=True) + "\n", f"{out}: index text {text!r}")
        total = sum(nbytes(d, s) for _, d, s in TENSORS)
        check(index.get("metadata") == {"total_size": total}, f"{out}: index metadata {index.get('metadata')}")
        expected_map = {name: names[k] for k, shard in enumerate(split) for name in shard}
        check(index.get("weight_map") == expected_map, f"{out}: weight_map {index.get('weight_map')}")
        files_to_load = {}
        for name, file_name in index.get("weight_map", {}).items():
            files_to_load.setdefault(file_name, []).append(name)
    loaded = {}
    for file_name, expected_names in files_to_load.items():
        path = os.path.join(out, file_name)
        try:
            metadata, entries = strict_load(path)
        except (ValueError, UnicodeDecodeError, OSError) as e:
            check(False, f"{path}: the strict reader refused it: {e}")
            continue
        check(metadata == {"format": "pt"}, f"{path}: metadata {metadata}")
        check(sorted(n for n, _, _, _ in entries) == sorted(expected_names), f"{path}: holds {entries}")
        for name, dtype, shape, raw in entries:
            loaded[name] = (dtype, shape, raw)
    for name, dtype, shape in TENSORS:
        if name not in loaded:
            check(False, f"{out}: {name} not loaded")
            continue
        got_dtype, got_shape, raw = loaded[name]
        check((got_dtype, got_shape) == (dtype, shape), f"{out}: {name}: {got_dtype} {got_shape}")
        check(np.array_equal(decode(raw, dtype, shape), pattern(shape, dtype)), f"{out}: {name}: values differ")
    return count


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tool, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # 3,400 bytes in all, the largest tensor 2,048: one file; 2 shards; oversized tensors alone (at 300 the
    # 512-byte tensor before the 64-byte one that was read first); one each, the empty tensor last.
    counts = [check_checkpoint(tool, work, max_arg) for max_arg in ("none", "3400", "2048", "600", "300", "1")]
    check(counts == [1, 1, 2, 4, 6, 8], f"shard counts {counts}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("sharded checkpoints: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
