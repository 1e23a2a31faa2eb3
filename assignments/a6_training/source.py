# %% markdown
# # Assignment 6: gradient descent and training on the digits
#
# The gradients say which way is uphill; gradient descent steps the other way. With
# **momentum**, a velocity `v` (starting at zeros) remembers past steps:
#
# $$v \leftarrow \mu v - \eta\, dw, \qquad w \leftarrow w + v$$
#
# so steps that agree build up speed and steps that zig-zag cancel out. Training repeats,
# for a number of **epochs**: shuffle the examples, cut them into **mini-batches**, and for
# each batch compute the loss and its gradients and update every parameter.
#
# | function | returns |
# | --- | --- |
# | `sgd(w, dw, learning_rate)` | the next `w` after one plain step |
# | `sgd_momentum(w, dw, v, learning_rate, momentum)` | `(next_w, next_v)`; `w`, `dw`, `v` have the same shape |
# | `minibatches(X, y, batch_size, rng)` | yields `(X_batch, y_batch)`: shuffled once with `rng.permutation`, every example exactly once per epoch, the last batch may be smaller |
# | `accuracy(model, X, y)` | the fraction of examples whose predicted class (`model.predict(X)`) is the label |
# | `train(model, X, y, X_val, y_val, epochs, batch_size, learning_rate, momentum, seed)` | a history dict of per-epoch lists (see its docstring) |
#
# None of them may modify its inputs, except that `train` updates `model.params` (a dict
# of arrays `W1, b1, ...`; `model.loss(X_batch, y_batch)` returns `(loss, grads)` with the same
# keys). The model is the reference MLP (assignments 2 and 5); the data are 8x8 images of
# handwritten digits: 1,438 for training, of which 289 are held out as a **validation set**
# (`digits.X_val`, `digits.y_val`; the other 1,149 are `digits.X_fit`, `digits.y_fit`), and 359
# for testing. Anything chosen by looking at data, such as when to stop, is chosen on the
# validation set; the test set is looked at once, at the end.
#
# **Goal:** with your functions, `MLP([64, 64, 10])` trained on the fitting set for 10 epochs
# (batches of 64, learning rate 0.05, momentum 0.9), with the validation set watched as it
# trains, must reach **at least 95% accuracy on the test set**.

# %% code id=setup
import numpy as np

import checks
import given  # what this assignment gives: the MLP of assignments 2 and 5, and the digits

digits = given.load_digits(seed=0)
print(digits.X_fit.shape, digits.X_val.shape, digits.X_test.shape)

# %% solution id=sgd
def sgd(w, dw, learning_rate=0.01):
    """One plain step downhill. w, dw: same shape -> next w (a new array)."""
    ### BEGIN SOLUTION
    return w - learning_rate * dw
    ### END SOLUTION


def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):
    """One step with momentum. w, dw, v: same shape -> (next_w, next_v), new arrays."""
    ### BEGIN SOLUTION
    v = momentum * v - learning_rate * dw
    return w + v, v
    ### END SOLUTION

# %% tests id=test_sgd points=1 needs=sgd
w, dw = np.array([[1.0, -2.0], [0.5, 0.0]]), np.array([[0.5, -1.0], [2.0, 1.0]])
checks.assert_close(checks.call(sgd, w, dw, 0.1), np.array([[0.95, -1.9], [0.3, -0.1]]), "sgd's next w", start=w)
checks.ok()

# %% tests id=test_sgd_momentum points=2 needs=sgd
w, dw = np.array([1.0, -2.0, 0.5]), np.array([0.5, -1.0, 2.0])
next_w, next_v = checks.unpack(checks.call(sgd_momentum, w, dw, np.zeros(3), 0.1, 0.9), ("next_w", "next_v"), "sgd_momentum")
checks.assert_close(next_v, np.array([-0.05, 0.1, -0.2]), "next_v, starting from v = 0")
checks.assert_close(next_w, np.array([0.95, -1.9, 0.3]), "next_w, starting from v = 0")
next_w, next_v = checks.unpack(checks.call(sgd_momentum, w, dw, np.array([1.0, 0.0, -1.0]), 0.1, 0.9),
                               ("next_w", "next_v"), "sgd_momentum")
