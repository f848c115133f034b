#!/usr/bin/env python3
"""PyTorch reference of bench/cnn_step.py (not a test): the Fashion-MNIST CNN of examples/cnn.

The same network as examples/cnn/cnn.cpp: x [batch, 28, 28] u8 / 255, zero-padded to 32x32 ->
conv 3x3 same (f1) + bias, relu -> max_pool 2x2 -> conv 3x3 same (f2) + bias, relu -> max_pool
2x2 -> dense (f2*8*8 -> hidden) + bias, relu -> dense (hidden -> 10) + bias; mean softmax
cross-entropy; Adam (lr 1e-3). Synthetic data drawn once (random pixels and labels), as the
meshc executable's synthetic input is: the step alone, no data path. Prints the median of the
timed steps' wall times (forward + backward + Adam), after warm-up steps:

    step_ms_median X  (and step_ms_all ...)

Run by cnn_step.py under Debian's python3-torch with the BLAS environment of openblas.py,
1 process x --threads threads.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


class Net(torch.nn.Module):
    def __init__(self, f1, f2, hidden):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, f1, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(f1, f2, 3, padding=1)
        self.dense = torch.nn.Linear(f2 * 8 * 8, hidden)
        self.out = torch.nn.Linear(hidden, 10)

    def forward(self, pixels):
        x = F.pad(pixels.float().unsqueeze(1) / 255.0, (2, 2, 2, 2))
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.dense(x.flatten(1)))
        return self.out(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--f1", type=int, default=32)
    p.add_argument("--f2", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = Net(args.f1, args.f2, args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(1)
    pixels = torch.randint(0, 256, (args.batch, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (args.batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(pixels), labels)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    print("mkldnn %s threads %d" % (torch.backends.mkldnn.is_available(), torch.get_num_threads()))
    print("step_ms_all %s" % " ".join("%.2f" % t for t in times))
    print("step_ms_median %.3f" % statistics.median(times))


if __name__ == "__main__":
    main()
