#!/usr/bin/env python3
"""PyTorch's version of examples/transformer (run by bench/memory.py; not a test): a decoder-only
language model with the same sizes, parameters and optimizer.

tokens [batch, seq] -> embedding (vocab, normal 0.02) + positional embedding (normal 0.01)
-> layers x the pre-LN block of torch_transformer_block.py (fused QKV, causal attention with the
1/sqrt(d_head) folded into the weights, GELU (tanh) MLP, both residual) -> layer norm ->
logits [batch, seq, vocab]; mean softmax cross-entropy against the next tokens; Adam (lr 1e-3,
0.9, 0.999, 1e-8); fp32, dropout off. The tokens are random (the example derives its tokens
from a synthetic features input; that input is data, not model state, and is not made here).
Runs --steps steps in one process and prints each step's time, then

    peak_rss_bytes X   (ru_maxrss of this process: parameters, Adam state, activations kept
                        for the backward pass, the allocator's caches and the interpreter)
"""
import argparse
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_transformer_block import Block  # noqa: E402


class Model(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.wte = torch.nn.Embedding(a.vocab, a.d_model)
        self.wpe = torch.nn.Parameter(torch.randn(a.seq, a.d_model) * 0.01)
        torch.nn.init.normal_(self.wte.weight, std=0.02)
        self.blocks = torch.nn.ModuleList(Block(a.d_model, a.heads, a.d_ff)
                                          for _ in range(a.layers))
        self.ln_f = torch.nn.LayerNorm(a.d_model)
        self.out = torch.nn.Linear(a.d_model, a.vocab, bias=False)

    def forward(self, tokens):
        h = self.wte(tokens) + self.wpe
        for block in self.blocks:
            h = block(h)
        return self.out(self.ln_f(h))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=128)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--d-model", type=int, default=512)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--d-ff", type=int, default=2048)
    p.add_argument("--vocab", type=int, default=8192)
    a = p.parse_args()
    if a.d_model % a.heads:
        sys.exit("--d-model must be a multiple of --heads (d_head = d_model / heads)")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Model(a)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    g = torch.Generator().manual_seed(1)
    for step in range(a.steps):
        tokens = torch.randint(0, a.vocab, (a.batch, a.seq + 1), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), tokens[:, 1:].reshape(-1))
        loss.backward()
        opt.step()
        print("step %d loss %.6f time_ms %.1f" % (step, loss.item(),
                                                  (time.perf_counter() - t0) * 1e3), flush=True)
    print("peak_rss_bytes %d" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


if __name__ == "__main__":
    main()
