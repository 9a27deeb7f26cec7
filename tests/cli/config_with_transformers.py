"""Checks a state_dict written by `nninit init CONFIG.json` against Hugging Face transformers, bit for bit.

    python3 config_with_transformers.py CONFIG.json SEED FILE.safetensors
    python3 config_with_transformers.py CONFIG.json SEED DIR


Builds the model as a user would (torch.manual_seed(SEED); AutoModelForCausalLM.from_config(config), or
AutoModel for a config whose `architectures` names the bare model) and
compares every tensor's shape, dtype and bits with the file. The file holds a tied lm_head.weight once, as
save_pretrained writes it, so a tied entry is compared under the name it shares. Exit status 1 on any
difference, with each difference listed. A DIR is a checkpoint folder (config.json, and model.safetensors
or shards with model.safetensors.index.json): it is loaded by from_pretrained, as a user would load it.
"""
import os
import sys

import torch
import transformers
from safetensors.torch import load_file


def bits(tensor):
    """The tensor's bytes as integers of its width, so that -0.0 and NaN payloads count."""
    return tensor.contiguous().view({1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[tensor.element_size()])


def main():
    config_path, seed, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    config = transformers.AutoConfig.from_pretrained(config_path)
    bare = (config.architectures or [""])[0] == type(transformers.AutoModel.from_config(config)).__name__
    torch.manual_seed(seed)
    model = (transformers.AutoModel if bare else transformers.AutoModelForCausalLM).from_config(config)
    if os.path.isdir(path):
        loaded = (transformers.AutoModel if bare else transformers.AutoModelForCausalLM).from_pretrained(
            path, dtype=next(model.parameters()).dtype)
        ours = loaded.state_dict()
    else:
        ours = load_file(path)
    # A tied parameter is stored under the first name named_parameters() gives it.
    first = {}
    stored_as = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        stored_as[name] = first.setdefault(id(p), name)
    state = model.state_dict()
    problems = []
    for name, theirs in state.items():
        stored = stored_as.get(name, name)
        if stored not in ours:
            problems.append(f"{name}: not in the file")
            continue
        mine = ours[stored]
        if mine.dtype != theirs.dtype or mine.shape != theirs.shape:
            problems.append(f"{name}: {mine.dtype} {tuple(mine.shape)} against {theirs.dtype} {tuple(theirs.shape)}")
        elif not torch.equal(bits(mine), bits(theirs)):
            problems.append(f"{name}: values differ")
    problems += [f"{name}: in the file only" for name in sorted(set(ours) - set(state))]
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: {len(problems)} difference(s)")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


main()
