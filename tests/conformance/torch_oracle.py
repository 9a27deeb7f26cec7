#!/usr/bin/env python3
"""Generated conformance cases for nninit, answered by a real PyTorch.

    torch_oracle.py --seed S --count N --out FILE [--only NAME1,NAME2]

Generates N random test cases from the seed S, runs each one in the PyTorch
that runs this script, and writes the cases together with PyTorch's results
to FILE as JSON lines (written atomically: a temporary file, then a rename).
The C++ runner replays every case in nninit and compares the bits.  The file
format is described in README.md next to this script.

Case i is generated from its own random.Random keyed by (S, i) alone, so
`--count 10` yields the first ten cases of `--count 2000`.  The only thing
that depends on the running PyTorch is the feature set: where a feature is
missing (the `generator=` keyword of nn.init, PyTorch 2.1+), the same random
draws are made and the feature is left out, so a case differs between
versions only in that respect.  Every output file carries its own cases.

Standard library and torch only.  Runs unchanged on Python 3.11 and newer.
"""

import argparse
import ast
import contextlib
import inspect
import json
import math
import os
import random
import sys
import tempfile
import time
import warnings

import torch

# ===========================================================================
# Distribution of cases.  Tune here.  Weights are relative.
# ===========================================================================
TUNING = {
    # What one step does.  The first 14 are torch.nn.init functions (each
    # occasionally called through its deprecated alias, see P_ALIAS).
    "step_kinds": {
        "uniform_": 9,
        "normal_": 9,
        "trunc_normal_": 8,
        "constant_": 4,
        "ones_": 2,
        "zeros_": 2,
        "eye_": 3,
        "dirac_": 3,
        "xavier_uniform_": 6,
        "xavier_normal_": 6,
        "kaiming_uniform_": 9,
        "kaiming_normal_": 9,
        "orthogonal_": 5,
        "sparse_": 4,
        "randn": 5,   # torch.randn(shape), float32
        "rand": 4,    # torch.rand(shape, dtype=...)
        "randperm": 3,  # torch.randperm(n)
    },
    # Steps per case, for ordinary cases.
    "steps_per_case": {1: 55, 2: 30, 3: 15},
    # Share of cases built as "small normal, big normal, small normal" (the
    # cached double normal sample of the generator survives the big one).
    "p_cache_case": 0.08,
    # Share of init steps generated as error cases.
    "p_error": 0.15,
    # Share of init steps applied to a view (transposed, permuted, sliced...).
    "p_view": 0.15,
    # Share of init steps written with the deprecated alias, where one exists.
    "p_alias": 0.06,
    # Share of cases with their own torch.Generator (PyTorch 2.1+ only).
    "p_generator": 0.30,
    "dtypes": {"float32": 60, "float64": 20, "float16": 10, "bfloat16": 10},
    # Size classes of a generic tensor (numel).
    "numel": {"tiny": 24, "sixteen": 8, "boundary": 12, "mid": 28,
              "large": 20, "huge": 1, "zero": 5, "scalar": 2},
    # Call forms of the function name.
    "prefix": {"nn.init.": 45, "torch.nn.init.": 25, "": 30},
}

FORMAT = 1
SLOW_CASE_S = 2.0

INIT_FUNCTIONS = [
    "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_", "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
    "kaiming_normal_", "orthogonal_", "sparse_",
]
ALIASES = {  # deprecated alias -> function
    "uniform": "uniform_", "normal": "normal_", "constant": "constant_",
    "eye": "eye_", "dirac": "dirac_", "xavier_uniform": "xavier_uniform_",
    "xavier_normal": "xavier_normal_", "kaiming_uniform": "kaiming_uniform_",
    "kaiming_normal": "kaiming_normal_", "orthogonal": "orthogonal_",
    "sparse": "sparse_",
}
RANDOM_KINDS = ["randn", "rand", "randperm"]
NONLINEARITIES = [
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
    "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
    "leaky_relu", "selu",
]
DTYPES = {
    "float32": torch.float32, "float64": torch.float64,
    "float16": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}


# ===========================================================================
# Features of the running PyTorch
# ===========================================================================
def _accepts_generator(name):
    fn = getattr(torch.nn.init, ALIASES.get(name, name))
    try:
        return "generator" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


FEATURES = {
    # nn.init functions take generator= (2.1+).
    "generator": _accepts_generator("uniform_"),
}


# ===========================================================================
# Deterministic drawing helpers (only operations whose results are the same
# on every Python 3 version and platform: random(), getrandbits(), randrange,
# shuffle, exact float arithmetic and decimal parsing; no libm).
# ===========================================================================
class Draw:
    def __init__(self, key):
        self.r = random.Random(key)

    def chance(self, p):
        return self.r.random() < p

    def int(self, lo, hi):  # inclusive
        return self.r.randrange(lo, hi + 1)

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def weighted(self, table):
        items = [(k, w) for k, w in table.items() if w > 0]
        total = sum(w for _, w in items)
        x = self.r.random() * total
        for k, w in items:
            if x < w:
                return k
            x -= w
        return items[-1][0]

    def shuffle(self, seq):
        self.r.shuffle(seq)

    def bits(self, k):
        return self.r.getrandbits(k)

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.r.random()

    def nice(self, lo_e, hi_e):
        """A positive number with 1-4 significant decimal digits in
        [10**lo_e, 10**(hi_e+1))."""
        digits = self.pick([1, 1, 2, 2, 3, 4])
        m = self.int(10 ** (digits - 1), 10 ** digits - 1)
        e = self.int(lo_e, hi_e)
        return float(f"{m}e{e - digits + 1}")

    def rough(self, lo_e, hi_e):
        """A positive number with a random 53-bit significand in
        [10**lo_e, 10**(hi_e+1)) roughly (binary exponents)."""
        lo2 = int(lo_e * 3.32)
        hi2 = int((hi_e + 1) * 3.32) - 1
        sig = self.bits(52) | (1 << 52)
        return math.ldexp(sig, self.int(lo2, max(lo2, hi2)) - 52)

    def pos(self, lo_e, hi_e):
        return self.nice(lo_e, hi_e) if self.chance(0.6) else self.rough(lo_e, hi_e)

    def signed(self, lo_e, hi_e):
        x = self.pos(lo_e, hi_e)
        return -x if self.chance(0.5) else x


