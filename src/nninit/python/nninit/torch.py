"""nninit.torch: torch.nn.init's functions, computed by nninit, in place and bit for bit.

    import torch
    import nninit.torch as nt
    w = torch.empty(256, 784)
    nt.kaiming_uniform_(w, a=math.sqrt(5))   # the values and the generator state torch.nn.init's would give

Each function has the name and the signature of the running PyTorch's (``generator=`` where that release has
it), raises PyTorch's errors and warnings, and leaves the generator it draws from (PyTorch's default one, or
the ``torch.Generator`` passed) in the state PyTorch's own function would, so code that mixes nninit and torch
calls draws the same numbers as torch alone. The release and the CPU capability are read from the running
torch (``torch.__version__``, the capability ATen dispatches to); ``use()`` overrides them.

What nninit cannot reproduce exactly falls through to PyTorch's own function, never to a different value: a
tensor that is not on the CPU, a dtype other than float32/float64/float16/bfloat16, a tensor whose elements
overlap, a release nninit does not know.
"""

from __future__ import annotations

import functools
import inspect
import re

import torch

from nninit import _nninit, parse_torch_version

__all__ = ["use", "release", "supports"]

_DTYPES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.float16: "float16",
    torch.bfloat16: "bfloat16",
}

_override = {"torch_version": None, "capability": None}


def _detected_capability() -> str:
    """The capability ATen dispatches CPU kernels to in this process, as nninit names it."""
    name = None
    cpu_backend = getattr(torch.backends, "cpu", None)
    if cpu_backend is not None and hasattr(cpu_backend, "get_cpu_capability"):
        name = cpu_backend.get_cpu_capability()
    else:  # PyTorch 1.13 reports it only in its build summary
        match = re.search(r"CPU capability usage:\s*(\w+)", torch.__config__.show())
        name = match.group(1) if match else "AVX2"
    name = name.lower()
    if name.startswith("avx512"):
        return "avx512"
    if name.startswith("avx2"):
        return "avx2"
    return "default"


def use(torch_version=None, capability=None) -> None:
    """Imitate another release or capability than the running torch's (None: detect again)."""
    _override["torch_version"] = None if torch_version is None else parse_torch_version(torch_version)
    _override["capability"] = capability


def release():
    """((major, minor), capability) that nninit.torch imitates now."""
    version = _override["torch_version"] or parse_torch_version(torch.__version__)
    return version, _override["capability"] or _detected_capability()


def _known(version) -> bool:
    return tuple(_nninit.oldest_torch_version) <= version <= tuple(_nninit.newest_torch_version)


def supports(tensor) -> bool:
    """Whether nninit computes an init of this tensor itself (otherwise PyTorch's function runs)."""
    if not isinstance(tensor, torch.Tensor) or tensor.device.type != "cpu" or tensor.dtype not in _DTYPES:
        return False
    if tensor.is_sparse or tensor.is_quantized or tensor.is_conj() or tensor.is_neg():
        return False
    if not _known(release()[0]):
        return False
    return _extent(tensor) is not None


def _extent(tensor):
    """Elements spanned from the view's first one, or None when elements overlap (an expanded tensor)."""
    if tensor.numel() == 0:
        return 0
    pairs = sorted((abs(st), sz) for sz, st in zip(tensor.shape, tensor.stride()) if sz != 1)
    span = 1
    for stride, size in pairs:
        if stride < span or stride < 0:
            return None
        span = stride * (size - 1) + span
    return span


def _literal(value) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float, str)):
        return repr(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return repr(value.item())
    raise TypeError(f"nninit cannot pass {type(value).__name__} to an init function")


def _state_of(generator):
    return bytes(generator.get_state().numpy())


def _run(name, torch_function, bound):
    arguments = dict(bound.arguments)
    tensor = arguments.pop("tensor")
    generator = arguments.pop("generator", None)
    if not supports(tensor) or (name == "sparse_" and generator is not None):
        # (sparse_ draws its randperm from PyTorch's default generator even when given another: two streams
        # nninit would have to carry at once.)
        return torch_function(*bound.args, **bound.kwargs)
    version, capability = release()
    torch_generator = generator if generator is not None else torch.default_generator
    if torch_generator.device.type != "cpu":
        return torch_function(*bound.args, **bound.kwargs)
    try:
        expression = "{}({})".format(name, ", ".join(f"{k}={_literal(v)}" for k, v in arguments.items()))
    except TypeError:
        return torch_function(*bound.args, **bound.kwargs)

    engine = _nninit.Generator(torch_version=version, capability=capability)
    engine.set_state(_state_of(torch_generator))
    storage = tensor.untyped_storage() if hasattr(tensor, "untyped_storage") else tensor.storage()
    offset = tensor.storage_offset()
    element = tensor.element_size()
    base = tensor.data_ptr() - offset * element
    nbytes = storage.nbytes() if hasattr(storage, "nbytes") else storage.size() * element
    try:
        with torch.no_grad():
            _nninit.fill_memory(expression, base, nbytes, list(tensor.shape), list(tensor.stride()), offset,
                                _DTYPES[tensor.dtype], engine)
    finally:
        # Also after an error: PyTorch's function may have drawn before failing (trunc_normal_ on float16
        # draws its uniform_ first), and nninit's engine has drawn the same.
        torch_generator.set_state(torch.tensor(list(engine.get_state()), dtype=torch.uint8))
    return tensor


def _drop_in(name):
    torch_function = getattr(torch.nn.init, name)
    signature = inspect.signature(torch_function)

    @functools.wraps(torch_function)
    def function(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)  # Python's own TypeError for a wrong call
        bound.apply_defaults()
        return _run(name, torch_function, bound)

    function.__doc__ = (f"torch.nn.init.{name}, computed by nninit (same values, same generator state).\n\n"
                        + (torch_function.__doc__ or ""))
    return function


# The random schemes and the deterministic ones, as the running torch names them; calculate_gain and the fan
# helpers are PyTorch's own (pure functions, nothing to accelerate).
_FUNCTIONS = ["uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
              "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
              "sparse_"]
for _name in _FUNCTIONS:
    if hasattr(torch.nn.init, _name):
        globals()[_name] = _drop_in(_name)
        __all__.append(_name)
calculate_gain = torch.nn.init.calculate_gain
__all__.append("calculate_gain")
del _name
