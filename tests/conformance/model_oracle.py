#!/usr/bin/env python3
"""Generated model conformance cases for nninit, answered by a real PyTorch.

    model_oracle.py --seed S --count N --out FILE [--only KIND1,KIND2] [--quiet]
    model_oracle.py --seed S --show I          (prints case I as a PyTorch script)

Generates N random model cases from the seed S: a PyTorch constructor
expression (nested containers, every layer kind, random arguments, odd sizes,
about 10 % invalid), a dtype, and a rule set (PATTERN=EXPR, 0 to 4 rules).
Each case runs in the PyTorch that runs this script as the script below does
(--show prints it for one case), and the file records the state_dict, the
generator state after construction and after the rules, errors and warnings:

    torch.manual_seed(seed)
    model = eval(expr)                      # state_after_construction
    model.to(dtype)                         # only when the case has a dtype
    names = {id(p): n for n, p in model.named_parameters()}
    def init_fn(m):
        for pname, p in m.named_parameters(recurse=False):
            for rule in rules:              # the first matching rule wins
                if rule.matches(m, pname, names[id(p)]):
                    rule.apply(p)
                    break
    model.apply(init_fn)                    # state; then state_dict()

The C++ runner (model_conformance.cpp) replays every case with nninit's
expr::build_model and expr::apply_rules.  The file format is described in
README.md next to this script.

Case i is generated from its own random.Random keyed by (S, i) alone.  The
only thing that depends on the running PyTorch is the feature set (RMSNorm
from 2.4, bias= on LayerNorm and the transformer layers from 2.1, on GroupNorm
and the batch/instance norms later): the same random draws are made
everywhere, and a missing feature is left out or replaced by a stand-in.  The
rules are drawn from the built model's module types and parameter names, with
their own random.Random keyed by (S, i), so they follow from the expression.

Standard library and torch only (numpy, where present, only to speed up hex).
Runs unchanged on PyTorch 1.13 (Python 3.11), 2.6 (3.13) and 2.14 (3.14).
"""

import argparse
import ast
import decimal
import fnmatch
import importlib.util
import inspect
import json
import math
import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_oracle as tor  # noqa: E402  (Draw, draw_seed, literals, init-call compilation)

# numpy, where torch has it, only turns tensors into hex faster (Tensor.numpy()).
HAVE_NUMPY = importlib.util.find_spec("numpy") is not None

nn = torch.nn

# ===========================================================================
# Distribution of cases.  Tune here.  Weights are relative.
# ===========================================================================
TUNING = {
    # Every layer kind at a leaf position of the model tree.  "activation"
    # stands for the parameter-free modules of the next table.
    "layers": {
        "Linear": 14, "Bilinear": 2, "Identity": 2,
        "Conv1d": 4, "Conv2d": 6, "Conv3d": 2,
        "ConvTranspose1d": 2, "ConvTranspose2d": 3, "ConvTranspose3d": 1.5,
        "Embedding": 4, "EmbeddingBag": 2,
        "LayerNorm": 4, "GroupNorm": 2, "RMSNorm": 2,
        "BatchNorm1d": 2, "BatchNorm2d": 2, "BatchNorm3d": 1,
        "InstanceNorm1d": 1, "InstanceNorm2d": 1, "InstanceNorm3d": 1,
        "PReLU": 2,
        "RNN": 2, "LSTM": 3, "GRU": 2, "RNNCell": 1, "LSTMCell": 1.5, "GRUCell": 1,
        "MultiheadAttention": 3,
        "TransformerEncoderLayer": 2, "TransformerDecoderLayer": 2,
        "TransformerEncoder": 1.5, "TransformerDecoder": 1.5, "Transformer": 1,
        "activation": 16,
    },
    # Parameter-free modules (with their usual arguments).
    "activations": {
        "ReLU": 8, "LeakyReLU": 4, "Tanh": 4, "Sigmoid": 3, "GELU": 4, "SELU": 2, "SiLU": 3,
        "ELU": 2, "CELU": 1, "ReLU6": 1, "Mish": 1, "Hardswish": 1, "Hardsigmoid": 1,
        "Hardtanh": 1, "Softplus": 1, "Softmax": 3, "LogSoftmax": 1, "Softmin": 1, "GLU": 1,
        "Threshold": 1, "Hardshrink": 1, "Softshrink": 1, "Softsign": 1, "Tanhshrink": 1,
        "LogSigmoid": 1, "Softmax2d": 1, "RReLU": 1,
        "Dropout": 5, "Dropout1d": 1, "Dropout2d": 1, "Dropout3d": 1, "AlphaDropout": 1,
        "FeatureAlphaDropout": 1,
        "Flatten": 3, "Unflatten": 1,
        "MaxPool1d": 1, "MaxPool2d": 3, "MaxPool3d": 1, "AvgPool1d": 1, "AvgPool2d": 2,
        "AvgPool3d": 1, "AdaptiveAvgPool1d": 1, "AdaptiveAvgPool2d": 2, "AdaptiveAvgPool3d": 1,
        "AdaptiveMaxPool1d": 1, "AdaptiveMaxPool2d": 1, "AdaptiveMaxPool3d": 1,
    },
    # The model's top level.
    "top": {"layer": 30, "sequential": 48, "module_list": 12, "nested": 10},
    # Children of a Sequential / ModuleList.
    "children": {0: 2, 1: 12, 2: 22, 3: 24, 4: 16, 5: 12, 6: 8, 8: 4},
    # Chance that a child of a container is itself a container (depth <= 3).
    "p_container_child": 0.14,
    # Share of invalid models (the expression raises in PyTorch).
    "p_invalid": 0.10,
    # Invalid models: a layer-specific error or a generic one.
    "invalid_kinds": {"layer": 60, "unexpected_kw": 12, "missing_arg": 8, "too_many_args": 6,
                      "unknown_class": 6, "wrong_type": 8},
    # The case's dtype: model.to(dtype) after construction (nninit's --dtype).
    "model_dtype": {None: 84, "float64": 8, "bfloat16": 4, "float16": 4},
    # Share of layers given dtype= in the expression, and which.
    "p_layer_dtype": 0.05,
    "layer_dtype": {"torch.float64": 40, "torch.double": 15, "torch.float32": 10, "torch.float": 5,
                    "torch.float16": 10, "torch.half": 5, "torch.bfloat16": 15},
    # Share of layers given device='cpu'.
    "p_device": 0.01,
    # Parameter budget of a model (most models stay far below it).
    "budget": {20000: 80, 60000: 16, 300000: 4},
    # Class-name prefixes in expressions and rule patterns.
    "prefix": {"nn.": 45, "torch.nn.": 20, "": 35},
    # Rules per case.
    "rules_per_case": {0: 22, 1: 30, 2: 25, 3: 13, 4: 10},
    # Pattern kinds; "none" is a pattern drawn to match nothing.
    "rule_pattern": {"type": 52, "path": 42, "none": 6},
    # Init functions for rules on weights (every matched tensor has >= 2 dims)
    # and on vectors (some matched tensor has < 2 dims).
    "rule_weight_fns": {"kaiming_normal_": 14, "kaiming_uniform_": 12, "xavier_uniform_": 12,
                        "xavier_normal_": 8, "orthogonal_": 8, "normal_": 12, "trunc_normal_": 8,
                        "uniform_": 6, "zeros_": 3, "ones_": 2, "constant_": 3, "sparse_": 3,
                        "eye_": 2, "dirac_": 3},
    "rule_vector_fns": {"zeros_": 25, "ones_": 8, "constant_": 20, "normal_": 20, "uniform_": 15,
                        "trunc_normal_": 10},
    # Chance that a rule on vectors uses a weight function anyway (usually an error).
    "p_rule_mismatch": 0.07,
    # Chance of forget_gate_bias_ on an LSTM/LSTMCell bias rule (nninit-only; emulated).
    "p_forget_gate": 0.5,
    # Chance of a deprecated alias (normal, kaiming_uniform, ...) in a rule.
    "p_rule_alias": 0.03,
    # Init-function prefixes in rules.
    "init_prefix": {"nn.init.": 40, "torch.nn.init.": 20, "": 40},
}

FORMAT = 1
SUITE = "models"
SLOW_CASE_S = 3.0

DTYPES = tor.DTYPES
DTYPE_NAMES = tor.DTYPE_NAMES
Draw = tor.Draw


# ===========================================================================
# Features of the running PyTorch
# ===========================================================================
def _has_param(cls_name, param):
    cls = getattr(nn, cls_name, None)
    if cls is None:
        return False
    try:
        return param in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False


FEATURES = {
    "RMSNorm": hasattr(nn, "RMSNorm"),                               # 2.4
    "Dropout1d": hasattr(nn, "Dropout1d"),                           # 1.12
    "layernorm_bias": _has_param("LayerNorm", "bias"),               # 2.1
    "transformer_bias": _has_param("TransformerEncoderLayer", "bias"),  # 2.1
    "groupnorm_bias": _has_param("GroupNorm", "bias"),               # 2.9-ish, keyword-only
    "batchnorm_bias": _has_param("BatchNorm1d", "bias"),             # same, keyword-only
    "instancenorm_bias": _has_param("InstanceNorm1d", "bias"),       # same, keyword-only
    "encoder_nested": _has_param("TransformerEncoder", "enable_nested_tensor"),
    # Conv with fan_in == 0 draws its bias with bound 0 (2.12+; before, the bias stays uninitialised).
    "conv_zero_fan_in": tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]) >= (2, 12),
}


# ===========================================================================
# Literals
# ===========================================================================
def fspell(d, x):
    """Python source for the float x, usually repr(x), sometimes another
    spelling of the same decimal number ('.02', '2e-2', '1.', '1E-05')."""
    s = tor.flit(x)
    if not d.chance(0.2):
        return s
    neg = s.startswith("-")
    body = s[1:] if neg else s
    k = d.pick(["lead", "sci", "trail", "upper"])
    if "e" in body:
        mant, exp = body.split("e")
        body = mant + ("E" if k == "upper" else "e") + (exp[0] + exp[1:].lstrip("0") if exp[0] in "+-" else exp)
    elif k == "lead" and body.startswith("0."):
        body = body[1:]
    elif k == "trail" and body.endswith(".0"):
        body = body[:-1]
    elif k in ("sci", "upper"):
        body = format(decimal.Decimal(body), "e")
        if k == "upper":
            body = body.upper()
    out = ("-" if neg else "") + body
    assert float(out) == float(s), (s, out)
    return out


