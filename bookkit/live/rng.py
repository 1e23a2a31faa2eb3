"""The live widgets' random numbers in Python: the same as bookkit/live/engine.js, to the bit.

The playground in the book trains in the page (engine.js). To get the same numbers in Python with
nanoprop, the data set, the initial weights and the mini-batch order must come from the same
random numbers. numpy's generator (PCG64) is not sensible to rebuild in JavaScript, so both sides
use this small one instead:

    Rng(seed)                       mulberry32: .next_uint32(), .uniform(), .normal(), .permutation(n)
    make_dataset(name, n, seed, noise) -> X: (n, 2), y: (n,)   "xor", "moons", "circles", "spiral"
    init_params(sizes, seed, activation) -> {"W1", "b1", ...}  scaled as nanoprop.init_params
    l2_penalty(params, lam) -> (penalty, dparams)              lam / 2 * sum W^2, weights only

Rng has ``permutation(n)``, so it can be handed to ``nanoprop.minibatches`` in place of a numpy
generator: the batches come out in the same order as the page's.

Every number is made with Python floats and the operations + - * / and sqrt, which IEEE 754 rounds
the same way in every language; the cosine and the logarithm are written out here (cos_sin, log)
rather than taken from math, whose last bit may differ from a browser's Math. numpy only holds the
results.
"""

import math

import numpy as np

MASK = 0xFFFFFFFF  # 32 bits: JavaScript's `>>> 0`
LN2 = 0.6931471805599453


class Rng:
    """mulberry32: a 32-bit state that steps by a constant, then scrambled to 32 random bits."""

    def __init__(self, seed=0):
        self.state = seed & MASK

    def next_uint32(self):
        self.state = (self.state + 0x6D2B79F5) & MASK
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & MASK
        t = (t ^ (t + (((t ^ (t >> 7)) * (t | 61)) & MASK))) & MASK
        return t ^ (t >> 14)

    def uniform(self):
        """A number in [0, 1), a multiple of 2^-32."""
        return self.next_uint32() / 4294967296

    def normal(self):
        """Standard normal by Box-Muller: two uniforms -> a radius and an angle."""
        u1 = 1 - self.uniform()  # in (0, 1]: log(u1) is finite
        u2 = self.uniform()
        c, _ = cos_sin(2 * math.pi * u2)
        return math.sqrt(-2 * log(u1)) * c

    def permutation(self, n):
        """0 .. n-1 shuffled (Fisher-Yates), as an int array (what nanoprop.minibatches indexes with)."""
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = math.floor(self.uniform() * (i + 1))
            order[i], order[j] = order[j], order[i]
        return np.array(order, dtype=np.int64)


def cos_sin(theta):
    """(cos(theta), sin(theta)) with + - * / only: halve theta until it is small (exact), sum the
    Taylor series there, then double the angle back up (cos 2a = c^2 - s^2, sin 2a = 2 s c)."""
    halvings = 0
    while abs(theta) > 0.25:
        theta /= 2
        halvings += 1
    t2 = theta * theta
    c = 1 - (t2 / 2) * (1 - (t2 / 12) * (1 - (t2 / 30) * (1 - (t2 / 56) * (1 - (t2 / 90) * (1 - t2 / 132)))))
    s = theta * (1 - (t2 / 6) * (1 - (t2 / 20) * (1 - (t2 / 42) * (1 - (t2 / 72) * (1 - t2 / 110)))))
    for _ in range(halvings):
        c, s = c * c - s * s, 2 * s * c
    return c, s


def log(x):
    """Natural log of x > 0 with + - * / only: x = m * 2^e with m in [0.5, 1) (exact), then
    log m = 2 atanh(z), z = (m - 1) / (m + 1), summed as z + z^3/3 + z^5/5 + ..."""
    m, e = x, 0
    while m >= 1:
        m /= 2
        e += 1
    while m < 0.5:
        m *= 2
        e -= 1
    z = (m - 1) / (m + 1)
    z2 = z * z
    term, total = z, 0.0
    for k in range(1, 60, 2):
        total += term / k
        term *= z2
    return 2 * total + e * LN2


DATASETS = ("xor", "moons", "circles", "spiral")


def make_dataset(name, n=200, seed=0, noise=0.1):
    """n points in the plane with labels: "xor", "moons", "circles" (2 classes), "spiral" (3).

    -> X: (n, 2) float64, y: (n,) int64
    """
    if name not in DATASETS:
        raise ValueError(f"make_dataset: unknown data set {name!r}; use one of {', '.join(DATASETS)}.")
    rng = Rng(seed)
    X, y = [], []
    for i in range(n):
        if name == "xor":
            x1 = 2 * rng.uniform() - 1
            x2 = 2 * rng.uniform() - 1
            label = 0 if x1 * x2 > 0 else 1
        elif name == "moons":
            label = i % 2
            c, s = cos_sin(math.pi * rng.uniform())
            x1, x2 = (c, s) if label == 0 else (1 - c, 0.5 - s)
        elif name == "circles":
            label = i % 2
            radius = 1 if label == 0 else 0.5
            c, s = cos_sin(2 * math.pi * rng.uniform())
            x1, x2 = radius * c, radius * s
        else:  # spiral
            label = i % 3
            r = rng.uniform()
            c, s = cos_sin(4 * r + (2 * math.pi * label) / 3)
            x1, x2 = r * c, r * s
        X.append([x1 + noise * rng.normal(), x2 + noise * rng.normal()])
        y.append(label)
    return np.array(X, dtype=np.float64).reshape(n, 2), np.array(y, dtype=np.int64)


def init_params(sizes, seed=0, activation="relu"):
    """Normal weights scaled to the layer width, zero biases: nanoprop.init_params (He, variance
    2 / fan_in, for ReLU; LeCun, 1 / fan_in, for tanh and sigmoid), drawn from Rng(seed)."""
    rng = Rng(seed)
    gain = 2.0 if activation == "relu" else 1.0
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        scale = math.sqrt(gain / fan_in)
        params[f"W{i}"] = np.array([[rng.normal() * scale for _ in range(fan_out)] for _ in range(fan_in)])
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def l2_penalty(params, lam):
    """L2 regularisation (nanoprop has none): lam / 2 * the sum of every weight squared, and its
    gradient lam * W. Only the weights (W1, W2, ...) are penalised, not the biases.

    params: {name: array} -> (penalty: float, dparams: same keys and shapes, zeros for biases)
    """
    penalty = sum(float(np.sum(p * p)) for k, p in params.items() if k.startswith("W"))
    dparams = {k: lam * p if k.startswith("W") else np.zeros_like(p) for k, p in params.items()}
    return lam / 2 * penalty, dparams
