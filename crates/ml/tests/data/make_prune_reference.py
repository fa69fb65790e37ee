"""Reference masks for crates/ml/tests/prune.rs (`matches_torch_prune_masks`), made with
PyTorch's own `torch.nn.utils.prune` (the torch version is recorded in the output). Writes
prune_reference.json next to this script:

    pip install torch numpy
    python3 crates/ml/tests/data/make_prune_reference.py

Tensors (float32, torch.manual_seed(0), standard normal, so no two |w| or slice norms tie):
  linear   nn.Linear(24, 16).weight            shape [16, 24]
  conv     nn.Conv2d(3, 8, 3).weight           shape [8, 3, 3, 3]
  linear2  nn.Linear(16, 10).weight            shape [10, 16]

Cases (a fresh module per case; each mask is module.weight_mask after one call):
  l1_unstructured   prune.l1_unstructured(m, "weight", amount) on linear and conv
  global            prune.global_unstructured([(linear, "weight"), (conv, "weight"),
                    (linear2, "weight")] or the first two, prune.L1Unstructured, amount)
  ln_structured     prune.ln_structured(m, "weight", amount, n, dim) for n in {1, 2},
                    dim in {0, 1}, on linear and conv
Amounts include ones where amount * size is not an integer, and exact halves (e.g. 16 * 5/32
= 2.5) where Python's round-half-to-even decides the count.

Masks are stored as strings of '0'/'1' in row-major order; values as float32 numbers.
"""

import json
import pathlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

torch.manual_seed(0)
SHAPES = {"linear": (16, 24), "conv": (8, 3, 3, 3), "linear2": (10, 16)}
weights = {name: torch.randn(*shape, dtype=torch.float32) for name, shape in SHAPES.items()}

for name, w in weights.items():
    a = np.abs(w.numpy().ravel())
    assert len(np.unique(a)) == a.size, f"tie in |w| of {name}"


def module(name):
    w = weights[name]
    if len(w.shape) == 2:
        m = nn.Linear(w.shape[1], w.shape[0], bias=False)
    else:
        m = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], bias=False)
    with torch.no_grad():
        m.weight.copy_(w)
    return m


def mask_string(mask):
    flat = mask.detach().numpy().ravel()
    assert set(np.unique(flat)) <= {0.0, 1.0}
    return "".join("1" if v else "0" for v in flat)


cases = []

for name in ("linear", "conv"):
    for amount in (0.0, 0.1, 0.3, 0.37, 0.5, 0.9):
        m = module(name)
        prune.l1_unstructured(m, "weight", amount=amount)
        cases.append({"method": "l1_unstructured", "tensors": [name], "amount": amount,
                      "masks": [mask_string(m.weight_mask)]})

for names in (("linear", "conv"), ("linear", "conv", "linear2")):
    for amount in (0.2, 0.45, 0.777):
        mods = [module(n) for n in names]
        prune.global_unstructured([(m, "weight") for m in mods],
                                  pruning_method=prune.L1Unstructured, amount=amount)
        cases.append({"method": "global_unstructured", "tensors": list(names), "amount": amount,
                      "masks": [mask_string(m.weight_mask) for m in mods]})

STRUCTURED_AMOUNTS = {
    # dim 0 of linear has 16 rows: 5/32 * 16 = 2.5 -> 2, 7/32 * 16 = 3.5 -> 4, 0.3 * 16 = 4.8 -> 5
    ("linear", 0): (0.15625, 0.21875, 0.3),
    # dim 1 of linear has 24 columns: 0.0625 * 24 = 1.5 -> 2, 0.4 * 24 = 9.6 -> 10
    ("linear", 1): (0.0625, 0.4),
    # dim 0 of conv has 8 filters: 0.3125 * 8 = 2.5 -> 2, 0.6 * 8 = 4.8 -> 5
    ("conv", 0): (0.3125, 0.6),
    # dim 1 of conv has 3 input channels: 0.5 * 3 = 1.5 -> 2, 0.2 * 3 = 0.6 -> 1
    ("conv", 1): (0.5, 0.2),
}
for (name, dim), amounts in STRUCTURED_AMOUNTS.items():
    for n in (1, 2):
        w = weights[name]
        dims = [d for d in range(w.dim()) if d != dim]
        norms = torch.norm(w, p=n, dim=dims).numpy()
        assert len(np.unique(norms)) == norms.size, f"tie in norms of {name} dim {dim}"
        for amount in amounts:
            m = module(name)
            prune.ln_structured(m, "weight", amount=amount, n=n, dim=dim)
            cases.append({"method": "ln_structured", "tensors": [name], "amount": amount,
                          "n": n, "dim": dim, "masks": [mask_string(m.weight_mask)]})

out = {
    "generator": f"torch {torch.__version__} (torch.nn.utils.prune), numpy {np.__version__}",
    "tensors": {name: {"shape": list(w.shape), "values": [float(v) for v in w.numpy().ravel()]}
                for name, w in weights.items()},
    "cases": cases,
}
path = pathlib.Path(__file__).with_name("prune_reference.json")
path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes, {len(cases)} cases)")
