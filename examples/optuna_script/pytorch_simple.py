"""The reference Optuna + PyTorch script (Optuna's pytorch_simple example, on
Fashion-MNIST from Debian's dataset-fashion-mnist), unchanged except for one
line when run by hpo: `import optuna` becomes `import hpo as optuna`.

    python3 pytorch_simple.py [--trials 20] [--epochs 10] [--fraction 0.1] [--out DIR]
"""
import argparse
import gzip
import os
import struct

import numpy as np
import optuna
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = 10
BATCHSIZE = 128


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(prefix, fraction, seed):
    def find(kind):
        for suffix in (".gz", ""):
            p = os.path.join(DATA, f"{prefix}-{kind}{suffix}")
            if os.path.exists(p):
                return p
        raise SystemExit(f"missing {prefix}-{kind} in {DATA} (apt install dataset-fashion-mnist)")
    x = read_idx(find("images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(find("labels-idx1-ubyte")).astype(np.int64)
    idx = np.random.default_rng(seed).permutation(len(x))[: max(BATCHSIZE, int(fraction * len(x)))]
    return torch.from_numpy(x[idx]), torch.from_numpy(y[idx])


def define_model(trial):
    n_layers = trial.suggest_int("n_layers", 1, 3)
    layers = []
    in_features = 28 * 28
    for i in range(n_layers):
        out_features = trial.suggest_int("n_units_l{}".format(i), 4, 128)
        layers.append(nn.Linear(in_features, out_features))
        layers.append(nn.ReLU())
        p = trial.suggest_float("dropout_l{}".format(i), 0.2, 0.5)
        layers.append(nn.Dropout(p))
        in_features = out_features
    layers.append(nn.Linear(in_features, CLASSES))
    layers.append(nn.LogSoftmax(dim=1))
    return nn.Sequential(*layers)


def make_objective(args, train, valid):
    def objective(trial):
        model = define_model(trial)
        optimizer_name = trial.suggest_categorical("optimizer", ["Adam", "RMSprop", "SGD"])
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        if optimizer_name == "Adam":
            beta1 = trial.suggest_float("beta1", 0.8, 0.99)
            beta2 = trial.suggest_float("beta2", 0.9, 0.9999)
            optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, beta2))
        else:
            optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)
        (xtr, ytr), (xva, yva) = train, valid
        for epoch in range(args.epochs):
            model.train()
            perm = torch.randperm(len(xtr))
            for s in range(0, len(xtr), BATCHSIZE):
                b = perm[s:s + BATCHSIZE]
                optimizer.zero_grad()
                F.nll_loss(model(xtr[b]), ytr[b]).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(xva).argmax(dim=1) == yva).float().mean().item()
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise optuna.exceptions.TrialPruned()
        return accuracy
    return objective


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--fraction", type=float, default=0.1)
    ap.add_argument("--out", default=".")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    train = load("train", args.fraction, 0)
    valid = load("t10k", args.fraction, 1)
    storage = "sqlite:///" + os.path.join(args.out, "pytorch_simple.db")
    study = optuna.create_study(direction="maximize", storage=storage,
                                study_name="pytorch_simple", load_if_exists=True,
                                pruner=optuna.pruners.MedianPruner())
    study.optimize(make_objective(args, train, valid), n_trials=args.trials, timeout=600)

    pruned_trials = study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.PRUNED])
    complete_trials = study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.COMPLETE])
    print("Study statistics: ")
    print("  Number of finished trials: ", len(study.trials))
    print("  Number of pruned trials: ", len(pruned_trials))
    print("  Number of complete trials: ", len(complete_trials))
    print("Best trial:")
    trial = study.best_trial
    print("  Value: ", trial.value)
    print("  Params: ")
    for key, value in study.best_params.items():
        print("    {}: {}".format(key, value))

    fig = optuna.visualization.plot_optimization_history(study)
    fig.write_html(os.path.join(args.out, "history.html"))
    fig = optuna.visualization.plot_param_importances(study)
    fig.write_html(os.path.join(args.out, "importances.html"))
    print(optuna.importance.get_param_importances(study))
    df = study.trials_dataframe()
    df.to_csv(os.path.join(args.out, "trials.csv"), index=False)
    print(df[["number", "value", "state"]].to_string(index=False))


if __name__ == "__main__":
    main()
