"""nninit.torch's drop-in torch.nn.init functions against the running PyTorch's own.

Generated cases (fixed seed): a random call of each function on a tensor of a random dtype and layout
(contiguous, transposed, a strided slice, channels_last), from a random seed. PyTorch's function and nninit's
run from the same generator state and must leave the same bits in the tensor, the same generator state, the
same exception and the same warnings; torch draws after the call must then agree too.
"""

import inspect
import random
import warnings

import numpy as np
import pytest
import torch

import nninit.torch as nt
from generated import cases
from test_numpy_api import DTYPES, random_init_call


def random_layout(rng, shape, dtype):
    """A tensor of `shape` that is not always contiguous, and an empty twin with the same strides."""
    kind = rng.choice(["contiguous", "contiguous", "transposed", "sliced", "channels_last"])
    if kind == "transposed" and len(shape) >= 2:
        base = torch.empty(list(reversed(shape[-2:])), dtype=dtype) if len(shape) == 2 else None
        if base is not None:
            tensor = base.t()
            return tensor, torch.empty_strided(tensor.size(), tensor.stride(), dtype=dtype)
    if kind == "sliced" and len(shape) >= 1 and all(s > 0 for s in shape):
        wide = torch.empty(shape[:-1] + [2 * shape[-1] + 1], dtype=dtype)
        tensor = wide[..., 1::2]
        twin = torch.empty(shape[:-1] + [2 * shape[-1] + 1], dtype=dtype)[..., 1::2]
        return tensor, twin
    if kind == "channels_last" and len(shape) == 4:
        tensor = torch.empty(shape, dtype=dtype).to(memory_format=torch.channels_last)
        return tensor, torch.empty_strided(tensor.size(), tensor.stride(), dtype=dtype)
    return torch.empty(shape, dtype=dtype), torch.empty(shape, dtype=dtype)


def outcome(function, tensor, kwargs, seed):
    torch.manual_seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            function(tensor, **kwargs)
            error = None
        except Exception as raised:  # the case is about which error
            error = (type(raised), str(raised))
    state = bytes(torch.get_rng_state().numpy())
    after = torch.rand(8)
    return error, [str(w.message) for w in caught], state, after


@pytest.mark.parametrize("case", cases(300))
def test_drop_in_equals_torch(case):
    rng = random.Random(9000 + case)
    name, kwargs, shape = random_init_call(rng)
    dtype = DTYPES[rng.choice(list(DTYPES))][0]
    expected, got = random_layout(rng, shape, dtype)
    seed = rng.randrange(2**32)
    torch_outcome = outcome(getattr(torch.nn.init, name), expected, kwargs, seed)
    nninit_outcome = outcome(getattr(nt, name), got, kwargs, seed)
    assert nninit_outcome[0] == torch_outcome[0]
    assert nninit_outcome[1] == torch_outcome[1]
    assert nninit_outcome[2] == torch_outcome[2], "the generator is left in another state"
    assert torch.equal(nninit_outcome[3], torch_outcome[3])
    if torch_outcome[0] is None:
        width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[expected.element_size()]
        assert got.stride() == expected.stride()
        np.testing.assert_array_equal(got.contiguous().view(width).numpy(),
                                      expected.contiguous().view(width).numpy())


def test_signature_and_docs_are_torch_own():
    for name in ["uniform_", "normal_", "kaiming_uniform_", "orthogonal_"]:
        assert inspect.signature(getattr(nt, name)) == inspect.signature(getattr(torch.nn.init, name))
    with pytest.raises(TypeError):
        nt.normal_(torch.empty(3), 0.0, 1.0, 5.0, 6.0, 7.0)
    with pytest.raises(TypeError):
        nt.uniform_(torch.empty(3), c=1.0)


def test_what_nninit_cannot_reproduce_falls_through_to_torch():
    expanded = torch.empty(1, 4).expand(3, 4)
    assert not nt.supports(expanded)
    assert not nt.supports(torch.empty(3, dtype=torch.int32))
    assert nt.supports(torch.empty(3, 4).t())
    # torch's own behaviour, whatever it is, comes back: the same error for an integer tensor.
    with pytest.raises(Exception) as torch_error:
        torch.nn.init.normal_(torch.empty(3, dtype=torch.int32))
    with pytest.raises(type(torch_error.value)) as nninit_error:
        nt.normal_(torch.empty(3, dtype=torch.int32))
    assert str(nninit_error.value) == str(torch_error.value)


def test_other_release_can_be_imitated_and_reset():
    nt.use(torch_version="2.6", capability="default")
    try:
        assert nt.release() == ((2, 6), "default")
    finally:
        nt.use()
    assert nt.release()[0] == tuple(int(p) for p in torch.__version__.split(".")[:2])


def test_a_model_initialised_through_nninit_equals_torch():
    """A user's own module class, its parameters re-initialised by nninit.torch as an init_fn would."""

    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3)
            self.norm = torch.nn.BatchNorm2d(8)
            self.head = torch.nn.Linear(8, 10)

    def build(init):
        torch.manual_seed(3)
        model = Block()
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, torch.nn.Linear):
                init.trunc_normal_(module.weight, std=0.02)
                init.zeros_(module.bias)
        return model.state_dict(), torch.rand(4)

    expected, expected_next = build(torch.nn.init)
    got, got_next = build(nt)
    for key in expected:
        assert torch.equal(got[key], expected[key]), key
    assert torch.equal(got_next, expected_next)


def test_a_division_by_zero_says_what_this_python_says():
    """PyTorch divides Python floats there: the message is the interpreter's ("division by zero" from 3.14)."""
    calls = [("xavier_uniform_", torch.empty(0, 0), {}), ("xavier_normal_", torch.empty(0, 0, 3), {}),
             ("trunc_normal_", torch.empty(4), {"std": 0.0})]
    for name, tensor, kwargs in calls:
        with pytest.raises(ZeroDivisionError) as torch_error:
            getattr(torch.nn.init, name)(tensor.clone(), **kwargs)
        with pytest.raises(ZeroDivisionError) as nninit_error:
            getattr(nt, name)(tensor.clone(), **kwargs)
        assert str(nninit_error.value) == str(torch_error.value), name
