"""Whole-model initialisation: nninit's `init` against PyTorch building the model and against `dd` writing as
many bytes, measured in one run on this machine (docs/performance.md says how to read it).

    /usr/bin/python3 bench/model_bench.py [--nninit build/release/nninit] [--repeat 3] [--scratch DIR]
                                          [--skip-7b]

Jobs:
  - GPT-2 (124M, examples/configs/gpt2.json) in memory: `nninit init CONFIG` (built, every tensor made and
    summarised) against PyTorch 1.13 constructing the same modules (GPT-2's Conv1D as Linear, the tied
    head left out as transformers ties it) and applying transformers' _init_weights (normal_(0, 0.02),
    zero biases, norms at one, residual projections at 0.02/sqrt(2 n_layer)). Debian 12 has no transformers;
    nninit's bits equal transformers' in the test suite (tests/cli/config_test.cpp), not here.
  - GPT-2 to a float32 safetensors file, and Llama-2-7B (examples/configs/llama-2-7b.json) to a bfloat16 one:
    wall time, peak resident memory (getrusage) and peak anonymous memory (/proc/PID/status RssAnon, sampled
    every 10 ms), against `dd if=/dev/zero bs=16M conv=fdatasync` writing the same number of bytes to the
    same folder.
It prints; it never asserts. Best of --repeat for the in-memory job, one run each for the file jobs (the
7B job writes 13.5 GB).
"""
import argparse
import math
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(argv):
    """Runs argv with stdout discarded; returns (seconds, peak RSS bytes, peak anonymous bytes): the RSS from
    wait4's rusage of that process, the anonymous memory sampled every 10 ms while it runs."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    peak_anon = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid == child.pid:
            break
        try:
            with open(f"/proc/{child.pid}/status") as f:
                for line in f:
                    if line.startswith("RssAnon:"):
                        peak_anon = max(peak_anon, int(line.split()[1]) * 1024)
        except OSError:
            pass
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"model_bench: {' '.join(argv)} exited with status {child.returncode}")
    return seconds, usage.ru_maxrss * 1024, peak_anon


def dd_seconds(path, nbytes):
    block = 16 << 20
    count = math.ceil(nbytes / block)
    start = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", f"bs={block}", f"count={count}", "conv=fdatasync"],
                   check=True, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    os.unlink(path)
    return seconds * nbytes / (count * block)  # scaled to the same number of bytes


def drop_written(path):
    """Removes a written file and lets the disk settle, so that the next job starts alike."""
    os.unlink(path)
    os.sync()


def torch_gpt2_seconds(repeat):
    import torch
    import torch.nn as nn

    torch.set_num_threads(os.cpu_count() or 1)

    def build():
        n_layer, d, vocab, positions = 12, 768, 50257, 1024
        blocks = nn.ModuleList()
        model = nn.ModuleDict({"wte": nn.Embedding(vocab, d), "wpe": nn.Embedding(positions, d), "h": blocks,
                               "ln_f": nn.LayerNorm(d)})
        for _ in range(n_layer):
            blocks.append(nn.ModuleDict({
                "ln_1": nn.LayerNorm(d), "c_attn": nn.Linear(d, 3 * d), "c_proj": nn.Linear(d, d),
                "ln_2": nn.LayerNorm(d), "c_fc": nn.Linear(d, 4 * d), "mlp_proj": nn.Linear(4 * d, d)}))
        with torch.no_grad():
            for name, module in model.named_modules():
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    module.weight.normal_(0.0, 0.02)
                    if getattr(module, "bias", None) is not None:
                        module.bias.zero_()
                elif isinstance(module, nn.LayerNorm):
                    module.weight.fill_(1.0)
                    module.bias.zero_()
            for name, p in model.named_parameters():
                if name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight"):
                    p.normal_(0.0, 0.02 / math.sqrt(2 * n_layer))
        return model

    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        model = build()
        best = min(best, time.perf_counter() - start)
        del model
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nninit", default=os.path.join(ROOT, "build/release/nninit"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scratch", default=os.path.join(ROOT, "build/release"))
    parser.add_argument("--skip-7b", action="store_true")
    args = parser.parse_args()
    gpt2 = os.path.join(ROOT, "examples/configs/gpt2.json")
    llama = os.path.join(ROOT, "examples/configs/llama-2-7b.json")
    out = os.path.join(args.scratch, "model-bench.safetensors")

    import torch
    print(f"model_bench: {os.cpu_count()} cores, nninit {args.nninit}, torch {torch.__version__}")
    torch_s = torch_gpt2_seconds(args.repeat)
    nninit_s = min(run_measured([args.nninit, "init", gpt2])[0] for _ in range(args.repeat))
    print("\nGPT-2 (124M) in memory, best of", args.repeat)
    print(f"  PyTorch constructs and initialises  {torch_s:8.3f} s")
    print(f"  nninit init (made and summarised)   {nninit_s:8.3f} s   {torch_s / nninit_s:5.2f}x sooner")

    jobs = [("GPT-2 (124M) float32", gpt2, [])]
    if not args.skip_7b:
        jobs.append(("Llama-2-7B bfloat16", llama, ["--dtype", "bfloat16"]))
    print("\njob                      bytes        nninit s   dd s   nninit/dd   peak RSS   peak anon")
    for label, config, extra in jobs:
        seconds, peak, peak_anon = run_measured([args.nninit, "init", config, "-o", out, "--no-progress", *extra])
        nbytes = os.path.getsize(out)
        drop_written(out)
        dd = dd_seconds(out, nbytes)
        print(f"{label:24s} {nbytes:13,d}  {seconds:7.2f}  {dd:6.2f}   {seconds / dd:8.2f}   "
              f"{peak / 2**20:6.0f} MiB  {peak_anon / 2**20:6.0f} MiB")


if __name__ == "__main__":
    main()
