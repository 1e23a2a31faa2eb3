"""The handwritten digits, split and standardised for training."""
from collections import namedtuple
from pathlib import Path

import numpy as np

DIGITS_CSV = Path(__file__).with_name("digits.csv.gz")

# The first six fields are the original split; the validation fields were added after them, so
# code that reads the split by name or by position 0-5 sees exactly what it saw before.
Split = namedtuple("Split", "X_train y_train X_test y_test mean std X_val y_val X_fit y_fit")


def load_digits_raw():
    """All 1,797 images -> X: (1797, 64) pixel values 0..16, y: (1797,) labels 0..9."""
    table = np.loadtxt(DIGITS_CSV, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_digits(test_size=0.2, seed=0, dtype=np.float64, val_size=0.2):
    """A shuffled train/test split, standardised with the training set's statistics,
    and a validation split carved out of the training images.

    Each pixel is shifted and scaled to mean 0 and standard deviation 1 over the
    training images (pixels that never change keep scale 1). The test set uses
    the same mean and std: it must not leak into training.

    The training images are then split once more, class by class: ``val_size`` of
    each digit's training images become the validation set (X_val, y_val), the rest
    the fitting set (X_fit, y_fit). Fit the weights on X_fit, make every choice
    (the epoch to stop at, the learning rate) on X_val, and look at X_test once, at
    the end. X_fit and X_val together are exactly X_train; neither touches X_test.

    Returns Split(X_train, y_train, X_test, y_test, mean, std, X_val, y_val, X_fit,
    y_fit); an image is recovered with ``(X * std + mean).reshape(8, 8)``.
    """
    X, y = load_digits_raw()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_size * len(X)))
    test, train = order[:n_test], order[n_test:]
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0
    standardise = lambda A: ((A - mean) / std).astype(dtype)
    X_train, y_train = standardise(X[train]), y[train]
    val = validation_rows(y_train, val_size, rng)
    fit = np.setdiff1d(np.arange(len(y_train)), val)
    return Split(
        X_train, y_train, standardise(X[test]), y[test], mean, std,
        X_train[val], y_train[val], X_train[fit], y_train[fit],
    )


def validation_rows(y, val_size, rng):
    """Rows of y to hold out: round(val_size * count) of each class's rows, drawn by rng,
    returned sorted (so the held-out images keep the training set's shuffled order)."""
    picked = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        picked.append(rng.choice(rows, size=int(round(val_size * len(rows))), replace=False))
    return np.sort(np.concatenate(picked))
