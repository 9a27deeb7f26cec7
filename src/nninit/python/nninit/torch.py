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

import contextlib
import difflib
import fnmatch
import functools
import inspect
import math
import re
import threading
import warnings

import torch

from nninit import Diagnosis, _nninit, parse_torch_version

__all__ = ["use", "release", "supports", "accelerated", "apply_rules", "rules_to_python", "diagnose", "check",
           "Diagnosis"]

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


def _state_of(generator) -> bytes:
    return generator.get_state().numpy().tobytes()


def _fill(expression: str, tensor, generator=None):
    """Fills a tensor that supports() accepts with an init expression ("normal_(std=0.02)"), drawing from
    `generator` (PyTorch's default one when None) and leaving it in the state PyTorch's function would."""
    version, capability = release()
    torch_generator = generator if generator is not None else torch.default_generator
    engine = _nninit.Generator(torch_version=version, capability=capability)
    engine.set_state(_state_of(torch_generator))
    storage = tensor.untyped_storage() if hasattr(tensor, "untyped_storage") else tensor.storage()
    offset = tensor.storage_offset()
    element = tensor.element_size()
    base = tensor.data_ptr() - offset * element
    nbytes = storage.nbytes() if hasattr(storage, "nbytes") else storage.size() * element
    try:
        _nninit.fill_memory(expression, base, nbytes, list(tensor.shape), list(tensor.stride()), offset,
                            _DTYPES[tensor.dtype], engine)
    finally:
        # Also after an error: PyTorch's function may have drawn before failing (trunc_normal_ on float16
        # draws its uniform_ first), and nninit's engine has drawn the same.
        torch_generator.set_state(torch.frombuffer(bytearray(engine.get_state()), dtype=torch.uint8))
    return tensor


def _run(name, torch_function, bound):
    arguments = dict(bound.arguments)
    tensor = arguments.pop("tensor")
    generator = arguments.pop("generator", None)
    if (not supports(tensor) or (generator is not None and generator.device.type != "cpu")
            or (name == "sparse_" and generator is not None)):
        # (sparse_ draws its randperm from PyTorch's default generator even when given another: two streams
        # nninit would have to carry at once.)
        return torch_function(*bound.args, **bound.kwargs)
    try:
        expression = "{}({})".format(name, ", ".join(f"{k}={_literal(v)}" for k, v in arguments.items()))
    except TypeError:
        return torch_function(*bound.args, **bound.kwargs)
    return _fill(expression, tensor, generator)


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


# --- accelerated(): what module constructors and init code call, routed through nninit ----------------------

_ORIGINAL_TENSOR_METHODS = {"uniform_": torch.Tensor.uniform_, "normal_": torch.Tensor.normal_}
_patch_lock = threading.Lock()
_patch_depth = 0