def slit(d, s):
    """A string literal, single-quoted (repr) or double-quoted."""
    if d.chance(0.25) and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return repr(s)


def blit(b):
    return "True" if b else "False"


def seq_lit(d, values, allow_list=True):
    """A tuple or list literal of ints."""
    items = [str(v) for v in values]
    if allow_list and d.chance(0.25):
        return "[" + ", ".join(items) + "]"
    if len(items) == 1:
        return "(" + items[0] + ",)"
    return "(" + ", ".join(items) + ")"


def size_arg(d, values, p_int=0.6, allow_list=True):
    """A _single/_pair/_triple argument: an int when all values are equal
    (often), else a tuple or list."""
    if len(set(values)) == 1 and d.chance(p_int):
        return str(values[0])
    return seq_lit(d, values, allow_list)


# ===========================================================================
# Calls: what a generator builds, rendered to Python source at the end
# ===========================================================================
class A:
    """An argument: name, value (source text, Call, Seq or None = omitted),
    mode ("auto", "pos", "kw"), default (source text of the default, for
    error variants that need every argument), required."""

    def __init__(self, name, value, mode="auto", default=None, required=False, present=True):
        self.name, self.value, self.mode = name, value, mode
        self.default, self.required = default, required
        # A keyword the running PyTorch lacks: rendered, shuffled with the
        # others (the same draws in every release), then left out.
        self.present = present


class Seq:
    """A list or tuple of values (Calls or source text)."""

    def __init__(self, items, bracket="["):
        self.items, self.bracket = list(items), bracket


class Call:
    def __init__(self, cls, args=(), star=(), params=0, kind=None, p_pos=None):
        self.cls = cls              # class name in torch.nn (or a bogus one)
        self.args = list(args)      # A, in signature order
        self.star = list(star)      # *args values (Sequential, Identity)
        self.params = params        # estimated parameter count
        self.kind = kind or cls     # the generator that made it
        self.p_pos = p_pos          # chance of writing an argument positionally
        self.tags = []

    def children(self):
        out = [v for v in self.star if isinstance(v, Call)]
        for a in self.args:
            if isinstance(a.value, Call):
                out.append(a.value)
            elif isinstance(a.value, Seq):
                out += [v for v in a.value.items if isinstance(v, Call)]
        return out

    def walk(self):
        yield self
        for c in self.children():
            yield from c.walk()


def render(d, v):
    if v is None:
        raise AssertionError("render None")
    if isinstance(v, str):
        return v
    if isinstance(v, Seq):
        items = [render(d, x) for x in v.items]
        if v.bracket == "(":
            return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
        return "[" + ", ".join(items) + "]"
    assert isinstance(v, Call)
    prefix = d.weighted(TUNING["prefix"])
    pos = [render(d, x) for x in v.star]
    kws = []
    positional = True
    p_pos = v.p_pos
    for a in v.args:
        if a.value is None:
            positional = False
            continue
        text = render(d, a.value)
        if a.mode == "pos":
            assert positional, (v.cls, a.name)
            pos.append(text)
            continue
        if a.mode == "auto" and positional:
            p = p_pos if p_pos is not None else (0.75 if a.required else 0.4)
            if d.chance(p):
                pos.append(text)
                continue
        positional = False
        kws.append(f"{a.name}={text}" if a.present else None)
    d.shuffle(kws)
    kws = [k for k in kws if k is not None]
    return f"{prefix}{v.cls}({', '.join(pos + kws)})"


# ===========================================================================
# Sizes
# ===========================================================================
def dim(d, lo=1, hi=512, zero_p=0.0):
    """A layer width: small, a power of two, odd, rarely big or zero."""
    if zero_p and d.chance(zero_p):
        return 0
    wide = getattr(d, "wide", False)  # a model with the largest budget
    if wide:
        hi *= 4
    k = d.weighted({"small": 32, "pow2": 26, "odd": 36, "big": 60 if wide else getattr(d, "p_big", 6)})
    if k == "small":
        v = d.int(1, 8)
    elif k == "pow2":
        v = 2 ** d.int(0, 7)
    elif k == "odd":
        v = d.int(4, 50) * 2 + 1
    else:
        v = d.int(129, 1024 if wide else 512)
    return max(lo, min(hi, v))


def fit(d, budget, make, tries=25):
    """Calls make() until its estimate fits the budget; the last try is
    make(small=True)."""
    for _ in range(tries):
        out = make(False)
        if out[-1] <= budget:
            return out
    return make(True)


class Ctx:
    def __init__(self, d, budget):
        self.d = d
        self.budget = budget

    def take(self, n):
        self.budget = max(0, self.budget - n)


def common_tail(d, ctx, args, dtype_ok=True):
    """device=/dtype= keywords, rarely."""
    if dtype_ok and d.chance(TUNING["p_layer_dtype"]):
        args.append(A("dtype", d.weighted(TUNING["layer_dtype"]), "kw"))
    if d.chance(TUNING["p_device"]):
        args.append(A("device", d.pick(["'cpu'", '"cpu"', "None"]), "kw"))
    return args


def opt_bool(d, name, default, p_present=0.35):
    """A bool argument: omitted, or True/False."""
    if not d.chance(p_present):
        return A(name, None, default=blit(default))
    return A(name, blit(d.chance(0.5)), default=blit(default))


# ===========================================================================
# Layer generators: gen(d, ctx, err) -> Call.  With err, the call is one that
# PyTorch rejects (a layer-specific error); the tag names the variant.
# ===========================================================================
def gen_linear(d, ctx, err=False):
    def make(small):
        i = dim(d, zero_p=0.02) if not small else d.int(1, 8)
        o = dim(d, zero_p=0.02) if not small else d.int(1, 8)
        return i, o, i * o + o
    i, o, n = fit(d, ctx.budget, make)
    args = [A("in_features", str(i), required=True), A("out_features", str(o), required=True),
            opt_bool(d, "bias", True)]
    c = Call("Linear", common_tail(d, ctx, args), params=n)
    if err:
        v = d.pick(["negative", "float", "string"])
        c.tags.append("error:linear_" + v)
        c.args[d.int(0, 1)].value = {"negative": str(-d.int(1, 5)), "float": fspell(d, d.int(1, 9) + 0.5),
                                     "string": slit(d, str(d.int(1, 9)))}[v]
    return c


def gen_bilinear(d, ctx, err=False):
    def make(small):
        a, b, o = (dim(d, hi=24), dim(d, hi=24), dim(d, hi=24)) if not small else (2, 3, 2)
        return a, b, o, a * b * o + o
    a, b, o, n = fit(d, ctx.budget, make)
    if err:
        a = 0
    args = [A("in1_features", str(a), required=True), A("in2_features", str(b), required=True),
            A("out_features", str(o), required=True), opt_bool(d, "bias", True)]
    c = Call("Bilinear", common_tail(d, ctx, args), params=n)
    if err:
        c.tags.append("error:bilinear_zero_in1")
    return c


def gen_identity(d, ctx, err=False):
    star, args = [], []
    if d.chance(0.3):
        for _ in range(d.int(1, 2)):
            star.append(d.pick([str(d.int(0, 99)), fspell(d, d.nice(-2, 0)), "None", slit(d, "x"), "True"]))
        for k in range(d.int(0, 2)):
            args.append(A(f"unused_argument{k + 1}", d.pick([fspell(d, 0.1), "False", "None", str(d.int(0, 9))]),
                          "kw"))
    return Call("Identity", args, star=star)


KERNEL_MAX = {1: 7, 2: 5, 3: 3}  # the largest kernel size per dimension


