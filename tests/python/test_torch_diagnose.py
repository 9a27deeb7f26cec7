"""nninit.torch.diagnose on PyTorch's own models against nninit's engine on the same model.

The same expression is built by PyTorch (and recorded through its hooks) and by nninit (and recorded by its
engine) from the same seed, with the same input batch (torch.randn right after construction) and the same
output gradient. The two diagnoses must agree layer by layer: names, types, depths, shapes, and activation
and gradient statistics within float32 tolerance (the two compute the same sums in different orders).
"""

import math
import warnings

import pytest
import torch

import nninit
import nninit.torch as nt

try:
    import torchvision
except ImportError:  # a PyTorch without its torchvision (some Debian suites): its test is skipped
    torchvision = None

MODELS = [
    ("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))", [64, 784]),
    ("Sequential(Conv2d(3, 8, 3, padding=1), BatchNorm2d(8), ReLU(), MaxPool2d(2), Conv2d(8, 16, 3), ReLU(), "
     "AdaptiveAvgPool2d(1), Flatten(), Linear(16, 10))", [8, 3, 16, 16]),
    ("Sequential(Linear(32, 64), Tanh(), LayerNorm(64), Linear(64, 64), GELU(), Dropout(0.0), Linear(64, 4))",
     [16, 32]),
    ("Sequential(Linear(16, 16), Sigmoid(), Linear(16, 16), Sigmoid(), Linear(16, 16), Sigmoid(), "
     "Linear(16, 16), Sigmoid(), Linear(16, 16), Sigmoid(), Linear(16, 2))", [32, 16]),
]


def close(a, b, tolerance=2e-4):
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-30)


