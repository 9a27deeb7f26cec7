"""Random models with consistent shapes for forward_oracle.py.

Every generator draws from a torch_oracle.Draw only, so a case is a pure
function of (seed, index).  A model is returned as PyTorch constructor source
(what nninit's expr::build_model reads) together with its inputs:

    {"family": ..., "expr": "Sequential(...)", "inputs": [spec, ...], "call": None or "self"}

An input spec is ["float", shape], ["index", shape, high] (int64 in [0, high)),
["offsets", [...]] (int64 values) or None (the argument is passed as None).
"call": "self" means model(x, x, x) (MultiheadAttention self-attention),
"state_tuple" model(x, (h, c)) (LSTM and LSTMCell with a given state).

With train=True, nothing random is drawn in the forward pass: every dropout
has p = 0, RReLU is left out, and batch statistics are well defined.

Normalisations always average over at least MIN_GROUP values: over one or two
values the normalised output is exactly 0 or +-1 (RMSNorm: +-weight), its
gradient is 0 up to eps, and what either library returns is rounding noise
(amplified up to 1/sqrt(eps) = 316 times), which no tolerance can compare.
"""

import torch

nn = torch.nn


def _version():
    return tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2])


FEATURES = {
    "RMSNorm": hasattr(nn, "RMSNorm"),
    "Dropout1d": hasattr(nn, "Dropout1d"),
    "transformer_bias": _version() >= (2, 1),
}


MIN_GROUP = 4


def b(v):
    return "True" if v else "False"


def tup(values):
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ")"


# ---------------------------------------------------------------------------
# Activations: shape-preserving unless noted.
# ---------------------------------------------------------------------------
def activation(d, shape, train):
    """(source, new shape) of a random activation for an input of `shape`."""
    n = len(shape)
    table = ["ReLU()", "ReLU6()", "SELU()", "GELU()", "GELU(approximate='tanh')", "SiLU()", "Mish()",
             "Sigmoid()", "Tanh()", "Hardswish()", "Hardsigmoid()", "Softsign()", "Tanhshrink()", "LogSigmoid()",
             "leaky", "elu", "celu", "hardtanh", "softplus", "threshold", "hardshrink", "softshrink", "rrelu",
             "softmax", "log_softmax", "softmin", "softmax2d", "prelu", "glu"]
    k = d.pick(table)
    if k.endswith(")"):
        return k, shape
    if k == "leaky":
        return f"LeakyReLU(negative_slope={d.pick([0.01, 0.2, 0.5])})", shape
    if k in ("elu", "celu"):
        return f"{k.upper()}(alpha={d.pick([0.5, 1.0, 1.7])})", shape
    if k == "hardtanh":
        lo = d.pick([-1.0, -0.5, -2.0])
        return f"Hardtanh(min_val={lo}, max_val={d.pick([0.5, 1.0, 2.5])})", shape
    if k == "softplus":
        return f"Softplus(beta={d.pick([0.5, 1.0, 2.0])}, threshold={d.pick([1.0, 5.0, 20.0])})", shape
    if k == "threshold":
        return f"Threshold({d.pick([-0.5, 0.0, 0.3])}, {d.pick([-1.0, 0.0, 2.0])})", shape
    if k in ("hardshrink", "softshrink"):
        return f"{k.capitalize()}(lambd={d.pick([0.2, 0.5, 1.0])})", shape
    if k == "rrelu":
        return ("ReLU()", shape) if train else (f"RReLU(lower={d.pick([0.1, 0.125])}, upper={d.pick([0.3, 0.4])})", shape)
    if k in ("softmax", "log_softmax", "softmin"):
        name = {"softmax": "Softmax", "log_softmax": "LogSoftmax", "softmin": "Softmin"}[k]
        if n == 0 or d.chance(0.2):
            return f"{name}()", shape  # dim=None: PyTorch's legacy choice (warns)
        return f"{name}(dim={d.int(-n, n - 1)})", shape
    if k == "softmax2d":
        return ("Softmax2d()", shape) if n in (3, 4) else ("Softmax(dim=-1)", shape)
    if k == "prelu":
        if n >= 2 and shape[1] > 1 and d.chance(0.6):
            return f"PReLU(num_parameters={shape[1]}, init={d.pick([0.25, 0.1, -0.3])})", shape
        return "PReLU()", shape
    # GLU halves an even dimension.
    even = [i for i in range(n) if shape[i] % 2 == 0]
    if not even:
        return "Tanh()", shape
    dim = d.pick(even)
    new = list(shape)
    new[dim] //= 2
    return f"GLU(dim={dim - n if d.chance(0.5) else dim})", new


