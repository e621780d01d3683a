#!/usr/bin/python3
"""mlp_torch.py - the PyTorch side of `hpo-bench mlp`: the same two networks on
the same data, printing the same JSON lines (tool "torch").

  784-256-256-10, Adam lr 1e-3, batch 64, dropout 0.2
  784-128-10,     SGD lr 0.01 momentum 0.9, batch 64, no dropout

Data: the IDX files of --data (default /usr/share/datasets/fashion-mnist), read
with the standard library, normalised as ToTensor() then Normalize(0.5, 0.5)
(the reference job's transform), shuffled every epoch as DataLoader(shuffle=True)
does. The tensors are built once, so an epoch measures training, not decoding.

Run with Debian's /usr/bin/python3 and python3-torch (with libopenblas0-pthread
so that PyTorch's BLAS is OpenBLAS too).
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import torch
from torch import nn

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rb") as f:
                data = f.read()
            break
    else:
        sys.exit(f"mlp_torch.py: {path}[.gz] not found; install dataset-fashion-mnist or pass --data")
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"mlp_torch.py: {path} is not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    t = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return t.reshape(dims)


def load(data_dir, prefix):
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"))
    x = x.reshape(x.shape[0], -1).float().div(255).sub(0.5).div(0.5)
    return x, y.long()


CASES = [
    dict(net="784-256-256-10", hidden=[256, 256], optimizer="adam", lr=1e-3, momentum=0.0,
         dropout=0.2),
    dict(net="784-128-10", hidden=[128], optimizer="sgd", lr=1e-2, momentum=0.9, dropout=0.0),
]


def build(case):
    layers, n_in = [], 784
    for units in case["hidden"]:
        layers += [nn.Linear(n_in, units), nn.ReLU()]
        if case["dropout"] > 0:
            layers.append(nn.Dropout(case["dropout"]))
        n_in = units
    layers.append(nn.Linear(n_in, 10))
    return nn.Sequential(*layers)


def run(case, train, test, epochs, threads, seed):
    torch.manual_seed(seed)
    model = build(case)
    if case["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=case["lr"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=case["lr"], momentum=case["momentum"])
    loss_fn = nn.CrossEntropyLoss()
    x, y = train
    n = x.shape[0]
    secs, loss_sum = [], 0.0
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        loss_sum = 0.0
        for start in range(0, n, 64):
            idx = perm[start:start + 64]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
        secs.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        xt, yt = test
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    print(json.dumps({
        "record": "mlp", "tool": "torch", "net": case["net"], "optimizer": case["optimizer"],
        "batch": 64, "dropout": case["dropout"], "threads": threads, "epochs": epochs,
        "train_examples": n, "sec_per_epoch": statistics.median(secs),
        "sec_mean": sum(secs) / len(secs), "epoch_secs": secs,
        "final_train_loss": loss_sum / n, "test_accuracy": acc,
        "torch": torch.__version__,
    }), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--net", choices=["all", "adam", "sgd"], default="all")
    ap.add_argument("--data", default=DEFAULT_DATA)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train, test = load(a.data, "train"), load(a.data, "t10k")
    for case in CASES:
        if a.net in ("all", case["optimizer"]):
            run(case, train, test, a.epochs, a.threads, a.seed)


if __name__ == "__main__":
    main()
