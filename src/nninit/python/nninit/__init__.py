"""nninit: PyTorch's parameter initialisation, bit for bit, without PyTorch.

    import nninit
    w = nninit.fill("kaiming_uniform_(a=math.sqrt(5))", (256, 784), seed=0)
    # == torch.manual_seed(0); torch.nn.init.kaiming_uniform_(torch.empty(256, 784), a=math.sqrt(5))
    state = nninit.init("Sequential(Linear(784, 256), ReLU(), Linear(256, 10))", seed=0)
    # == torch.manual_seed(0); eval("nn.Sequential(...)").state_dict(), as NumPy arrays

Only NumPy is needed. Every function takes the PyTorch release to imitate (``torch_version="2.6"``, the
newest nninit knows by default) and the CPU capability ATen would dispatch to (``capability="avx2"``, or
"default" and "avx512", as PyTorch's ATEN_CPU_CAPABILITY), since both decide some of PyTorch's bits.

bfloat16 arrays hold the bit patterns as uint16, viewed as ``ml_dtypes.bfloat16`` when that package is
installed. ``nninit.torch`` works in place on torch tensors and on the user's own modules.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Optional, Sequence, Tuple, Union

from nninit._nninit import Generator, init_functions, newest_torch_version, oldest_torch_version
from nninit import _nninit

__all__ = ["Diagnosis", "Generator", "check", "diagnose", "fill", "init", "init_functions", "make_generator",
           "parse_torch_version"]

_DTYPES = {
    "float32": "float32", "float": "float32", "torch.float32": "float32", "torch.float": "float32",
    "float64": "float64", "double": "float64", "torch.float64": "float64", "torch.double": "float64",
    "float16": "float16", "half": "float16", "torch.float16": "float16", "torch.half": "float16",
    "bfloat16": "bfloat16", "torch.bfloat16": "bfloat16",
}


def parse_torch_version(version: Union[str, Tuple[int, int], None]) -> Tuple[int, int]:
    """(major, minor) from "2.6", "2.6.0+cpu", "1.13.1" or a tuple; None gives the newest nninit knows."""
    if version is None:
        return tuple(newest_torch_version)
    if isinstance(version, tuple):
        return (int(version[0]), int(version[1]))
    match = re.match(r"^v?(\d+)\.(\d+)", str(version).strip())
    if not match:
        raise ValueError(f"torch_version: expected a release such as '1.13' or '2.6', got {version!r}")
    return (int(match.group(1)), int(match.group(2)))


def _dtype_name(dtype) -> str:
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None) or str(dtype)
    try:
        return _DTYPES[name]
    except KeyError:
        raise ValueError(f"dtype: nninit fills float32, float64, float16 and bfloat16, not {dtype!r}") from None


def make_generator(seed: Optional[int] = None, torch_version=None, capability: str = "avx2") -> Generator:
    """A generator as ``torch.manual_seed(seed)`` leaves PyTorch's default one (torch.Generator()'s seed
    when seed is None)."""
    generator = Generator(torch_version=parse_torch_version(torch_version), capability=capability)
    if seed is not None:
        generator.manual_seed(seed)
    return generator


def _generator(generator, seed, torch_version, capability) -> Generator:
    if generator is not None:
        if seed is not None or torch_version is not None:
            raise ValueError("pass either generator= or seed=/torch_version=, not both")
        return generator
    return make_generator(0 if seed is None else seed, torch_version, capability)


def _view_bfloat16(array):
    try:
        import ml_dtypes
    except ImportError:
        return array
    return array.view(ml_dtypes.bfloat16)


def fill(expression: str, shape: Union[int, Sequence[int]], dtype="float32", *, seed: Optional[int] = None,
         torch_version=None, capability: str = "avx2", generator: Optional[Generator] = None):
    """A new array as ``torch.manual_seed(seed); torch.nn.init.EXPRESSION(torch.empty(shape, dtype=dtype))``.

    ``expression`` is a call of a torch.nn.init function without its tensor ("normal_(std=0.02)"). With
    ``generator=`` the draws come from (and advance) that generator instead of a fresh one seeded with
    ``seed`` (default 0)."""
    shape = [int(shape)] if isinstance(shape, int) else [int(d) for d in shape]
    name = _dtype_name(dtype)
    array = _nninit.fill(expression, shape, name, _generator(generator, seed, torch_version, capability))
    return _view_bfloat16(array) if name == "bfloat16" else array


def init(model: str, rules: Iterable[str] = (), dtype=None, *, seed: Optional[int] = None, torch_version=None,
         capability: str = "avx2", generator: Optional[Generator] = None) -> dict:
    """The state_dict of a model expression as ``torch.manual_seed(seed); model = eval(MODEL)`` gives it, then
    initialised by the rules ("PATTERN=EXPR", as ``nninit init --init``) and converted with ``model.to(dtype)``:
    a dict of NumPy arrays in state_dict order."""
    name = "" if dtype is None else _dtype_name(dtype)
    state = _nninit.init(model, list(rules), name, _generator(generator, seed, torch_version, capability))
    if name == "bfloat16":
        state = {key: _view_bfloat16(value) for key, value in state.items()}
    return state


class Diagnosis:
    """What ``nninit diagnose`` reports: ``text`` (as the terminal shows it), ``json`` (the --json document as a
    dict) and ``report`` (the HTML page's path, when one was asked for)."""

    def __init__(self, text: str, document: str, report=None):
        self.text = text
        self.json = json.loads(document)
        self.report = report

    def __str__(self):
        return self.text

    @property
    def flags(self) -> list:
        """The vanishing and exploding signals found (empty when none crossed the bound)."""
        return self.json["diagnosis"]["flags"]

    @property
    def findings(self) -> list:
        """The lint's findings (empty for a model recorded from PyTorch: the lint reads nninit's own tree)."""
        return self.json.get("findings") or []

    @property
    def has_errors(self) -> bool:
        return any(f.get("severity") == "error" for f in self.findings)


def diagnose(model: str, input_shape, rules: Iterable[str] = (), *, train: bool = True, seed: Optional[int] = None,
             gradient_seed: int = 0, signal_bound: float = 100.0, report=None, torch_version=None,
             capability: str = "avx2", generator: Optional[Generator] = None) -> Diagnosis:
    """``nninit diagnose MODEL --input SHAPE``: the model built and initialised as ``nninit.init`` does, run
    forward on a batch drawn as ``torch.randn(shape)`` right after it and backward from an N(0, 1) gradient;
    activation and gradient statistics per layer, vanishing and exploding signals, symmetry and the lint.
    ``input_shape`` is one shape or a list of shapes (one per model input). ``report=`` writes the HTML page."""
    shapes = [list(input_shape)] if input_shape and isinstance(input_shape[0], int) else [list(s) for s in input_shape]
    text, document = _nninit.diagnose_expression(model, list(rules), shapes, train, gradient_seed, signal_bound,
                                                 "" if report is None else str(report),
                                                 _generator(generator, seed, torch_version, capability))
    return Diagnosis(text, document, report)


def check(model: str, input_shape, rules: Iterable[str] = (), **options) -> Diagnosis:
    """``nninit check``: the diagnosis of ``diagnose``; ``.has_errors`` is what makes ``check`` exit 1."""
    return diagnose(model, input_shape, rules, **options)
