"""Makes the TorchScript files TorchScriptBackboneTest loads, and the outputs Python computes for them.

Run with Debian's python3-torch (apt-get install python3-torch; it reports 1.13.0a0):
    /usr/bin/python3 make_tiny_backbones.py
It writes, next to this script:
  tiny_backbone.pt         3x24x32 (C x H x W) frames -> 6-value embedding (conv, conv, average pool, linear)
  tiny_backbone.expected   the embeddings of the two frames x[b,c,h,w] = sin(0.01 * i + b), i the flat CHW
                           index, one float per line (2 x 6)
  tiny_featuremap.pt       returns an unpooled 8-channel feature map: not a backbone, must be refused
"""
import math
import os

import torch

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


class Tiny(torch.nn.Module):
    def __init__(self, pooled):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(4, 8, 3, stride=2, padding=1), torch.nn.ReLU())
        self.pooled = pooled
        self.head = torch.nn.Linear(8, 6)

    def forward(self, x):
        f = self.features(x)
        if not self.pooled:
            return f
        return self.head(f.mean(dim=(2, 3)))


frames = torch.tensor([[math.sin(0.01 * i + b) for i in range(3 * 24 * 32)] for b in range(2)],
                      dtype=torch.float32).reshape(2, 3, 24, 32)
for name, pooled in (("tiny_backbone", True), ("tiny_featuremap", False)):
    module = Tiny(pooled).eval()
    traced = torch.jit.trace(module, frames[:1])
    traced.save(os.path.join(here, name + ".pt"))
    if pooled:
        with torch.no_grad():
            out = traced(frames)
        with open(os.path.join(here, name + ".expected"), "w") as f:
            for v in out.flatten().tolist():
                f.write(repr(v) + "\n")