def dropout(d, train, kind="Dropout"):
    p = 0.0 if train else d.pick([0.0, 0.1, 0.5])
    return f"{kind}(p={p})"


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------
def _numel(shape):
    out = 1
    for s in shape:
        out *= s
    return out


def case(family, expr, inputs, call=None):
    return {"family": family, "expr": expr, "inputs": inputs, "call": call}


def mlp(d, train):
    n = d.int(2, 6)
    shape = [n, d.int(1, 16)] if d.chance(0.7) else [n, d.int(1, 4), d.int(1, 12)]
    inputs = [["float", list(shape)]]
    layers = []
    for _ in range(d.int(2, 6)):
        k = d.weighted({"linear": 5, "act": 4, "layernorm": 1, "rmsnorm": 1, "batchnorm": 1, "dropout": 1,
                        "identity": 0.5, "nested": 0.7, "unflatten": 0.4})
        f = shape[-1]
        if k == "linear":
            out = d.int(1, 16)
            layers.append(f"Linear({f}, {out}, bias={b(d.chance(0.8))})")
            shape = shape[:-1] + [out]
        elif k == "act":
            src, shape = activation(d, shape, train)
            layers.append(src)
        elif k == "layernorm" and f >= MIN_GROUP:
            layers.append(f"LayerNorm({f}, eps={d.pick([1e-5, 1e-3])}, elementwise_affine={b(d.chance(0.8))})")
        elif k == "rmsnorm" and FEATURES["RMSNorm"] and f >= MIN_GROUP:
            layers.append(f"RMSNorm({f})" if d.chance(0.5) else f"RMSNorm([{f}], eps=1e-06)")
        elif k == "batchnorm" and (not train or shape[0] * (shape[2] if len(shape) == 3 else 1) >= MIN_GROUP):
            layers.append(f"BatchNorm1d({shape[1]}, momentum={d.pick([0.1, 'None'])}, affine={b(d.chance(0.8))})")
        elif k == "dropout":
            layers.append(dropout(d, train, d.pick(["Dropout", "Dropout", "AlphaDropout"])))
        elif k == "unflatten" and f % 2 == 0:
            layers += [f"Unflatten({len(shape) - 1}, ({2}, {f // 2}))", f"Flatten({len(shape) - 1})"]
        elif k == "identity":
            layers.append("Identity()")
        elif k == "nested":
            out = d.int(1, 12)
            src, shape = activation(d, shape[:-1] + [out], train)
            layers.append(f"Sequential(Linear({f}, {out}), {src})")
    if len(shape) == 3 and d.chance(0.5):
        layers.append("Flatten()")
    return case("mlp", "Sequential(" + ", ".join(layers) + ")", inputs)


def conv_out(size, k, s, p_lo, p_hi, dil):
    return (size + p_lo + p_hi - dil * (k - 1) - 1) // s + 1


