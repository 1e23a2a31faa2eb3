"""Mini-batches, a training history and the accuracy goal (assignment 6)."""

import numpy as np

from .calling import call
from .compare import assert_result
from .messages import MESSAGES, Mistake


def check_minibatches(minibatches, n, batch_size, seed=0):
    """minibatches(X, y, batch_size, rng): all rows once, batch_size at a time, shuffled, paired."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    X = np.arange(n * 2, dtype=float).reshape(n, 2)  # row i is [2i, 2i + 1]
    y = np.arange(n)
    batches = call(minibatches, X, y, batch_size, np.random.default_rng(seed), name="minibatches")
    batches = list(batches) if batches is not None else []
    sizes = [len(b[1]) if isinstance(b, tuple) and len(b) == 2 else None for b in batches]
    if None in sizes:
        raise Mistake(f"minibatches {MESSAGES['not_array']} (yield) pairs (X_batch, y_batch).")
    seen = np.concatenate([b[1] for b in batches]) if batches else np.array([], dtype=int)
    if sorted(seen.tolist()) != list(range(n)):
        raise Mistake(
            f"An epoch must use {MESSAGES['not_every_example']}: with {n} examples in "
            f"batches of {batch_size}, your batches hold {len(seen)} examples "
            f"({len(set(seen.tolist()))} different ones). Check the last, smaller batch."
        )
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != expected_sizes:
        raise Mistake(
            f"With {n} examples and batch_size {batch_size} the batch sizes should be "
            f"{expected_sizes}; yours are {sizes}."
        )
    for X_batch, y_batch in batches:
        if not np.array_equal(X_batch[:, 0], 2 * y_batch):
            raise Mistake(
                "In a batch, the rows of X_batch and the labels in y_batch no longer "
                "belong together: shuffle both with the same order."
            )
    if np.array_equal(seen, np.arange(n)):
        raise Mistake(
            f"The examples are {MESSAGES['not_shuffled']}: each epoch should visit them "
            "in a new random order drawn from rng."
        )
    again = np.concatenate(
        [
            b[1]
            for b in call(minibatches, X, y, batch_size, np.random.default_rng(seed + 1), name="minibatches")
        ]
    )
    if np.array_equal(again, seen):
        raise Mistake(
            f"Two different rng give the same order: the examples are {MESSAGES['not_shuffled']} "
            "with the rng you are given."
        )


def check_history(history, reference, epochs):
    """A train() history: the keys, one entry per epoch, and the same numbers as the reference."""
    if not isinstance(history, dict):
        raise Mistake(
            f"train {MESSAGES['not_array']} a history dict; yours returned {type(history).__name__}."
        )
    for key in ("loss", "train_acc", "val_acc"):
        values = history.get(key)
        if values is None or len(values) != epochs:
            raise Mistake(
                f"history['{key}'] should hold one number per epoch ({epochs}); yours is {values!r}."
            )
        assert_result(
            np.asarray(values, dtype=float),
            np.asarray(reference[key]),
            f"history['{key}']",
            rtol=1e-6,
            atol=1e-9,
        )


def check_accuracy(accuracy, required, what="the trained model"):
    """The accuracy ``accuracy`` returned: a fraction (a float in [0, 1]) of at least ``required``."""
    if isinstance(accuracy, (bool, np.bool_)) or not isinstance(accuracy, (int, float, np.number)):
        raise Mistake(
            f"accuracy {MESSAGES['not_array']} a number (a float); yours is {type(accuracy).__name__}."
        )
    if not 0.0 <= accuracy <= 1.0:
        raise Mistake(
            f"accuracy {MESSAGES['not_array']} the fraction of examples predicted right, between 0 and 1; "
            f"yours is {accuracy!r}. A count of right predictions must be divided by the number of examples."
        )
    if not isinstance(accuracy, (float, np.floating)) or not accuracy >= required:
        raise Mistake(
            f"The {MESSAGES['too_inaccurate']} of {what} is {accuracy!r}; it must reach "
            f"{required:.0%}. Check the tests above, then the learning rate and the number "
            "of epochs."
        )