@pytest.mark.parametrize("recorder", ["hooks", "fx"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("index", range(len(MODELS)))
def test_torch_and_engine_diagnose_alike(index, train, recorder):
    expression, shape = MODELS[index]
    seed = 100 + index
    torch.manual_seed(seed)
    model = eval(expression, {name: getattr(torch.nn, name) for name in dir(torch.nn)})
    x = torch.randn(shape)
    result = nt.diagnose(model, x, train=train, recorder=recorder)
    assert result.recorder == recorder
    through_torch = result.json["diagnosis"]
    engine_result = nninit.diagnose(expression, shape, seed=seed, train=train, torch_version=nt.release()[0])
    through_engine = engine_result.json["diagnosis"]
    assert through_torch["mode"] == through_engine["mode"] == ("train" if train else "eval")
    assert len(through_torch["layers"]) == len(through_engine["layers"])
    for ours, theirs in zip(through_torch["layers"], through_engine["layers"]):
        assert (ours["name"], ours["type"], ours["depth"], ours["output_shape"]) == \
               (theirs["name"], theirs["type"], theirs["depth"], theirs["output_shape"])
        assert close(ours["output"]["std"], theirs["output"]["std"]), ours["name"]
        # A mean near zero (after a normalisation) is compared on the scale of the std.
        assert abs(ours["output"]["mean"] - theirs["output"]["mean"]) <= 2e-4 * theirs["output"]["std"], \
            ours["name"]
        for key in ("input_grad_std", "output_grad_std"):
            assert close(ours[key], theirs[key]), (ours["name"], key)
    assert [p["name"] for p in through_torch["parameters"]] == [p["name"] for p in through_engine["parameters"]]
    assert [(f["direction"], f["trend"]) for f in through_torch["flags"]] == \
           [(f["direction"], f["trend"]) for f in through_engine["flags"]]
    # The lint and the symmetry check read the same tree, values included: the same verdicts.
    lint = lambda document: [(f["severity"], f["check"], f["path"], f["fix"]) for f in document["findings"]]
    assert lint(result.json) == lint(engine_result.json)
    assert through_torch["symmetries"] == through_engine["symmetries"]


class FunctionalMLP(torch.nn.Module):
    """The reference MLP written as people write it, with F.relu in forward."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 256)
        self.fc2 = torch.nn.Linear(256, 128)
        self.fc3 = torch.nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(torch.nn.functional.relu(self.fc2(torch.nn.functional.relu(self.fc1(x)))))


def test_functional_activations_are_layers_through_fx_and_say_so():
    torch.manual_seed(7)
    model = FunctionalMLP()
    x = torch.randn(64, 784)
    traced = nt.diagnose(model, x)
    assert traced.recorder == "fx" and "torch.fx" in traced.text
    engine = nninit.diagnose("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))",
                             [64, 784], seed=7, torch_version=nt.release()[0])
    ours = traced.json["diagnosis"]["layers"]
    theirs = engine.json["diagnosis"]["layers"]
    assert [layer["type"] for layer in ours] == [layer["type"] for layer in theirs] == \
           ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    for a, b in zip(ours, theirs):
        assert close(a["output"]["std"], b["output"]["std"]) and close(a["input_grad_std"], b["input_grad_std"])
    hooked = nt.diagnose(model, x, recorder="hooks")
    assert hooked.recorder == "hooks" and "functional layers are not seen" in hooked.text
    assert [layer["type"] for layer in hooked.json["diagnosis"]["layers"]] == ["Linear"] * 3


def test_a_model_fx_cannot_trace_falls_back_to_hooks():
    class Branchy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(8, 8)

        def forward(self, x):
            return self.fc(x) if x.sum() > 0 else -self.fc(x)  # data-dependent: fx refuses it

    assert nt.diagnose(Branchy(), torch.ones(2, 8)).recorder == "hooks"
    with pytest.raises(Exception):
        nt.diagnose(Branchy(), torch.ones(2, 8), recorder="fx")


@pytest.mark.skipif(torchvision is None, reason="torchvision is not installed beside this torch")
def test_diagnose_leaves_the_model_and_torch_as_they_were():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 64, 64)
    rng = torch.get_rng_state()
    result = nt.diagnose(model, x, train=True)
    assert not model.training
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(torch.get_rng_state(), rng)
    layers = result.json["diagnosis"]["layers"]
    assert any(layer["name"] == "layer4.1.conv2" for layer in layers)
    assert "symmetry: no hidden units start identical" in result.text
    # torchvision's own init (kaiming_normal_ fan_out for convolutions before BatchNorm) is no error.
    assert not [f for f in result.findings if f["severity"] == "error"]


def test_a_vanishing_custom_model_is_flagged(tmp_path):
    class Deep(torch.nn.Module):  # a user's own class, with functional activations
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(torch.nn.Linear(64, 64) for _ in range(30))
            for layer in self.layers:
                torch.nn.init.normal_(layer.weight, std=0.02)
                torch.nn.init.zeros_(layer.bias)

        def forward(self, x):
            for layer in self.layers:
                x = torch.tanh(layer(x))
            return x

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = nt.diagnose(Deep(), torch.randn(16, 64), report=tmp_path / "deep.html")
    assert {(f["direction"], f["trend"]) for f in result.flags} == {("forward", "vanishing"),
                                                                   ("backward", "vanishing")}
    assert (tmp_path / "deep.html").stat().st_size > 10_000
    assert result.to_json()["schema_version"] >= 1
    assert result.report(tmp_path / "again.html") == str(tmp_path / "again.html")
    assert (tmp_path / "again.html").read_bytes() == (tmp_path / "deep.html").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = nt.check(Deep(), torch.randn(16, 64))
    # The signals vanish, and the lint, reading the traced forward, sees the tanh after every layer of the
    # ModuleList (whose order the module tree does not show) and names the fix.
    assert [(p["severity"], p["check"]) for p in problems] == [("error", "signal"), ("error", "signal"),
                                                               ("error", "scale")]
    assert problems[2]["fix"] == "layers.*.weight=xavier_uniform_(gain=calculate_gain('tanh'))"


def test_check_passes_a_well_initialised_model():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 8))
    for layer in model[:-1]:
        if isinstance(layer, torch.nn.Linear):
            nt.kaiming_normal_(layer.weight, nonlinearity="relu")
            nt.zeros_(layer.bias)
    assert not nt.check(model, torch.randn(64, 32))


def test_expression_diagnosis_writes_its_report_on_request(tmp_path):
    result = nninit.diagnose("Sequential(Linear(8, 8), ReLU(), Linear(8, 2))", [4, 8], seed=3)
    assert result.report_path is None
    page = result.report(tmp_path / "page.html")
    assert "<svg" in (tmp_path / "page.html").read_text()
    assert page.endswith("page.html")


def test_lint_on_a_users_model_names_the_fix_as_a_rule():
    class Tower(torch.nn.Module):  # a custom class: nine Linear+ReLU blocks, Xavier before ReLU
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.Sequential(*[torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.ReLU())
                                                for _ in range(9)])
            self.head = torch.nn.Linear(256, 10)
            for block in self.blocks:
                nt.xavier_uniform_(block[0].weight)
                nt.zeros_(block[0].bias)

        def forward(self, x):
            return self.head(self.blocks(x))

    torch.manual_seed(0)
    problems = nt.check(Tower(), torch.randn(64, 256))
    scale = [p for p in problems if p["check"] == "scale"]
    assert scale, problems
    assert "kaiming" in scale[0]["fix"] and scale[0]["fix"].startswith("blocks.")


def test_identical_units_are_found_in_a_torch_model():
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    with torch.no_grad():
        model[0].weight.fill_(0.1)
        model[0].bias.zero_()
    result = nt.diagnose(model, torch.randn(4, 8))
    assert result.json["diagnosis"]["symmetries"], result.text


# --- the lint reads the order the forward ran -------------------------------------------------------------------

def lint_of(result):
    return {f["path"]: f for f in result.findings}


class Reordered(torch.nn.Module):
    """Children registered in another order than forward calls them: the Tanh first, the head before the
    layers it follows, fc2 before fc1."""

    def __init__(self):
        super().__init__()
        self.act = torch.nn.Tanh()
        self.head = torch.nn.Linear(64, 10)
        self.fc2 = torch.nn.Linear(64, 64)
        self.fc1 = torch.nn.Linear(32, 64)
        self.relu = torch.nn.ReLU()
        for layer in (self.fc1, self.fc2):  # Kaiming for ReLU on both: right for fc2 only
            nt.kaiming_normal_(layer.weight, nonlinearity="relu")
            nt.zeros_(layer.bias)

    def forward(self, x):
        return self.head(self.relu(self.fc2(self.act(self.fc1(x)))))


@pytest.mark.parametrize("recorder", ["fx", "hooks"])
def test_the_lint_reads_what_forward_calls_not_the_registration_order(recorder):
    torch.manual_seed(0)
    result = nt.diagnose(Reordered(), torch.randn(64, 32), recorder=recorder)
    lint = lint_of(result)
    # fc1 meets the Tanh: Kaiming's ReLU gain there is the scheme finding, and the fix is Xavier for tanh.
    assert lint["fc1.weight"]["check"] == "scheme", result.text
    assert "followed by Tanh" in lint["fc1.weight"]["message"]
    assert lint["fc1.weight"]["fix"] == "fc1.weight=xavier_uniform_(gain=calculate_gain('tanh'))"
    # fc2 meets the ReLU it was initialised for: nothing to say.
    assert "fc2.weight" not in lint
    assert result.json["lint_note"].startswith("what follows each layer is read from the forward recorded")
    assert "never ran" not in result.json["lint_note"]
    assert "lint: what follows each layer" in result.text


def test_the_output_layer_is_the_last_one_forward_calls():
    torch.manual_seed(0)
    model = Reordered()
    with torch.no_grad():
        model.head.weight.mul_(40.0)  # far too large logits
    lint = lint_of(nt.diagnose(model, torch.randn(64, 32), recorder="fx"))
    assert "the output layer" in lint["head.weight"]["message"]
    assert lint["head.weight"]["fix"] == "head.weight=xavier_uniform_()"


class FunctionalActivations(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(32, 64)
        self.fc2 = torch.nn.Linear(64, 64)
        self.fc3 = torch.nn.Linear(64, 4)
        for layer in (self.fc1, self.fc2):
            nt.normal_(layer.weight, std=0.01)
            nt.zeros_(layer.bias)

    def forward(self, x):
        x = torch.nn.functional.leaky_relu(self.fc1(x), 0.2)
        return self.fc3(torch.tanh(self.fc2(x)))


def test_functional_activations_pick_the_scheme_under_fx():
    torch.manual_seed(0)
    traced = nt.diagnose(FunctionalActivations(), torch.randn(64, 32))
    assert traced.recorder == "fx"
    lint = lint_of(traced)
    assert "followed by LeakyReLU" in lint["fc1.weight"]["message"]
    assert "a=0.2" in lint["fc1.weight"]["fix"] and "leaky_relu" in lint["fc1.weight"]["fix"]
    assert "followed by Tanh" in lint["fc2.weight"]["message"]
    assert lint["fc2.weight"]["fix"] == "fc2.weight=xavier_uniform_(gain=calculate_gain('tanh'))"
    # Module hooks do not see the functions: what follows fc1 and fc2 is unknown, and no scheme is claimed.
    hooked = lint_of(nt.diagnose(FunctionalActivations(), torch.randn(64, 32), recorder="hooks"))
    assert "fc1.weight" not in hooked and "fc2.weight" not in hooked


class Reused(torch.nn.Module):
    """One Linear called twice, each time before `second` (ReLU, or Tanh for the second call)."""

    def __init__(self, second):
        super().__init__()
        self.inp = torch.nn.Linear(16, 64)
        self.block = torch.nn.Linear(64, 64)
        self.out = torch.nn.Linear(64, 4)
        self.second = second
        nt.xavier_uniform_(self.block.weight)  # 0.71 of Kaiming: a warning before ReLU
        nt.zeros_(self.block.bias)

    def forward(self, x):
        x = torch.relu(self.inp(x))
        x = torch.relu(self.block(x))
        x = self.second(self.block(x))
        return self.out(x)


@pytest.mark.parametrize("recorder", ["fx", "hooks"])
def test_a_module_called_twice_is_judged_by_what_both_calls_meet(recorder):
    torch.manual_seed(0)
    both_relu = nt.diagnose(Reused(torch.nn.ReLU()), torch.randn(64, 16), recorder=recorder)
    lint = lint_of(both_relu)
    if recorder == "fx":
        assert lint["block.weight"]["check"] == "scale" and "followed by ReLU" in lint["block.weight"]["message"]
        assert "kaiming" in lint["block.weight"]["fix"]
    else:  # torch.relu is invisible to hooks: unknown
        assert "block.weight" not in lint
    # One call meets a ReLU, the other a Tanh: no single scheme is right, and none is claimed.
    mixed = lint_of(nt.diagnose(Reused(torch.nn.Tanh()), torch.randn(64, 16), recorder=recorder))
    assert "block.weight" not in mixed


def test_layers_that_never_ran_keep_the_registration_order_and_are_named():
    class WithSpare(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(8, 8)
            self.spare = torch.nn.Linear(8, 8)
            self.act = torch.nn.ReLU()

        def forward(self, x):
            return self.act(self.fc(x))

    torch.manual_seed(0)
    result = nt.diagnose(WithSpare(), torch.randn(16, 8))
    assert "spare never ran in it and is read in registration order" in result.json["lint_note"]
    assert "spare never ran" in result.text
    assert nt.diagnose(WithSpare(), torch.randn(16, 8), lint=False).json["lint_note"] is None

    class WithSpares(WithSpare):  # seven that never ran: five named, then a count
        def __init__(self):
            super().__init__()
            self.spares = torch.nn.ModuleList(torch.nn.Linear(8, 8) for _ in range(6))

    note = nt.diagnose(WithSpares(), torch.randn(16, 8)).json["lint_note"]
    assert note.endswith("spare, spares.0, spares.1, spares.2, spares.3 and 2 more never ran in it and are read "
                         "in registration order"), note


def test_a_sequential_gives_the_findings_of_its_tree_through_both_recorders():
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 64), torch.nn.Sigmoid(), torch.nn.Linear(64, 4))
    x = torch.randn(16, 32)
    expression = "Sequential(Linear(32, 64), Tanh(), Linear(64, 64), ReLU(), Linear(64, 64), Sigmoid(), Linear(64, 4))"
    engine = nninit.diagnose(expression, [16, 32], seed=2, torch_version=nt.release()[0])
    key = lambda document: [(f["severity"], f["check"], f["path"], f["message"], f["fix"])
                            for f in document["findings"]]
    assert key(engine.json)
    for recorder in ("fx", "hooks"):
        assert key(nt.diagnose(model, x, recorder=recorder).json) == key(engine.json)