def _tensor_method(name):
    original = _ORIGINAL_TENSOR_METHODS[name]
    first, second = ("from", "to") if name == "uniform_" else ("mean", "std")
    init_names = ("a", "b") if name == "uniform_" else ("mean", "std")

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        # Tensor.uniform_(from=0, to=1, *, generator=None) and Tensor.normal_(mean=0, std=1, *, generator=None):
        # anything else, or what autograd would refuse (an in-place op on a leaf that requires grad), is
        # PyTorch's business and goes to the original method, which raises as it would have.
        if len(args) > 2 or set(kwargs) - {first, second, "generator"} or (args and first in kwargs) or (
                len(args) > 1 and second in kwargs):
            return original(self, *args, **kwargs)
        if self.requires_grad and torch.is_grad_enabled():
            return original(self, *args, **kwargs)
        values = list(args) + [kwargs.get(first, 0.0), kwargs.get(second, 1.0)][len(args):]
        generator = kwargs.get("generator")
        if (not supports(self) or (generator is not None and generator.device.type != "cpu")
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
            return original(self, *args, **kwargs)
        expression = "{}({}={!r}, {}={!r})".format(name, init_names[0], float(values[0]), init_names[1],
                                                   float(values[1]))
        return _fill(expression, self, generator)

    return method


@contextlib.contextmanager
def accelerated():
    """Within it, torch.nn.init's functions and the CPU ``Tensor.uniform_`` / ``Tensor.normal_`` methods (what
    module constructors and init code such as Hugging Face's ``module.weight.data.normal_(...)`` call) run on
    nninit's parallel kernels: the model's state_dict and the generator state afterwards equal plain
    PyTorch's bit for bit, only sooner. Nests; the originals are back when the outermost one exits."""
    global _patch_depth
    with _patch_lock:
        if _patch_depth == 0:
            saved = {name: getattr(torch.nn.init, name) for name in _FUNCTIONS if hasattr(torch.nn.init, name)}
            accelerated._saved = saved
            for name in saved:
                setattr(torch.nn.init, name, globals()[name])
            for name in _ORIGINAL_TENSOR_METHODS:
                setattr(torch.Tensor, name, _tensor_method(name))
        _patch_depth += 1
    try:
        yield
    finally:
        with _patch_lock:
            _patch_depth -= 1
            if _patch_depth == 0:
                for name, function in accelerated._saved.items():
                    setattr(torch.nn.init, name, function)
                for name, method in _ORIGINAL_TENSOR_METHODS.items():
                    setattr(torch.Tensor, name, method)


# --- rules on the user's own modules ------------------------------------------------------------------------

def rules_to_python(rules) -> str:
    """The PyTorch ``init_fn`` code a rule set stands for (what ``nninit init --print-python`` prints)."""
    return _nninit.rules_to_python(list(rules))


def _type_names(module):
    return [cls.__name__ for cls in type(module).__mro__]


def _torch_fallback(expression: str, tensor):
    """Runs an init expression with PyTorch's own function, for a tensor nninit does not fill itself."""
    function_name = expression.split("(", 1)[0].strip().split(".")[-1]
    torch_function = getattr(torch.nn.init, function_name, None)
    if torch_function is None:
        raise NotImplementedError(f"{function_name} is nninit's own scheme, and nninit cannot fill this tensor "
                                  f"({tensor.dtype} on {tensor.device}); PyTorch has no such function")
    call = lambda *args, **kwargs: torch_function(tensor, *args, **kwargs)
    return eval(expression, {"__builtins__": {}, "math": math, function_name: call, "nn": None})


def apply_rules(model, rules):
    """Initialises the parameters of any torch module by rules PATTERN=EXPR, exactly as ``nninit init --init``
    does for nninit's own models and as the equivalent ``init_fn`` (``rules_to_python``) would in PyTorch:
    modules in ``model.apply`` order, each module's own parameters, the first matching rule wins; rules in
    later passes (``then: ...``, ``parameters(dim>1): ...``: README, Rules in passes) run after them. ``Type.param``
    matches a module that is an instance of a class named Type (custom classes included); other patterns are
    globs over the full parameter name. Returns, per rule, the names of the parameters it initialised."""
    version, _ = release()
    rules = list(rules)
    parsed = []
    for text in rules:
        parts = _nninit.parse_rule(text)
        _nninit.check_expression(parts["expression"], version)
        parsed.append(parts)
    names = {id(p): n for n, p in model.named_parameters()}
    model_types = {name for module in model.modules() for name in _type_names(module)}
    for parts, text in zip(parsed, rules):
        if parts["kind"] == "type" and parts["type"] not in model_types and not hasattr(torch.nn, parts["type"]):
            close = difflib.get_close_matches(parts["type"], sorted(model_types), n=2)
            hint = " (did you mean {}?)".format(" or ".join(f"'{c}'" for c in close)) if close else ""
            raise ValueError(f"rule '{text}': '{parts['type']}' is neither a torch.nn class nor a type in the "
                             f"model{hint}")

    def matches(parts, module, local, full):
        if parts["kind"] == "type":
            return parts["type"] in _type_names(module) and fnmatch.fnmatchcase(local, parts["parameter"])
        return fnmatch.fnmatchcase(full, parts["path"])

    initialised = [[] for _ in rules]
    plan = []
    passes = []  # the rules of each pass, by index: a rule with a prefix ("then:", "parameters:") starts one
    for index, parts in enumerate(parsed):
        if index == 0 or parts["starts_pass"]:
            passes.append([])
        passes[-1].append(index)
    owners = {}  # each parameter's module and its name there, for passes over named_parameters()
    for module in model.modules():
        for local, parameter in module.named_parameters(recurse=False):
            owners.setdefault(id(parameter), (module, local))

    def first_match(members, module, local, parameter, full):
        for index in members:
            if matches(parsed[index], module, local, full):
                plan.append((index, parameter, full))
                return

    for members in passes:
        head = parsed[members[0]]
        if head["walk"] == "apply":
            model.apply(lambda module: [first_match(members, module, local, parameter,
                                                    names.get(id(parameter), local))
                                        for local, parameter in module.named_parameters(recurse=False)])
            continue
        for full, parameter in model.named_parameters():
            if head["dim_condition"] and not eval(head["dim_condition"], {"__builtins__": {}}, {"p": parameter}):
                continue
            module, local = owners[id(parameter)]
            first_match(members, module, local, parameter, full)
    if not plan:
        listing = ", ".join(names.values())
        raise ValueError(f"apply_rules: no rule matched any parameter (rules: {', '.join(map(repr, rules))}); "
                         f"the model's parameters are {listing}")
    for index, parameter, full in plan:
        expression = parsed[index]["expression"]
        with torch.no_grad():
            if supports(parameter):
                _fill(expression, parameter)
            else:
                _torch_fallback(expression, parameter)
        initialised[index].append(full)
    for index, text in enumerate(rules):
        if not initialised[index]:
            warnings.warn(f"rule '{text}' matched no parameter", UserWarning, stacklevel=2)
    return {text: initialised[index] for index, text in enumerate(rules)}


# --- diagnose the user's real model ---------------------------------------------------------------------------

def _tensors_in(value):
    """The tensors in a module's output, in order: a tensor, or nested tuples, lists and dicts of them."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors_in(item)]
    return []


def _array(tensor):
    tensor = tensor.detach()
    if tensor.is_floating_point():
        return tensor.to("cpu", torch.float32).clone().numpy()
    if tensor.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        return tensor.to("cpu", torch.int64).clone().numpy()
    return None


# Functions that act as layers when a model calls them in forward (F.relu, torch.tanh, x.sigmoid()): recorded
# under the module class that does the same, so the analysis reads them as it reads those modules.
_FUNCTIONAL_LAYERS = {
    "relu": "ReLU", "relu_": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "elu": "ELU", "selu": "SELU",
    "celu": "CELU", "gelu": "GELU", "silu": "SiLU", "mish": "Mish", "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid", "hardtanh": "Hardtanh", "softplus": "Softplus", "tanh": "Tanh",
    "sigmoid": "Sigmoid", "softmax": "Softmax", "log_softmax": "LogSoftmax", "dropout": "Dropout",
    "layer_norm": "LayerNorm", "adaptive_avg_pool1d": "AdaptiveAvgPool1d",
    "adaptive_avg_pool2d": "AdaptiveAvgPool2d", "avg_pool2d": "AvgPool2d", "max_pool2d": "MaxPool2d",
}


# Functions a traced forward calls that neither are layers nor change which nonlinearity a layer's output meets
# next: shapes, indexing, a residual sum, a concatenation, a copy or a move. Any other function is code the
# lint cannot read (it may be a nonlinearity nninit does not know, or a gate).
_NEUTRAL_FUNCTIONS = {
    "add", "add_", "iadd", "getitem", "getattr", "size", "dim", "view", "view_as", "reshape", "reshape_as",
    "flatten", "permute", "transpose", "contiguous", "unsqueeze", "squeeze", "expand", "expand_as", "cat",
    "clone", "to", "float", "type_as",
}


def _function_name(node):
    return node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")


def _functional_layer(node):
    if node.op not in ("call_function", "call_method"):
        return None
    return _FUNCTIONAL_LAYERS.get(_function_name(node))


# --- the forward's leaf calls in the order they ran, for the lint (what follows each layer) ------------------

def _runs_torch_forward(module):
    """Whether a module's forward is torch.nn's own, which nninit's twin of the layer reads (a user's class, or
    a subclass that overrides forward, may do anything inside)."""
    return getattr(type(module).forward, "__module__", "").startswith("torch.nn")


def _module_call(module, path):
    if _runs_torch_forward(module):
        return {"kind": "module", "path": path}
    return {"kind": "unseen"}


def _function_call(node, type_name):
    """A functional layer as the torch.nn layer that does the same: LeakyReLU keeps a literal slope."""
    expression = f"{type_name}()"
    if type_name == "LeakyReLU":
        slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope")
        if isinstance(slope, (int, float)) and not isinstance(slope, bool):
            expression = f"LeakyReLU({float(slope)!r})"
    layer = getattr(torch.nn, type_name, None)
    bases = [] if layer is None else [c.__name__ for c in layer.__mro__[1:] if c not in (torch.nn.Module, object)]
    return {"kind": "function", "type": type_name, "bases": bases, "expression": expression}


def _hooks_forward(entries):
    """The leaf calls module hooks saw ((module, path, enclosing calls) per call, in the order calls started).
    Between two leaf calls ran the code of the calls that enclose either below the innermost one enclosing both
    (that one included); unless every such module is a plain Sequential, which only calls its children, that
    code may have applied a functional activation the hooks did not see (or called a module the model does not
    hold, which has no hooks), and the lint is told so."""
    def hidden_code(enclosing):
        return any(type(entries[index][0]).forward is not torch.nn.Sequential.forward for index in enclosing)

    forward = []
    previous = None
    for index, (module, path, enclosing) in enumerate(entries):
        if index + 1 < len(entries) and index in entries[index + 1][2]:
            continue  # it calls other modules: not a leaf
        if previous is not None:
            common = 0
            while common < min(len(previous), len(enclosing)) and previous[common] == enclosing[common]:
                common += 1
            if hidden_code(previous[max(common - 1, 0):]) or hidden_code(enclosing[max(common - 1, 0):]):
                forward.append({"kind": "unseen"})
        forward.append(_module_call(module, path))
        previous = enclosing
    if previous is not None and hidden_code(previous):
        forward.append({"kind": "unseen"})
    return forward


def _new_record(name, type_name, depth, has_parameters):
    return {"name": name, "type": type_name, "depth": depth, "has_parameters": has_parameters, "outputs": [],
            "input_gradient": None, "output_gradient": None}


def _watch(record, args, output):
    """Keeps a copy of a call's outputs and hooks the gradients reaching its first input and first output."""
    inputs = _tensors_in(args)
    if inputs and inputs[0].requires_grad:
        inputs[0].register_hook(lambda g, r=record: r.__setitem__("input_gradient", _array(g)))
    outputs = _tensors_in(output)
    record["outputs"] = [_array(t) for t in outputs]
    if outputs and outputs[0].requires_grad:
        outputs[0].register_hook(lambda g, r=record: r.__setitem__("output_gradient", _array(g)))


