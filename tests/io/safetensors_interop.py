#!/usr/bin/python3
"""Cross-check of nninit's safetensors reader and writer against an independent implementation.

The Python half here is written from the format's specification (huggingface/safetensors README,
"Format") with json + struct + numpy only, plus torch (1.13) for the bfloat16 conversions:

  (a) it writes files in the reference writer's layout (and a few other valid layouts, and some
      malformed files), and checks what nninit reads from them (safetensors_interop_tool dump);
  (b) it reads, strictly, the files nninit writes (safetensors_interop_tool write), checks their names,
      dtypes, shapes and bytes, and that each is byte-identical to the reference layout.

Usage: /usr/bin/python3 safetensors_interop.py TOOL WORK_DIR
Exit status: 0 pass, 1 failure, 77 skipped (numpy missing: Debian's python3-numpy only imports under
/usr/bin/python3, not under a pyenv python3).
"""

import json
import os
import shutil
import struct
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print(f"SKIP: numpy is not importable by {sys.executable}")
    sys.exit(77)
try:
    import torch
except ImportError:
    torch = None

# The format's dtypes in the order of the reference's `enum Dtype` (increasing alignment); its writer
# sorts tensors by this rank, descending, then by name.
RANK = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
        "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
NUMPY = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "U8": "<u1", "I32": "<i4", "U16": "<u2"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def bf16_bits(values):
    """float32 -> bfloat16 bit patterns, rounding to nearest even (NaN -> 0x7FC0)."""
    a32 = np.asarray(values, dtype=np.float32)
    u = a32.view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return np.where(np.isnan(a32), 0x7FC0, rounded).astype("<u2")


def encode(values, dtype):
    """The little-endian bytes of `values` (row-major) stored as `dtype`."""
    values = np.ascontiguousarray(values)
    with np.errstate(over="ignore"):  # values beyond a dtype's range become infinities, as intended
        if dtype == "BF16":
            return bf16_bits(values.astype(np.float32)).tobytes()
        return values.astype(NUMPY[dtype]).tobytes()


def decode(raw, dtype, shape):
    """float64 (or int64) values of a tensor's bytes."""
    if dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32).astype(np.float64).reshape(shape)
    return np.frombuffer(raw, dtype=NUMPY[dtype]).reshape(shape)


