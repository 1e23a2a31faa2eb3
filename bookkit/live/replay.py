"""The playground's run in Python, step for step what ``bookkit/live/engine.js``'s Trainer does.

The Playground page quotes the losses of such runs (computed when the book is built). The loop
is Assignment 6's ``train`` with an L2 penalty, so it lives here and not in the page's source.
"""

import numpy as np

import nanoprop as npp

from .rng import Rng, init_params, l2_penalty, make_dataset


def playground_run(
    dataset,
    hidden,
    steps,
    seed=1,
    activation="tanh",
    learning_rate=0.1,
    momentum=0.9,
    batch_size=20,
    lam=0.0,
    n=200,
    noise=0.1,
):
    """What the playground does: make_dataset, init_params and Rng from the seed, then
    one mini-batch per step: forward, softmax cross-entropy, backward, the L2 penalty's
    gradient, sgd_momentum. Returns the training loss after `steps` steps."""
    X, y = make_dataset(dataset, n=n, seed=seed, noise=noise)
    sizes = [2, *hidden, 3 if dataset == "spiral" else 2]
    model = npp.MLP(sizes, activation=activation)
    model.params = init_params(sizes, seed=seed, activation=activation)
    velocity = {k: np.zeros_like(p) for k, p in model.params.items()}
    rng, step = Rng(seed), 0
    while step < steps:
        for X_batch, y_batch in npp.minibatches(X, y, batch_size, rng):
            scores, caches = model.forward(X_batch)
            loss, dscores = npp.softmax_cross_entropy(scores, y_batch)
            grads = model.backward(dscores, caches)
            if lam > 0:
                _, dpen = l2_penalty(model.params, lam)
                grads = {k: grads[k] + dpen[k] for k in grads}
            for k in model.params:
                model.params[k], velocity[k] = npp.sgd_momentum(
                    model.params[k], grads[k], velocity[k], learning_rate, momentum
                )
            step += 1
            if step == steps:
                break
    return npp.softmax_cross_entropy(model.forward(X)[0], y)[0]