def flit(x):
    """Python source for a float (repr round-trips exactly)."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        raise AssertionError("non-finite literal")
    return repr(x)


def num(d, x, int_ok=True):
    """A literal for x, written as an int when x is integral and the draw
    says so, else as a float."""
    if int_ok and float(x).is_integer() and abs(x) < 2 ** 53 and d.chance(0.4):
        return str(int(x))
    return flit(x)


def strlit(s):
    return repr(s)


# ===========================================================================
# Shapes and views
# ===========================================================================
def prime_factors(n):
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    if n > 1:
        out.append(n)
    return out


def split_numel(d, n, ndim):
    if ndim == 0:
        return []
    dims = [1] * ndim
    for p in prime_factors(n):
        dims[d.int(0, ndim - 1)] *= p
    return dims


def draw_numel(d, cat):
    if cat == "tiny":
        return d.int(1, 15)
    if cat == "sixteen":
        return 16
    if cat == "boundary":
        return d.pick([15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 80, 96, 100, 128, 129])
    if cat == "mid":
        return d.int(17, 600)
    if cat == "large":
        return d.int(601, 4000)
    if cat == "huge":
        return d.int(12000, 20000)
    raise AssertionError(cat)


def shape_any(d, min_ndim=0, max_ndim=5, cat=None):
    """A generic shape of 0-D to 5-D with numel from the size classes."""
    if cat is None:
        cat = d.weighted(TUNING["numel"])
    if cat == "scalar":
        if min_ndim == 0:
            return []
        cat = "tiny"
    ndims = {0: 2, 1: 20, 2: 35, 3: 20, 4: 16, 5: 7}
    ndim = d.weighted({k: w for k, w in ndims.items() if min_ndim <= k <= max_ndim and k > 0})
    if cat == "zero":
        dims = split_numel(d, d.int(1, 40), ndim)
        dims[d.int(0, ndim - 1)] = 0
        return dims
    return split_numel(d, draw_numel(d, cat), ndim)


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def size_pick(d, lo, hi):
    """A layer width: small ints, powers of two, or anything in range."""
    k = d.weighted({"small": 35, "pow2": 30, "any": 35})
    if k == "small":
        v = d.int(1, 8)
    elif k == "pow2":
        v = 2 ** d.int(0, 9)
    else:
        v = d.int(lo, hi)
    return max(lo, min(hi, v))


def shape_weight(d, cap=4000, zero_p=0.0, min_ndim=2):
    """A parameter shape: Linear (out, in), Conv (out, in, k...), generic."""
    if d.chance(0.01):
        cap = 20000
    kind = d.weighted({"linear": 40, "conv1d": 15, "conv2d": 25, "conv3d": 8, "generic": 12})
    shape = None
    for _ in range(60):
        if kind == "linear":
            shape = [size_pick(d, 1, 300), size_pick(d, 1, 300)]
        elif kind.startswith("conv"):
            nd = int(kind[4])
            k = d.pick([1, 2, 3, 3, 3, 5, 7])
            ks = [k] * nd if d.chance(0.8) else [d.pick([1, 2, 3, 5]) for _ in range(nd)]
            shape = [size_pick(d, 1, 64), size_pick(d, 1, 64)] + ks
        else:
            shape = shape_any(d, min_ndim=min_ndim, max_ndim=5, cat=d.pick(["tiny", "sixteen", "boundary", "mid", "large"]))
        if numel(shape) <= cap:
            break
    else:
        shape = [d.int(1, 8), d.int(1, 8)]
    if zero_p and d.chance(zero_p):
        shape[d.int(0, len(shape) - 1)] = 0
    return shape


VIEW_CHOICES = {
    0: {"select": 1},
    1: {"slice": 3, "select": 1},
    2: {"t": 3, "transpose": 2, "slice": 3, "select": 1},
    3: {"permute": 3, "transpose": 2, "slice": 3, "select": 1},
    4: {"permute": 4, "transpose": 1, "slice": 2, "select": 1},
    5: {"permute": 4, "transpose": 1, "slice": 2, "select": 1},
}


def invert_view_op(d, shape, kind):
    """Returns (pre_shape, op) such that applying op to a tensor of
    pre_shape gives a tensor of `shape`."""
    n = len(shape)
    if kind == "t":
        return shape[::-1], ["t"]
    if kind == "transpose":
        d0, d1 = d.int(0, n - 1), d.int(0, n - 1)
        while d1 == d0:
            d1 = d.int(0, n - 1)
        pre = list(shape)
        pre[d0], pre[d1] = pre[d1], pre[d0]
        return pre, ["transpose", d0, d1]
    if kind == "permute":
        if d.chance(0.6):  # channels-last style: storage (N, ..., C)
            dims = [0, n - 1] + list(range(1, n - 1))
        else:
            dims = list(range(n))
            while dims == list(range(n)):
                d.shuffle(dims)
        pre = [0] * n
        for i, src in enumerate(dims):
            pre[src] = shape[i]
        return pre, ["permute", dims]
    if kind == "slice":
        dim = d.int(0, n - 1)
        size = shape[dim]
        step = d.pick([1, 1, 2, 2, 3, 4])
        start = d.int(0, 3)
        if size == 0:
            stop = start
        else:
            stop = start + (size - 1) * step + 1 + d.int(0, step - 1)
        pre = list(shape)
        pre[dim] = stop + d.int(0, 3)
        return pre, ["slice", dim, start, stop, step]
    if kind == "select":
        dim = d.int(0, n)
        m = d.int(1, 4)
        pre = list(shape[:dim]) + [m] + list(shape[dim:])
        return pre, ["select", dim, d.int(0, m - 1)]
    raise AssertionError(kind)


def make_view(d, shape):
    """A base shape and view ops giving a view of `shape`."""
    ops = []
    cur = list(shape)
    for depth in range(2):
        if len(cur) not in VIEW_CHOICES or (depth == 1 and not d.chance(0.25)):
            break
        kind = d.weighted(VIEW_CHOICES[len(cur)])
        cur, op = invert_view_op(d, cur, kind)
        ops.insert(0, op)
    if numel(cur) > 60000:
        return list(shape), []
    return cur, ops


def apply_view(t, ops):
    for op in ops:
        k = op[0]
        if k == "t":
            t = t.t()
        elif k == "transpose":
            t = t.transpose(op[1], op[2])
        elif k == "permute":
            t = t.permute(*op[1])
        elif k == "slice":
            dim, start, stop, step = op[1:]
            t = t[(slice(None),) * dim + (slice(start, stop, step),)]
        elif k == "select":
            t = t.select(op[1], op[2])
        else:
            raise ValueError(f"unknown view op {op!r}")
    return t


def view_result_shape(shape, ops):
    """Shape after the view ops (for generation-time checks)."""
    cur = list(shape)
    for op in ops:
        k = op[0]
        if k == "t":
            cur = cur[::-1]
        elif k == "transpose":
            cur[op[1]], cur[op[2]] = cur[op[2]], cur[op[1]]
        elif k == "permute":
            cur = [cur[i] for i in op[1]]
        elif k == "slice":
            dim, start, stop, step = op[1:]
            cur[dim] = len(range(cur[dim])[start:stop:step])
        elif k == "select":
            del cur[op[1]]
    return cur


# ===========================================================================
# Rendering calls
# ===========================================================================
def P(name, text, mode="auto"):
    """A parameter: name, source text (None = omitted), mode auto/pos/kw."""
    return {"name": name, "text": text, "mode": mode}


def render_call(d, fname, params, bare_ok=True):
    pos, kws = [], []
    positional = True
    for p in params:
        if p["text"] is None:
            positional = False
            continue
        if p["mode"] == "pos" or (p["mode"] == "auto" and positional and d.chance(0.55)):
            pos.append(p["text"])
        else:
            positional = False
            kws.append(f"{p['name']}={p['text']}")
    d.shuffle(kws)
    args = pos + kws
    if not args and bare_ok and d.chance(0.3):
        return fname
    return f"{fname}({', '.join(args)})"


def gain_param(d, p_present):
    """The gain parameter (possibly omitted) and a tag naming its kind."""
    if not d.chance(p_present):
        return P("gain", None), "gain=omit"
    k, text = gain_text(d)
    return P("gain", text), "gain=" + k


def gain_text(d):
    """A gain argument: (kind, text).  'neg' is valid Python but makes
    xavier_* fail in PyTorch (from > to, or std < 0)."""
    k = d.weighted({"float": 40, "int": 12, "sqrt": 15, "cg": 20, "tiny": 5, "big": 5, "neg": 3})
    return k, _gain_text(d, k)


def _gain_text(d, k):
    if k == "float":
        return flit(d.pos(-1, 0))
    if k == "int":
        return str(d.int(0, 3))
    if k == "sqrt":
        return d.pick(["math.sqrt(2)", "math.sqrt(2.0)", "math.sqrt(5)", "math.sqrt(3)", "math.sqrt(0.5)"])
    if k == "cg":
        prefix = d.weighted(TUNING["prefix"])
        nl = d.pick(NONLINEARITIES)
        if nl == "leaky_relu" and d.chance(0.6):
            return f"{prefix}calculate_gain({strlit(nl)}, {flit(d.nice(-2, -1))})"
        return f"{prefix}calculate_gain({strlit(nl)})"
    if k == "tiny":
        return flit(d.pos(-9, -4))
    if k == "big":
        return flit(d.pos(1, 3))
    return flit(-d.pos(-1, 0))


# Generic TypeError variants, shared by all nn.init functions.
BOGUS_KEYWORDS = ["low", "high", "sigma", "gain2", "negative_slope", "fan", "value", "seed", "groups_", "p"]


def generic_type_error(d, params, required_names=()):
    """Mutates params to make the call raise a TypeError in Python's
    argument binding.  Returns a tag."""
    kinds = {"unexpected_kw": 5, "too_many_pos": 4, "dup_tensor": 1}
    if required_names:
        kinds["missing_required"] = 4
    k = d.weighted(kinds)
    if k == "unexpected_kw":
        params.append(P(d.pick(BOGUS_KEYWORDS), flit(d.nice(-2, 0)), "kw"))
    elif k == "too_many_pos":
        for p in params:
            if p["text"] is None:
                p["text"] = flit(d.nice(-1, 0)) if p["name"] not in ("mode", "nonlinearity") else strlit("fan_in" if p["name"] == "mode" else "relu")
            p["mode"] = "pos"
        # Two more than any version takes (the generator slot included).
        for _ in range(2 + (1 if d.chance(0.3) else 0)):
            params.append(P("extra", flit(d.nice(-1, 0)), "pos"))
    elif k == "dup_tensor":
        params.append(P("tensor", flit(d.nice(-1, 0)), "kw"))
    else:
        for p in params:
            if p["name"] in required_names:
                p["text"] = None
    return "type:" + k


# ===========================================================================
# Per-function generators: gen(d, err, dtype[, shape]) returns a dict with
#   params  the call's parameters (see P), in signature order
#   shape   the shape of t (the tensor the function receives)
#   dtype   the dtype (the drawn one, or one an error variant needs)
#   tag     "function/variant", informational
# ===========================================================================
def gen_uniform(d, err, dtype):
    shape = shape_any(d)
    a = b = None
    tag = ""
    if not err:
        style = d.weighted({"default": 6, "sym": 25, "asym": 20, "tiny": 6, "huge": 5,
                            "pow2": 8, "equal": 3, "ints": 8, "only_b": 5, "only_a": 4, "full": 8})
        tag = style
        if style == "sym":
            bound = d.pos(-4, 1)
            a, b = flit(-bound), flit(bound)
        elif style == "asym":
            lo = d.signed(-3, 1)
            a, b = flit(lo), flit(lo + d.pos(-3, 1))
        elif style == "tiny":
            lo = d.signed(-2, 0)
            hi = lo + d.pos(-12, -6)
            a, b = flit(lo), flit(hi)
        elif style == "huge":
            e = 4 if dtype == "float16" else (30 if dtype in ("float32", "bfloat16") else 200)
            bound = d.pos(3, e - 1)
            if dtype == "float16":
                bound = min(bound, 30000.0)
            a, b = (flit(-bound), flit(bound)) if d.chance(0.6) else (flit(0.0), flit(bound))
        elif style == "pow2":
            k = d.int(-6, 4)
            a, b = (flit(-2.0 ** k), flit(2.0 ** k)) if d.chance(0.5) else (flit(0.0), flit(2.0 ** k))
        elif style == "equal":
            v = d.signed(-2, 1)
            a = b = flit(v)
        elif style == "ints":
            lo = d.int(-5, 3)
            a, b = str(lo), str(lo + d.int(1, 6))
        elif style == "only_b":
            b = flit(d.pos(-1, 1))
        elif style == "only_a":
            a = flit(-d.pos(-1, 1))
        elif style == "full":
            lo = d.signed(-3, 0)
            a, b = flit(lo), flit(lo + d.rough(-2, 0))
        params = [P("a", a), P("b", b)]
    else:
        variant = d.weighted({"a_gt_b": 6, "range_overflow": 2, "out_of_bounds": 2, "generic": 3})
        tag = "error:" + variant
        if variant == "a_gt_b":
            hi = d.signed(-2, 1)
            a, b = flit(hi + d.pos(-3, 0)), flit(hi)
            params = [P("a", a), P("b", b)]
        elif variant == "range_overflow":
            dtype = d.pick(["float32", "float64"])
            m = 3.0e38 if dtype == "float32" else 1.7e308
            params = [P("a", flit(-m)), P("b", flit(m))]
        elif variant == "out_of_bounds":
            dtype = "float16"
            params = [P("a", flit(-d.pick([7e4, 1e5, 1e6]))), P("b", flit(1.0))]
        else:
            params = [P("a", flit(-0.5) if d.chance(0.5) else None), P("b", flit(0.5) if d.chance(0.5) else None)]
            tag = generic_type_error(d, params)
    return {"params": params, "shape": shape, "tag": "uniform_/" + tag, "dtype": dtype}


def gen_normal(d, err, dtype, shape=None):
    shape = shape if shape is not None else shape_any(d)
    if not err:
        mk = d.weighted({"default": 40, "value": 45, "int": 10, "zero_minus": 5})
        mean = None if mk == "default" else (flit(d.signed(-3, 1)) if mk == "value" else
                                             (str(d.int(-3, 3)) if mk == "int" else flit(-0.0)))
        sk = d.weighted({"default": 30, "value": 55, "zero": 6, "int": 9})
        std = None if sk == "default" else (flit(d.pos(-4, 1)) if sk == "value" else
                                            (num(d, 0.0) if sk == "zero" else str(d.int(1, 4))))
        tag = f"mean={mk},std={sk}"
        params = [P("mean", mean), P("std", std)]
    else:
        variant = d.weighted({"std_neg": 7, "generic": 3})
        tag = "error:" + variant
        if variant == "std_neg":
            params = [P("mean", flit(d.signed(-2, 0)) if d.chance(0.5) else None),
                      P("std", flit(-d.pos(-3, 0)))]
        else:
            params = [P("mean", flit(0.0) if d.chance(0.5) else None),
                      P("std", flit(d.pos(-2, 0)) if d.chance(0.5) else None)]
            tag = generic_type_error(d, params)
    return {"params": params, "shape": shape, "tag": "normal_/" + tag, "dtype": dtype}


def gen_trunc_normal(d, err, dtype):
    shape = shape_any(d)
    if not err:
        regime = d.weighted({"default": 8, "vit": 12, "wide": 30, "narrow": 30, "far": 12, "mean_only": 8})
        mean = std = a = b = None
        if regime == "vit":
            std = flit(d.pick([0.02, 0.01, 0.002, 0.05]))
        elif regime == "mean_only":
            mean = flit(d.signed(-1, 0))
            std = flit(d.pos(-1, 0)) if d.chance(0.5) else None
        elif regime in ("wide", "narrow", "far"):
            m = 0.0 if d.chance(0.4) else d.signed(-2, 0)
            s = 1.0 if d.chance(0.3) else d.pos(-2, 0)
            if regime == "wide":
                lo_k, hi_k = d.uniform(0.5, 3.0), d.uniform(0.5, 3.0)
                lo, hi = m - lo_k * s, m + hi_k * s
                if d.chance(0.3):  # round window ends to few digits
                    lo, hi = float(f"{lo:.2g}"), float(f"{hi:.2g}")
                    if not lo < m < hi:
                        lo, hi = m - s, m + s
            elif regime == "narrow":
                u = d.uniform(-3.0, 2.5)
                w = d.uniform(0.05, 1.2)
                if d.chance(0.3):
                    u, w = d.pick([(1.0, 0.5), (-1.5, 0.5), (2.0, 1.0), (0.5, 0.25), (-0.25, 0.5)])
                lo = m + u * s
                hi = lo + w * s
            else:  # far: mean more than 2 std outside [a, b] (warns)
                u = d.uniform(2.1, 6.0)
                w = d.uniform(0.1, 1.0)
                if d.chance(0.5):
                    lo = m + u * s
                    hi = lo + w * s
                else:
                    hi = m - u * s
                    lo = hi - w * s
            mean = flit(m) if (m != 0.0 or d.chance(0.5)) else None
            std = flit(s) if (s != 1.0 or d.chance(0.5)) else None
            a, b = flit(lo), flit(hi)
        params = [P("mean", mean), P("std", std), P("a", a), P("b", b)]
        tag = regime
    else:
        variant = d.weighted({"std_zero": 5, "a_gt_b": 3, "std_neg": 2, "half": 4, "generic": 3})
        tag = "error:" + variant
        if variant == "std_zero":
            params = [P("mean", flit(d.signed(-1, 0)) if d.chance(0.5) else None), P("std", num(d, 0.0)),
                      P("a", None), P("b", None)]
        elif variant == "a_gt_b":
            params = [P("mean", None), P("std", None), P("a", flit(d.pos(-1, 0))), P("b", flit(-d.pos(-1, 0)))]
        elif variant == "std_neg":
            params = [P("mean", None), P("std", flit(-d.pos(-1, 0))), P("a", None), P("b", None)]
        elif variant == "half":  # may or may not fail, depending on the version
            dtype = d.pick(["float16", "bfloat16"])
            params = [P("mean", None), P("std", flit(d.pick([1.0, 0.02, 0.5]))), P("a", None), P("b", None)]
        else:
            params = [P("mean", None), P("std", flit(0.5) if d.chance(0.5) else None), P("a", None), P("b", None)]
            tag = generic_type_error(d, params)
    return {"params": params, "shape": shape, "tag": "trunc_normal_/" + tag, "dtype": dtype}


def gen_constant(d, err, dtype):
    shape = shape_any(d)
    if not err:
        k = d.weighted({"float": 45, "int": 20, "zero": 8, "neg": 12, "big": 5, "tiny": 5, "bool": 3, "sqrt": 2})
        if k == "float":
            v = flit(d.pos(-3, 1))
        elif k == "int":
            v = str(d.int(-10, 100))
        elif k == "zero":
            v = d.pick(["0", "0.0", "-0.0"])
        elif k == "neg":
            v = flit(-d.pos(-3, 1))
        elif k == "big":
            v = flit(d.pos(3, 4) if dtype == "float16" else d.pos(5, 37))
            if dtype == "float16":
                v = flit(min(float(v), 60000.0))
        elif k == "tiny":
            v = flit(d.pos(-30, -8))
        elif k == "bool":
            v = d.pick(["True", "False"])
        else:
            v = d.pick(["math.sqrt(2)", "-math.sqrt(5)", "math.pi", "math.e"])
        params = [P("val", v)]
        tag = k
    else:
        variant = d.weighted({"f16_overflow": 4, "missing": 4, "generic": 3})
        tag = "error:" + variant
        if variant == "f16_overflow":
            dtype = "float16"
            params = [P("val", flit(d.pick([1e5, 65520.0, 1e10, -7e4])))]
        elif variant == "missing":
            params = [P("val", None)]
        else:
            params = [P("val", flit(d.pos(-1, 0)))]
            tag = generic_type_error(d, params, required_names=("val",))
    return {"params": params, "shape": shape, "tag": "constant_/" + tag, "dtype": dtype}


def gen_fill(name):
    def gen(d, err, dtype):
        shape = shape_any(d)
        params = []
        tag = "plain"
        if err:
            tag = generic_type_error(d, params)
        return {"params": params, "shape": shape, "tag": name + "/" + tag, "dtype": dtype}
    return gen


def gen_eye(d, err, dtype):
    if not err:
        r = d.int(0, 70) if d.chance(0.1) else d.int(1, 70)
        c = r if d.chance(0.3) else (d.int(0, 70) if d.chance(0.1) else d.int(1, 70))
        return {"params": [], "shape": [r, c], "tag": "eye_/2d", "dtype": dtype}
    variant = d.weighted({"ndim": 7, "generic": 3})
    if variant == "ndim":
        ndim = d.pick([0, 1, 3, 3, 4])
        shape = [d.int(1, 6) for _ in range(ndim)]
        return {"params": [], "shape": shape, "tag": f"eye_/error:{ndim}d", "dtype": dtype}
    params = []
    tag = generic_type_error(d, params)
    return {"params": params, "shape": [d.int(1, 8), d.int(1, 8)], "tag": "eye_/" + tag, "dtype": dtype}


def gen_dirac(d, err, dtype):
    ndim = d.pick([3, 4, 4, 5])
    groups = d.weighted({1: 50, 2: 25, 3: 12, 4: 13})
    opg = size_pick(d, 1, 24)
    inch = size_pick(d, 1, 24)
    ks = [d.pick([1, 2, 3, 3, 5]) for _ in range(ndim - 2)]
    shape = [groups * opg, inch] + ks
    if numel(shape) > 6000:
        shape = [groups * d.int(1, 4), d.int(1, 4)] + [3] * (ndim - 2)
    if d.chance(0.04):
        shape[d.int(0, ndim - 1)] = 0
    if not err:
        if groups == 1 and d.chance(0.5):
            g = None
        else:
            g = str(groups)
        zero = ",zero" if 0 in shape else ""
        return {"params": [P("groups", g)], "shape": shape, "tag": f"dirac_/{ndim}d,groups={groups}{zero}", "dtype": dtype}
    variant = d.weighted({"ndim": 4, "groups": 4, "groups_zero": 1, "generic": 3})
    if variant == "ndim":
        nd = d.pick([0, 1, 2, 2, 6])
        return {"params": [P("groups", None if d.chance(0.5) else "1")],
                "shape": [d.int(1, 4) for _ in range(nd)], "tag": f"dirac_/error:{nd}d", "dtype": dtype}
    if variant == "groups":
        shape[0] = max(1, shape[0])
        bad = d.int(2, 7)
        while shape[0] % bad == 0:
            bad += 1
        return {"params": [P("groups", str(bad))], "shape": shape, "tag": "dirac_/error:groups", "dtype": dtype}
    if variant == "groups_zero":
        return {"params": [P("groups", "0")], "shape": shape, "tag": "dirac_/error:groups_zero", "dtype": dtype}
    params = [P("groups", None)]
    tag = generic_type_error(d, params)
    return {"params": params, "shape": shape, "tag": "dirac_/" + tag, "dtype": dtype}


def fan_error_shape(d):
    return d.pick([[], [d.int(1, 40)], [d.int(1, 40)], [0], [16]])


def gen_xavier(name):
    def gen(d, err, dtype, shape=None):
        if not err:
            shape = shape if shape is not None else shape_weight(d, zero_p=0.04)
            gp, tag = gain_param(d, 0.6)
            params = [gp]
            if 0 in shape:
                tag += ",zero"
        else:
            variant = d.weighted({"ndim": 6, "zero_fans": 2, "generic": 3})
            params = [gain_param(d, 0.4)[0]]
            if variant == "ndim":
                shape = fan_error_shape(d)
                tag = f"error:{len(shape)}d"
            elif variant == "zero_fans":  # fan_in + fan_out == 0
                shape = d.pick([[0, 0], [3, 4, 0], [0, 0, 3], [2, 5, 0, 3]])
                tag = "error:zero_fans"
            else:
                shape = shape_weight(d)
                tag = generic_type_error(d, params)
        return {"params": params, "shape": shape, "tag": name + "/" + tag, "dtype": dtype}
    return gen


def gen_kaiming(name):
    def gen(d, err, dtype, shape=None):
        ak = d.weighted({"omit": 30, "zero": 8, "int": 8, "float": 25, "sqrt5": 15, "none": 8, "neg": 6})
        a = {"omit": None, "zero": d.pick(["0", "0.0"]), "int": str(d.int(1, 3)),
             "float": flit(d.pos(-3, 0)), "sqrt5": "math.sqrt(5)", "none": "None",
             "neg": flit(-d.pos(-2, 0))}[ak]
        mk = d.weighted({"omit": 40, "fan_in": 25, "fan_out": 25, "FAN_IN": 5, "Fan_Out": 5})
        mode = None if mk == "omit" else strlit(mk)
        nk = d.weighted({"omit": 30, "pick": 70})
        nl = None if nk == "omit" else d.pick(NONLINEARITIES)
        tag = f"a={ak},mode={mk},nl={nl or 'omit'}"
        if not err:
            shape = shape if shape is not None else shape_weight(d, zero_p=0.04)
            if 0 in shape:
                tag += ",zero"
        else:
            variant = d.weighted({"ndim": 5, "fan_avg": 3, "gelu": 3, "slope_bool": 2, "slope_str": 2, "generic": 3})
            shape = shape_weight(d)
            tag = "error:" + variant
            if variant == "ndim":
                shape = fan_error_shape(d)
                tag += f":{len(shape)}d" + (",zero" if 0 in shape else "")
            elif variant == "fan_avg":
                mode = strlit(d.pick(["fan_avg", "fan", "in", "FAN_AVG"]))
            elif variant == "gelu":
                nl = d.pick(["gelu", "silu", "ReLU", "softplus", "identity"])
            elif variant == "slope_bool":
                a = d.pick(["True", "False"])
                nl = "leaky_relu" if d.chance(0.6) else None
            elif variant == "slope_str":
                a = d.pick(["'x'", "'0.1'", "'a'"])
                nl = "leaky_relu" if d.chance(0.6) else None
        params = [P("a", a), P("mode", mode), P("nonlinearity", None if nl is None else strlit(nl))]
        if err and tag == "error:generic":
            tag = generic_type_error(d, params)
        return {"params": params, "shape": shape, "tag": name + "/" + tag, "dtype": dtype}
    return gen


def gen_orthogonal(d, err, dtype):
    if not err:
        k = d.weighted({"square": 30, "tall": 25, "wide": 25, "conv": 15, "zero": 3, "vector": 2})
        if k == "square":
            n = d.int(1, 60)
            shape = [n, n]
        elif k == "tall":
            c = d.int(1, 40)
            shape = [d.int(c + 1, 100), c]
        elif k == "wide":
            r = d.int(1, 40)
            shape = [r, d.int(r + 1, 100)]
        elif k == "conv":
            shape = [size_pick(d, 1, 32), size_pick(d, 1, 32)] + [d.pick([1, 3, 5])] * d.int(1, 3)
            if numel(shape) > 4000:
                shape = [d.int(2, 16), d.int(1, 8), 3, 3]
        elif k == "zero":
            shape = d.pick([[0, 5], [5, 0], [0, 0], [3, 0, 2]])
        else:
            shape = d.pick([[1, d.int(1, 50)], [d.int(1, 50), 1]])
        gp, gtag = gain_param(d, 0.5)
        # 16-bit dtypes fail in QR: they are the "half" error variant.
        if dtype in ("float16", "bfloat16"):
            dtype = "float32" if d.chance(0.75) else "float64"
        return {"params": [gp], "shape": shape, "tag": f"orthogonal_/{k},{gtag}", "dtype": dtype}
    variant = d.weighted({"ndim": 5, "half": 5, "generic": 3})
    params = [gain_param(d, 0.4)[0]]
    shape = [d.int(1, 20), d.int(1, 20)]
    if variant == "ndim":
        shape = d.pick([[], [d.int(1, 30)], [0]])
        tag = f"error:{len(shape)}d"
    elif variant == "half":
        dtype = d.pick(["float16", "bfloat16"])
        tag = "error:half"
    else:
        tag = generic_type_error(d, params)
    return {"params": params, "shape": shape, "tag": "orthogonal_/" + tag, "dtype": dtype}


def gen_sparse(d, err, dtype):
    rows, cols = size_pick(d, 1, 100), size_pick(d, 1, 60)
    if d.chance(0.04):
        rows, cols = d.pick([(0, 5), (5, 0), (0, 0)])
    sk = d.weighted({"frac": 60, "nice": 20, "zero": 5, "one": 5, "above_one": 3, "negative": 2, "int": 5})
    sparsity = {"frac": flit(d.uniform(0.0, 1.0)), "nice": flit(d.pick([0.1, 0.2, 0.25, 0.5, 0.75, 0.9, 0.99])),
                "zero": d.pick(["0", "0.0"]), "one": d.pick(["1", "1.0"]), "above_one": flit(d.uniform(1.0, 2.0)),
                "negative": flit(-d.uniform(0.0, 1.0)), "int": "1"}[sk]
    std = None if d.chance(0.5) else (flit(d.pos(-4, 0)) if d.chance(0.9) else "0.0")
    params = [P("sparsity", sparsity), P("std", std)]
    shape = [rows, cols]
    tag = "sparsity=" + sk
    if err:
        variant = d.weighted({"ndim": 5, "missing": 3, "generic": 3})
        tag = "error:" + variant
        if variant == "ndim":
            shape = d.pick([[], [d.int(1, 20)], [d.int(1, 6), d.int(1, 6), d.int(1, 6)], [2, 3, 4, 5]])
            tag += f":{len(shape)}d"
        elif variant == "missing":
            params[0]["text"] = None
            if std is not None:
                params[1]["mode"] = "kw"
        else:
            tag = generic_type_error(d, params, required_names=("sparsity",))
    return {"params": params, "shape": shape, "tag": "sparse_/" + tag, "dtype": dtype}


GENERATORS = {
    "uniform_": gen_uniform,
    "normal_": gen_normal,
    "trunc_normal_": gen_trunc_normal,
    "constant_": gen_constant,
    "ones_": gen_fill("ones_"),
    "zeros_": gen_fill("zeros_"),
    "eye_": gen_eye,
    "dirac_": gen_dirac,
    "xavier_uniform_": gen_xavier("xavier_uniform_"),
    "xavier_normal_": gen_xavier("xavier_normal_"),
    "kaiming_uniform_": gen_kaiming("kaiming_uniform_"),
    "kaiming_normal_": gen_kaiming("kaiming_normal_"),
    "orthogonal_": gen_orthogonal,
    "sparse_": gen_sparse,
}
REVERSE_ALIASES = {v: k for k, v in ALIASES.items()}


# ===========================================================================
# Expression grammar (checked at generation time, see README.md):
#   call  := FUNC | FUNC '(' [arg {',' arg}] [',' kw {',' kw}] ')'
#   FUNC  := [ 'nn.init.' | 'torch.nn.init.' ] NAME      (a torch.nn.init function)
#   kw    := IDENT '=' arg
#   arg   := NUMBER | STRING | True | False | None | '-' arg
#          | 'math.sqrt(' arg ')' | 'math.pi' | 'math.e'
#          | [prefix] 'calculate_gain(' STRING [',' arg] ')'
# ===========================================================================
def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _init_name(dotted):
    for prefix in ("torch.nn.init.", "nn.init.", ""):
        if dotted.startswith(prefix):
            name = dotted[len(prefix):]
            if "." not in name and callable(getattr(torch.nn.init, name, None)) and not name.startswith("_"):
                return name
    return None


def check_arg(node):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float, str)) or node.value is None:
            return
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return check_arg(node.operand)
    elif isinstance(node, ast.Attribute) and _dotted(node) in ("math.pi", "math.e"):
        return
    elif isinstance(node, ast.Call) and not node.keywords:
        name = _dotted(node.func)
        if name == "math.sqrt" and len(node.args) == 1:
            return check_arg(node.args[0])
        if name is not None and _init_name(name) == "calculate_gain" and 1 <= len(node.args) <= 2 \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            for a in node.args[1:]:
                check_arg(a)
            return
    raise AssertionError(f"argument outside the grammar: {ast.dump(node)}")


def parse_expr(expr):
    """Returns (function name, ast.Call-or-None)."""
    node = ast.parse(expr, mode="eval").body
    call = node if isinstance(node, ast.Call) else None
    fnode = call.func if call else node
    dotted = _dotted(fnode)
    name = _init_name(dotted) if dotted else None
    if name is None:
        raise ValueError(f"not a torch.nn.init function: {expr!r}")
    return name, call


def check_expr(expr):
    name, call = parse_expr(expr)
    if call:
        for a in call.args:
            check_arg(a)
        for k in call.keywords:
            if k.arg is None:
                raise AssertionError("**kwargs")
            check_arg(k.value)
    return name


# ===========================================================================
# Case generation
# ===========================================================================
def pick_dtype(d):
    return d.weighted(TUNING["dtypes"])


def init_step(d, fn, case_has_gen, err=None, shape=None, view=None, alias=None):
    """Builds an init step for nn.init function fn."""
    if err is None:
        err = d.chance(TUNING["p_error"])
    dtype = pick_dtype(d)
    gen = GENERATORS[fn]
    if shape is not None:
        spec = gen(d, False, dtype, shape=shape)
    else:
        spec = gen(d, err, dtype)
    use_alias = alias if alias is not None else (fn in REVERSE_ALIASES and d.chance(TUNING["p_alias"]))
    name = REVERSE_ALIASES[fn] if use_alias and fn in REVERSE_ALIASES else fn
    prefix = d.weighted(TUNING["prefix"])
    expr = render_call(d, prefix + name, spec["params"])
    want_view = view if view is not None else d.chance(TUNING["p_view"])
    base, ops = list(spec["shape"]), []
    if want_view and numel(spec["shape"]) <= 20000:
        base, ops = make_view(d, spec["shape"])
        assert view_result_shape(base, ops) == list(spec["shape"]), (base, ops, spec["shape"])
    assert check_expr(expr) == name
    return {
        "kind": "init",
        "expr": expr,
        "dtype": spec["dtype"],
        "shape": base,
        "view": ops,
        "generator": bool(case_has_gen and _accepts_generator(name)),
        "tag": spec["tag"] + ("/alias" if name != fn else "") + ("/view" if ops else ""),
    }


def random_step(d, kind, size_cat=None):
    if kind == "randn":
        cat = size_cat or d.weighted({"tiny": 45, "sixteen": 8, "boundary": 15, "mid": 20, "large": 8, "zero": 2, "scalar": 2})
        return {"kind": "randn", "shape": shape_any(d, cat=cat)}
    if kind == "rand":
        cat = size_cat or d.weighted({"tiny": 35, "sixteen": 5, "boundary": 15, "mid": 30, "large": 12, "zero": 3})
        return {"kind": "rand", "shape": shape_any(d, cat=cat), "dtype": pick_dtype(d)}
    if kind == "randperm":
        k = d.weighted({"trivial": 8, "small": 50, "mid": 35, "large": 7})
        n = {"trivial": d.int(0, 2), "small": d.int(3, 64), "mid": d.int(65, 1000), "large": d.int(1001, 6000)}[k]
        return {"kind": "randperm", "n": n}
    raise AssertionError(kind)


def draw_seed(d):
    k = d.weighted({"small": 40, "u32": 25, "neg": 10, "big": 10, "special": 15})
    if k == "small":
        return d.int(0, 1000)
    if k == "u32":
        return d.bits(32)
    if k == "neg":
        return -d.int(1, 2 ** 63)
    if k == "big":
        return d.int(2 ** 32, 2 ** 64 - 1)
    return d.pick([0, 1, 42, -1, 2 ** 32, 2 ** 32 + 42, 2 ** 64 - 1, -2 ** 63, 2 ** 63, 2 ** 63 - 1, 67280421310721])


def step_kind_table(only):
    table = dict(TUNING["step_kinds"])
    if only:
        wanted = {ALIASES.get(n, n) for n in only}
        table = {k: w for k, w in table.items() if k in wanted}
    return table


def cache_case_steps(d, case_has_gen):
    """small normal -> big normal-ish -> small normal."""
    def small():
        k = d.weighted({"randn": 30, "normal_": 30, "kaiming_normal_": 15, "xavier_normal_": 10, "view_normal_": 15})
        if k == "randn":
            return random_step(d, "randn", size_cat="tiny")
        if k == "normal_":
            return init_step(d, "normal_", case_has_gen, err=False, shape=shape_any(d, cat="tiny"), view=False)
        if k == "view_normal_":
            return init_step(d, "normal_", case_has_gen, err=False, shape=shape_any(d, min_ndim=2, cat="mid"), view=True)
        r = d.int(1, 5)
        return init_step(d, k, case_has_gen, err=False, shape=[r, d.int(1, 15 // r)], view=False)

    def big():
        k = d.weighted({"randn": 30, "normal_": 30, "kaiming_normal_": 15, "randperm": 10, "rand": 15})
        if k in ("randn", "rand"):
            return random_step(d, k, size_cat=d.pick(["sixteen", "boundary", "mid", "large"]))
        if k == "randperm":
            return random_step(d, k)
        shape = shape_any(d, min_ndim=2 if k != "normal_" else 1, cat=d.pick(["sixteen", "boundary", "mid", "large"]))
        return init_step(d, k, case_has_gen, err=False, shape=shape, view=False)

    return [small(), big(), small()]


def generate_case(seed, i, only):
    d = Draw(f"nninit-torch-oracle:{seed}:{i}")
    case_seed = draw_seed(d)
    gen_seed = draw_seed(d)
    has_gen = d.chance(TUNING["p_generator"]) and FEATURES["generator"]
    table = step_kind_table(only)
    if not only and d.chance(TUNING["p_cache_case"]):
        steps = cache_case_steps(d, has_gen)
    else:
        nsteps = d.weighted(TUNING["steps_per_case"])
        steps = []
        for _ in range(nsteps):
            kind = d.weighted(table)
            if kind in RANDOM_KINDS:
                steps.append(random_step(d, kind))
            else:
                alias = True if (only and kind in REVERSE_ALIASES and REVERSE_ALIASES[kind] in only
                                 and kind not in only) else None
                steps.append(init_step(d, kind, has_gen, alias=alias))
    return {"id": i, "seed": case_seed, "generator_seed": gen_seed if has_gen else None, "steps": steps}


# ===========================================================================
# Running a case in PyTorch
# ===========================================================================
def tensor_hex(t):
    """Bytes of t's values in logical row-major order, as hex."""
    # A fresh tensor has standard strides (contiguous() may keep odd strides
    # on size-1 dimensions, which view(uint8) rejects).
    flat = torch.empty(t.shape, dtype=t.dtype).copy_(t.detach()).reshape(-1)
    if flat.dtype != torch.uint8:
        flat = flat.view(torch.uint8)
    return bytes(flat.tolist()).hex()


