#!/usr/bin/env python3
"""PyTorch reference for bench/fashion_mnist.py (run with Debian's python3-torch).

The model of examples/fashion_mnist: x/255 -> 784-256-128-10 MLP, ReLU, Glorot-uniform weights,
zero biases, mean softmax cross-entropy, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), global
batch 128; each epoch a fresh permutation of the samples from --seed, the last partial batch
dropped; after every epoch a forward pass over the whole test set (batches of 128).

--mode single: one process, --threads threads. --mode ddp: DistributedDataParallel over gloo,
one process per rank started by mpirun (rank and size from Open MPI's environment); rank r
takes its contiguous share of every global batch (as meshc's batch:b layout does) and of the
test set, and the test counts are summed over the ranks.

The .npy files are loaded into memory (u8) before the clock starts; the per-batch gather,
u8 -> f32 conversion and /255 are timed, as meshc's reader and graph do them. Rank 0 prints
per epoch `epoch K train_end_s T eval_end_s E loss L accuracy A`, times from just before the
first step (after a barrier under DDP) to the end of that epoch's training and evaluation.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["single", "ddp"], required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", required=True, help="directory with {train,test}_{x,y}.npy")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--port", type=int, default=29533)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    rank, size = 0, 1
    if a.mode == "ddp":
        import torch.distributed as dist
        rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
        size = int(os.environ["OMPI_COMM_WORLD_SIZE"])
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ["MASTER_PORT"] = str(a.port)
        dist.init_process_group("gloo", rank=rank, world_size=size)
    if a.batch % size:
        raise SystemExit("--batch %d does not split over %d ranks" % (a.batch, size))
    local = a.batch // size

    load = lambda name: torch.from_numpy(np.load(os.path.join(a.data, name)))
    train_x, train_y = load("train_x.npy"), load("train_y.npy").long()
    test_x, test_y = load("test_x.npy"), load("test_y.npy").long()
    pixels = train_x[0].numel()

    model = nn.Sequential(nn.Linear(pixels, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    net = model
    if a.mode == "ddp":
        net = nn.parallel.DistributedDataParallel(model)  # broadcasts rank 0's parameters
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)

    def features(x):
        return x.reshape(x.shape[0], pixels).float().div_(255.0)

    # This rank's share of the test set: contiguous, whole batches of `local` but the last.
    n_test = test_x.shape[0]
    share = (n_test + size - 1) // size
    my_test = slice(rank * share, min(n_test, (rank + 1) * share))

    def evaluate():
        model.eval()
        loss_sum, correct = torch.zeros(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
        with torch.no_grad():
            xs, ys = test_x[my_test], test_y[my_test]
            for i in range(0, xs.shape[0], local):
                logits = model(features(xs[i:i + local]))
                yb = ys[i:i + local]
                loss_sum += F.cross_entropy(logits, yb, reduction="sum").double()
                correct += (logits.argmax(dim=1) == yb).sum().double()
        if size > 1:
            counts = torch.cat([loss_sum, correct])
            torch.distributed.all_reduce(counts)
            loss_sum, correct = counts[:1], counts[1:]
        model.train()
        return loss_sum.item() / n_test, correct.item() / n_test

    order = torch.Generator().manual_seed(a.seed)  # the same permutations on every rank
    steps = train_x.shape[0] // a.batch  # the last partial batch dropped
    if size > 1:
        torch.distributed.barrier()
    t0 = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(train_x.shape[0], generator=order)
        for b in range(steps):
            idx = perm[b * a.batch + rank * local:b * a.batch + (rank + 1) * local]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(features(train_x[idx])), train_y[idx])
            loss.backward()
            opt.step()
        train_end = time.perf_counter() - t0
        eval_loss, accuracy = evaluate()
        eval_end = time.perf_counter() - t0
        if rank == 0:
            print("epoch %d train_end_s %.4f eval_end_s %.4f loss %.6f accuracy %.6f" %
                  (epoch, train_end, eval_end, eval_loss, accuracy), flush=True)
    if size > 1:
        # Leave without tearing down: torch 1.13's exit can deadlock destroying the DDP
        # reducer's gloo group (seen here: main thread joining a gloo worker that waits for the
        # GIL), leaving rank 0 spinning after all its output.
        torch.distributed.barrier()
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
