"""The training loop: repeat forward, backward, update until the loss stops falling."""
import numpy as np

from .optim import minibatches, sgd_momentum


def accuracy(model, X, y):
    """Fraction of examples whose predicted class is the label."""
    return float(np.mean(model.predict(X) == y))


def train(model, X, y, X_val=None, y_val=None, epochs=20, batch_size=64,
          learning_rate=0.1, momentum=0.9, seed=0):
    """Mini-batch SGD with momentum on ``model.params``, in place.

    Returns a history dict of per-epoch lists: ``loss`` (mean training loss over
    the epoch's batches), ``train_acc`` and ``val_acc`` (always there, but empty
    when no validation data is given).
    """
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
