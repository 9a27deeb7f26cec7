"""nninit.torch against PyTorch in one run: each init function, then whole models' construction.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_speed.py [--repeat 3] [--threads N] [--quick]

Functions: torch.nn.init's and nninit.torch's, in place on a 2^26-element tensor (float32 and bfloat16),
elements per second and the ratio. Models: the best wall time of plain construction and of construction under
nninit.torch.accelerated() (same seed), their ratio, the parameter bytes written per second and that rate as a
fraction of the machine's memory bandwidth measured here (a NumPy copy of 512 MiB, counting the bytes read
and written). Every result is checked against PyTorch's bit for bit (values and generator state); a
difference aborts the run. --quick leaves out the 1-billion-parameter model.
"""

import argparse
import os
import time
import warnings

import numpy as np
import torch
import torchvision

import nninit.torch as nt


def gpt2_sized():
    """GPT-2 small's parameter shapes (124M) as plain torch layers: 12 blocks of attention and MLP."""
    width, layers, vocab, positions = 768, 12, 50257, 1024
    blocks = []
    for _ in range(layers):
        blocks += [torch.nn.LayerNorm(width), torch.nn.Linear(width, 3 * width), torch.nn.Linear(width, width),
                   torch.nn.LayerNorm(width), torch.nn.Linear(width, 4 * width), torch.nn.Linear(4 * width, width)]
    return torch.nn.Sequential(torch.nn.Embedding(vocab, width), torch.nn.Embedding(positions, width), *blocks,
                               torch.nn.LayerNorm(width))


class Billion(torch.nn.Module):
    """A 1.07-billion-parameter transformer: 20 pre-norm encoder layers of width 2048, each built on its own
    (so each draws its own weights, unlike nn.TransformerEncoder's copies), and a 32000-token embedding."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(32000, 2048)
        self.layers = torch.nn.ModuleList(
            torch.nn.TransformerEncoderLayer(2048, 16, dim_feedforward=8192, norm_first=True) for _ in range(20))


MODELS = {
    "transformer (1.07B)": Billion,
    "gpt2-sized (124M)": gpt2_sized,
    "vgg16 (138M)": torchvision.models.vgg16,
    "vit_b_16 (86M)": torchvision.models.vit_b_16,
    "resnet50 (26M)": torchvision.models.resnet50,
}


def memory_bandwidth(size=512 << 20, repeat=5):
    source = np.ones(size // 8)
    target = np.empty_like(source)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        np.copyto(target, source)
        best = min(best, time.perf_counter() - start)
    return 2 * size / best


def build(builder, through_nninit):
    torch.manual_seed(0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if through_nninit:
            with nt.accelerated():
                model = builder()
        else:
            model = builder()
    return time.perf_counter() - start, model


FUNCTIONS = [("uniform_", {"a": -0.1, "b": 0.1}), ("normal_", {"std": 0.02}), ("kaiming_uniform_", {}),
             ("kaiming_normal_", {}), ("xavier_uniform_", {}), ("xavier_normal_", {}), ("trunc_normal_", {"std": 0.02})]


def time_function(function, tensor, kwargs, repeat):
    best = float("inf")
    for _ in range(repeat):
        torch.manual_seed(0)
        start = time.perf_counter()
        function(tensor, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best


def bench_functions(repeat):
    print(f"{'function':<18} {'dtype':<9} {'PyTorch Melem/s':>16} {'nninit Melem/s':>15} {'speed-up':>9}")
    for dtype in (torch.float32, torch.bfloat16):
        expected, got = torch.empty(8192, 8192, dtype=dtype), torch.empty(8192, 8192, dtype=dtype)
        for name, kwargs in FUNCTIONS:
            plain = time_function(getattr(torch.nn.init, name), expected, kwargs, repeat)
            expected_rng = torch.get_rng_state()
            fast = time_function(getattr(nt, name), got, kwargs, repeat)
            if not torch.equal(got.view(torch.int16 if dtype == torch.bfloat16 else torch.int32),
                               expected.view(torch.int16 if dtype == torch.bfloat16 else torch.int32)) or \
                    not torch.equal(torch.get_rng_state(), expected_rng):
                raise SystemExit(f"{name} {dtype}: nninit.torch differs from PyTorch")
            n = expected.numel() / 1e6
            print(f"{name:<18} {str(dtype).split('.')[-1]:<9} {n / plain:>16.0f} {n / fast:>15.0f} "
                  f"{plain / fast:>8.1f}x")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="nninit's fill threads")
    parser.add_argument("--quick", action="store_true", help="leave out the 1-billion-parameter model")
    args = parser.parse_args()
    os.environ["NNINIT_NUM_THREADS"] = str(args.threads)
    bandwidth = memory_bandwidth()
    print(f"PyTorch {torch.__version__}, nninit imitating {nt.release()}, {os.cpu_count()} CPU(s); "
          f"memory bandwidth (NumPy copy) {bandwidth / 1e9:.1f} GB/s")
    bench_functions(args.repeat)
    print(f"{'model':<20} {'PyTorch s':>10} {'nninit s':>10} {'speed-up':>9} {'GB/s':>7} {'of bw':>6}")
    for name, builder in MODELS.items():
        if args.quick and builder is Billion:
            continue
        plain = min(build(builder, False)[0] for _ in range(args.repeat))
        fast = min(build(builder, True)[0] for _ in range(args.repeat))
        _, expected = build(builder, False)
        expected_rng = torch.get_rng_state()
        _, got = build(builder, True)
        if not torch.equal(torch.get_rng_state(), expected_rng) or any(
                not torch.equal(a, b) for a, b in zip(got.state_dict().values(), expected.state_dict().values())):
            raise SystemExit(f"{name}: accelerated construction differs from PyTorch's")
        nbytes = sum(t.numel() * t.element_size() for t in expected.state_dict().values())
        rate = nbytes / fast
        print(f"{name:<20} {plain:>10.3f} {fast:>10.3f} {plain / fast:>8.2f}x {rate / 1e9:>7.2f} "
              f"{rate / bandwidth:>6.1%}")


if __name__ == "__main__":
    main()