def reference_file(tensors, metadata):
    """A file in the reference writer's layout. tensors: [(name, dtype, shape, raw bytes)]."""
    order = sorted(tensors, key=lambda t: (-RANK.index(t[1]), t[0].encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    offset = 0
    for name, dtype, shape, raw in order:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in order)


def strict_load(path):
    """Reads a file as a strict reader must; returns (metadata, [(name, dtype, shape, raw)]) in header
    order, or raises ValueError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("shorter than 8 bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > 100_000_000 or 8 + n > len(data):
        raise ValueError(f"bad header length {n}")
    text = data[8:8 + n].decode("utf-8")  # raises on invalid UTF-8

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError(f"duplicate keys in {keys}")
        return dict(pairs)

    header = json.loads(text, object_pairs_hook=no_duplicates)
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError("metadata is not str -> str")
    entries = []
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{name}: keys {sorted(info)}")
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in RANK or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ValueError(f"{name}: bad dtype or shape")
        if dtype in NUMPY or dtype == "BF16":
            itemsize = 2 if dtype == "BF16" else np.dtype(NUMPY[dtype]).itemsize
            if end - begin != int(np.prod(shape, dtype=np.int64)) * itemsize:
                raise ValueError(f"{name}: size mismatch")
        entries.append((name, dtype, tuple(shape), begin, end))
    expected = 0
    for name, _, _, begin, end in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin != expected or end < begin:
            raise ValueError(f"{name}: offsets [{begin}, {end}] after {expected}")
        expected = end
    if 8 + n + expected != len(data):
        raise ValueError("the tensors do not end at the end of the file")
    start = 8 + n
    return metadata, [(name, dtype, shape, data[start + b:start + e]) for name, dtype, shape, b, e in entries]


def nninit_dump(tool, path):
    result = subprocess.run([tool, "dump", path], capture_output=True, text=True)
    return result.returncode, (json.loads(result.stdout) if result.returncode == 0 else None), result.stderr


# ---------------------------------------------------------------------------------------------------
# (a) files written here, read by nninit


def check_nninit_reads(tool, path, metadata, tensors, header_order=None):
    code, dumped, stderr = nninit_dump(tool, path)
    check(code == 0, f"{path}: nninit refused a valid file: {stderr.strip()}")
    if code != 0:
        return
    check(dumped["metadata"] == metadata, f"{path}: metadata {dumped['metadata']} != {metadata}")
    names = header_order or [t[0] for t in sorted(tensors, key=lambda t: (-RANK.index(t[1]), t[0].encode()))]
    check([t["name"] for t in dumped["tensors"]] == names, f"{path}: header order {dumped['tensors']}")
    by_name = {t["name"]: t for t in dumped["tensors"]}
    for name, dtype, shape, raw in tensors:
        got = by_name.get(name)
        check(got is not None, f"{path}: tensor {name} missing")
        if got is None:
            continue
        check(got["dtype"] == dtype and tuple(got["shape"]) == tuple(shape), f"{path}: {name}: {got}")
        held = dtype in ("F32", "F64", "F16", "BF16", "I64")
        check(got["hex"] == (raw.hex() if held else None), f"{path}: {name}: bytes differ")


def part_a(tool, work):
    rng = np.random.default_rng(20240601)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40, 5.9e-8, 65504.0, 3.3895e38, -1.0])
    tensors = []
    for dtype in ("F32", "F64", "F16", "BF16"):
        values = np.concatenate([rng.standard_normal(30), specials]).reshape(5, 8)
        tensors.append((f"{dtype.lower()}.w", dtype, (5, 8), encode(values, dtype)))
        tensors.append((f"{dtype.lower()}.s", dtype, (), encode(np.array(rng.standard_normal()), dtype)))
        tensors.append((f"{dtype.lower()}.z", dtype, (0, 4), b""))
    ints = np.array([np.iinfo(np.int64).min, -1, 0, 1, 2**53 + 1, np.iinfo(np.int64).max], dtype=np.int64)
    tensors.append(("i64.w", "I64", (2, 3), encode(ints.reshape(2, 3), "I64")))
    path = os.path.join(work, "py_dtypes.safetensors")
    with open(path, "wb") as f:
        f.write(reference_file(tensors, {"format": "pt"}))
    check_nninit_reads(tool, path, {"format": "pt"}, tensors)

    if torch is not None:  # bytes made by torch itself, bfloat16 included
        torch.manual_seed(0)
        made = {"F32": torch.randn(4, 3), "BF16": torch.randn(3, 5).to(torch.bfloat16),
                "F16": torch.randn(7).to(torch.float16), "I64": torch.randint(-2**62, 2**62, (4,))}
        from_torch = []
        for dtype, t in made.items():
            raw = (t.view(torch.int16) if dtype == "BF16" else t).numpy().tobytes()
            from_torch.append((f"torch.{dtype.lower()}", dtype, tuple(t.shape), raw))
        path = os.path.join(work, "py_torch.safetensors")
        with open(path, "wb") as f:
            f.write(reference_file(from_torch, {"format": "pt", "framework": "torch"}))
        check_nninit_reads(tool, path, {"format": "pt", "framework": "torch"}, from_torch)

    # Dtypes nninit lists but does not hold.
    others = [("mask", "BOOL", (3,), bytes([1, 0, 1])), ("bytes", "U8", (2, 2), bytes([0, 127, 128, 255])),
              ("fp8", "F8_E4M3", (2,), bytes([0x38, 0x40])), ("i32", "I32", (2,), encode(np.array([-5, 7]), "I32")),
              ("u16", "U16", (1,), encode(np.array([65535]), "U16")), ("w", "F32", (2,), encode(np.ones(2), "F32"))]
    path = os.path.join(work, "py_other_dtypes.safetensors")
    with open(path, "wb") as f:
        f.write(reference_file(others, {}))
    check_nninit_reads(tool, path, {}, others)

    # Valid but not the reference writer's layout: no padding, leading whitespace, header order unlike
    # data order, no metadata (as older writers did).
    a, b = encode(np.arange(3), "F32"), encode(np.arange(2), "F64")
    header = ('\n {"z":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},'
              '"a":{"dtype":"F64","shape":[2],"data_offsets":[12,28]}}').encode()
    path = os.path.join(work, "py_legacy.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + a + b)
    check_nninit_reads(tool, path, {}, [("z", "F32", (3,), a), ("a", "F64", (2,), b)], header_order=["z", "a"])

    # Malformed files nninit must refuse, each for the reason given.
    def entry(dtype, shape, begin, end):
        return f'{{"dtype":"{dtype}","shape":{json.dumps(shape)},"data_offsets":[{begin},{end}]}}'

    def raw_file(header_text, data, length=None):
        h = header_text.encode("utf-8") if isinstance(header_text, str) else header_text
        return struct.pack("<Q", len(h) if length is None else length) + h + data

    bad = {
        "duplicate": (raw_file(f'{{"w":{entry("F32", [2], 0, 8)},"w":{entry("F32", [2], 0, 8)}}}', bytes(8)),
                      "duplicate key 'w'"),
        "trailing": (raw_file(f'{{"w":{entry("F32", [2], 0, 8)}}}', bytes(9)), "trailing bytes"),
        "hole": (raw_file(f'{{"a":{entry("F32", [1], 0, 4)},"b":{entry("F32", [1], 8, 12)}}}', bytes(12)),
                 "a hole between them"),
        "overlap": (raw_file(f'{{"a":{entry("F32", [2], 0, 8)},"b":{entry("F32", [1], 4, 8)}}}', bytes(8)),
                    "they overlap"),
        "size": (raw_file(f'{{"w":{entry("F32", [2, 3], 0, 20)}}}', bytes(20)), "needs 24 bytes"),
        "length": (raw_file("{}", b"", length=1000), "runs past the end of the file"),
        "utf8": (raw_file(b'{"\xff":1}', b""), "not valid UTF-8"),
        "dtype": (raw_file(f'{{"w":{entry("F128", [1], 0, 16)}}}', bytes(16)), "unknown dtype 'F128'"),
        "metadata": (raw_file('{"__metadata__":{"seed":42}}', b""), "__metadata__ must map strings to strings"),
        "short": (b"\x02\x00\x00", "too short"),
    }
    for name, (content, reason) in bad.items():
        path = os.path.join(work, f"bad_{name}.safetensors")
        with open(path, "wb") as f:
            f.write(content)
        try:
            strict_load(path)
            check(False, f"{path}: the Python strict reader accepted a file meant to be malformed")
        except (ValueError, UnicodeDecodeError):
            pass
        code, _, stderr = nninit_dump(tool, path)
        check(code == 1 and reason in stderr and path in stderr,
              f"{path}: expected exit 1 and '{reason}', got {code}: {stderr.strip()}")


# ---------------------------------------------------------------------------------------------------
# (b) files nninit writes, read here


def pattern(shape, dtype):
    """The values safetensors_interop_tool writes (see pattern() there)."""
    n = int(np.prod(shape, dtype=np.int64))
    if dtype == "I64":
        return ((1 << 60) + np.arange(n, dtype=np.int64) * 1_000_003 - 7).reshape(shape)
    return ((np.arange(n) % 97) / 4 - 12).reshape(shape)


def expected_nninit_files():
    """file name -> (metadata, [(name, dtype, shape, values)])."""
    dtypes = [("f32", "F32"), ("f64", "F64"), ("f16", "F16"), ("bf16", "BF16"), ("i64", "I64")]
    all_dtypes = []
    for prefix, dtype in dtypes:
        for suffix, shape in (("matrix", (7, 5)), ("scalar", ()), ("empty", (2, 0, 3)), ("odd", (3,))):
            all_dtypes.append((f"{prefix}.{suffix}", dtype, shape, pattern(shape, dtype)))
    base32, base64, cube = pattern((4, 6), "F32"), pattern((4, 6), "I64"), pattern((2, 3, 4), "BF16")
    views = [("transposed", "F32", (6, 4), base32.T), ("every_other_column", "F32", (4, 3), base32[:, 0:6:2]),
             ("int_transposed", "I64", (6, 4), base64.T), ("int_column", "I64", (4,), base64[:, 4]),
             ("cube_permuted", "BF16", (4, 2, 3), cube.transpose(2, 0, 1))]
    unicode = [("gr\u00f6\u00dfe.weight", "F32", (2,), pattern((2,), "F32")),
               ("\u6743\u91cd", "F16", (1,), pattern((1,), "F16"))]
    return {"dtypes.safetensors": ({"format": "pt"}, all_dtypes),
            "streamed.safetensors": ({"format": "pt"}, all_dtypes),
            "views.safetensors": ({"format": "pt", "seed": "42"}, views),
            "unicode.safetensors": ({}, unicode)}


def part_b(tool, work):
    out = os.path.join(work, "nninit")
    os.makedirs(out)
    result = subprocess.run([tool, "write", out], capture_output=True, text=True)
    check(result.returncode == 0, f"nninit write failed: {result.stderr.strip()}")
    if result.returncode != 0:
        return
    expected = expected_nninit_files()
    check(sorted(os.listdir(out)) == sorted(expected), f"nninit wrote {sorted(os.listdir(out))}")
    for file_name, (metadata, tensors) in expected.items():
        path = os.path.join(out, file_name)
        try:
            got_metadata, got = strict_load(path)
        except (ValueError, UnicodeDecodeError, OSError) as e:
            check(False, f"{path}: the strict reader refused nninit's file: {e}")
            continue
        check(got_metadata == metadata, f"{path}: metadata {got_metadata}")
        got_by_name = {name: (dtype, shape, raw) for name, dtype, shape, raw in got}
        check(len(got_by_name) == len(tensors), f"{path}: {len(got_by_name)} tensors")
        for name, dtype, shape, values in tensors:
            if name not in got_by_name:
                check(False, f"{path}: {name} missing")
                continue
            got_dtype, got_shape, raw = got_by_name[name]
            check((got_dtype, got_shape) == (dtype, shape), f"{path}: {name}: {got_dtype} {got_shape}")
            check(raw == encode(values, dtype), f"{path}: {name}: bytes differ")
            check(np.array_equal(decode(raw, dtype, shape), values), f"{path}: {name}: values differ")
            if torch is not None and dtype == "BF16" and raw:
                # torch's own bfloat16 reading and rounding agree with the bytes.
                from_bytes = torch.frombuffer(bytearray(raw), dtype=torch.bfloat16).float().numpy()
                check(np.array_equal(from_bytes, decode(raw, dtype, shape).ravel()), f"{path}: {name}: torch")
                rounded = torch.tensor(np.ascontiguousarray(values, dtype=np.float32)).to(torch.bfloat16)
                check(rounded.view(torch.int16).numpy().tobytes() == raw, f"{path}: {name}: torch rounding")
        # The whole file is the reference writer's layout, byte for byte.
        with open(path, "rb") as f:
            data = f.read()
        reference = reference_file([(n, d, s, encode(v, d)) for n, d, s, v in tensors], metadata)
        check(data == reference, f"{path}: not byte-identical to the reference layout")
        (n,) = struct.unpack("<Q", data[:8])
        check(n % 8 == 0 and data[8:9] == b"{", f"{path}: header length {n} or start {data[8:9]!r}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tool, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    part_a(tool, work)
    part_b(tool, work)
    if torch is None:
        print("note: torch is not importable; the torch cross-checks were skipped")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("safetensors interop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
