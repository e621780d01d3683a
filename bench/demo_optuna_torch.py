#!/usr/bin/env python3
"""The reference workflow that `hpo demo` replaces: Optuna (TPE + median pruning)
tuning a PyTorch MLP on Fashion-MNIST -- 10 % of the training set, 5 epochs,
validation accuracy on the 10 000 test images after each epoch, the same search
space and parameter names. Prints one JSON result line like hpo-bench.

    python3 demo_optuna_torch.py [--trials 30] [--threads 2] [--data DIR] [--seed 0]
        [--epochs 5] [--subsample 0.1] [--pruner median|hyperband] [--timeout S]
        [--storage URL]
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import optuna
import torch
import torch.nn as nn


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, prefix):
    def find(kind):
        for suffix in (".gz", ""):
            p = os.path.join(data_dir, f"{prefix}-{kind}{suffix}")
            if os.path.exists(p):
                return p
        raise SystemExit(f"missing {prefix}-{kind} in {data_dir} (Debian: dataset-fashion-mnist)")
    x = read_idx(find("images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(find("labels-idx1-ubyte")).astype(np.int64)
    # ToTensor then Normalize((0.5,), (0.5,)), as the reference does.
    return torch.from_numpy((x - 0.5) / 0.5), torch.from_numpy(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--subsample", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--pruner", choices=("median", "hyperband"), default="median")
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("--storage", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    g = np.random.default_rng(a.seed)
    idx = torch.from_numpy(g.permutation(len(xtr))[: max(1, round(a.subsample * len(xtr)))])
    xtr, ytr = xtr[idx], ytr[idx]

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        opt_name = trial.suggest_categorical("optimizer", ["Adam", "SGD"])
        if opt_name == "Adam":
            beta1 = trial.suggest_float("beta1", 0.8, 0.99)
            beta2 = trial.suggest_float("beta2", 0.9, 0.9999)
        n_layers = trial.suggest_int("num_layers", 1, 3)
        layers, width = [], 784
        units = [trial.suggest_int(f"layer_{i}_units", 32, 256) for i in range(n_layers)]
        dropout = trial.suggest_float("dropout", 0.1, 0.5)
        for u in units:
            layers += [nn.Linear(width, u), nn.ReLU(), nn.Dropout(dropout)]
            width = u
        model = nn.Sequential(*layers, nn.Linear(width, 10))
        if opt_name == "Adam":
            opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, beta2))
        else:
            opt = torch.optim.SGD(model.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()
        acc = 0.0
        for epoch in range(a.epochs):
            model.train()
            perm = torch.randperm(len(xtr))
            for s in range(0, len(xtr), 64):
                b = perm[s:s + 64]
                opt.zero_grad()
                loss_fn(model(xtr[b]), ytr[b]).backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                acc = (model(xte).argmax(1) == yte).float().mean().item()
            trial.report(acc, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return acc

    pruner = (optuna.pruners.HyperbandPruner(min_resource=1, max_resource=a.epochs)
              if a.pruner == "hyperband" else optuna.pruners.MedianPruner())
    study = optuna.create_study(direction="maximize", storage=a.storage,
                                sampler=optuna.samplers.TPESampler(seed=a.seed), pruner=pruner)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=a.trials, timeout=a.timeout)
    wall = time.perf_counter() - t0
    states = [t.state for t in study.trials]
    print(json.dumps({"record": "result", "bench": "demo",
                      "impl": f"optuna-{optuna.__version__}+torch-{torch.__version__}",
                      "n_trials": len(study.trials), "wall_s": wall, "pruner": a.pruner,
                      "best_accuracy": study.best_value,
                      "n_pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states),
                      "threads": a.threads}))


if __name__ == "__main__":
    main()
