#!/usr/bin/env python3
"""Known answers of PyTorch's CPU random streams, computed by a real PyTorch.

Every entry is a short, fixed computation (a few draws after torch.manual_seed, a small layer's default
initialisation) whose result is written as IEEE bits in hex, or as Python's repr of a list. The values
depend on the PyTorch release and on ATen's CPU dispatch level (ATEN_CPU_CAPABILITY), so the script is
run once per (release, capability) and the runs are merged into known_answers.txt, where each entry has
one row per distinct value, listing the groups (`113_avx2`, `214_default`, ...) that produced it.

    known_answers.py [print]                 entries of this torch and capability, in the file's format
    known_answers.py fragment FILE           the same, as a JSON fragment for `merge`
    known_answers.py merge OUT FRAGMENT...   [--comment LINE]...: writes the merged file

ATEN_CPU_CAPABILITY must be set (default, avx2 or avx512); the script checks that torch reports the
same level. Only the standard library and torch are used, so it runs on Debian's 1.13 (/usr/bin/python3)
and in the 2.x oracle chroots (scripts/in-oracle SUITE python3 tests/data/known_answers.py ...).

The format, read by the C++ tests: a header `## TITLE seed S` per entry, then rows
`   [GROUP,GROUP,...] VALUE`. Lines starting with a single `# ` are comments.
"""

import datetime
import json
import os
import platform
import random
import re
import struct
import subprocess
import sys

SEEDS = (0, 42)
MT_WORDS = 624
STATE_BYTES = 5056
MASK32 = 0xFFFFFFFF


# ---- helpers ---------------------------------------------------------------------------------------

def init_genrand(seed32):
    """MT19937's seeding of its 624 words (Matsumoto and Nishimura's init_genrand)."""
    words = [seed32 & MASK32]
    for j in range(1, MT_WORDS):
        prev = words[-1]
        words.append((1812433253 * (prev ^ (prev >> 30)) + j) & MASK32)
    return words


def generator_fields(torch):
    """(seed, left, next, words) of the default CPU generator, read from get_rng_state()'s bytes."""
    raw = bytes(torch.get_rng_state().tolist())
    if len(raw) != STATE_BYTES:
        raise SystemExit(f"unexpected generator state size {len(raw)}")
    seed, left, _seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
    words = list(struct.unpack_from(f"<{MT_WORDS}Q", raw, 24))
    return seed, left, nxt, words


def mt_first_words(torch, seed, count):
    """The first `count` 32-bit outputs of torch's engine after manual_seed(seed).

    The freshly seeded state words are taken from torch itself (and checked against init_genrand); the
    twist and the tempering are done by CPython's own MT19937, primed so that its first call twists, as
    at::mt19937's does. Afterwards torch draws as many words and the twisted states are compared.
    """
    torch.manual_seed(seed)
    got_seed, left, nxt, words = generator_fields(torch)
    if (got_seed, left, nxt) != (seed, 1, 0) or words != init_genrand(seed):
        raise SystemExit(f"manual_seed({seed}) did not leave the expected mt19937 state")
    engine = random.Random()
    engine.setstate((3, tuple(words) + (MT_WORDS,), None))
    out = [engine.getrandbits(32) for _ in range(count)]
    torch.manual_seed(seed)
    torch.rand(count)  # one word per float32 element
    _, left, nxt, twisted = generator_fields(torch)
    if (left, nxt) != (MT_WORDS + 1 - count, count) or twisted != list(engine.getstate()[1][:MT_WORDS]):
        raise SystemExit("torch's mt19937 twist differs from CPython's")
    return out


def hex_bits(torch, tensor):
    """The IEEE bits of each element, in hex, separated by spaces."""
    flat = tensor.detach().contiguous().reshape(-1)
    as_int = {
        torch.float32: (torch.int32, 8),
        torch.float64: (torch.int64, 16),
        torch.float16: (torch.int16, 4),
        torch.bfloat16: (torch.int16, 4),
    }
    int_dtype, width = as_int[flat.dtype]
    mask = (1 << (4 * width)) - 1
    return " ".join(f"{v & mask:0{width}x}" for v in flat.view(int_dtype).tolist())


def decimal(tensor):
    return str(tensor.detach().tolist())


# ---- the entries -----------------------------------------------------------------------------------

def compute_entries(torch):
    """[(header text after '## ', value)] in the file's order."""
    nn = torch.nn
    entries = []

    def seeded(seed):
        torch.manual_seed(seed)

    for s in SEEDS:
        def add(title, value, s=s):
            entries.append((f"{title} seed {s}", value))

        add("mt19937 first 8 uint32", " ".join(f"{w:08x}" for w in mt_first_words(torch, s, 8)))
        seeded(s)
        add("rand(8) f32", hex_bits(torch, torch.rand(8)))
        seeded(s)
        add("randn(20)[:8] f32", hex_bits(torch, torch.randn(20)[:8]))
        seeded(s)
        add("randn(20)[16:20] f32", hex_bits(torch, torch.randn(20)[16:20]))
        seeded(s)
        add("randn(8) f32 (size<16 path)", hex_bits(torch, torch.randn(8)))
        seeded(s)
        add("rand(4) f64", hex_bits(torch, torch.rand(4, dtype=torch.float64)))
        seeded(s)
        add("randn(16)[:4] f64", hex_bits(torch, torch.randn(16, dtype=torch.float64)[:4]))
        seeded(s)
        add("rand(6) f16", hex_bits(torch, torch.rand(6, dtype=torch.float16)))
        seeded(s)
        add("rand(6) bf16", hex_bits(torch, torch.rand(6, dtype=torch.bfloat16)))
        seeded(s)
        add("empty(4).uniform_(-0.1,0.1)", hex_bits(torch, torch.empty(4).uniform_(-0.1, 0.1)))
        seeded(s)
        linear = nn.Linear(4, 3)
        add("Linear(4,3).weight[0,:4]", hex_bits(torch, linear.weight[0, :4]))
        add("Linear(4,3).bias", hex_bits(torch, linear.bias))
        seeded(s)
        mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        add("MLP[0].weight[0,:4]", hex_bits(torch, mlp[0].weight[0, :4]))
        add("MLP[2].bias[:4]", hex_bits(torch, mlp[2].bias[:4]))
        add("MLP next rand(1) after construction", hex_bits(torch, torch.rand(1)))
        seeded(s)
        add("randperm(10)", str(torch.randperm(10).tolist()))

    seeded(0)
    entries.append(("Linear(4,3) seed 0 decimal weight[0]", decimal(nn.Linear(4, 3).weight[0])))
    seeded(0)
    entries.append(("rand(8) seed 0 decimal", decimal(torch.rand(8))))
    seeded(0)
    entries.append(("randn(8) seed 0 decimal", decimal(torch.randn(8))))
    seeded(0)
    entries.append(("randn(20)[:4] seed 0 decimal", decimal(torch.randn(20)[:4])))
    return entries


