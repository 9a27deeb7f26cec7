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
    assert [p["severity"] for p in problems] == ["error", "error"]


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