def gen_conv(nd, transposed):
    cls = ("ConvTranspose%dd" if transposed else "Conv%dd") % nd

    def gen(d, ctx, err=False):
        kmax = KERNEL_MAX[nd]

        def make(small):
            groups = 1
            gk = d.weighted({"one": 70, "some": 20, "depthwise": 10})
            if small:
                ks = [d.int(1, 2)] * nd
                cin, cout = d.int(1, 4), d.int(1, 4)
            else:
                ks = [d.int(1, kmax)] * nd if d.chance(0.7) else [d.int(1, kmax) for _ in range(nd)]
                if gk == "one":
                    cin, cout = dim(d, hi=96, zero_p=0.02), dim(d, hi=96, zero_p=0.02)
                    if cin == 0 and not transposed and not FEATURES["conv_zero_fan_in"]:
                        cin = 1  # the bias would stay uninitialised (torch.empty)
                elif gk == "some":
                    groups = d.pick([2, 3, 4, 8])
                    cin, cout = groups * d.int(1, 8), groups * d.int(1, 8)
                else:
                    cin = d.int(1, 32)
                    groups = cin
                    cout = cin * d.int(1, 3)
            kprod = math.prod(ks)
            n = (cin * (cout // groups) if transposed else cout * (cin // groups)) * kprod + cout
            return groups, ks, cin, cout, n

        groups, ks, cin, cout, n = fit(d, ctx.budget, make)
        stride = [1] * nd
        if d.chance(0.35):
            stride = [d.int(1, 3)] * nd if d.chance(0.7) else [d.int(1, 3) for _ in range(nd)]
        args = [A("in_channels", str(cin), required=True), A("out_channels", str(cout), required=True),
                A("kernel_size", size_arg(d, ks), required=True),
                A("stride", size_arg(d, stride) if stride != [1] * nd or d.chance(0.1) else None, default="1")]
        pad = None
        if transposed:
            if d.chance(0.4):
                pad = size_arg(d, [d.int(0, 2)] * nd if d.chance(0.7) else [d.int(0, 2) for _ in range(nd)])
            args.append(A("padding", pad, default="0"))
            op = None
            if d.chance(0.25) and max(stride) > 1:
                op = size_arg(d, [d.int(0, s - 1) for s in stride])
            args.append(A("output_padding", op, default="0"))
            args.append(A("groups", str(groups) if groups != 1 or d.chance(0.1) else None, default="1"))
            args.append(opt_bool(d, "bias", True))
            dil = None
            if d.chance(0.2):
                dil = size_arg(d, [d.int(1, 3)] * nd)
            args.append(A("dilation", dil, default="1"))
            pm = slit(d, "zeros") if d.chance(0.08) else None
            args.append(A("padding_mode", pm, default="'zeros'"))
        else:
            pk = d.weighted({"omit": 45, "int": 30, "same": 12, "valid": 8, "tuple": 5})
            if pk == "same" and stride != [1] * nd:
                pk = "int"
            if pk == "int":
                pad = str(d.int(0, 3))
            elif pk == "tuple":
                pad = seq_lit(d, [d.int(0, 3) for _ in range(nd)])
            elif pk in ("same", "valid"):
                pad = slit(d, pk)
            args.append(A("padding", pad, default="0"))
            dil = None
            if d.chance(0.2):
                dil = size_arg(d, [d.int(1, 3)] * nd)
            args.append(A("dilation", dil, default="1"))
            args.append(A("groups", str(groups) if groups != 1 or d.chance(0.1) else None, default="1"))
            args.append(opt_bool(d, "bias", True))
            pm = None
            if d.chance(0.2):
                pm = slit(d, d.pick(["zeros", "reflect", "replicate", "circular"]))
            args.append(A("padding_mode", pm, default="'zeros'"))
        c = Call(cls, common_tail(d, ctx, args), params=n)
        if err:
            byname = {a.name: a for a in c.args}
            variants = ["groups_in", "groups_out", "groups_zero"]
            variants += ["padding_mode"] if transposed else ["same_strided", "padding_string", "padding_mode"]
            v = d.pick(variants)
            c.tags.append("error:conv_" + v)
            if v == "groups_in":
                g = d.pick([2, 3, 4, 5])
                byname["groups"].value = str(g)
                byname["in_channels"].value = str(g * d.int(1, 4) + d.int(1, g - 1))
                byname["out_channels"].value = str(g * d.int(1, 4))
            elif v == "groups_out":
                g = d.pick([2, 3, 4, 5])
                byname["groups"].value = str(g)
                byname["in_channels"].value = str(g * d.int(1, 4))
                byname["out_channels"].value = str(g * d.int(1, 4) + d.int(1, g - 1))
            elif v == "groups_zero":
                byname["groups"].value = d.pick(["0", str(-d.int(1, 3))])
            elif v == "same_strided":
                byname["padding"].value = slit(d, "same")
                byname["stride"].value = size_arg(d, [d.int(2, 3)] + [1] * (nd - 1), allow_list=False) \
                    if d.chance(0.5) else str(d.int(2, 3))
            elif v == "padding_string":
                byname["padding"].value = slit(d, d.pick(["full", "SAME", "none", "causal"]))
            else:
                byname["padding_mode"].value = slit(d, d.pick(["reflect", "circular", "zero", "constant"])
                                                    if transposed else d.pick(["zero", "constant", "symmetric"]))
        return c
    return gen


def gen_embedding(bag):
    cls = "EmbeddingBag" if bag else "Embedding"

    def gen(d, ctx, err=False):
        def make(small):
            if small:
                return d.int(1, 10), d.int(1, 8), 80
            num = dim(d, hi=1000, zero_p=0.015) if d.chance(0.7) else d.int(100, 3000)
            dd = dim(d, hi=64, zero_p=0.015)
            return num, dd, num * dd
        num, dd, n = fit(d, ctx.budget, make)
        pidx = None
        if num > 0 and d.chance(0.4):
            pidx = str(d.int(-num, num - 1))
        args = [A("num_embeddings", str(num), required=True), A("embedding_dim", str(dd), required=True)]
        if not bag:
            args += [A("padding_idx", pidx, default="None"),
                     A("max_norm", fspell(d, d.pick([1.0, 2.0, 0.5])) if d.chance(0.08) else None, default="None"),
                     A("norm_type", fspell(d, d.pick([1.0, 2.0, 3.0])) if d.chance(0.05) else None, default="2.0"),
                     opt_bool(d, "scale_grad_by_freq", False, 0.05), opt_bool(d, "sparse", False, 0.08)]
        else:
            args += [A("max_norm", fspell(d, 1.0) if d.chance(0.05) else None, default="None"),
                     A("norm_type", None, default="2.0"), opt_bool(d, "scale_grad_by_freq", False, 0.05),
                     A("mode", slit(d, d.pick(["sum", "mean", "max"])) if d.chance(0.4) else None, default="'mean'"),
                     opt_bool(d, "sparse", False, 0.05),
                     A("_weight", None, default="None"),
                     opt_bool(d, "include_last_offset", False, 0.08),
                     A("padding_idx", pidx, "kw", default="None")]
        c = Call(cls, common_tail(d, ctx, args), params=n)
        if err:
            num = max(num, 1)
            c.args[0].value = str(num)
            bad = d.pick([num + d.int(0, 3), -num - d.int(1, 3)])
            next(a for a in c.args if a.name == "padding_idx").value = str(bad)
            c.tags.append("error:embedding_padding_idx")
        return c
    return gen


def norm_shape(d, hi=64):
    nd = d.weighted({1: 80, 2: 15, 3: 5})
    dims = [dim(d, hi=hi if nd == 1 else 12) for _ in range(nd)]
    if nd == 1 and d.chance(0.6):
        return dims, str(dims[0])
    return dims, seq_lit(d, dims)


def gen_layer_norm(d, ctx, err=False, rms=False):
    # RMSNorm before 2.4: the same draws make a LayerNorm.
    cls = "RMSNorm" if rms and FEATURES["RMSNorm"] else "LayerNorm"
    dims, text = norm_shape(d)
    n = 2 * math.prod(dims)
    args = [A("normalized_shape", text, required=True),
            A("eps", fspell(d, d.pick([1e-5, 1e-6, 1e-12, 0.001])) if d.chance(0.2) else None, default="1e-05"),
            opt_bool(d, "elementwise_affine", True, 0.3)]
    want_bias = d.chance(0.3)
    bias_val = blit(d.chance(0.5))
    if not rms and want_bias:
        args.append(A("bias", bias_val, "kw", default="True", present=FEATURES["layernorm_bias"]))
    if rms:
        eps = A("eps", fspell(d, d.pick([1e-5, 1e-6, 1e-8])) if d.chance(0.3) else None, default="None")
        if cls == "RMSNorm":
            args[1] = eps
    c = Call(cls, common_tail(d, ctx, args), params=n)
    if err:
        c.tags.append("error:norm_shape_type")
        # (A string is iterable: LayerNorm('ab') only fails when it creates a weight.)
        c.args[0].value = d.pick([fspell(d, float(dims[0]) + 0.5), fspell(d, float(dims[0]) + 0.25)])
    return c


def gen_rms_norm(d, ctx, err=False):
    return gen_layer_norm(d, ctx, err, rms=True)


def gen_group_norm(d, ctx, err=False):
    g = d.pick([1, 1, 2, 3, 4, 8, 16])
    ch = g * d.int(1, 8)
    args = [A("num_groups", str(g), required=True), A("num_channels", str(ch), required=True),
            A("eps", fspell(d, 1e-6) if d.chance(0.1) else None, default="1e-05"),
            opt_bool(d, "affine", True, 0.3)]
    want_bias, bias_val = d.chance(0.2), blit(d.chance(0.5))
    args = common_tail(d, ctx, args)
    if want_bias:
        args.append(A("bias", bias_val, "kw", present=FEATURES["groupnorm_bias"]))
    c = Call("GroupNorm", args, params=2 * ch)
    if err:
        g = d.pick([2, 3, 4, 5])
        c.args[0].value = str(g)
        c.args[1].value = str(g * d.int(1, 4) + d.int(1, g - 1))
        c.tags.append("error:groupnorm_divisible")
    return c


def gen_batch_norm(cls, instance):
    def gen(d, ctx, err=False):
        nf = dim(d, hi=256, zero_p=0.01)
        args = [A("num_features", str(nf), required=True),
                A("eps", fspell(d, d.pick([1e-3, 1e-5, 1e-6])) if d.chance(0.15) else None, default="1e-05"),
                A("momentum", (fspell(d, d.pick([0.01, 0.1, 0.03, 0.9])) if d.chance(0.8) else "None")
                  if d.chance(0.15) else None, default="0.1"),
                opt_bool(d, "affine", not instance, 0.4 if instance else 0.25),
                opt_bool(d, "track_running_stats", not instance, 0.3 if instance else 0.2)]
        want_bias, bias_val = d.chance(0.15), blit(d.chance(0.5))
        args = common_tail(d, ctx, args)
        if want_bias:
            args.append(A("bias", bias_val, "kw",
                          present=FEATURES["instancenorm_bias" if instance else "batchnorm_bias"]))
        c = Call(cls, args, params=2 * nf)
        if err:
            c.tags.append("error:norm_features")
            c.args[0].value = d.pick([str(-d.int(1, 4)), fspell(d, nf + 0.5)])
        return c
    return gen


def gen_prelu(d, ctx, err=False):
    num = d.pick([1, 1, 1, dim(d, hi=128)])
    args = [A("num_parameters", str(num) if num != 1 or d.chance(0.3) else None, default="1"),
            A("init", fspell(d, d.pick([0.25, 0.1, 0.2, 0.01, 1.0, -0.5])) if d.chance(0.4) else None,
              default="0.25")]
    c = Call("PReLU", common_tail(d, ctx, args), params=num)
    if err:
        c.tags.append("error:prelu_negative")
        c.args[0].value = str(-d.int(1, 4))
    return c


def rnn_params(mode, inp, hid, layers, bias, bidir, proj):
    g = {"RNN": 1, "LSTM": 4, "GRU": 3}[mode]
    hr = proj or hid
    dirs = 2 if bidir else 1
    n = 0
    for layer in range(layers):
        i = inp if layer == 0 else hr * dirs
        n += dirs * (g * hid * (i + hr) + (2 * g * hid if bias else 0) + (proj * hid if proj else 0))
    return n


def gen_rnn(mode):
    def gen(d, ctx, err=False):
        def make(small):
            if small:
                return 2, 2, 1, 2 * 2 * 4 * 2 + 40
            inp, hid = dim(d, hi=64), dim(d, hi=64)
            layers = d.weighted({1: 60, 2: 30, 3: 10})
            return inp, hid, layers, rnn_params(mode, inp, hid, layers, True, True, 0)
        inp, hid, layers, n = fit(d, ctx.budget, make)
        args = [A("input_size", str(inp), required=True), A("hidden_size", str(hid), required=True),
                A("num_layers", str(layers) if layers != 1 or d.chance(0.15) else None, default="1")]
        if mode == "RNN" and d.chance(0.3):
            args.append(A("nonlinearity", slit(d, d.pick(["tanh", "relu"])), "kw"))
        bias = opt_bool(d, "bias", True, 0.25)
        args.append(A(bias.name, bias.value, "kw"))
        if d.chance(0.2):
            args.append(A("batch_first", blit(d.chance(0.7)), "kw"))
        if d.chance(0.2):
            args.append(A("dropout", d.pick([fspell(d, d.pick([0.1, 0.2, 0.5, 0.25])), fspell(d, 0.3), "0", "0.0"]),
                          "kw"))
        if d.chance(0.3):
            args.append(A("bidirectional", blit(d.chance(0.8)), "kw"))
        if mode == "LSTM" and hid > 1 and d.chance(0.25):
            args.append(A("proj_size", str(d.int(1, hid - 1)), "kw"))
        # Positional beyond num_layers differs between releases for RNN
        # (1.13: bias; 2.x: nonlinearity), so only the sizes go positionally.
        c = Call(mode, common_tail(d, ctx, args), params=n)
        if err:
            byname = {a.name: a for a in c.args}
            variants = ["proj_not_lstm" if mode != "LSTM" else "proj_too_big", "dropout_range", "proj_negative",
                        "zero_hidden", "zero_layers", "bias_type"]
            if mode == "RNN":
                variants.append("nonlinearity")
            v = d.pick(variants)
            c.tags.append("error:rnn_" + v)
            if v.startswith("proj"):
                c.args = [a for a in c.args if a.name != "proj_size"]
            if v == "proj_not_lstm":
                c.args.append(A("proj_size", str(d.int(1, 3)), "kw"))
            elif v == "proj_too_big":
                c.args.append(A("proj_size", str(hid + d.int(0, 2)), "kw"))
            elif v == "proj_negative":
                c.args.append(A("proj_size", str(-d.int(1, 3)), "kw"))
            elif v == "dropout_range":
                c.args = [a for a in c.args if a.name != "dropout"]
                c.args.append(A("dropout", fspell(d, d.pick([1.5, -0.1, 2.0])), "kw"))
            elif v == "zero_hidden":
                byname["hidden_size"].value = "0"
            elif v == "zero_layers":
                byname["num_layers"].value = "0"
            elif v == "bias_type":
                c.args = [a for a in c.args if a.name != "bias"]
                c.args.append(A("bias", d.pick(["1", "0", "None"]), "kw"))
            else:
                c.args = [a for a in c.args if a.name != "nonlinearity"]
                c.args.append(A("nonlinearity", slit(d, d.pick(["sigmoid", "gelu", "Tanh"])), "kw"))
        return c
    return gen


def gen_rnn_cell(mode):
    cls = {"RNN": "RNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}[mode]
    g = {"RNN": 1, "LSTM": 4, "GRU": 3}[mode]

    def gen(d, ctx, err=False):
        def make(small):
            inp, hid = (dim(d, hi=96), dim(d, hi=96)) if not small else (2, 2)
            return inp, hid, g * hid * (inp + hid) + 2 * g * hid
        inp, hid, n = fit(d, ctx.budget, make)
        args = [A("input_size", str(inp), required=True), A("hidden_size", str(hid), required=True),
                opt_bool(d, "bias", True, 0.25)]
        if mode == "RNN":
            args.append(A("nonlinearity", slit(d, d.pick(["tanh", "relu"])) if d.chance(0.3) else None,
                          default="'tanh'"))
        c = Call(cls, common_tail(d, ctx, args), params=n)
        if err:
            if mode == "RNN" and d.chance(0.5):
                c.args[3].value = slit(d, "sigmoid")
                c.tags.append("error:rnncell_nonlinearity")
            else:
                c.args[1].value = str(-d.int(1, 3))
                c.tags.append("error:rnncell_negative")
        return c
    return gen


def mha_call(d, e, heads):
    """MultiheadAttention(e, heads, ...) and its parameter count."""
    kdim = vdim = None
    if d.chance(0.2):
        kdim = dim(d, hi=48)
        vdim = dim(d, hi=48) if d.chance(0.6) else kdim
    bias = d.chance(0.85)
    bias_kv = d.chance(0.15)
    n = 3 * e * e if kdim is None else e * (e + kdim + vdim)
    n += (3 * e + e if bias else 0) + e * e + (2 * e if bias_kv else 0)
    args = [A("embed_dim", str(e), required=True), A("num_heads", str(heads), required=True),
            A("dropout", fspell(d, d.pick([0.0, 0.1, 0.2])) if d.chance(0.2) else None, default="0.0"),
            A("bias", blit(bias) if (not bias or d.chance(0.15)) else None, default="True"),
            A("add_bias_kv", blit(bias_kv) if (bias_kv or d.chance(0.1)) else None, default="False"),
            opt_bool(d, "add_zero_attn", False, 0.15),
            A("kdim", str(kdim) if kdim is not None else ("None" if d.chance(0.05) else None), default="None"),
            A("vdim", str(vdim) if vdim is not None else None, default="None"),
            opt_bool(d, "batch_first", False, 0.2)]
    return args, n


def gen_mha(d, ctx, err=False):
    def make(small):
        heads = d.pick([1, 1, 2, 2, 3, 4, 8]) if not small else 1
        e = heads * (d.int(1, 16) if not small else d.int(1, 4))
        return heads, e, 4 * e * e + 6 * e
    heads, e, _ = fit(d, ctx.budget, make)
    args, n = mha_call(d, e, heads)
    c = Call("MultiheadAttention", common_tail(d, ctx, args), params=n)
    if err:
        v = d.pick(["divisible", "divisible", "zero_heads"])
        c.tags.append("error:mha_" + v)
        if v == "divisible":
            h = d.pick([2, 3, 4, 5])
            c.args[0].value = str(h * d.int(1, 6) + d.int(1, h - 1))
            c.args[1].value = str(h)
        else:
            c.args[1].value = "0"
    return c


def transformer_layer_call(d, ctx, cls, d_model, nhead, budget):
    decoder = cls == "TransformerDecoderLayer"
    ff = dim(d, hi=96)
    if d.chance(0.04) and d_model * 2048 * 2 <= budget:
        ff = None  # the default, 2048
    ffn = ff if ff is not None else 2048
    n_attn = 4 * d_model * d_model + 4 * d_model
    n = n_attn * (2 if decoder else 1) + 2 * d_model * ffn + ffn + d_model + (6 if decoder else 4) * d_model
    args = [A("d_model", str(d_model), required=True), A("nhead", str(nhead), required=True),
            A("dim_feedforward", str(ff) if ff is not None else None, default="2048"),
            A("dropout", fspell(d, d.pick([0.0, 0.1, 0.2])) if d.chance(0.25) else None, default="0.1")]
    act = None
    ak = d.weighted({"omit": 60, "string": 32, "module": 8})
    if ak == "string":
        act = slit(d, d.pick(["relu", "gelu"]))
    elif ak == "module":
        act = Call(d.pick(["ReLU", "GELU"]), [], p_pos=0)
    args += [A("activation", act, default="'relu'"),
             A("layer_norm_eps", fspell(d, d.pick([1e-5, 1e-6])) if d.chance(0.1) else None, default="1e-05"),
             opt_bool(d, "batch_first", False, 0.3), opt_bool(d, "norm_first", False, 0.3)]
    want_bias, bias_val = d.chance(0.2), blit(d.chance(0.5))
    if want_bias:
        args.append(A("bias", bias_val, "kw", default="True", present=FEATURES["transformer_bias"]))
    return Call(cls, common_tail(d, ctx, args), params=n), n


def model_dims(d, small=False):
    nhead = d.pick([1, 1, 2, 2, 4]) if not small else 1
    return nhead * (d.int(1, 8) if not small else d.int(1, 3)), nhead


def gen_transformer_layer(cls):
    def gen(d, ctx, err=False):
        def make(small):
            dm, nh = model_dims(d, small)
            c, n = transformer_layer_call(d, ctx, cls, dm, nh, ctx.budget)
            return c, n
        c, n = fit(d, ctx.budget, make)
        if err:
            v = d.pick(["divisible", "activation"])
            c.tags.append("error:transformer_" + v)
            byname = {a.name: a for a in c.args}
            if v == "divisible":
                h = d.pick([2, 3, 4])
                byname["d_model"].value = str(h * d.int(1, 4) + d.int(1, h - 1))
                byname["nhead"].value = str(h)
            else:
                byname["activation"].value = slit(d, d.pick(["tanh", "silu", "Relu"]))
        return c
    return gen


def gen_transformer_stack(cls):
    layer_cls = "TransformerEncoderLayer" if cls == "TransformerEncoder" else "TransformerDecoderLayer"

    def gen(d, ctx, err=False):
        def make(small):
            dm, nh = model_dims(d, small)
            nl = d.weighted({1: 45, 2: 40, 3: 15}) if not small else 1
            layer, n = transformer_layer_call(d, ctx, layer_cls, dm, nh, ctx.budget // nl)
            return dm, nl, layer, n * nl + 2 * dm
        dm, nl, layer, n = fit(d, ctx.budget, make)
        norm = None
        if d.chance(0.45):
            norm = Call("LayerNorm", [A("normalized_shape", str(dm), required=True)], p_pos=0.8)
            if d.chance(0.15):
                norm.args.append(A("eps", fspell(d, 1e-6), "kw"))
        elif d.chance(0.05):
            norm = Call("Identity", [])
        args = [A("encoder_layer" if cls == "TransformerEncoder" else "decoder_layer", layer, required=True),
                A("num_layers", str(nl), required=True), A("norm", norm, default="None")]
        if cls == "TransformerEncoder" and d.chance(0.25):
            args.append(A("enable_nested_tensor", blit(not d.chance(0.7)), "kw", present=FEATURES["encoder_nested"]))
        c = Call(cls, args, params=n)
        if err:
            c.tags.append("error:stack_layer_error")
            inner = gen_transformer_layer(layer_cls)(d, ctx, True)
            c.args[0].value = inner
            c.tags += inner.tags
        return c
    return gen


def gen_transformer(d, ctx, err=False):
    def make(small):
        dm, nh = model_dims(d, small)
        ne = d.weighted({0: 10, 1: 55, 2: 35}) if not small else 1
        nd = d.weighted({0: 10, 1: 55, 2: 35}) if not small else 1
        ff = dim(d, hi=64) if not small else 2
        layer = 4 * dm * dm + 2 * dm * ff + 10 * dm
        return dm, nh, ne, nd, ff, ne * layer + nd * (layer + 4 * dm * dm + 6 * dm) + 4 * dm
    dm, nh, ne, nd, ff, n = fit(d, ctx.budget, make)
    custom = d.chance(0.08)
    args = [A("d_model", str(dm), required=True), A("nhead", str(nh), required=True),
            A("num_encoder_layers", str(ne), required=True), A("num_decoder_layers", str(nd), required=True),
            A("dim_feedforward", str(ff), required=True),
            A("dropout", fspell(d, 0.0) if d.chance(0.2) else None, default="0.1"),
            A("activation", slit(d, d.pick(["relu", "gelu"])) if d.chance(0.3) else None, default="'relu'")]
    if custom:
        sub = Ctx(d, ctx.budget)
        enc = gen_transformer_stack("TransformerEncoder")(d, sub)
        dec = gen_transformer_stack("TransformerDecoder")(d, sub)
        which = d.pick(["encoder", "decoder", "both"])
        args += [A("custom_encoder", enc if which != "decoder" else None, default="None"),
                 A("custom_decoder", dec if which != "encoder" else None, default="None")]
        n += enc.params + dec.params
    else:
        args += [A("custom_encoder", None, default="None"), A("custom_decoder", None, default="None")]
    args += [A("layer_norm_eps", fspell(d, 1e-6) if d.chance(0.1) else None, default="1e-05"),
             opt_bool(d, "batch_first", False, 0.25), opt_bool(d, "norm_first", False, 0.25)]
    want_bias, bias_val = d.chance(0.15), blit(d.chance(0.5))
    if want_bias:
        args.append(A("bias", bias_val, "kw", default="True", present=FEATURES["transformer_bias"]))
    c = Call("Transformer", common_tail(d, ctx, args), params=n, p_pos=0.25)
    if err:
        c.tags.append("error:transformer_divisible")
        h = d.pick([2, 3, 4])
        c.args[0].value = str(h * d.int(1, 4) + d.int(1, h - 1))
        c.args[1].value = str(h)
    return c


# --- parameter-free modules ------------------------------------------------
def act_args(d, name):
    """Arguments of a parameter-free module (all valid)."""
    f = lambda lo, hi: fspell(d, d.nice(lo, hi))  # noqa: E731
    inplace = opt_bool(d, "inplace", False, 0.2)
    table = {
        "ReLU": [inplace], "ReLU6": [inplace], "SELU": [inplace], "SiLU": [inplace], "Mish": [inplace],
        "Hardswish": [inplace], "Hardsigmoid": [inplace],
        "LeakyReLU": [A("negative_slope", fspell(d, d.pick([0.2, 0.01, 0.1, 0.02, 0.3])) if d.chance(0.7) else None),
                      inplace],
        "ELU": [A("alpha", f(-1, 0) if d.chance(0.3) else None), inplace],
        "CELU": [A("alpha", f(-1, 0) if d.chance(0.3) else None), inplace],
        "GELU": [A("approximate", slit(d, d.pick(["none", "tanh"])) if d.chance(0.3) else None)],
        "Hardtanh": [A("min_val", fspell(d, -2.0) if d.chance(0.3) else None),
                     A("max_val", fspell(d, 2.0) if d.chance(0.3) else None), inplace],
        "Softplus": [A("beta", d.pick(["1", "2", fspell(d, 0.5)]) if d.chance(0.3) else None),
                     A("threshold", d.pick(["20", "10"]) if d.chance(0.2) else None)],
        "Softmax": [A("dim", d.pick(["1", "-1", "0", "2"]) if d.chance(0.9) else None)],
        "LogSoftmax": [A("dim", d.pick(["1", "-1"]) if d.chance(0.9) else None)],
        "Softmin": [A("dim", d.pick(["1", "-1"]) if d.chance(0.9) else None)],
        "GLU": [A("dim", d.pick(["-1", "1"]) if d.chance(0.5) else None)],
        "Threshold": [A("threshold", fspell(d, d.pick([0.1, 0.0, 1.0])), required=True),
                      A("value", fspell(d, d.pick([0.0, 20.0, -1.0])), required=True), inplace],
        "Hardshrink": [A("lambd", fspell(d, d.pick([0.5, 0.1])) if d.chance(0.3) else None)],
        "Softshrink": [A("lambd", fspell(d, d.pick([0.5, 0.1])) if d.chance(0.3) else None)],
        "Softsign": [], "Tanhshrink": [], "LogSigmoid": [], "Softmax2d": [], "Tanh": [], "Sigmoid": [],
        "RReLU": [A("lower", fspell(d, 0.1) if d.chance(0.3) else None),
                  A("upper", fspell(d, 0.3) if d.chance(0.3) else None)],
        "Flatten": [A("start_dim", d.pick(["0", "1", "2"]) if d.chance(0.3) else None),
                    A("end_dim", d.pick(["-1", "2", "3"]) if d.chance(0.2) else None)],
        "Unflatten": [A("dim", d.pick(["1", "-1", "2"]), required=True),
                      A("unflattened_size", seq_lit(d, [d.int(1, 8) for _ in range(d.int(1, 3))],
                                                    allow_list=False), required=True)],
    }
    if name in table:
        return table[name]
    if name.startswith("Dropout") or name.endswith("AlphaDropout"):
        p = None
        if d.chance(0.7):
            p = d.pick([fspell(d, d.pick([0.1, 0.2, 0.5, 0.25, 0.0, 1.0])), "0", "1"])
        return [A("p", p), inplace]
    nd = int(name[-2])
    if name.startswith(("MaxPool", "AvgPool")):
        k = [d.int(1, 3)] * nd if d.chance(0.8) else [d.int(1, 3) for _ in range(nd)]
        args = [A("kernel_size", size_arg(d, k), required=True),
                A("stride", size_arg(d, [d.int(1, 3)] * nd) if d.chance(0.3) else None),
                A("padding", str(d.int(0, min(k) // 2)) if d.chance(0.2) else None)]
        if name.startswith("MaxPool"):
            args += [A("dilation", None), opt_bool(d, "return_indices", False, 0.1),
                     opt_bool(d, "ceil_mode", False, 0.1)]
        else:
            args += [opt_bool(d, "ceil_mode", False, 0.1), opt_bool(d, "count_include_pad", True, 0.1)]
        return args
    # Adaptive pools.
    if d.chance(0.6):
        size = str(d.pick([1, 1, 2, 4, 7]))
    else:
        vals = [str(d.pick([1, 2, 3, 4])) for _ in range(nd)]
        if nd > 1 and d.chance(0.2):
            vals[d.int(0, nd - 1)] = "None"
        size = "(" + ", ".join(vals) + ("," if nd == 1 else "") + ")"
    args = [A("output_size", size, required=True)]
    if name.startswith("AdaptiveMax"):
        args.append(opt_bool(d, "return_indices", False, 0.1))
    return args


def gen_activation(d, ctx, err=False):
    name = d.weighted(TUNING["activations"])
    if name == "Dropout1d" and not FEATURES["Dropout1d"]:
        name = "Dropout"
    c = Call(name, act_args(d, name), kind="activation")
    if err:
        if name.startswith("Dropout") or name.endswith("AlphaDropout"):
            c.args[0].value = fspell(d, d.pick([1.5, -0.5, 2.0]))
            c.tags.append("error:dropout_range")
        else:
            c.cls = "Dropout"
            c.args = [A("p", fspell(d, d.pick([1.5, -0.1])))]
            c.tags.append("error:dropout_range")
    return c


GENERATORS = {
    "Linear": gen_linear, "Bilinear": gen_bilinear, "Identity": gen_identity,
    "Conv1d": gen_conv(1, False), "Conv2d": gen_conv(2, False), "Conv3d": gen_conv(3, False),
    "ConvTranspose1d": gen_conv(1, True), "ConvTranspose2d": gen_conv(2, True), "ConvTranspose3d": gen_conv(3, True),
    "Embedding": gen_embedding(False), "EmbeddingBag": gen_embedding(True),
    "LayerNorm": gen_layer_norm, "RMSNorm": gen_rms_norm, "GroupNorm": gen_group_norm,
    "BatchNorm1d": gen_batch_norm("BatchNorm1d", False), "BatchNorm2d": gen_batch_norm("BatchNorm2d", False),
    "BatchNorm3d": gen_batch_norm("BatchNorm3d", False),
    "InstanceNorm1d": gen_batch_norm("InstanceNorm1d", True), "InstanceNorm2d": gen_batch_norm("InstanceNorm2d", True),
    "InstanceNorm3d": gen_batch_norm("InstanceNorm3d", True),
    "PReLU": gen_prelu,
    "RNN": gen_rnn("RNN"), "LSTM": gen_rnn("LSTM"), "GRU": gen_rnn("GRU"),
    "RNNCell": gen_rnn_cell("RNN"), "LSTMCell": gen_rnn_cell("LSTM"), "GRUCell": gen_rnn_cell("GRU"),
    "MultiheadAttention": gen_mha,
    "TransformerEncoderLayer": gen_transformer_layer("TransformerEncoderLayer"),
    "TransformerDecoderLayer": gen_transformer_layer("TransformerDecoderLayer"),
    "TransformerEncoder": gen_transformer_stack("TransformerEncoder"),
    "TransformerDecoder": gen_transformer_stack("TransformerDecoder"),
    "Transformer": gen_transformer,
    "activation": gen_activation,
}
# Layer kinds with no layer-specific error variant.
NO_LAYER_ERROR = {"Identity"}


# ===========================================================================
# The model tree
# ===========================================================================
def gen_leaf(d, ctx, table):
    kind = d.weighted(table)
    c = GENERATORS[kind](d, ctx)
    c.kind = kind
    ctx.take(c.params)
    return c


def gen_container(d, ctx, table, depth):
    is_list = d.chance(0.2)
    n = d.weighted(TUNING["children"])
    kids = []
    for _ in range(n):
        if depth < 3 and d.chance(TUNING["p_container_child"]):
            kids.append(gen_container(d, ctx, table, depth + 1))
        else:
            kids.append(gen_leaf(d, ctx, table))
    if not is_list:
        return Call("Sequential", star=kids, kind="Sequential")
    form = d.weighted({"list": 70, "tuple": 15, "kw": 10, "empty": 5})
    if form == "empty" or (not kids and d.chance(0.5)):
        return Call("ModuleList", [], kind="ModuleList")
    return Call("ModuleList", [A("modules", Seq(kids, "(" if form == "tuple" else "["),
                                 "kw" if form == "kw" else "pos")], kind="ModuleList")


def gen_model(d, table):
    ctx = Ctx(d, d.weighted(TUNING["budget"]))
    # Models with a large budget get wide layers more often.
    d.p_big = 6 if ctx.budget <= 20000 else 30
    d.wide = ctx.budget >= 300000
    top = d.weighted(TUNING["top"])
    if top == "layer":
        return gen_leaf(d, ctx, table)
    if top == "nested":
        return gen_container(d, ctx, table, 1 if d.chance(0.5) else 2)
    c = gen_container(d, ctx, table, 3)  # depth 3: no nested containers
    if top == "module_list" and c.cls == "Sequential":
        c = Call("ModuleList", [A("modules", Seq(c.star, "["), "pos")], kind="ModuleList")
    elif top == "sequential" and c.cls == "ModuleList":
        items = c.args[0].value.items if c.args else []
        c = Call("Sequential", star=items, kind="Sequential")
    return c


BOGUS_KEYWORDS = {
    "Linear": ["bais", "in_feature", "out", "use_bias"], "Conv": ["kernel", "padding_mod", "in_channel", "group"],
    "Embedding": ["padding_index", "num_embedding", "dim"], "Norm": ["epsilon", "affline", "momentun"],
    "RNN": ["hidden", "layers", "bidirection", "dropout_p"], "Transformer": ["num_head", "dim_ff", "n_layers"],
    "": ["foo", "size", "features", "init_std"],
}
BOGUS_CLASSES = ["Dense", "Linearr", "Conv", "BatchNorm", "Attention", "LSTMLayer", "Layernorm", "Relu",
                 "TransformerBlock", "Embeddings"]


def make_invalid(d, model, table):
    """Mutates one call of the model so that PyTorch rejects it."""
    calls = list(model.walk())
    kind = d.weighted(TUNING["invalid_kinds"])
    target = d.pick(calls)
    if kind == "layer":
        layered = [c for c in calls if c.kind in GENERATORS and c.kind not in NO_LAYER_ERROR]
        if not layered:
            kind = "unexpected_kw"
        else:
            target = d.pick(layered)
            fresh = GENERATORS[target.kind](d, Ctx(d, 5000), True)
            fresh.kind = target.kind
            target.__dict__.update(fresh.__dict__)
            return target.tags[0] if target.tags else "error:layer"
    if kind == "unexpected_kw":
        # Identity takes any keyword: pick another call, or make it a Flatten.
        others = [c for c in calls if c.cls != "Identity"]
        if target.cls == "Identity":
            if others:
                target = d.pick(others)
            else:
                target.cls, target.args, target.star = "Flatten", [], []
        group = next((k for k in BOGUS_KEYWORDS if k and k in target.cls), "")
        taken = {a.name for a in target.args}
        names = [n for n in BOGUS_KEYWORDS[group] + BOGUS_KEYWORDS[""] if n not in taken]
        target.args.append(A(d.pick(names), d.pick(["1", "True", "0.5"]), "kw"))
        return "error:unexpected_kw"
    if kind == "missing_arg":
        req = [a for a in target.args if a.required and a.value is not None]
        if req:
            victim = d.pick(req)
            victim.value = None
            for a in target.args:
                if a.mode == "pos" and target.args.index(a) > target.args.index(victim):
                    a.mode = "kw"
            return "error:missing_arg"
        kind = "too_many_args"
    if kind == "too_many_args":
        filled = all(a.value is not None or a.default is not None for a in target.args if a.mode != "kw")
        # Not for *args signatures (Sequential, Identity, and the RNNs, whose
        # positional meaning changed between releases).
        if target.cls not in ("Sequential", "Identity", "RNN", "LSTM", "GRU") and filled:
            for a in target.args:
                if a.mode == "kw":
                    continue
                if a.value is None:
                    a.value = a.default
                a.mode = "pos"
            # Keyword-only arguments (bias=, dtype=) must follow positionals.
            target.args.sort(key=lambda a: a.mode == "kw")
            extra = d.int(3, 5)
            for k in range(extra):
                target.args.insert(len([a for a in target.args if a.mode == "pos"]),
                                   A(f"extra{k}", str(d.int(0, 9)), "pos"))
            return "error:too_many_args"
        kind = "unknown_class"
    if kind == "wrong_type":
        req = [a for a in target.args if a.required and isinstance(a.value, str) and a.value.lstrip("-").isdigit()]
        if req:
            d.pick(req).value = d.pick([fspell(d, d.int(1, 9) + 0.5), slit(d, str(d.int(1, 9))), "None",
                                        "[" + str(d.int(1, 4)) + "]"])
            return "error:wrong_type"
        kind = "unknown_class"
    target.cls = d.pick(BOGUS_CLASSES)
    return "error:unknown_class"


# ===========================================================================
# Expression grammar (checked at generation time, see README.md):
#   expr  := CLASS '(' [value {',' value}] [',' kw {',' kw}] ')'
#   CLASS := [ 'nn.' | 'torch.nn.' ] NAME
#   kw    := IDENT '=' value
#   value := expr | INT | FLOAT | STRING | True | False | None | '-' NUMBER
#          | '(' [value {',' value}] [','] ')' | '[' [value {',' value}] ']'
#          | 'torch.' DTYPE
# ===========================================================================
TORCH_DTYPES = {"float32", "float", "float64", "double", "float16", "half", "bfloat16"}


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def check_value(node):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float, str)) or node.value is None:
            return
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
        return
    elif isinstance(node, (ast.Tuple, ast.List)):
        for e in node.elts:
            check_value(e)
        return
    elif isinstance(node, ast.Attribute):
        name = _dotted(node)
        if name and name.startswith("torch.") and name[6:] in TORCH_DTYPES:
            return
    elif isinstance(node, ast.Call):
        return check_call(node)
    raise AssertionError(f"value outside the grammar: {ast.dump(node)}")


def check_call(node):
    name = _dotted(node.func)
    if name is None:
        raise AssertionError("call of a non-name")
    for prefix in ("torch.nn.", "nn.", ""):
        if name.startswith(prefix) and "." not in name[len(prefix):]:
            break
    else:
        raise AssertionError(f"bad class name {name}")
    for a in node.args:
        check_value(a)
    for k in node.keywords:
        if k.arg is None:
            raise AssertionError("**kwargs")
        check_value(k.value)


def check_expr(expr):
    compile(expr, "<nninit-model>", "eval")  # also what ast.parse lets through (repeated keywords)
    node = ast.parse(expr, mode="eval").body
    if not isinstance(node, ast.Call):
        raise AssertionError("not a call")
    check_call(node)


# ===========================================================================
# Rules
# ===========================================================================
def rule_type_names(m):
    """The torch.nn class names m is an instance of, most specific first
    (MultiheadAttention's out_proj: Linear, Module)."""
    out = []
    for cls in type(m).__mro__:
        if getattr(nn, cls.__name__, None) is cls:
            out.append(cls.__name__)
    return out


RULE_ABSENT_TYPES = ["Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "Embedding", "LayerNorm",
                     "BatchNorm2d", "GroupNorm", "LSTM", "GRU", "RNN", "LSTMCell", "MultiheadAttention", "PReLU",
                     "Bilinear", "EmbeddingBag", "LazyLinear", "ReLU", "Sequential", "RNNBase"]


class Rule:
    def __init__(self, kind, pattern, expr, type_name=None, param_glob=None):
        self.kind, self.pattern, self.expr = kind, pattern, expr
        self.type_name, self.param_glob = type_name, param_glob
        self.text = None
        self._cls = getattr(nn, type_name) if type_name else None

    def matches(self, m, pname, full):
        if self.kind == "type":
            return isinstance(m, self._cls) and fnmatch.fnmatchcase(pname, self.param_glob)
        return fnmatch.fnmatchcase(full, self.pattern)


def glob_of_name(d, name):
    """A glob matching `name` (a parameter name without dots)."""
    k = d.weighted({"exact": 50, "star": 8, "prefix": 16, "suffix": 10, "qmark": 8, "class": 8})
    if k == "exact" or len(name) < 2:
        return name
    if k == "star":
        return "*"
    if k == "prefix":
        return name[:d.int(1, len(name) - 1)] + "*"
    if k == "suffix":
        return "*" + name[d.int(1, len(name) - 1):]
    if k == "qmark":
        i = d.int(0, len(name) - 1)
        return name[:i] + "?" + name[i + 1:]
    i = d.int(0, len(name) - 1)
    if d.chance(0.7):
        other = d.pick("abwx_0")
        return name[:i] + "[" + "".join(sorted({name[i], other})) + "]" + name[i + 1:]
    return name[:i] + "[!" + ("z" if name[i] != "z" else "y") + "]" + name[i + 1:]


def glob_of_path(d, path):
    """A glob over full parameter paths that matches `path`."""
    parts = path.split(".")
    k = d.weighted({"exact": 22, "last": 24, "last2": 14, "numstar": 14, "prefix": 10, "contains": 6, "qmark": 5,
                    "all": 2, "class": 3})
    if k == "exact" or len(parts) == 1 and k in ("last", "last2", "numstar", "prefix"):
        return path
    if k == "last":
        return "*." + parts[-1] if d.chance(0.8) else "*" + parts[-1]
    if k == "last2":
        return "*." + ".".join(parts[-2:]) if len(parts) >= 3 else path
    if k == "numstar":
        idx = [i for i, p in enumerate(parts[:-1]) if p.isdigit()]
        if not idx:
            return "*." + parts[-1]
        i = d.pick(idx)
        return ".".join(parts[:i] + ["*"] + parts[i + 1:])
    if k == "prefix":
        return ".".join(parts[:d.int(1, len(parts) - 1)]) + ".*"
    if k == "contains":
        last = parts[-1]
        a = d.int(0, len(last) - 1)
        b = d.int(a + 1, len(last))
        return "*" + last[a:b] + "*"
    if k == "qmark":
        i = d.int(0, len(path) - 1)
        return path[:i] + "?" + path[i + 1:]
    if k == "class":
        idx = [i for i, p in enumerate(parts) if p.isdigit()]
        if idx:
            i = d.pick(idx)
            parts[i] = "[" + "".join(sorted({parts[i][0], d.pick("0123456789")})) + "]" + parts[i][1:]
            return ".".join(parts)
        return path
    return "*"


def looks_like_type_rule(pattern):
    parts = pattern.split(".")
    for pre in (["torch", "nn"], ["nn"]):
        if parts[:len(pre)] == pre:
            parts = parts[len(pre):]
            break
    return len(parts) == 2 and parts[0][:1].isupper() and parts[0].isidentifier()


def init_call_text(d, fn, ndims):
    """An init expression (without the tensor) for function fn."""
    P = tor.P
    f = lambda lo, hi: fspell(d, d.nice(lo, hi))  # noqa: E731
    params = []
    if fn in ("kaiming_normal_", "kaiming_uniform_"):
        a = d.weighted({None: 50, "sqrt5": 15, "float": 20, "int": 15})
        a = {None: None, "sqrt5": "math.sqrt(5)", "float": f(-2, -1), "int": d.pick(["0", "1"])}[a]
        mode = d.weighted({None: 40, "fan_in": 30, "fan_out": 30})
        nl = d.weighted({None: 30, "relu": 35, "leaky_relu": 15, "tanh": 6, "linear": 5, "selu": 4, "sigmoid": 3,
                         "conv2d": 2})
        params = [P("a", a), P("mode", slit(d, mode) if mode else None),
                  P("nonlinearity", slit(d, nl) if nl else None)]
    elif fn in ("xavier_uniform_", "xavier_normal_", "orthogonal_"):
        gp, _ = tor.gain_param(d, 0.45)
        params = [gp]
    elif fn == "normal_":
        std = d.weighted({"0.02": 35, "0.01": 15, "nice": 30, "one": 5, "omit": 15})
        std = {"0.02": fspell(d, 0.02), "0.01": fspell(d, 0.01), "nice": f(-3, -1), "one": d.pick(["1", "1.0"]),
               "omit": None}[std]
        mean = fspell(d, d.signed(-2, 0)) if d.chance(0.15) else None
        params = [P("mean", mean), P("std", std)]
    elif fn == "trunc_normal_":
        std = d.pick([".02", fspell(d, 0.02), fspell(d, 0.01), f(-3, -1), None])
        params = [P("mean", fspell(d, 0.0) if d.chance(0.1) else None), P("std", std)]
        if d.chance(0.3):
            s = float(std) if std else 1.0
            k = d.pick([2.0, 3.0, 1.0])
            params += [P("a", fspell(d, -k * s)), P("b", fspell(d, k * s))]
        else:
            params += [P("a", None), P("b", None)]
    elif fn == "uniform_":
        if d.chance(0.15):
            params = [P("a", None), P("b", None)]
        else:
            b = d.nice(-3, 0)
            a = -b if d.chance(0.7) else 0.0
            params = [P("a", fspell(d, a)), P("b", fspell(d, b))]
    elif fn == "constant_":
        params = [P("val", d.pick([fspell(d, d.nice(-3, 0)), str(d.int(-2, 3)), fspell(d, -d.nice(-2, 0)),
                                   "0.0"]))]
    elif fn == "sparse_":
        params = [P("sparsity", fspell(d, d.pick([0.1, 0.5, 0.9, 0.25]))),
                  P("std", fspell(d, d.pick([0.01, 0.02, 0.1])) if d.chance(0.4) else None)]
    elif fn == "dirac_":
        params = [P("groups", "1" if d.chance(0.2) else None)]
    elif fn in ("zeros_", "ones_", "eye_"):
        params = []
    else:
        raise AssertionError(fn)
    name = fn
    if d.chance(TUNING["p_rule_alias"]) and fn in tor.REVERSE_ALIASES:
        name = tor.REVERSE_ALIASES[fn]
    text = tor.render_call(d, d.weighted(TUNING["init_prefix"]) + name, params)
    tor.check_expr(text)
    return text


def pick_init(d, ndims, unmatched):
    """An init function suited to tensors of these dims."""
    if unmatched:
        return d.weighted({**TUNING["rule_vector_fns"], **TUNING["rule_weight_fns"]})
    if min(ndims) >= 2 and not d.chance(0.02):
        table = dict(TUNING["rule_weight_fns"])
        if any(n != 2 for n in ndims):
            table.pop("sparse_")
            table.pop("eye_")
        if any(n < 3 or n > 5 for n in ndims):
            table.pop("dirac_")
        return d.weighted(table)
    if d.chance(TUNING["p_rule_mismatch"]):
        return d.weighted(TUNING["rule_weight_fns"])
    return d.weighted(TUNING["rule_vector_fns"])


def model_table(model):
    """[(module, [(pname, full_name, shape)])] in apply() order."""
    names = {id(p): n for n, p in model.named_parameters()}
    out = []

    def visit(m):
        for c in m.children():
            visit(c)
        out.append((m, [(pn, names[id(p)], tuple(p.shape)) for pn, p in m.named_parameters(recurse=False)]))
    visit(model)
    return out


def gen_rules(d, model):
    """0 to 4 rules for the built model."""
    count = d.weighted(TUNING["rules_per_case"])
    table = model_table(model)
    owners = [(m, own) for m, own in table if own]
    if not owners and d.chance(0.7):
        count = 0  # a model without parameters: rules can only match nothing
    rules = []
    for _ in range(count):
        kind = d.weighted(TUNING["rule_pattern"])
        if not owners and kind != "none":
            kind = "none" if d.chance(0.3) else "type"
        rule = None
        if kind == "type":
            if owners and d.chance(0.94):
                m, own = d.pick(owners)
                types = rule_type_names(m)
                tname = types[0] if d.chance(0.85) or len(types) == 1 else d.pick(types[1:])
                pname = d.pick(own)[0]
            else:
                tname = d.pick(RULE_ABSENT_TYPES)
                pname = d.pick(["weight", "bias", "weight_ih_l0", "in_proj_weight"])
            glob = glob_of_name(d, pname)
            rule = Rule("type", None, None, tname, glob)
            written = d.weighted({"": 80, "nn.": 12, "torch.nn.": 8}) + tname
            rule.pattern = f"{written}.{glob}"
        elif kind == "path":
            full = d.pick([fn for _, own in owners for _, fn, _ in own])
            pattern = glob_of_path(d, full)
            if looks_like_type_rule(pattern):
                pattern = full
            rule = Rule("path", pattern, None)
        else:
            pattern = d.pick(["*.gamma", "nonexistent.weight", "*.running_mean", "*_proj_bias_x",
                              "99.weight", "*.weight.*", "Conv2d.kernel", "LSTM.weight_xx_l9", "Linear.w"])
            if looks_like_type_rule(pattern):
                tname, glob = pattern.split(".")
                rule = Rule("type", pattern, None, tname, glob)
            else:
                rule = Rule("path", pattern, None)
        matched = [(m, pn, shape) for m, own in table for pn, fn, shape in own if rule.matches(m, pn, fn)]
        ndims = [len(s) for _, _, s in matched]
        lstm_bias = (rule.kind == "type" and rule.type_name in ("LSTM", "LSTMCell") and matched
                     and all(pn.startswith("bias") for _, pn, _ in matched))
        if lstm_bias and d.chance(TUNING["p_forget_gate"]):
            v = d.pick(["1.0", "1", "2.0", "0.5", fspell(d, d.nice(-1, 0))])
            rule.expr = d.pick([f"forget_gate_bias_({v})", f"forget_gate_bias_(value={v})"])
        else:
            rule.expr = init_call_text(d, pick_init(d, ndims or [2], not matched), ndims)
        eq = d.pick(["=", "=", "=", "=", "=", "=", "=", "=", " = ", "= "])
        rule.text = rule.pattern + eq + rule.expr
        rules.append(rule)
    return rules


def forget_gate_bias_(p, pname, value):
    """nninit's forget_gate_bias_ (nninit/nn/rnn.h), emulated: the forget
    rows [H, 2H) of an LSTM bias become `value` in bias_ih* and 0 in bias_hh*."""
    h = p.shape[0] // 4
    with torch.no_grad():
        p[h:2 * h] = value if pname.startswith("bias_ih") else 0.0


def compile_rule(rule):
    """rule.apply(p, pname): the init call with p inserted."""
    if rule.expr.startswith("forget_gate_bias_"):
        node = ast.parse(rule.expr, mode="eval").body
        value = ast.literal_eval(node.args[0] if node.args else node.keywords[0].value)
        return lambda p, pname: forget_gate_bias_(p, pname, value)
    fn, code = tor.compile_init_call(rule.expr, False)
    env = {"__fn": fn, "math": math, "torch": torch, "nn": nn, "calculate_gain": torch.nn.init.calculate_gain}

    def apply(p, pname):
        eval(code, {**env, "__t": p})
    return apply


# ===========================================================================
# Case generation
# ===========================================================================
def leaf_table(only):
    table = dict(TUNING["layers"])
    if only:
        table = {k: w for k, w in table.items() if k in only}
    return table


def layer_names(model):
    return sorted({c.cls for c in model.walk()})


def generate_case(seed, i, only):
    d = Draw(f"nninit-model-oracle:{seed}:{i}")
    case_seed = tor.draw_seed(d)
    table = leaf_table(only)
    model = gen_model(d, table)
    tags = []
    invalid = d.chance(TUNING["p_invalid"])
    if invalid:
        tags.append(make_invalid(d, model, table))
    for c in model.walk():
        tags += [t for t in c.tags if t not in tags]
    dtype = d.weighted(TUNING["model_dtype"])
    expr = render(d, model)
    check_expr(expr)
    params = sum(c.params for c in model.walk())
    return {"id": i, "seed": case_seed, "expr": expr, "dtype": dtype,
            "layers": layer_names(model), "tags": tags, "estimated_params": params}


# ===========================================================================
# Running a case in PyTorch
# ===========================================================================
def eval_env():
    env = {"torch": torch, "nn": nn}
    for name in dir(nn):
        obj = getattr(nn, name)
        if isinstance(obj, type) and issubclass(obj, nn.Module):
            env[name] = obj
    return env


_ENV = None


def tensor_hex(t):
    t = t.detach()
    if HAVE_NUMPY:
        if t.dtype == torch.bfloat16:
            t = t.view(torch.int16)
        return t.numpy().tobytes().hex()
    return tor.tensor_hex(t)


def state_dict_entries(model):
    return [[name, DTYPE_NAMES[t.dtype], list(t.shape), tensor_hex(t)] for name, t in model.state_dict().items()]


def error_of(e, phase):
    return {"type": type(e).__name__, "message": str(e), "phase": phase}


def run_case(case, rules_seed):
    global _ENV
    if _ENV is None:
        _ENV = eval_env()
    code = compile(case["expr"], "<nninit-model>", "eval")
    case["rules"] = []
    warn_phase = []
    result = None
    torch.manual_seed(case["seed"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = eval(code, dict(_ENV))
        except Exception as e:  # noqa: BLE001 - every failure is a result
            model = None
            result = {"error": error_of(e, "construction")}
        case["state_after_construction"] = tor.state_hex(torch.get_rng_state())
        warn_phase += ["construction"] * (len(caught) - len(warn_phase))
        applied = []
        if model is not None:
            if case["dtype"]:
                model.to(DTYPES[case["dtype"]])
            rules = gen_rules(Draw(rules_seed), model)
            case["rules"] = [r.text for r in rules]
            names = {id(p): n for n, p in model.named_parameters()}
            table = model_table(model)
            case["rule_matches"] = [sum(1 for m, own in table for pn, fn, _ in own if r.matches(m, pn, fn))
                                    for r in rules]
            appliers = [compile_rule(r) for r in rules]

            def init_fn(m):
                for pname, p in m.named_parameters(recurse=False):
                    full = names[id(p)]
                    for k, rule in enumerate(rules):
                        if rule.matches(m, pname, full):
                            applied.append([full, k])
                            appliers[k](p, pname)
                            break
            try:
                model.apply(init_fn)
            except Exception as e:  # noqa: BLE001
                result = {"error": error_of(e, "rules")}
        case["applied"] = applied
        case["state"] = tor.state_hex(torch.get_rng_state())
        warn_phase += ["rules"] * (len(caught) - len(warn_phase))
        warns = [[w.category.__name__, str(w.message), ph] for w, ph in zip(caught, warn_phase)]
    case["warnings"] = warns
    if result is None:
        result = {"state_dict": state_dict_entries(model)}
        case["params"] = sum(p.numel() for p in model.parameters())
    case["result"] = result
    return case


# ===========================================================================
# The equivalent PyTorch script of a case (--show)
# ===========================================================================
def case_script(case):
    lines = ["import fnmatch, math", "import torch", "import torch.nn as nn", "from torch.nn import *",
             "from torch.nn.init import *", "",
             f"torch.manual_seed({case['seed']})", f"model = {case['expr']}"]
    if case.get("dtype"):
        lines.append(f"model.to(torch.{case['dtype']})")
    if case.get("rules"):
        lines += ["names = {id(p): n for n, p in model.named_parameters()}", "rules = ["]
        for text in case["rules"]:
            pat, expr = split_rule(text)
            if looks_like_type_rule(pat):
                parts = pat.split(".")
                tname, glob = parts[-2], parts[-1]
                match = f"lambda m, pn, full: isinstance(m, nn.{tname}) and fnmatch.fnmatchcase(pn, {glob!r})"
            else:
                match = f"lambda m, pn, full: fnmatch.fnmatchcase(full, {pat!r})"
            if expr.startswith("forget_gate_bias_"):
                apply = "lambda p: None  # nninit-only forget_gate_bias_: see forget_gate_bias_ in model_oracle.py"
            else:
                name, call = tor.parse_expr(expr)
                args = ", ".join(["p"] + [ast.unparse(a) for a in (call.args if call else [])]
                                 + [f"{k.arg}={ast.unparse(k.value)}" for k in (call.keywords if call else [])])
                apply = f"lambda p: torch.nn.init.{name}({args})"
            lines.append(f"    ({match},\n     {apply}),  # {text}")
        lines += ["]", "def init_fn(m):", "    for pname, p in m.named_parameters(recurse=False):",
                  "        for match, apply in rules:", "            if match(m, pname, names[id(p)]):",
                  "                apply(p)", "                break", "model.apply(init_fn)"]
    lines += ["for name, t in model.state_dict().items():", "    print(name, t.dtype, tuple(t.shape))"]
    return "\n".join(lines)


def split_rule(text):
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            return text[:i].strip(), text[i + 1:].strip()
    raise ValueError(text)


# ===========================================================================
# Main
# ===========================================================================
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int)
    ap.add_argument("--out")
    ap.add_argument("--only", default=None, help="comma-separated layer kinds of the TUNING['layers'] table")
    ap.add_argument("--show", type=int, default=None, help="print case SHOW as a PyTorch script and its record")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    only = None
    if args.only:
        only = [n.strip() for n in args.only.split(",") if n.strip()]
        bad = [n for n in only if n not in TUNING["layers"]]
        if bad:
            ap.error(f"unknown --only kinds: {', '.join(bad)} (known: {', '.join(TUNING['layers'])})")

    if args.show is not None:
        case = run_case(generate_case(args.seed, args.show, only), f"nninit-model-rules:{args.seed}:{args.show}")
        print(case_script(case))
        short = {k: v for k, v in case.items() if k not in ("state", "state_after_construction", "result")}
        print("# " + json.dumps(short))
        res = case["result"]
        print("# result: " + (json.dumps(res["error"]) if "error" in res else
                              ", ".join(f"{n} {t} {s}" for n, t, s, _ in res["state_dict"])))
        return 0
    if args.count is None or args.out is None:
        ap.error("--count and --out are required (or --show)")

    header = {"format": FORMAT, "suite": SUITE, "torch": torch.__version__,
              "capability": os.environ.get("ATEN_CPU_CAPABILITY", ""),
              "seed": args.seed, "count": args.count, "only": only, "python": sys.version.split()[0],
              "features": FEATURES}

    t_start = time.perf_counter()
    layer_counts, errors, warn_counts = {}, {}, {}
    n_rules = n_unmatched = n_params = 0
    slowest = (0.0, None)
    with tor.atomic_output(args.out, ".model_oracle.") as f:
        f.write(json.dumps(header, separators=(",", ":")) + "\n")
        for i in range(args.count):
            case = generate_case(args.seed, i, only)
            t0 = time.perf_counter()
            run_case(case, f"nninit-model-rules:{args.seed}:{i}")
            dt = time.perf_counter() - t0
            if dt > slowest[0]:
                slowest = (dt, i)
            if dt > SLOW_CASE_S:
                print(f"warning: case {i} took {dt:.2f}s", file=sys.stderr)
            for name in case["layers"]:
                layer_counts[name] = layer_counts.get(name, 0) + 1
            if "error" in case["result"]:
                e = case["result"]["error"]
                key = f"{e['phase']}: {e['type']}"
                errors[key] = errors.get(key, 0) + 1
            n_rules += len(case["rules"])
            n_unmatched += sum(1 for m in case.get("rule_matches", []) if m == 0)
            n_params += case.get("params", 0)
            for cat, _, _ in case["warnings"]:
                warn_counts[cat] = warn_counts.get(cat, 0) + 1
            f.write(json.dumps(case, separators=(",", ":")) + "\n")
    elapsed = time.perf_counter() - t_start
    if not args.quiet:
        print(f"torch {torch.__version__} capability={header['capability'] or '(auto)'} seed={args.seed} "
              f"count={args.count}: {elapsed:.1f}s, slowest case {slowest[1]} {slowest[0]:.3f}s, "
              f"{n_params} parameters, {n_rules} rules ({n_unmatched} match nothing) -> {args.out}",
              file=sys.stderr)
        print("  cases per class: " + ", ".join(f"{k} {v}" for k, v in sorted(layer_counts.items())),
              file=sys.stderr)
        print("  errors: " + (", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "none"), file=sys.stderr)
        print("  warnings: " + (", ".join(f"{k} {v}" for k, v in sorted(warn_counts.items())) or "none"),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