# ---- describing the run ----------------------------------------------------------------------------

CAPABILITY_NAMES = {"NO AVX": "default", "DEFAULT": "default", "AVX2": "avx2", "AVX512": "avx512"}


def running_capability(torch):
    """The dispatch level torch reports (torch.__config__.show(), present in 1.13 and 2.x)."""
    match = re.search(r"CPU capability usage: ([A-Z0-9 ]+)", torch.__config__.show())
    return CAPABILITY_NAMES.get(match.group(1).strip()) if match else None


def debian_package_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-torch"], capture_output=True,
                              text=True, check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def this_run():
    import torch

    requested = os.environ.get("ATEN_CPU_CAPABILITY")
    if requested not in ("default", "avx2", "avx512"):
        raise SystemExit("set ATEN_CPU_CAPABILITY to default, avx2 or avx512")
    reported = running_capability(torch)
    if reported != requested:
        raise SystemExit(f"ATEN_CPU_CAPABILITY={requested}, but torch reports {reported}")
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", torch.__version__).groups())
    return {
        "group": f"{major}{minor}_{requested}",
        "release": [major, minor],
        "capability": requested,
        "torch": torch.__version__,
        "debian_package": debian_package_version(),
        "python": platform.python_version(),
        "libc": " ".join(platform.libc_ver()),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "entries": compute_entries(torch),
    }


# ---- output ----------------------------------------------------------------------------------------

def group_key(fragment):
    order = {"avx2": 0, "avx512": 1, "default": 2}
    return (tuple(fragment["release"]), order[fragment["capability"]])


def format_entries(fragments):
    """The entries of all fragments, one row per distinct value, groups in release/capability order."""
    fragments = sorted(fragments, key=group_key)
    titles = [title for title, _ in fragments[0]["entries"]]
    for f in fragments:
        if [title for title, _ in f["entries"]] != titles:
            raise SystemExit(f"fragment {f['group']} does not have the same entries as {fragments[0]['group']}")
    if len({f["group"] for f in fragments}) != len(fragments):
        raise SystemExit("two fragments for the same group")
    lines = []
    for i, title in enumerate(titles):
        lines.append(f"## {title}")
        rows = {}  # value -> groups, in the order the values first appear
        for f in fragments:
            rows.setdefault(f["entries"][i][1], []).append(f["group"])
        for value, groups in rows.items():
            lines.append(f"   [{','.join(groups)}] {value}")
    return lines


def merge(out_path, fragment_paths, comments):
    fragments = []
    for path in fragment_paths:
        with open(path, encoding="utf-8") as f:
            fragments.append(json.load(f))
    header = [
        "# Known answers of PyTorch's CPU random streams (docs/rng.md): IEEE bits in hex, or Python reprs.",
        "# Generated by tests/data/known_answers.py; rerun it rather than editing this file.",
        "# Groups: RELEASE_CAPABILITY (113 = 1.13, 214 = 2.14; capability = ATEN_CPU_CAPABILITY).",
    ]
    for f in sorted(fragments, key=group_key):
        package = f" (Debian python3-torch {f['debian_package']})" if f.get("debian_package") else ""
        header.append(f"# {f['group']}: torch {f['torch']}{package}, Python {f['python']}, "
                      f"{f['libc']}, run {f['date']}")
    header += [f"# {line}" if line else "#" for line in comments]
    header.append("# Merged " + datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d") + ".")
    text = "\n".join(header + format_entries(fragments)) + "\n"
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, out_path)


def main(argv):
    mode = argv[1] if len(argv) > 1 else "print"
    if mode == "print" and len(argv) <= 2:
        print("\n".join(format_entries([this_run()])))
    elif mode == "fragment" and len(argv) == 3:
        run = this_run()
        with open(argv[2], "w", encoding="utf-8") as f:
            json.dump(run, f, indent=1)
            f.write("\n")
        print(f"{argv[2]}: {run['group']}, torch {run['torch']}, {len(run['entries'])} entries")
    elif mode == "merge" and len(argv) >= 4:
        paths, comments, rest = [], [], argv[3:]
        while rest:
            if rest[0] == "--comment" and len(rest) >= 2:
                comments.append(rest[1])
                rest = rest[2:]
            else:
                paths.append(rest[0])
                rest = rest[1:]
        if not paths:
            raise SystemExit("merge: no fragments")
        merge(argv[2], paths, comments)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