def tensor_result(t):
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "hex": tensor_hex(t)}


def error_result(e):
    return {"error": {"type": type(e).__name__, "message": str(e)}}


_COMPILED = {}


def compile_init_call(expr, pass_generator):
    key = (expr, pass_generator)
    if key in _COMPILED:
        return _COMPILED[key]
    name, call = parse_expr(expr)
    args = list(call.args) if call else []
    keywords = list(call.keywords) if call else []
    new_args = [ast.Name(id="__t", ctx=ast.Load())] + args
    if pass_generator:
        keywords = keywords + [ast.keyword(arg="generator", value=ast.Name(id="__g", ctx=ast.Load()))]
    node = ast.Expression(body=ast.Call(func=ast.Name(id="__fn", ctx=ast.Load()), args=new_args, keywords=keywords))
    ast.fix_missing_locations(node)
    code = compile(node, "<nninit-case>", "eval")
    _COMPILED[key] = (getattr(torch.nn.init, name), code)
    return _COMPILED[key]


def run_step(step, g):
    kind = step["kind"]
    try:
        if kind == "init":
            fn, code = compile_init_call(step["expr"], step["generator"])
            base = torch.empty(step["shape"], dtype=DTYPES[step["dtype"]])
            t = apply_view(base, step["view"])
            env = {"__fn": fn, "__t": t, "__g": g, "math": math, "torch": torch, "nn": torch.nn,
                   "calculate_gain": torch.nn.init.calculate_gain}
            eval(code, env)
            return tensor_result(t)
        if kind == "randn":
            return tensor_result(torch.randn(step["shape"]))
        if kind == "rand":
            return tensor_result(torch.rand(step["shape"], dtype=DTYPES[step["dtype"]]))
        if kind == "randperm":
            return tensor_result(torch.randperm(step["n"]))
        raise ValueError(f"unknown step kind {kind!r}")
    except Exception as e:  # noqa: BLE001 - every failure is a result
        return error_result(e)


