"""The NumPy API (nninit.fill, nninit.init, nninit.Generator) against the PyTorch installed beside it.

Cases are generated from a fixed seed: every torch.nn.init function with random arguments, shapes (empty and
one-element ones included), dtypes and seeds; models from a pool of layers with random sizes. Each is run by
PyTorch and by nninit imitating the running release, and must give the same bits, the same exception (type and
message) and the same warnings.
"""

import fnmatch
import random
import warnings

import numpy as np
import pytest
import torch

import nninit
import nninit.torch as nt
from generated import cases

VERSION, CAPABILITY = nt.release()
DTYPES = {"float32": (torch.float32, np.uint32), "float64": (torch.float64, np.uint64),
          "float16": (torch.float16, np.uint16), "bfloat16": (torch.bfloat16, np.uint16)}


def random_init_call(rng):
    """(name, keyword arguments, shape) of one torch.nn.init call; some are meant to fail."""
    name = rng.choice(["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
                       "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                       "orthogonal_", "sparse_"])
    real = lambda lo, hi: round(rng.uniform(lo, hi), rng.choice([1, 3, 17]))
    kwargs = {}
    if name == "uniform_":
        a = real(-3, 1)
        kwargs = {"a": a, "b": a + real(0, 4)}
    elif name == "normal_":
        kwargs = {"mean": real(-1, 1), "std": real(0, 2)}
    elif name == "trunc_normal_":
        kwargs = {"mean": real(-1, 1), "std": real(0.01, 2), "a": real(-3, -0.5), "b": real(0.5, 3)}
    elif name == "constant_":
        kwargs = {"val": real(-5, 5)}
    elif name in ("xavier_uniform_", "xavier_normal_", "orthogonal_"):
        kwargs = {"gain": real(0.1, 3)}
    elif name in ("kaiming_uniform_", "kaiming_normal_"):
        kwargs = {"a": real(0, 1), "mode": rng.choice(["fan_in", "fan_out"]),
                  "nonlinearity": rng.choice(["leaky_relu", "relu", "tanh", "linear", "sigmoid", "selu"])}
    elif name == "sparse_":
        kwargs = {"sparsity": real(0, 1), "std": real(0.001, 1)}
    rank = {"eye_": 2, "sparse_": 2, "dirac_": rng.choice([3, 4, 5])}.get(name, rng.choice([0, 1, 2, 2, 3, 4]))
    if rng.random() < 0.05:
        rank = rng.choice([0, 1, 6])  # wrong ranks: PyTorch's error must come back
    shape = [rng.choice([0, 1, 2, 3, 5, 8, 17, 64]) if rng.random() < 0.15 else rng.randint(1, 40)
             for _ in range(rank)]
    return name, kwargs, shape


def call_text(name, kwargs):
    return "{}({})".format(name, ", ".join(f"{k}={v!r}" for k, v in kwargs.items()))


def run_torch(name, kwargs, shape, dtype, seed):
    torch.manual_seed(seed)
    tensor = torch.empty(shape, dtype=DTYPES[dtype][0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            getattr(torch.nn.init, name)(tensor, **kwargs)
        except Exception as error:  # the case is about which error
            return None, (type(error), str(error)), [str(w.message) for w in caught]
    return tensor, None, [str(w.message) for w in caught]


def bits(array, dtype):
    return np.ascontiguousarray(array).view(DTYPES[dtype][1])


CASES = [random.Random(1000 + i) for i in cases(300)]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_fill_equals_torch(case):
    rng = CASES[case]
    name, kwargs, shape = random_init_call(rng)
    dtype = rng.choice(list(DTYPES))
    seed = rng.randrange(2**32)
    expected, error, expected_warnings = run_torch(name, kwargs, shape, dtype, seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if error is not None:
            with pytest.raises(error[0]) as raised:
                nninit.fill(call_text(name, kwargs), shape, dtype, seed=seed, torch_version=VERSION,
                            capability=CAPABILITY)
            assert str(raised.value) == error[1]
            return
        got = nninit.fill(call_text(name, kwargs), shape, dtype, seed=seed, torch_version=VERSION,
                          capability=CAPABILITY)
    assert [str(w.message) for w in caught] == expected_warnings
    assert list(got.shape) == list(expected.shape)
    torch_bits = expected.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[expected.element_size()]).numpy()
    np.testing.assert_array_equal(bits(got, dtype), torch_bits.view(DTYPES[dtype][1]))


def test_generator_state_is_torch_state_byte_for_byte():
    rng = random.Random(7)
    for _ in range(20):
        seed = rng.randrange(2**63)
        generator = nninit.make_generator(seed, VERSION, CAPABILITY)
        torch.manual_seed(seed)
        assert generator.get_state() == bytes(torch.get_rng_state().numpy())
        assert generator.initial_seed() == torch.initial_seed()
        # Draws of each kind leave the same state, the cached normal samples included.
        for _ in range(3):
            name, kwargs, shape = random_init_call(rng)
            if name in ("eye_", "dirac_", "sparse_", "orthogonal_"):
                continue
            torch_tensor = torch.empty(shape)
            try:
                getattr(torch.nn.init, name)(torch_tensor, **kwargs)
            except ValueError:
                continue
            nninit.fill(call_text(name, kwargs), shape, generator=generator)
            assert generator.get_state() == bytes(torch.get_rng_state().numpy())
    restored = nninit.make_generator(0, VERSION, CAPABILITY)
    restored.set_state(bytes(torch.get_rng_state().numpy()))
    np.testing.assert_array_equal(nninit.fill("normal_()", [100], generator=restored),
                                  torch.empty(100).normal_().numpy())
    with pytest.raises(RuntimeError):
        restored.set_state(b"\x00" * 12)


MODEL_LAYERS = [
    lambda r: f"Linear({r.randint(1, 64)}, {r.randint(1, 64)}, bias={r.random() < 0.7})",
    lambda r: f"Conv2d({r.randint(1, 8)}, {r.randint(1, 8)}, {r.randint(1, 5)}, bias={r.random() < 0.7})",
    lambda r: f"Conv1d({r.randint(1, 8)}, {r.randint(1, 8)}, {r.randint(1, 5)})",
    lambda r: f"BatchNorm1d({r.randint(1, 32)})",
    lambda r: f"LayerNorm({r.randint(1, 32)})",
    lambda r: f"Embedding({r.randint(1, 50)}, {r.randint(1, 16)})",
    lambda r: f"LSTM({r.randint(1, 16)}, {r.randint(1, 16)}, num_layers={r.randint(1, 2)})",
    lambda r: f"GRU({r.randint(1, 16)}, {r.randint(1, 16)}, bidirectional={r.random() < 0.5})",
    lambda r: "ReLU()",
    lambda r: f"TransformerEncoderLayer({4 * r.randint(1, 4)}, 2, dim_feedforward={r.randint(1, 32)})",
]


def apply_rule_as_torch(model, rule):
    """`model.apply(init_fn)` for one rule: each module's own parameters, in apply's (children first) order."""
    pattern, expression = rule.split("=", 1)
    name, _, arguments = expression.partition("(")
    kwargs = eval(f"dict({arguments}")
    names = {id(p): n for n, p in model.named_parameters()}
    type_name, _, parameter_name = pattern.partition(".")
    selected_names = []

    def init_fn(module):
        for local, parameter in module.named_parameters(recurse=False):
            if pattern.startswith("*"):
                selected = fnmatch.fnmatchcase(names[id(parameter)], pattern)
            else:
                selected = isinstance(module, getattr(torch.nn, type_name)) and local == parameter_name
            if selected:
                getattr(torch.nn.init, name)(parameter, **kwargs)
                selected_names.append(local)

    model.apply(init_fn)
    return bool(selected_names)


@pytest.mark.parametrize("case", cases(40))
def test_init_equals_torch_state_dict(case):
    rng = random.Random(5000 + case)
    layers = [rng.choice(MODEL_LAYERS)(rng) for _ in range(rng.randint(1, 4))]
    model = "Sequential({})".format(", ".join(layers))
    rules = []
    if rng.random() < 0.5:
        rules = [rng.choice(["*.weight=normal_(std=0.02)", "Linear.bias=zeros_()", "*=uniform_(a=-0.1, b=0.1)"])]
    seed = rng.randrange(2**32)
    dtype = rng.choice([None, "float64", "bfloat16"])
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = eval(model, {name: getattr(torch.nn, name) for name in dir(torch.nn)})
        matched = apply_rule_as_torch(module, rules[0]) if rules else True
    if dtype is not None:
        module.to(DTYPES[dtype][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not matched:  # nninit refuses a rule set that initialises nothing, naming what the model has
            with pytest.raises(ValueError, match="no rule matched any parameter"):
                nninit.init(model, rules, dtype, seed=seed, torch_version=VERSION, capability=CAPABILITY)
            return
        got = nninit.init(model, rules, dtype, seed=seed, torch_version=VERSION, capability=CAPABILITY)
    expected = module.state_dict()
    assert list(got) == list(expected)
    for name, tensor in expected.items():
        if tensor.is_floating_point():
            size = tensor.element_size()
            width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[size]
            np.testing.assert_array_equal(np.ascontiguousarray(got[name]).view(f"u{size}"),
                                          tensor.contiguous().view(width).numpy().view(f"u{size}"), name)
        else:
            np.testing.assert_array_equal(got[name], tensor.numpy(), name)


def test_bad_input_is_a_clear_python_error():
    with pytest.raises(ValueError, match="dtype"):
        nninit.fill("normal_()", [2], "int8")
    with pytest.raises(ValueError, match="torch_version"):
        nninit.fill("normal_()", [2], torch_version="two")
    with pytest.raises(ValueError, match="knows PyTorch"):
        nninit.fill("normal_()", [2], torch_version="0.4")
    with pytest.raises(ValueError, match="capability"):
        nninit.fill("normal_()", [2], capability="sse9")
    with pytest.raises(ValueError, match="normal_"):
        nninit.fill("nromal_()", [2])
    with pytest.raises(TypeError):
        nninit.fill("normal_(sdt=1)", [2])
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        nninit.fill("normal_()", [-1])
    with pytest.raises(ValueError, match="not both"):
        nninit.fill("normal_()", [2], seed=1, generator=nninit.Generator())
    with pytest.raises(NameError, match="did you mean 'Linear'"):
        nninit.init("Sequential(Linaer(2, 3))")
