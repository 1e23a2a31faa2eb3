"""The handwritten digits, split and standardised for training."""
from collections import namedtuple
from pathlib import Path

import numpy as np

DIGITS_CSV = Path(__file__).with_name("digits.csv.gz")

Split = namedtuple("Split", "X_train y_train X_test y_test mean std")


def load_digits_raw():
    """All 1,797 images -> X: (1797, 64) pixel values 0..16, y: (1797,) labels 0..9."""
    table = np.loadtxt(DIGITS_CSV, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_digits(test_size=0.2, seed=0, dtype=np.float64):
    """A shuffled train/test split, standardised with the training set's statistics.

    Each pixel is shifted and scaled to mean 0 and standard deviation 1 over the
    training images (pixels that never change keep scale 1). The test set uses
    the same mean and std: it must not leak into training.

    Returns Split(X_train, y_train, X_test, y_test, mean, std); an image is
    recovered with ``(X * std + mean).reshape(8, 8)``.
    """
    X, y = load_digits_raw()
    order = np.random.default_rng(seed).permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, train = order[:n_test], order[n_test:]
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0
    standardise = lambda A: ((A - mean) / std).astype(dtype)
    return Split(standardise(X[train]), y[train], standardise(X[test]), y[test], mean, std)