def state_hex(state):
    return bytes(state.tolist()).hex()


def run_case(case):
    torch.manual_seed(case["seed"])
    g = None
    if case["generator_seed"] is not None:
        g = torch.Generator()
        g.manual_seed(case["generator_seed"])
    results = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in case["steps"]:
            results.append(run_step(step, g))
    case["results"] = results
    case["warnings"] = [[w.category.__name__, str(w.message)] for w in caught]
    case["state"] = state_hex(torch.get_rng_state())
    if g is not None:
        case["generator_state"] = state_hex(g.get_state())
    return case


# ===========================================================================
# Main
# ===========================================================================
def step_label(step):
    if step["kind"] == "init":
        name = parse_expr(step["expr"])[0]
        return ALIASES.get(name, name)
    return step["kind"]


@contextlib.contextmanager
def atomic_output(path, prefix):
    """Yields a text file that becomes `path` only when the block completes: it is written as a temporary
    file in the same folder (created if needed), given the permissions a new file gets, and renamed into
    place; on any failure or interruption the temporary file is removed and `path` is left as it was."""
    out_dir = os.path.dirname(os.path.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None,
                    help="comma-separated step kinds: nn.init function names (an alias name forces the alias), randn, rand, randperm")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    only = None
    if args.only:
        only = [n.strip() for n in args.only.split(",") if n.strip()]
        known = set(TUNING["step_kinds"]) | set(ALIASES)
        bad = [n for n in only if n not in known]
        if bad:
            ap.error(f"unknown --only names: {', '.join(bad)} (known: {', '.join(sorted(known))})")

    header = {"format": FORMAT, "torch": torch.__version__,
              "capability": os.environ.get("ATEN_CPU_CAPABILITY", ""),
              "seed": args.seed, "count": args.count,
              "only": only, "python": sys.version.split()[0]}

    t_start = time.perf_counter()
    counts, errors, warn_counts = {}, {}, {}
    slowest = (0.0, None)
    with atomic_output(args.out, ".torch_oracle.") as f:
        f.write(json.dumps(header, separators=(",", ":")) + "\n")
        for i in range(args.count):
            case = generate_case(args.seed, i, only)
            t0 = time.perf_counter()
            run_case(case)
            dt = time.perf_counter() - t0
            if dt > slowest[0]:
                slowest = (dt, i)
            if dt > SLOW_CASE_S:
                print(f"warning: case {i} took {dt:.2f}s", file=sys.stderr)
            for step, res in zip(case["steps"], case["results"]):
                lab = step_label(step)
                counts[lab] = counts.get(lab, 0) + 1
                if "error" in res:
                    errors[lab] = errors.get(lab, 0) + 1
            for cat, _ in case["warnings"]:
                warn_counts[cat] = warn_counts.get(cat, 0) + 1
            f.write(json.dumps(case, separators=(",", ":")) + "\n")
    elapsed = time.perf_counter() - t_start
    if not args.quiet:
        print(f"torch {torch.__version__} capability={header['capability'] or '(auto)'} "
              f"seed={args.seed} count={args.count}: {elapsed:.1f}s, slowest case {slowest[1]} "
              f"{slowest[0]:.3f}s -> {args.out}", file=sys.stderr)
        for lab in sorted(counts):
            print(f"  {lab:18s} {counts[lab]:6d} steps, {errors.get(lab, 0):5d} errors", file=sys.stderr)
        print("  warnings: " + ", ".join(f"{k} {v}" for k, v in sorted(warn_counts.items())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
