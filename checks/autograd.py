"""The scalar autograd engine: each operation's local derivative, accumulation, and the
order of backward() (assignment 4)."""

import numpy as np

from .calling import call
from .messages import MESSAGES, Mistake
from .recorded import reference


def _run_local_backward(Value, build, xs, upstream, start_grads=None):
    """Build out = build(*leaves), set out.grad, run only out._backward(); return leaf grads."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    leaves = [Value(x) for x in xs]
    for leaf, g in zip(leaves, start_grads or [0.0] * len(xs)):
        leaf.grad = g
    out = build(*leaves)
    out.grad = upstream
    call(out._backward, name=f"the backward of {out._op or 'this operation'}")
    return [leaf.grad for leaf in leaves]


def check_local_gradient(Value, build, xs, expression):
    """One operation's _backward: the leaves must receive upstream x local derivative.

    build(*leaves) -> a Value made by one operation; xs: the leaves' numbers;
    expression: how messages show it, e.g. "c = a * b".
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    upstream = 1.5
    got = _run_local_backward(Value, build, xs, upstream)
    names = "abcd"
    for k in range(len(xs)):
        h = 1e-6
        plus = [Value(v + h * (i == k)) for i, v in enumerate(xs)]
        minus = [Value(v - h * (i == k)) for i, v in enumerate(xs)]
        want = upstream * (build(*plus).data - build(*minus).data) / (2 * h)
        if not isinstance(got[k], (int, float)) or abs(got[k] - want) > 1e-5 * max(1.0, abs(want)):
            values = ", ".join(f"{names[i]} = {v:g}" for i, v in enumerate(xs))
            raise Mistake(
                f"After {expression} with {values} and an upstream gradient of "
                f"{upstream:g}, {names[k]}.grad should be {want:.6g}; yours is {got[k]!r}. "
                f"Check the {MESSAGES['local_derivative']} of this operation, times the "
                "upstream gradient."
            )


def check_accumulates(Value, build, xs, expression):
    """_backward must add to a leaf's gradient, not overwrite it (a leaf may be used again)."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    fresh = _run_local_backward(Value, build, xs, 1.0)
    start = [0.25 * (k + 1) for k in range(len(xs))]
    again = _run_local_backward(Value, build, xs, 1.0, start)
    for f, a, s0 in zip(fresh, again, start):
        if abs(a - (s0 + f)) > 1e-9 * max(1.0, abs(a)):
            raise Mistake(
                f"In {expression}, an input already had .grad = {s0:g} and received "
                f"{f:g} more, so it should end at {s0 + f:g}; yours is {a:g}: "
                f"{MESSAGES['not_accumulated']}. A value used twice gets gradient "
                "from both uses."
            )


def check_reused_input(Value, build_twice, build_apart, x, expression):
    """out = f(a, a) must give a the sum of what f(a, b) gives a and b."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    (twice,) = _run_local_backward(Value, build_twice, [x], 1.0)
    apart = _run_local_backward(Value, build_apart, [x, x], 1.0)
    if abs(twice - sum(apart)) > 1e-9 * max(1.0, abs(twice)):
        raise Mistake(
            f"In {expression}, a is used twice, so a.grad should be {sum(apart):g} "
            f"(the two uses together); yours is {twice:g}: {MESSAGES['not_accumulated']}."
        )


def check_topological_order(Value, n_nodes=8, seed=0):
    """Value.backward() on a graph whose local derivatives are fixed numbers.

    Every node's _backward is set here (child.grad += weight * node.grad), so only the
    order of the calls and the seed gradient of the output are under test.
    """
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    rng = np.random.default_rng(seed)
    nodes = [Value(0.0, (), "", f"x{i}") for i in range(3)]
    weights = {}
    for i in range(3, n_nodes):
        children = tuple(sorted(set(rng.choice(i, size=2, replace=False).tolist())))
        node = Value(0.0, tuple(nodes[c] for c in children), "f", f"x{i}")
        weights[i] = {c: float(rng.integers(1, 4)) for c in children}

        def _backward(node=node, i=i):
            for c, w in weights[i].items():
                nodes[c].grad += w * node.grad

        node._backward = _backward
        nodes.append(node)
    out = Value(0.0, (nodes[-1], nodes[-2]), "+", "out")
    out._backward = lambda: [setattr(v, "grad", v.grad + out.grad) for v in out._prev]
    expected = np.zeros(n_nodes + 1)  # reverse mode by hand, in index order
    expected[-1] = 1.0
    expected[n_nodes - 1] += 1.0
    expected[n_nodes - 2] += 1.0
    for i in reversed(range(3, n_nodes)):
        for c, w in weights[i].items():
            expected[c] += w * expected[i]
    call(out.backward, name="Value.backward")
    if out.grad != 1.0:
        raise Mistake(f"After out.backward(), out.grad should be 1 (d out / d out); yours is {out.grad!r}.")
    for i, node in enumerate(nodes):
        if abs(node.grad - expected[i]) > 1e-9:
            raise Mistake(
                f"In a graph of {n_nodes} values where some are used more than once, "
                f"{node.label}.grad should be {expected[i]:g}; yours is {node.grad:g}. A "
                "value passed its gradient on before all of it had arrived: call each "
                f"_backward in reverse {MESSAGES['order']} (a value after every value that "
                "uses it), and each exactly once."
            )


def check_engine(Value, expression, xs):
    """out = expression (a string over the leaves a, b, ...), then out.backward(): out.data and
    every leaf's grad must be the reference engine's (recorded for these xs)."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    leaves = [Value(x) for x in xs]
    out = eval(expression, {"__builtins__": {}}, dict(zip("abcdefgh", leaves)))
    call(out.backward, name="Value.backward")
    want = reference.expression_gradients(expression, xs)
    names = ["out.data"] + [f"{n}.grad" for n in "abcdefgh"[: len(xs)]]
    got = [out.data] + [leaf.grad for leaf in leaves]
    values = ", ".join(f"{n} = {x:g}" for n, x in zip("abcdefgh", xs))
    for what, g, w in zip(names, got, want):
        if not isinstance(g, (int, float)) or abs(g - w) > 1e-6 * max(1.0, abs(w)):
            raise Mistake(
                f"For out = {expression} with {values}, {what} should be {w:.6g}; yours is {g!r}. "
                "Run the tests above to find which operation is wrong. If they pass, a leaf used "
                f"twice may have lost one of its gradients: were the {MESSAGES['not_accumulated']}"
                " (+=) everywhere?"
            )