def _run_with_hooks(model, inputs, calls, forward):
    """Module hooks: every module call, containers included, in the order calls start; `forward` gets the leaf
    calls for the lint (_hooks_forward)."""
    names = {module: name for name, module in model.named_modules()}
    stack, handles, entries = [], [], []

    def pre_hook(module, args):
        record = _new_record(names.get(module, type(module).__name__), type(module).__name__, len(stack),
                             any(True for _ in module.parameters(recurse=False)))
        calls.append(record)
        entries.append((module, names.get(module), tuple(index for _, _, index in stack)))
        stack.append((record, args, len(entries) - 1))

    def post_hook(module, args, output):
        record, start_args, _ = stack.pop()
        _watch(record, start_args, output)

    try:
        for module in model.modules():
            handles.append(module.register_forward_pre_hook(pre_hook))
            handles.append(module.register_forward_hook(post_hook))
        output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    forward.extend(_hooks_forward(entries))
    return output


def _run_with_fx(model, inputs, calls, forward):
    """torch.fx: the traced graph's module calls and functional layers (F.relu, torch.tanh, ...) in execution
    order, under the model's own call; `forward` gets them for the lint, with the functions that are neither
    layers nor neutral (_NEUTRAL_FUNCTIONS) as code it cannot read. Raises what symbolic_trace raises for a
    model it cannot trace."""
    import torch.fx

    graph = torch.fx.symbolic_trace(model)
    root = _new_record("", type(model).__name__, 0, any(True for _ in model.parameters(recurse=False)))
    calls.append(root)

    class Recorder(torch.fx.Interpreter):
        def run_node(self, node):
            if node.op == "call_module":
                module = self.module.get_submodule(node.target)
                record = _new_record(node.target, type(module).__name__, 1,
                                     any(True for _ in module.parameters(recurse=False)))
                forward.append(_module_call(module, node.target))
            elif _functional_layer(node) is not None:
                record = _new_record(node.name, _functional_layer(node), 1, False)
                forward.append(_function_call(node, _functional_layer(node)))
            else:
                if node.op in ("call_function", "call_method") and _function_name(node) not in _NEUTRAL_FUNCTIONS:
                    forward.append({"kind": "unseen"})
                return super().run_node(node)
            calls.append(record)
            args, kwargs = self.fetch_args_kwargs_from_env(node)
            output = super().run_node(node)
            _watch(record, (args, kwargs), output)
            return output

    output = Recorder(graph).run(*inputs)
    _watch(root, inputs, output)
    return output


