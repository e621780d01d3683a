#!/usr/bin/python3
"""train.py - the reference MLP on Fashion-MNIST, written as any training script
is: hyperparameters come in as command-line flags, and one line per epoch goes
out,

    epoch=K accuracy=A loss=L

which is all `hpo run` needs to tune it (see README.md). Nothing here knows
about hpo.

Network: 784 -> 1 to 3 hidden layers (ReLU, dropout) -> 10, trained with Adam
or SGD with cross-entropy; validation accuracy on a seeded hold-out of the
training images. Data: the IDX files of Debian's dataset-fashion-mnist
(/usr/share/datasets/fashion-mnist), read with the standard library. Runs on
the GPU that CUDA_VISIBLE_DEVICES leaves visible, else on the CPU.
"""
import argparse
import gzip
import os
import struct
import sys

import torch
from torch import nn

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            with (gzip.open if p.endswith(".gz") else open)(p, "rb") as f:
                data = f.read()
            break
    else:
        sys.exit(f"train.py: {path}[.gz] not found; install dataset-fashion-mnist or pass --data")
    zero, kind, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"train.py: {path} is not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load(data_dir):
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte"))
    x = x.reshape(x.shape[0], -1).float().div(255).sub(0.5).div(0.5)
    return x, y.long()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--optimizer", choices=["Adam", "SGD"], default="Adam")
    p.add_argument("--layers", type=int, default=2, choices=[1, 2, 3])
    p.add_argument("--units", type=int, default=128, help="units per hidden layer (32-256)")
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--subsample", type=float, default=1.0,
                   help="fraction of the 50 000 training images to train on")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: PyTorch's default)")
    p.add_argument("--data", default=DEFAULT_DATA)
    return p.parse_args()


def main():
    a = parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x, y = load(a.data)
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(a.seed))
    val_idx, train_idx = perm[:10000], perm[10000:]
    n_train = max(a.batch, int(len(train_idx) * a.subsample))
    train_idx = train_idx[:n_train]
    x_train, y_train = x[train_idx].to(device), y[train_idx].to(device)
    x_val, y_val = x[val_idx].to(device), y[val_idx].to(device)

    layers, n_in = [], 784
    for _ in range(a.layers):
        layers += [nn.Linear(n_in, a.units), nn.ReLU(), nn.Dropout(a.dropout)]
        n_in = a.units
    layers.append(nn.Linear(n_in, 10))
    model = nn.Sequential(*layers).to(device)
    if a.optimizer == "Adam":
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(n_train, device=device)
        for i in range(0, n_train, a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            accuracy = (logits.argmax(1) == y_val).float().mean().item()
        # The one line hpo run reads (flush: hpo may prune after any epoch).
        print(f"epoch={epoch} accuracy={accuracy:.4f} loss={val_loss:.4f}", flush=True)


if __name__ == "__main__":
    main()
