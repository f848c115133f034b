#!/usr/bin/env python3
"""PyTorch reference for bench/mlp_dp.py (run only where Debian's python3-torch is installed).

--mode single: one process, --threads threads. --mode ddp: DistributedDataParallel over gloo,
one process per rank started by mpirun (rank and size from Open MPI's environment), each with
the local batch. Prints `median_step_ms X` (median over the steps after 3 warm-up steps).
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn as nn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["single", "ddp"], required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=13)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--d-in", type=int, default=1024)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--hidden2", type=int, default=4096)
    p.add_argument("--classes", type=int, default=1024)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rank, size = 0, 1
    model = nn.Sequential(nn.Linear(a.d_in, a.hidden), nn.ReLU(), nn.Linear(a.hidden, a.hidden2),
                          nn.ReLU(), nn.Linear(a.hidden2, a.classes))
    if a.mode == "ddp":
        import torch.distributed as dist
        rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
        size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", "1"))
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29533")
        dist.init_process_group("gloo", rank=rank, world_size=size)
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    local = a.batch // size
    x = torch.randn(local, a.d_in)
    y = torch.randint(0, a.classes, (local,))
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        times.append((time.perf_counter() - t0) * 1e3)
    if rank == 0:
        print("median_step_ms %.3f" % statistics.median(times[3:]))
    if a.mode == "ddp":
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