def _describe(module):
    """The module tree as nninit mirrors it for the lint and the symmetry check: per module its class, its
    Python bases, its repr where it is a torch.nn layer without children (nninit builds those itself), its
    own parameters (values copied) and its children."""
    cls = type(module)
    bases = [c.__name__ for c in cls.__mro__[1:] if c not in (torch.nn.Module, object)]
    children = list(module.named_children())
    is_torch_layer = cls.__module__.startswith("torch.nn") and not children
    return {"type": cls.__name__, "bases": bases, "expression": repr(module) if is_torch_layer else "",
            "parameters": [(name, None if p is None else _array(p))
                           for name, p in module._parameters.items()],
            "children": [(name, _describe(child)) for name, child in children if child is not None]}


def diagnose(model, *example_inputs, train=True, gradient_seed=0, signal_bound=100.0, report=None,
             recorder="auto", lint=True):
    """Runs the real model forward on the example inputs and backward from an N(0, 1) gradient at each float
    output (nninit's generator, seeded with gradient_seed), records every layer call (order, type, outputs,
    the gradient reaching each call's first input and output), and judges the record as ``nninit diagnose``
    judges its own models: statistics per layer and parameter, vanishing and exploding signals. ``train=True``
    is the mode training starts in (BatchNorm on batch statistics).

    ``recorder``: "fx" traces the model with torch.fx, so that functional layers in forward (``F.relu``,
    ``torch.tanh``) are recorded too; "hooks" records module calls through forward hooks (containers
    included, functional calls not); "auto" (default) uses fx where the model traces and hooks where it does
    not. The result's ``recorder`` and its text say which ran.

    The model is left as it was: parameters, buffers (BatchNorm's running statistics), ``.grad``, the
    train/eval mode of every module and PyTorch's random state. Returns a Diagnosis; ``report="page.html"``
    also writes the HTML report.

    ``lint=True`` also runs the lint and the symmetry check on a twin of the module tree that nninit builds
    with the model's values (torch.nn layers it knows are its own; other classes keep their tensors, names and
    bases), as ``nninit check`` does on its own models. What follows each layer (the activation that decides its
    scheme, whether it is the output layer) is read from the forward just recorded, in the order its calls
    ran, functional activations included under fx; layers that never ran keep the registration order, and the
    result's ``json["lint_note"]`` names them."""
    if recorder not in ("auto", "fx", "hooks"):
        raise ValueError(f"recorder must be 'auto', 'fx' or 'hooks', not {recorder!r}")
    modes = {module: module.training for module in model.modules()}
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    grads = {name: p.grad for name, p in model.named_parameters()}
    calls = []
    forward = []  # the leaf calls in the order they ran, for the lint
    used = recorder
    try:
        with torch.random.fork_rng(devices=[]):
            model.train(train)
            inputs = [x.detach().clone().requires_grad_(True) if isinstance(x, torch.Tensor) and
                      x.is_floating_point() else x for x in example_inputs]
            for p in model.parameters():
                p.grad = None
            with torch.enable_grad():
                if recorder == "hooks":
                    output = _run_with_hooks(model, inputs, calls, forward)
                else:
                    try:
                        output = _run_with_fx(model, inputs, calls, forward)
                        used = "fx"
                    except Exception:  # whatever symbolic tracing refuses: data-dependent control flow, ...
                        if recorder == "fx":
                            raise
                        calls.clear()
                        forward.clear()
                        output = _run_with_hooks(model, inputs, calls, forward)
                        used = "hooks"
                outputs = [t for t in _tensors_in(output) if t.is_floating_point() and t.requires_grad]
                from nninit import fill, make_generator
                generator = make_generator(gradient_seed)
                seeds = [torch.from_numpy(fill("normal_()", list(t.shape), generator=generator)).to(t.dtype)
                         for t in outputs]
                if outputs:
                    torch.autograd.backward(outputs, seeds)
        parameters = [(name, _array(p)) for name, p in model.named_parameters()]
        parameter_gradients = [(name, _array(p.grad) if p.grad is not None else _array(torch.zeros_like(p)))
                               for name, p in model.named_parameters()]
    finally:
        for module, mode in modes.items():
            module.training = mode
        with torch.no_grad():
            for name, b in model.named_buffers():
                b.copy_(buffers[name])
        for name, p in model.named_parameters():
            p.grad = grads[name]
    shapes = ", ".join("x".join(map(str, x.shape)) for x in example_inputs if isinstance(x, torch.Tensor))
    how = ("torch.fx (module calls and functional layers)" if used == "fx" else
           "module hooks (module calls; functional layers are not seen)")
    record = {"inputs": [_array(x) for x in example_inputs if isinstance(x, torch.Tensor)], "train": train,
              "gradient_note": f"N(0, 1) at each float output, nninit's generator seeded {gradient_seed}; "
                               f"recorded through {how}",
              "inputs_note": f"{shapes}, the example inputs given", "calls": calls, "parameters": parameters,
              "parameter_gradients": parameter_gradients, "recorder": "torch.fx" if used == "fx" else "module hooks"}

    tree = _describe(model) if lint else None

    def run(path: str):
        return _nninit.diagnose_recording(record, tree, forward if lint else None, type(model).__name__,
                                          repr(model), gradient_seed, signal_bound, path)

    text, document = run("" if report is None else str(report))
    result = Diagnosis(text, document, report, rewrite=run)
    result.recorder = used
    return result


def check(model, *example_inputs, **options) -> list:
    """The errors ``diagnose`` finds, as a list (empty when there are none), for a one-line test:
    ``assert not nninit.torch.check(model, x)``: vanishing and exploding signals (``check`` "signal", with the
    flag's numbers) and the lint's errors (as in ``--json``: ``check``, ``message``, ``fix`` as a rule, ...)."""
    result = diagnose(model, *example_inputs, **options)
    signals = [dict(flag, severity="error", check="signal") for flag in result.flags]
    return signals + [f for f in result.findings if f.get("severity") == "error"]
