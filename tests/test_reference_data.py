"""The digits' validation split: carved out of the training images, one per class in fair share,
the same on every run, and leaving the original train/test split exactly as it was (assignment 6
and the recorded results depend on it)."""

import hashlib

import numpy as np
import pytest

from nanoprop import load_digits

# sha256 of y_train's then y_test's bytes for load_digits(seed=0), recorded before the validation
# split was added: the train/test split must never move.
TRAIN_TEST_LABELS = "6079382bf6a20ce482453be8f7e7ea875715122c71bf231e481fc644f8333719"


def rows(X):
    return {tuple(r) for r in np.round(X, 9)}


def test_train_and_test_are_unchanged():
    d = load_digits(seed=0)
    digest = hashlib.sha256(d.y_train.tobytes() + d.y_test.tobytes()).hexdigest()
    assert digest == TRAIN_TEST_LABELS
    assert d._fields[:6] == ("X_train", "y_train", "X_test", "y_test", "mean", "std")
    assert d.X_train.shape == (1438, 64) and d.X_test.shape == (359, 64)


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_validation_and_fit_partition_the_training_set(seed):
    d = load_digits(seed=seed)
    assert len(d.X_val) + len(d.X_fit) == len(d.X_train)
    assert len(d.y_val) == len(d.X_val) and len(d.y_fit) == len(d.X_fit)
    val, fit, train, test = rows(d.X_val), rows(d.X_fit), rows(d.X_train), rows(d.X_test)
    assert not val & fit, "an image is both in the validation and the fitting set"
    assert not val & test and not fit & test, "the validation or fitting set holds a test image"
    assert val | fit == train
    # labels travel with their images
    for X, y in ((d.X_val, d.y_val), (d.X_fit, d.y_fit)):
        index = {tuple(r): label for r, label in zip(np.round(d.X_train, 9), d.y_train)}
        assert [index[tuple(r)] for r in np.round(X, 9)] == y.tolist()


@pytest.mark.parametrize("seed", [0, 3])
def test_validation_is_stratified(seed):
    d = load_digits(seed=seed)
    share = len(d.y_val) / len(d.y_train)
    assert 0.19 < share < 0.21
    per_class = np.bincount(d.y_val, minlength=10) / np.bincount(d.y_train, minlength=10)
    assert np.all(np.abs(per_class - 0.2) < 0.02), per_class  # each digit in its fair share


def test_validation_split_is_deterministic_and_seeded():
    a, b, c = load_digits(seed=0), load_digits(seed=0), load_digits(seed=1)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    np.testing.assert_array_equal(a.y_fit, b.y_fit)
    assert a.y_val.tolist() != c.y_val.tolist()


def test_validation_size_is_a_parameter():
    d = load_digits(seed=0, val_size=0.1)
    assert abs(len(d.y_val) - 0.1 * len(d.y_train)) <= 10
    np.testing.assert_array_equal(d.y_test, load_digits(seed=0).y_test)