checks.assert_close(next_v, np.array([0.85, 0.1, -1.1]), "next_v, starting from v = [1, 0, -1]")
checks.ok()

# %% solution id=minibatches
def minibatches(X, y, batch_size, rng):
    """Shuffle once with rng, then yield (X_batch, y_batch) of batch_size rows.

    X: (N, D), y: (N,) -> batches of (batch_size, D) and (batch_size,); the last may be smaller.
    """
    ### BEGIN SOLUTION
    order = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
    ### END SOLUTION

# %% tests id=test_minibatches points=2 needs=minibatches
checks.check_minibatches(minibatches, n=10, batch_size=4)
checks.ok()

# %% solution id=train
def accuracy(model, X, y):
    """The fraction of examples whose predicted class is the label (a float)."""
    ### BEGIN SOLUTION
    return float(np.mean(model.predict(X) == y))
    ### END SOLUTION


def train(model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,
          learning_rate=0.1, momentum=0.9, seed=0):
    """Mini-batch SGD with momentum on model.params, in place.

    Use rng = np.random.default_rng(seed) for all the shuffling (one call of
    minibatches per epoch), a velocity of zeros for every parameter, and
    sgd_momentum for every update. Returns a history dict with one entry per epoch in
    each list: "loss" (the mean of the epoch's batch losses), "train_acc" and "val_acc"
    (the accuracy on X, y and on X_val, y_val after the epoch; leave "val_acc" empty
    when no validation data is given).
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    velocity = {k: np.zeros_like(p) for k, p in model.params.items()}
    history = {"loss": [], "train_acc": [], "val_acc": []}
    for _ in range(epochs):
        losses = []
        for X_batch, y_batch in minibatches(X, y, batch_size, rng):
            loss, grads = model.loss(X_batch, y_batch)
            for k in model.params:
                model.params[k], velocity[k] = sgd_momentum(
                    model.params[k], grads[k], velocity[k], learning_rate, momentum)
            losses.append(loss)
        history["loss"].append(float(np.mean(losses)))
        history["train_acc"].append(accuracy(model, X, y))
        if X_val is not None:
            history["val_acc"].append(accuracy(model, X_val, y_val))
    return history
    ### END SOLUTION

# %% tests id=test_train points=2 needs=train
# train runs with the reference's sgd_momentum and minibatches here, so only train itself counts.
X, y = digits.X_fit[:96], digits.y_fit[:96]
model = given.MLP([64, 4, 10], seed=1)
with checks.parts_from(checks.reference, globals(), ["sgd_momentum", "minibatches"]):
    history = checks.call(train, model, X, y, digits.X_val[:50], digits.y_val[:50], epochs=3, batch_size=32,
                          learning_rate=0.05, momentum=0.9, seed=3, name="train")
expected = checks.reference.train(checks.reference.MLP([64, 4, 10], seed=1), X, y, digits.X_val[:50],
                                  digits.y_val[:50], epochs=3, batch_size=32, learning_rate=0.05, momentum=0.9, seed=3)
checks.check_history(history, expected, epochs=3)
checks.ok()

# %% tests id=test_digits_accuracy points=2 needs=sgd,minibatches,train
# Everything together, with your own functions: the goal of this assignment.
model = given.MLP([64, 64, 10], seed=0)
history = checks.call(train, model, digits.X_fit, digits.y_fit, digits.X_val, digits.y_val, epochs=10,
                      batch_size=64, learning_rate=0.05, momentum=0.9, seed=0)
print("validation accuracy per epoch:", [round(a, 3) for a in history["val_acc"]])
test_accuracy = checks.call(accuracy, model, digits.X_test, digits.y_test)  # the test set, once
print(f"test accuracy after 10 epochs: {test_accuracy:.3f}")
checks.check_accuracy(test_accuracy, 0.95)
checks.ok()
