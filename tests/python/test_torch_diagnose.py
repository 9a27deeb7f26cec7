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
import torchvision

import nninit
import nninit.torch as nt

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


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("index", range(len(MODELS)))
def test_hooks_and_engine_diagnose_alike(index, train):
    expression, shape = MODELS[index]
    seed = 100 + index
    torch.manual_seed(seed)
    model = eval(expression, {name: getattr(torch.nn, name) for name in dir(torch.nn)})
    x = torch.randn(shape)
    through_torch = nt.diagnose(model, x, train=train).json["diagnosis"]
    through_engine = nninit.diagnose(expression, shape, seed=seed, train=train,
                                     torch_version=nt.release()[0]).json["diagnosis"]
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
    assert "symmetry: not checked" in result.text


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