def conv_layer(d, nd, c, sp):
    """A Conv{nd}d for (N, c, *sp): (source, out channels, out sizes) or None."""
    out = d.int(1, 8)
    groups = d.pick([g for g in range(1, min(c, out) + 1) if c % g == 0 and out % g == 0] + [1, 1])
    k = [d.int(1, 3) for _ in range(nd)] if d.chance(0.5) else [d.int(1, 3)] * nd
    dil = [d.int(1, 2)] * nd
    stride = [d.int(1, 2)] * nd if d.chance(0.6) else [1] * nd
    mode = d.weighted({"zeros": 7, "reflect": 1, "replicate": 1, "circular": 1})
    pad_kind = d.weighted({"int": 6, "same": 2 if stride[0] == 1 else 0, "valid": 1})
    if pad_kind == "int":
        pads = [d.int(0, 2)] * nd
        lo = hi = pads
        pad_src = tup(pads)
    else:
        lo = [dl * (kk - 1) // 2 if pad_kind == "same" else 0 for kk, dl in zip(k, dil)]
        hi = [dl * (kk - 1) - l if pad_kind == "same" else 0 for kk, dl, l in zip(k, dil, lo)]
        pad_src = repr(pad_kind)
    if mode == "reflect" and any(max(l, h) >= s for l, h, s in zip(lo, hi, sp)):
        mode = "zeros"
    if mode == "circular" and any(max(l, h) > s for l, h, s in zip(lo, hi, sp)):
        mode = "zeros"
    new = [conv_out(s, kk, st, l, h, dl) for s, kk, st, l, h, dl in zip(sp, k, stride, lo, hi, dil)]
    if min(new) < 1:
        return None
    src = (f"Conv{nd}d({c}, {out}, kernel_size={tup(k)}, stride={tup(stride)}, padding={pad_src}, "
           f"dilation={tup(dil)}, groups={groups}, bias={b(d.chance(0.8))}, padding_mode={mode!r})")
    return src, out, new


def conv_transpose_layer(d, nd, c, sp):
    out = d.int(1, 6)
    groups = d.pick([g for g in range(1, min(c, out) + 1) if c % g == 0 and out % g == 0] + [1, 1])
    k = [d.int(1, 3) for _ in range(nd)]
    stride = [d.int(1, 2)] * nd
    dil = [d.int(1, 2)] * nd
    pad = [d.int(0, 1)] * nd
    opad = [d.int(0, max(st, dl) - 1) for st, dl in zip(stride, dil)]
    new = [(s - 1) * st - 2 * p + dl * (kk - 1) + op + 1 for s, st, p, dl, kk, op in zip(sp, stride, pad, dil, k, opad)]
    if min(new) < 1 or max(new) > 24:
        return None
    src = (f"ConvTranspose{nd}d({c}, {out}, {tup(k)}, stride={tup(stride)}, padding={tup(pad)}, "
           f"output_padding={tup(opad)}, groups={groups}, bias={b(d.chance(0.8))}, dilation={tup(dil)})")
    return src, out, new


def pool_out(size, k, s, p, dil, ceil):
    out = (size + 2 * p - dil * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def pool_layer(d, nd, sp, allow_indices=False):
    """A pooling layer for spatial sizes sp: (source, new sizes, has indices output) or None."""
    kind = d.weighted({"max": 3, "avg": 3, "adaptive_avg": 2, "adaptive_max": 1})
    if kind.startswith("adaptive"):
        sizes = [d.int(1, max(1, s)) if nd == 1 or not d.chance(0.2) else None for s in sp]
        new = [s if o is None else o for o, s in zip(sizes, sp)]
        text = tup(["None" if o is None else o for o in sizes])
        indices = kind == "adaptive_max" and allow_indices and d.chance(0.3)
        name = "AdaptiveMaxPool" if kind == "adaptive_max" else "AdaptiveAvgPool"
        extra = ", return_indices=True" if indices else ""
        return f"{name}{nd}d({text}{extra})", new, indices
    k = [d.int(1, 3) for _ in range(nd)]
    stride = [d.int(1, 2) for _ in range(nd)] if d.chance(0.6) else k
    pad = [d.int(0, kk // 2) for kk in k]
    ceil = d.chance(0.3)
    if kind == "max":
        dil = [d.int(1, 2)] * nd if d.chance(0.3) else [1] * nd
        new = [pool_out(s, kk, st, p, dl, ceil) for s, kk, st, p, dl in zip(sp, k, stride, pad, dil)]
        indices = allow_indices and d.chance(0.3)
        src = (f"MaxPool{nd}d({tup(k)}, stride={tup(stride)}, padding={tup(pad)}, dilation={tup(dil)}, "
               f"return_indices={b(indices)}, ceil_mode={b(ceil)})")
    else:
        new = [pool_out(s, kk, st, p, 1, ceil) for s, kk, st, p in zip(sp, k, stride, pad)]
        indices = False
        extra = f", divisor_override={d.int(1, 5)}" if nd > 1 and d.chance(0.2) else ""
        src = (f"AvgPool{nd}d({tup(k)}, stride={tup(stride)}, padding={tup(pad)}, ceil_mode={b(ceil)}, "
               f"count_include_pad={b(d.chance(0.5))}{extra})")
    if min(new) < 1:
        return None
    return src, new, indices


def cnn(d, train):
    nd = d.weighted({1: 3, 2: 4, 3: 1.5})
    lim = {1: (4, 20), 2: (3, 9), 3: (2, 5)}[nd]
    n, c = d.int(2, 3), d.int(1, 4)
    sp = [d.int(*lim) for _ in range(nd)]
    inputs = [["float", [n, c] + sp]]
    layers = []
    for _ in range(d.int(1, 5)):
        k = d.weighted({"conv": 5, "convt": 1.5, "act": 3, "bn": 1.5, "in": 1, "gn": 1, "pool": 2, "drop": 1})
        spatial = 1
        for s in sp:
            spatial *= s
        made = None
        if k == "conv":
            made = conv_layer(d, nd, c, sp)
        elif k == "convt":
            made = conv_transpose_layer(d, nd, c, sp)
        if made:
            layers.append(made[0])
            c, sp = made[1], made[2]
        elif k == "act":
            src, s2 = activation(d, [n, c] + sp, train)
            if s2 == [n, c] + sp:
                layers.append(src)
        elif k == "bn" and n * spatial >= MIN_GROUP:
            layers.append(f"BatchNorm{nd}d({c}, eps={d.pick([1e-5, 1e-3])}, affine={b(d.chance(0.8))}, "
                          f"track_running_stats={b(d.chance(0.8))})")
        elif k == "in" and spatial >= MIN_GROUP:
            layers.append(f"InstanceNorm{nd}d({c}, affine={b(d.chance(0.5))}, track_running_stats={b(d.chance(0.3))})")
        elif k == "gn" and c * spatial >= MIN_GROUP:
            g = d.pick([g for g in range(1, c + 1) if c % g == 0 and c // g * spatial >= MIN_GROUP])
            layers.append(f"GroupNorm({g}, {c}, affine={b(d.chance(0.8))})")
        elif k == "pool":
            made = pool_layer(d, nd, sp)
            if made:
                layers.append(made[0])
                sp = made[1]
        elif k == "drop":
            kind = d.pick(["Dropout", f"Dropout{nd}d" if nd > 1 or FEATURES["Dropout1d"] else "Dropout",
                           "FeatureAlphaDropout"])
            layers.append(dropout(d, train, kind))
    if not layers:
        layers.append("Identity()")
    if d.chance(0.4):
        flat = c
        for s in sp:
            flat *= s
        if flat <= 400:
            layers += ["Flatten()", f"Linear({flat}, {d.int(1, 6)})"]
    return case("cnn", "Sequential(" + ", ".join(layers) + ")", inputs)


def single_activation(d, train):
    shape = [d.int(1, 5) for _ in range(d.int(1, 4))]
    src, _ = activation(d, shape, train)
    return case("activation", src, [["float", shape]])


def norm(d, train):
    k = d.weighted({"ln": 2, "rms": 1 if FEATURES["RMSNorm"] else 0, "gn": 1.5, "bn": 2, "in": 2})
    n = d.int(2, 4)
    if k in ("ln", "rms"):
        shape = [n] + [d.int(1, 5) for _ in range(d.int(1, 3))]
        tail = shape[len(shape) - d.int(1, len(shape) - 1):]
        while _numel(tail) < MIN_GROUP:
            tail[-1] += 1
            shape[-1] += 1
        if k == "ln":
            extra = f", elementwise_affine={b(d.chance(0.8))}"
            return case("norm", f"LayerNorm({tail}{extra})", [["float", shape]])
        return case("norm", f"RMSNorm({tail}, eps={d.pick(['None', 1e-5])})", [["float", shape]])
    nd = d.int(1, 3)
    c = d.int(1, 6)
    if k == "gn":
        shape = [n, c] + [d.int(1, 4) for _ in range(d.int(0, 2))]
        per = _numel(shape[2:])
        g = d.pick([g for g in range(1, c + 1) if c % g == 0 and c // g * per >= MIN_GROUP] or [1])
        if c // g * per < MIN_GROUP:
            shape.append(MIN_GROUP)
        return case("norm", f"GroupNorm({g}, {c}, eps={d.pick([1e-5, 0.1])}, affine={b(d.chance(0.8))})",
                    [["float", shape]])
    sp = [d.int(2, 4) for _ in range(nd)]
    if _numel(sp) < MIN_GROUP:
        sp[-1] = MIN_GROUP
    if k == "bn":
        if nd == 1 and d.chance(0.4):
            sp = []
            n = max(n, MIN_GROUP)
        src = (f"BatchNorm{nd}d({c}, momentum={d.pick([0.1, 'None'])}, affine={b(d.chance(0.8))}, "
               f"track_running_stats={b(d.chance(0.8))})")
        return case("norm", src, [["float", [n, c] + sp]])
    batched = [n, c] if d.chance(0.7) else [c]
    src = f"InstanceNorm{nd}d({c}, affine={b(d.chance(0.5))}, track_running_stats={b(d.chance(0.4))})"
    return case("norm", src, [["float", batched + sp]])


def pool(d, train):
    nd = d.int(1, 3)
    sp = [d.int(2, 9 if nd < 3 else 5) for _ in range(nd)]
    lead = [d.int(1, 3), d.int(1, 3)] if d.chance(0.7) else [d.int(1, 3)]
    for _ in range(10):
        made = pool_layer(d, nd, sp, allow_indices=True)
        if made:
            return case("pool", made[0], [["float", lead + sp]])
    return case("pool", f"AdaptiveAvgPool{nd}d(1)", [["float", lead + sp]])


def embedding(d, train):
    num, dim = d.int(2, 12), d.int(1, 8)
    if d.chance(0.6):
        extra = ""
        if d.chance(0.3):
            extra += f", padding_idx={d.int(-num, num - 1)}"
        if d.chance(0.2):
            extra += f", max_norm={d.pick([0.5, 1.0, 2.0])}"
        if d.chance(0.2):
            extra += ", scale_grad_by_freq=True"
        shape = [d.int(1, 4), d.int(1, 5)]
        expr = f"Embedding({num}, {dim}{extra})"
        if d.chance(0.5):
            expr = f"Sequential({expr}, Flatten(), Linear({shape[1] * dim}, {d.int(1, 5)}), Tanh())"
        return case("embedding", expr, [["index", shape, num]])
    mode = d.pick(["sum", "mean", "max"])
    extra = f", mode={mode!r}"
    if d.chance(0.3):
        extra += f", padding_idx={d.int(0, num - 1)}"
    if d.chance(0.15):
        extra += f", max_norm={d.pick([0.5, 1.0])}"
    if d.chance(0.5):
        return case("embedding", f"EmbeddingBag({num}, {dim}{extra})", [["index", [d.int(1, 4), d.int(1, 5)], num]])
    total = d.int(1, 10)
    bags = sorted(d.int(0, total) for _ in range(d.int(1, 4)))
    bags[0] = 0
    last = d.chance(0.3)
    if last:
        extra += ", include_last_offset=True"
        bags.append(total)
    inputs = [["index", [total], num], ["offsets", bags]]
    if mode == "sum" and d.chance(0.5):
        inputs.append(["float", [total]])
    return case("embedding", f"EmbeddingBag({num}, {dim}{extra})", inputs)


def bilinear(d, train):
    i1, i2, o = d.int(1, 6), d.int(1, 6), d.int(1, 5)
    lead = [d.int(1, 4)] + ([d.int(1, 3)] if d.chance(0.3) else [])
    return case("bilinear", f"Bilinear({i1}, {i2}, {o}, bias={b(d.chance(0.8))})",
                [["float", lead + [i1]], ["float", lead + [i2]]])


def recurrent(d, train):
    mode = d.pick(["RNN", "LSTM", "GRU"])
    inp, hid = d.int(1, 6), d.int(1, 6)
    if d.chance(0.25):
        n = d.int(1, 3)
        unbatched = d.chance(0.3)
        args = f"{inp}, {hid}, bias={b(d.chance(0.8))}"
        if mode == "RNN":
            args += f", nonlinearity={d.pick(['tanh', 'relu'])!r}"
        x = [inp] if unbatched else [n, inp]
        h = [hid] if unbatched else [n, hid]
        inputs = [["float", x]]
        if d.chance(0.5):
            inputs += [["float", h]] * (2 if mode == "LSTM" else 1)
        return case("recurrent", f"{mode}Cell({args})", inputs, call="state_tuple" if len(inputs) == 3 else None)
    layers, bidir = d.int(1, 3), d.chance(0.4)
    batch_first, unbatched = d.chance(0.4), d.chance(0.15)
    args = f"{inp}, {hid}, num_layers={layers}, bias={b(d.chance(0.8))}, batch_first={b(batch_first)}"
    args += f", bidirectional={b(bidir)}"
    if layers > 1 and not train and d.chance(0.3):
        args += ", dropout=0.3"
    if mode == "RNN":
        args += f", nonlinearity={d.pick(['tanh', 'relu'])!r}"
    proj = d.int(1, hid - 1) if mode == "LSTM" and hid > 1 and d.chance(0.3) else 0
    if proj:
        args += f", proj_size={proj}"
    t, n = d.int(1, 6), d.int(1, 3)
    x = [t, inp] if unbatched else ([n, t, inp] if batch_first else [t, n, inp])
    states = layers * (2 if bidir else 1)
    h = [states, proj or hid] if unbatched else [states, n, proj or hid]
    inputs = [["float", x]]
    if d.chance(0.4):
        inputs.append(["float", h])
        if mode == "LSTM":
            inputs.append(["float", h[:-1] + [hid]])
    return case("recurrent", f"{mode}({args})", inputs, call="state_tuple" if len(inputs) == 3 else None)


def attention(d, train):
    heads, hd = d.int(1, 3), d.int(1, 4)
    e = heads * hd
    args = f"{e}, {heads}"
    if not train and d.chance(0.3):
        args += ", dropout=0.2"
    args += f", bias={b(d.chance(0.8))}, add_bias_kv={b(d.chance(0.3))}, add_zero_attn={b(d.chance(0.3))}"
    kdim = d.int(1, 6) if d.chance(0.25) else e
    vdim = d.int(1, 6) if d.chance(0.25) else e
    if kdim != e or vdim != e:
        args += f", kdim={kdim}, vdim={vdim}"
    batch_first = d.chance(0.4)
    args += f", batch_first={b(batch_first)}"
    n, l, s = d.int(1, 3), d.int(1, 5), d.int(1, 5)
    unbatched = d.chance(0.15)

    def shape(length, width):
        if unbatched:
            return [length, width]
        return [n, length, width] if batch_first else [length, n, width]

    if kdim == e and vdim == e and d.chance(0.5):
        return case("attention", f"MultiheadAttention({args})", [["float", shape(l, e)]], call="self")
    return case("attention", f"MultiheadAttention({args})",
                [["float", shape(l, e)], ["float", shape(s, kdim)], ["float", shape(s, vdim)]])


def transformer(d, train):
    nhead = d.int(1, 2)
    hd = d.int(MIN_GROUP // nhead, 4)
    dm = nhead * hd
    ff = d.int(1, 12)
    act = d.pick(["'relu'", "'gelu'", "GELU()", "ReLU()", "SiLU()", "Tanh()"])
    batch_first = d.chance(0.4)
    common = (f"dim_feedforward={ff}, dropout={0.0 if train else d.pick([0.0, 0.1])}, activation={act}, "
              f"layer_norm_eps={d.pick([1e-5, 1e-3])}, batch_first={b(batch_first)}, norm_first={b(d.chance(0.5))}")
    if FEATURES["transformer_bias"] and d.chance(0.2):
        common += ", bias=False"
    n, s, t = d.int(1, 3), d.int(1, 4), d.int(1, 4)

    def seq(length):
        return [n, length, dm] if batch_first else [length, n, dm]

    kind = d.pick(["enc_layer", "dec_layer", "encoder", "decoder", "transformer"])
    norm = f", norm=LayerNorm({dm})" if d.chance(0.5) else ""
    if kind == "enc_layer":
        return case("transformer", f"TransformerEncoderLayer({dm}, {nhead}, {common})", [["float", seq(s)]])
    if kind == "dec_layer":
        return case("transformer", f"TransformerDecoderLayer({dm}, {nhead}, {common})",
                    [["float", seq(t)], ["float", seq(s)]])
    if kind == "encoder":
        expr = f"TransformerEncoder(TransformerEncoderLayer({dm}, {nhead}, {common}), {d.int(1, 2)}{norm})"
        return case("transformer", expr, [["float", seq(s)]])
    if kind == "decoder":
        expr = f"TransformerDecoder(TransformerDecoderLayer({dm}, {nhead}, {common}), {d.int(1, 2)}{norm})"
        return case("transformer", expr, [["float", seq(t)], ["float", seq(s)]])
    expr = (f"Transformer({dm}, {nhead}, num_encoder_layers={d.int(1, 2)}, num_decoder_layers={d.int(1, 2)}, "
            f"{common})")
    return case("transformer", expr, [["float", seq(s)], ["float", seq(t)]])


FAMILIES = {"mlp": (mlp, 4), "cnn": (cnn, 5), "activation": (single_activation, 3), "norm": (norm, 2),
            "pool": (pool, 2), "embedding": (embedding, 1.5), "bilinear": (bilinear, 0.7),
            "recurrent": (recurrent, 3), "attention": (attention, 2), "transformer": (transformer, 2)}


def generate(d, train, only=None):
    table = {k: w for k, (_, w) in FAMILIES.items() if not only or k in only}
    return FAMILIES[d.weighted(table)][0](d, train)
