#!/usr/bin/env python3
"""PyTorch's time for the block of bench/transformer_block.py (run by it when Debian's
python3-torch is installed): pre-LN causal multi-head self-attention and GELU (tanh) MLP, both
residual, fp32, loss mean(out^2), forward + backward + Adam, one process with --threads
threads. Prints every step's time and `summary: median_step_ms X` (after 3 warm-up steps)."""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, d_model, heads, d_ff):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d_model)
        self.qkv = torch.nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = torch.nn.Linear(d_model, d_model, bias=False)
        self.ln2 = torch.nn.LayerNorm(d_model)
        self.w1 = torch.nn.Linear(d_model, d_ff)
        self.w2 = torch.nn.Linear(d_ff, d_model)

    def forward(self, h):
        b, s, d = h.shape
        q, k, v = self.qkv(self.ln1(h)).split(d, dim=-1)
        q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))
        scores = q @ k.transpose(-1, -2)  # the 1/sqrt(d_head) is folded into wq, as in meshc
        mask = torch.ones(s, s, dtype=torch.bool).triu(1)
        probs = scores.masked_fill(mask, -1e9).softmax(-1)
        attn = (probs @ v).transpose(1, 2).reshape(b, s, d)
        h = h + self.out(attn)
        return h + self.w2(F.gelu(self.w1(self.ln2(h)), approximate="tanh"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--d-model", type=int, default=1024)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--d-ff", type=int, default=4096)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    block = Block(args.d_model, args.heads, args.d_ff)
    opt = torch.optim.Adam(block.parameters(), lr=1e-3)
    times = []
    for step in range(args.steps):
        x = torch.randn(args.batch, args.seq, args.d_model)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = block(x).square().mean()
        loss.backward()
        opt.step()
        ms = (time.perf_counter() - t0) * 1e3
        times.append(ms)
        print("step %d loss %.6f time_ms %.3f" % (step, loss.item(), ms))
    print("summary: steps %d median_step_ms %.3f" % (args.steps, statistics.median(times[3:])))


if __name__ == "__main__":
    main()
