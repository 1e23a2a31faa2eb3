"""Train the same MLP on the digits with nanoprop, PyTorch (CPU) and scikit-learn, side by side.

Same data split, network (64 -> 128 ReLU -> 10), epochs, batch size, learning rate and
momentum for all three; each framework draws its own initial weights from its own seeded
generator. The contenders run interleaved, round by round (bench/rounds.py: each round trains
every contender once, in an order that changes each round, so load from other processes falls
on all of them alike), after one unrecorded warm-up round. Reported: each contender's median
time with its spread and its mean test accuracy, then the median of the per-round time ratios
with their spread: against the faster peer (scikit-learn or PyTorch, whichever was faster in that
round) and for every pair.

    python bench/bench_training.py [--repeats 5] [--epochs 20] [--order-seed 0]
"""

import argparse
import statistics
import warnings

import numpy as np
from rounds import interleave, ratio_cells, table, time_rows

import nanoprop

SIZES = [64, 128, 10]


def run_nanoprop(d, cfg, seed, dtype=np.float64):
    X_train, X_test = d.X_train.astype(dtype), d.X_test.astype(dtype)
    model = nanoprop.MLP(SIZES, seed=seed, dtype=dtype)
    nanoprop.train(
        model,
        X_train,
        d.y_train,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        learning_rate=cfg.lr,
        momentum=cfg.momentum,
        seed=seed,
    )
    return nanoprop.accuracy(model, X_test, d.y_test)


def run_torch(d, cfg, seed):
    import torch

    torch.manual_seed(seed)
    X, y = torch.tensor(d.X_train, dtype=torch.float32), torch.tensor(d.y_train)
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    # torch keeps v <- mu v + g, w <- w - lr v: the same steps as nanoprop's v <- mu v - lr g, w <- w + v
    opt = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(cfg.epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            opt.zero_grad()
            loss_fn(model(X[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        pred = model(torch.tensor(d.X_test, dtype=torch.float32)).argmax(dim=1).numpy()
    return float(np.mean(pred == d.y_test))


def run_sklearn(d, cfg, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(128,),
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=cfg.batch_size,
        learning_rate_init=cfg.lr,
        momentum=cfg.momentum,
        nesterovs_momentum=False,
        max_iter=cfg.epochs,
        tol=0.0,
        n_iter_no_change=cfg.epochs + 1,
        shuffle=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(d.X_train, d.y_train)
    return float(clf.score(d.X_test, d.y_test))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (each trains every contender once)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--order-seed", type=int, default=0, help="seed of the order within rounds")
    cfg = parser.parse_args()

    d = nanoprop.load_digits(seed=0)
    runners = {
        "nanoprop (float64)": run_nanoprop,
        "nanoprop (float32)": lambda d, c, seed: run_nanoprop(d, c, seed, np.float32),
        "scikit-learn MLPClassifier": run_sklearn,
    }
    try:
        import torch

        runners["PyTorch CPU " + torch.__version__] = run_torch
    except ImportError:
        print("PyTorch is not installed: `make bench` installs it (requirements-bench.txt).")

    from threadpoolctl import threadpool_info

    blas = ", ".join(
        f"{i['internal_api']} {i.get('architecture', '')} x{i['num_threads']}" for i in threadpool_info()
    )
    print(f"numpy {np.__version__}, BLAS: {blas}")
    print(
        f"MLP {SIZES}, {cfg.epochs} epochs, batch {cfg.batch_size}, lr {cfg.lr}, momentum "
        f"{cfg.momentum}, {len(d.X_train)} train / {len(d.X_test)} test digits; "
        f"training seeds 0..{cfg.repeats - 1}, one per round",
        flush=True,
    )
    # round r trains every contender with seed r; the warm-up round (seed 0) is not recorded
    contenders = {name: (lambda r, fn=fn: fn(d, cfg, seed=r)) for name, fn in runners.items()}
    rounds = interleave(contenders, cfg.repeats, seed=cfg.order_seed, warmup=1)
    print(f"{rounds.describe()}, after 1 warm-up round\n")

    names = list(runners)
    ours = [n for n in names if n.startswith("nanoprop")]
    peers = [n for n in names if n not in ours]
    rows = [
        row + [f"{statistics.mean(rounds.values[name]):.3f}"]
        for name, row in zip(names, time_rows(rounds, names))
    ]
    print(table(["time (s)", "median", "IQR", "min-max", "test acc"], rows))
    print("\ntime ratios: median of the per-round ratios, IQR, min-max (below 1x: the first is faster)")
    rows = [[f"{n} / faster peer"] + ratio_cells(rounds.ratio(n, peers)) for n in ours]
    rows += [[f"{a} / {b}"] + ratio_cells(s) for (a, b), s in rounds.pairs(names).items()]
    print(table(["ratio", "median", "IQR", "min-max"], rows))
    return rounds


if __name__ == "__main__":
    main()
