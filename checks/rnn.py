"""Backprop through time, with its two classic mistakes diagnosed (assignment 7)."""

import numpy as np

from .calling import call
from .compare import _close, assert_result, unpack
from .messages import MESSAGES, Mistake
from .recorded import reference

RNN_GRADIENTS = ("dx", "dh0", "dWx", "dWh", "db")


def random_rnn(rng, N=None, T=None, D=None, H=None):
    """Random inputs for a vanilla RNN: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,)."""
    N, T, D, H = (v if v is not None else int(rng.integers(1, 5)) for v in (N, T, D, H))
    return (
        rng.normal(size=(N, T, D)),
        rng.normal(size=(N, H)),
        rng.normal(0, 0.5, size=(D, H)),
        rng.normal(0, 0.5, size=(H, H)),
        rng.normal(0, 0.5, size=H),
    )


def _bptt_variants(dh, caches):
    """What rnn_backward gives with two classic mistakes: no gradient from later steps,
    and shared weights keeping one step's gradient instead of the sum."""
    no_flow = sum(reference.rnn_step_backward(dh[:, t], caches[t])[2] for t in range(dh.shape[1]))
    first = reference.rnn_step_backward(dh[:, 0] + _dh_next_at(dh, caches, 0), caches[0])
    last = reference.rnn_step_backward(dh[:, -1], caches[-1])
    return {"no_flow": no_flow, "single_steps": (first[2], last[2])}


def _dh_next_at(dh, caches, t_stop):
    dh_next = np.zeros_like(dh[:, 0])
    for t in reversed(range(t_stop + 1, dh.shape[1])):
        _, dh_next, _, _, _ = reference.rnn_step_backward(dh[:, t] + dh_next, caches[t])
    return dh_next


def check_rnn_backward(rnn_backward, x, h0, Wx, Wh, b, dh, name="rnn_backward"):
    """rnn_backward(dh, caches) on caches from the reference forward, against the reference
    (both recorded on these inputs), with the two classic mistakes of backprop through time
    diagnosed."""
    __tracebackhide__ = True  # IPython's tracebacks skip this frame (see checks.messages)
    _, caches = reference.rnn_forward(x, h0, Wx, Wh, b)
    expected = reference.rnn_backward(dh, caches)
    got = unpack(call(rnn_backward, dh, caches, name=name), RNN_GRADIENTS, name)
    like = {
        "dx": ("x", x.shape),
        "dh0": ("h0", h0.shape),
        "dWx": ("Wx", Wx.shape),
        "dWh": ("Wh", Wh.shape),
        "db": ("b", b.shape),
    }
    T = x.shape[1]
    if T > 1 and isinstance(got[2], np.ndarray) and got[2].shape == Wx.shape:
        variants = _bptt_variants(dh, caches)
        if not _close(got[2], expected[2]) and _close(got[2], variants["no_flow"]):
            raise Mistake(
                f"In {name}, the gradient {MESSAGES['no_time_flow']}: each step must also "
                "receive the gradient its hidden state sends to the next step (dh_next)."
            )
        if any(_close(got[2], v) for v in variants["single_steps"]):
            raise Mistake(
                f"dWx holds {MESSAGES['not_summed_over_time']}'s gradient. Wx, Wh and b are "
                "shared by every step, so their gradients collect the contributions of all steps."
            )
    for what, g, e in zip(RNN_GRADIENTS, got, expected):
        assert_result(g, e, what, like=like[what], rtol=1e-6, atol=1e-8)
