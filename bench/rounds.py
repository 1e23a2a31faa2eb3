"""Time contenders round by round, interleaved, and summarise them with medians and spreads.

On a shared machine the load from other processes comes and goes. When each contender's repeats
run one block after another, a burst of load falls on one contender and not on the others, and a
ratio of two medians can swing either way from one run to the next. Here every round runs each
contender once, one after the other, in an order that changes from round to round, so whatever
load there is falls on all of them alike; the comparison is the median of the per-round ratios,
reported with its spread (interquartile range and min-max).

The order is fixed by a seed: each block of ``len(contenders)`` rounds runs the rotations of one
seeded shuffle, so every contender runs first (and in every other place) once per block, and who
runs after whom changes from block to block.

    from rounds import interleave
    rounds = interleave({"a": fn_a, "b": fn_b}, rounds=5, seed=0, warmup=1)
    print(rounds.ratio("a", "b"))          # median of t_a / t_b over the rounds, with its spread

Used by bench_training.py and bench_autograde.py (and by bench_book.py for its spreads).
"""

import random
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """Median, interquartile range (25th-75th percentile) and min-max of some figures."""

    median: float
    q1: float
    q3: float
    lo: float
    hi: float
    n: int

    def format(self, fmt=".3f", unit=""):
        """``0.94x (IQR 0.90-0.98x, min-max 0.85-1.02x, 5 rounds)``-style text."""
        f = lambda v: format(v, fmt)
        return (
            f"{f(self.median)}{unit} (IQR {f(self.q1)}-{f(self.q3)}{unit}, "
            f"min-max {f(self.lo)}-{f(self.hi)}{unit}, n={self.n})"
        )

    def __str__(self):
        return self.format()


def spread(values):
    """The :class:`Spread` of ``values`` (quartiles by the inclusive method: with 5 values, the
    2nd and 4th)."""
    values = sorted(values)
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        q1 = q3 = values[0]
    else:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(statistics.median(values), q1, q3, values[0], values[-1], len(values))


def orders(names, rounds, seed=0):
    """The order of ``names`` in each of ``rounds`` rounds (a list of lists)."""
    rng = random.Random(seed)
    names, out = list(names), []
    while len(out) < rounds:
        base = names[:]
        rng.shuffle(base)
        out.extend(base[k:] + base[:k] for k in range(len(base)))
    return out[:rounds]


class Rounds:
    """Wall times (seconds) and returned values of every contender, round by round."""

    def __init__(self, names, seed):
        self.names = list(names)
        self.seed = seed
        self.times = {n: [] for n in self.names}
        self.values = {n: [] for n in self.names}
        self.orders = []

    def __len__(self):
        return len(self.orders)

    def time(self, name):
        """:class:`Spread` of ``name``'s times over the rounds."""
        return spread(self.times[name])

    def total(self, name):
        return sum(self.times[name])

    def round_ratios(self, name, against):
        """Per round, ``name``'s time over ``against``'s. ``against`` is a name, or a list of
        names: then the fastest of them in that round."""
        against = [against] if isinstance(against, str) else list(against)
        return [self.times[name][r] / min(self.times[a][r] for a in against) for r in range(len(self))]

    def ratio(self, name, against):
        """:class:`Spread` of the per-round ratios ``name`` / ``against`` (see round_ratios)."""
        return spread(self.round_ratios(name, against))

    def pairs(self, names=None):
        """{(a, b): ratio(a, b)} for every pair, a listed before b."""
        names = self.names if names is None else list(names)
        return {(a, b): self.ratio(a, b) for i, a in enumerate(names) for b in names[i + 1 :]}

    def describe(self):
        return (
            f"{len(self)} rounds; each round runs every contender once, in an order that "
            f"changes each round (rotations of a shuffle, seed {self.seed})"
        )


def interleave(contenders, rounds, seed=0, warmup=0, on_round=None):
    """Run ``contenders`` ({name: fn}) for ``rounds`` rounds, interleaved; return :class:`Rounds`.

    Round ``r`` calls each ``fn(r)`` once and times it with ``time.perf_counter``; what ``fn``
    returns is kept in ``Rounds.values``. ``warmup`` rounds come first, unrecorded, calling
    ``fn(w)`` for w = 0, 1, ... (first-call costs such as BLAS start-up or imports are not what
    is measured). ``on_round(r, rounds_so_far)`` is called after each recorded round.
    """
    result = Rounds(contenders, seed)
    for w, order in enumerate(orders(contenders, warmup, seed)):
        for name in order:
            contenders[name](w)
    for r, order in enumerate(orders(contenders, rounds, seed)):
        for name in order:
            start = time.perf_counter()
            value = contenders[name](r)
            result.times[name].append(time.perf_counter() - start)
            result.values[name].append(value)
        result.orders.append(order)
        if on_round is not None:
            on_round(r, result)
    return result


def table(header, rows):
    """Text table: ``rows`` of cells (strings), right-aligned except the first column."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows])


def time_rows(rounds, names=None, fmt=".3f"):
    """Rows (name, median, IQR, min-max) of the contenders' times, for :func:`table`."""
    rows = []
    for name in rounds.names if names is None else names:
        s = rounds.time(name)
        rows.append([name, format(s.median, fmt), f"{s.q1:{fmt}}-{s.q3:{fmt}}", f"{s.lo:{fmt}}-{s.hi:{fmt}}"])
    return rows


def ratio_cells(s, fmt=".2f"):
    """(median, IQR, min-max) cells of a ratio :class:`Spread`, for :func:`table`."""
    return [f"{s.median:{fmt}}x", f"{s.q1:{fmt}}-{s.q3:{fmt}}x", f"{s.lo:{fmt}}-{s.hi:{fmt}}x"]
