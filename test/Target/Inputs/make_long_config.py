"""Writes a layer_types config of N layers: N PATH [random|periodic]; random
mixes sliding and full layers (seeded), periodic repeats 5 sliding : 1
full (import-hf-config-limits.test)."""
import json
import random
import sys

n, path = int(sys.argv[1]), sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "random"
rng = random.Random(14)
if mode == "random":
    types = [rng.choice(["sliding_attention", "full_attention"]) for _ in range(n)]
else:
    types = ["full_attention" if i % 6 == 5 else "sliding_attention" for i in range(n)]
with open(path, "w") as f:
    json.dump({"model_type": "long", "num_hidden_layers": n,
               "num_attention_heads": 4, "num_key_value_heads": 1,
               "head_dim": 64, "sliding_window": 512, "layer_types": types}, f)
