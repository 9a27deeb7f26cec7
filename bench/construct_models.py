"""Model construction in PyTorch, plain and under nninit.torch.accelerated(), in one run.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/construct_models.py [--repeat 3] [--threads N]

For each model: the best wall time of plain construction and of accelerated construction (same seed), their
ratio, the parameter bytes written per second, and that rate as a fraction of the machine's memory bandwidth
measured here (a NumPy copy of 512 MiB, counting the bytes read and written). Every accelerated build is
checked against the plain one bit for bit (state_dict and generator state); a difference aborts the run.
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


MODELS = {
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="nninit's fill threads")
    args = parser.parse_args()
    os.environ["NNINIT_NUM_THREADS"] = str(args.threads)
    bandwidth = memory_bandwidth()
    print(f"PyTorch {torch.__version__}, nninit imitating {nt.release()}, {os.cpu_count()} CPU(s); "
          f"memory bandwidth (NumPy copy) {bandwidth / 1e9:.1f} GB/s")
    print(f"{'model':<20} {'PyTorch s':>10} {'nninit s':>10} {'speed-up':>9} {'GB/s':>7} {'of bw':>6}")
    for name, builder in MODELS.items():
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
