"""nninit.torch on real models: accelerated() construction and apply_rules() on the user's own modules.

Each model is built from the same seed by plain PyTorch and through nninit; every tensor of the state_dict
must be equal bit for bit, and so must the default generator's state afterwards.
"""

import random
import warnings

import pytest
import torch

import nninit.torch as nt
from generated import cases

try:
    import torchvision
except ImportError:  # a PyTorch without its torchvision (some Debian suites): those models are skipped
    torchvision = None

needs_torchvision = pytest.mark.skipif(torchvision is None,
                                       reason="torchvision is not installed beside this torch")


class HuggingFaceStyle(torch.nn.Module):
    """A model initialised the way Hugging Face's _init_weights does it: `.data.normal_`, `.data.zero_`."""

    def __init__(self, vocab=300, width=48, layers=2):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, width)
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleDict({"attn": torch.nn.Linear(width, 3 * width), "proj": torch.nn.Linear(width, width),
                                 "norm": torch.nn.LayerNorm(width)}) for _ in range(layers))
        self.head = torch.nn.Linear(width, vocab, bias=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if getattr(module, "bias", None) is not None:
                module.bias.data.zero_()
        elif isinstance(module, torch.nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()


BUILDERS = {
    "resnet18": lambda: torchvision.models.resnet18(),
    "vgg11_bn": lambda: torchvision.models.vgg11_bn(),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
    "vit_b_16": lambda: torchvision.models.vit_b_16(),
    "transformer": lambda: torch.nn.Transformer(d_model=64, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                                                dim_feedforward=128),
    "lstm": lambda: torch.nn.LSTM(32, 64, num_layers=2, bidirectional=True),
    "hugging_face_style": HuggingFaceStyle,
}


def built(builder, seed, through_nninit):
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if through_nninit:
            with nt.accelerated():
                model = builder()
        else:
            model = builder()
    return model.state_dict(), torch.get_rng_state()


def assert_same_state(got, expected):
    assert list(got) == list(expected)
    for key in expected:
        assert torch.equal(got[key], expected[key]), key


TORCHVISION_MODELS = {"resnet18", "vgg11_bn", "mobilenet_v2", "vit_b_16"}


@pytest.mark.parametrize("name", [pytest.param(name, marks=needs_torchvision if name in TORCHVISION_MODELS else ())
                                  for name in BUILDERS])
def test_accelerated_construction_equals_torch(name):
    expected, expected_rng = built(BUILDERS[name], 11, through_nninit=False)
    got, got_rng = built(BUILDERS[name], 11, through_nninit=True)
    assert_same_state(got, expected)
    assert torch.equal(got_rng, expected_rng)


def test_accelerated_restores_torch_and_leaves_autograd_errors_to_torch():
    original = (torch.nn.init.normal_, torch.Tensor.normal_, torch.Tensor.uniform_)
    with nt.accelerated():
        assert torch.nn.init.normal_ is not original[0]
        with nt.accelerated():  # nests
            pass
        assert torch.Tensor.normal_ is not original[1]
        leaf = torch.empty(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            leaf.normal_()
        with pytest.raises(TypeError):
            torch.empty(3).uniform_(0.0, 1.0, 2.0)
        # Integer tensors, and keyword spellings nninit does not take, go to PyTorch's own method.
        assert torch.empty(3, dtype=torch.int64).normal_ is not None
    assert (torch.nn.init.normal_, torch.Tensor.normal_, torch.Tensor.uniform_) == original


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3)
        self.norm = torch.nn.BatchNorm2d(8)
        self.scale = torch.nn.Parameter(torch.zeros(8))


class WideBlock(Block):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 16)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Block()
        self.body = torch.nn.Sequential(WideBlock(), torch.nn.ReLU(), Block())
        self.head = torch.nn.Linear(16, 10)
        self.attn = torch.nn.MultiheadAttention(16, 2)


RULE_POOL = [
    "Conv2d.weight=kaiming_normal_(mode='fan_out', nonlinearity='relu')",
    "Block.scale=ones_()",
    "*.bias=zeros_()",
    "Linear.weight=trunc_normal_(std=0.02)",
    "*.in_proj_weight=xavier_uniform_()",
    "body.0.fc.weight=orthogonal_(gain=2.0)",
    "BatchNorm2d.weight=uniform_(a=0.5, b=1.5)",
    "*=normal_(std=0.01)",
]


@pytest.mark.parametrize("case", cases(30))
def test_apply_rules_equals_the_init_fn_it_stands_for(case):
    rng = random.Random(300 + case)
    rules = rng.sample(RULE_POOL, rng.randint(1, 4))
    seed = rng.randrange(2**32)
    torch.manual_seed(seed)
    expected = Net()
    namespace = {"model": expected}
    exec(nt.rules_to_python(rules), namespace)  # PyTorch running the init_fn nninit says the rules mean
    expected_rng = torch.get_rng_state()

    torch.manual_seed(seed)
    got = Net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = nt.apply_rules(got, rules)
    assert_same_state(got.state_dict(), expected.state_dict())
    assert torch.equal(torch.get_rng_state(), expected_rng)
    assert sum(len(names) for names in report.values()) > 0


PASS_POOL = [
    "then: *.bias=uniform_(a=-0.1, b=0.1)",
    "parameters(dim>1): *=xavier_uniform_()",
    "parameters: Block.*=normal_(std=0.5)",
    "parameters(dim==1): *.weight=ones_()",
    "then: Linear.weight=orthogonal_()",
]


# Rules in passes (a prefix starts a pass; parameters passes walk named_parameters()) against the script
# rules_to_python prints for them, run by PyTorch.
@pytest.mark.parametrize("case", cases(12))
def test_apply_rules_in_passes_equals_the_script(case):
    rng = random.Random(900 + case)
    rules = rng.sample(RULE_POOL, rng.randint(1, 3)) + rng.sample(PASS_POOL, rng.randint(1, 3))
    seed = rng.randrange(2**32)
    torch.manual_seed(seed)
    expected = Net()
    exec(nt.rules_to_python(rules), {"model": expected})
    expected_rng = torch.get_rng_state()

    torch.manual_seed(seed)
    got = Net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nt.apply_rules(got, rules)
    assert_same_state(got.state_dict(), expected.state_dict())
    assert torch.equal(torch.get_rng_state(), expected_rng)


def test_apply_rules_errors_say_what_and_where():
    with pytest.raises(ValueError, match="did you mean 'Block'"):
        nt.apply_rules(Net(), ["Blok.scale=ones_()"])
    with pytest.raises(ValueError, match="no rule matched any parameter"):
        nt.apply_rules(Net(), ["*.nothing=ones_()"])
    with pytest.raises(ValueError, match="nromal_"):
        nt.apply_rules(Net(), ["*.bias=nromal_()"])
    with pytest.warns(UserWarning, match="matched no parameter"):
        nt.apply_rules(Net(), ["*.bias=zeros_()", "*.nothing=ones_()"])
