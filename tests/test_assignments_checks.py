"""The shared test helpers of the assignments (checks), without a kernel.

A learner's function is stood in for by plain Python functions: right ones, ones with a
seeded mistake (each must get its diagnosis), and ones that try to pass by calling nanoprop.
"""

import sys
import types
from pathlib import Path

import numpy as np
import pytest

import checks
import nanoprop
from checks import MESSAGES, Mistake


def mistake(key):
    return pytest.raises(Mistake, match=MESSAGES[key].replace("(", r"\(").replace(")", r"\)"))


def learner_copy(module, edit=None, filename="<learner>"):
    """A learner's version of a nanoprop module: the same source, compiled as the learner's."""
    source = Path(module.__file__).read_text()
    if edit:
        old, new = edit
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    namespace = {"__name__": "learner"}
    exec(
        compile(
            source.replace("from .activations import", "from nanoprop.activations import"), filename, "exec"
        ),
        namespace,
    )
    return types.SimpleNamespace(**namespace)


# --- played fair? ---------------------------------------------------------------------------


def test_own_code_passes():
    mine = learner_copy(nanoprop.layers)
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    out, _ = checks.call(mine.affine_forward, x, W, b)
    assert out.shape == (2, 4)


def test_the_reference_itself_is_caught():
    with mistake("calls_reference"):
        checks.call(nanoprop.relu, np.ones(3))


def test_calling_the_reference_through_a_global_is_caught():
    namespace = {"npp": nanoprop}
    exec("def relu(z):\n    return npp.relu(z)\n", namespace)
    with mistake("calls_reference"):
        checks.call(namespace["relu"], np.ones(3))


def test_calling_the_reference_through_sys_modules_is_caught():
    namespace = {"sys": sys}
    exec("def relu(z):\n    return sys.modules[''.join(['nano', 'prop'])].relu(z)\n", namespace)
    with pytest.raises(Mistake, match=r"called nanoprop's (\w+, )*relu\b"):
        checks.call(namespace["relu"], np.ones(3))


def test_a_closure_a_default_or_borrowed_code_is_caught():
    ref = nanoprop.relu

    def in_closure(z):
        return ref(z)

    def in_default(z, f=nanoprop.relu):
        return f(z)

    borrowed = types.FunctionType(nanoprop.relu.__code__, {"np": np}, "relu")
    for fn in (in_closure, in_default, borrowed):
        with mistake("calls_reference"):
            checks.call(fn, np.ones(3))


def test_switching_the_call_watcher_off_is_caught():
    namespace = {"sys": sys}
    exec(
        "def relu(z):\n    sys.setprofile(None)\n    return sys.modules[''.join(['nano', 'prop'])].relu(z)\n",
        namespace,
    )
    with pytest.raises(Mistake, match="switched off"):
        checks.call(namespace["relu"], np.ones(3))


def test_allowed_reference_code_is_not_held_against_the_learner():
    model = nanoprop.MLP([3, 4, 2])
    namespace = {"np": np}
    exec("def accuracy(model, X, y):\n    return float(np.mean(model.predict(X) == y))\n", namespace)
    X, y = np.ones((5, 3)), np.zeros(5, dtype=int)
    with mistake("calls_reference"):
        checks.call(namespace["accuracy"], model, X, y)
    allowed = (nanoprop.network, nanoprop.layers, nanoprop.activations)
    assert checks.call(namespace["accuracy"], model, X, y, allow=allowed) in (0.0, 1.0)


# --- inputs, warnings, missing code ---------------------------------------------------------


def test_changing_an_input_in_place_is_caught():
    def relu(z):
        z[z < 0] = 0
        return z

    with pytest.raises(Mistake, match="changed its input `z` in place"):
        checks.call(relu, np.array([-1.0, 2.0]))


def test_a_numpy_warning_becomes_a_message():
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    with mistake("warning"):
        checks.call(sigmoid, np.array([-1000.0]))


def test_an_unwritten_function_says_so():
    def f(z):
        raise NotImplementedError()

    with mistake("not_written"):
        checks.call(f, 1.0)


# --- diagnoses --------------------------------------------------------------------------------

WANT = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])


@pytest.mark.parametrize(
    "got, kwargs, key",
    [
        (-WANT, {}, "sign"),
        (WANT.T, {"like": ("W", WANT.shape)}, "transposed"),
        (WANT * 4, {"batch": 4}, "missing_average"),
        (WANT / 4, {"batch": 4}, "double_average"),
        (WANT.astype(int), {}, "dtype"),
        (WANT.astype(np.float32), {}, "dtype"),
        (np.where(WANT > 2, np.nan, WANT), {}, "not_finite"),
        (np.maximum(WANT, 0), {"hints": ("last_activation",)}, "last_activation"),
        (WANT - np.array([0.5, 1.0, -1.0]), {"hints": ("bias_forgotten",)}, "bias_forgotten"),
        (WANT + 1e-3, {}, "mismatch"),
        ([[1.0]], {}, "not_array"),
    ],
)
def test_each_mistake_gets_its_diagnosis(got, kwargs, key):
    with mistake(key):
        checks.assert_result(np.asarray(got) if key != "not_array" else got, WANT, "dW", **kwargs)


def test_bias_gradient_diagnoses():
    want = np.array([1.0, -2.0, 0.5])
    with mistake("bias_zero"):
        checks.assert_result(np.zeros(3), want, "db", hints=("bias_zero",))
    with mistake("bias_not_summed"):
        checks.assert_result(np.ones((5, 3)), want, "db", batch=5, like=("b", (3,)))


def test_a_step_uphill_is_recognised():
    w, dw = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    with mistake("sign"):
        checks.assert_result(w + 0.1 * dw, w - 0.1 * dw, "next w", start=w)


def test_messages_do_not_give_the_answer_away():
    with pytest.raises(Mistake) as info:
        checks.assert_result(WANT.T, WANT, "dW", like=("W", WANT.shape))
    assert "x.T" not in str(info.value) and "dout" not in str(info.value)
    assert "(2, 3)" in str(info.value) and "(3, 2)" in str(info.value)


def test_a_right_result_passes():
    checks.assert_result(WANT.copy(), WANT, "dW", batch=2, hints=("bias_zero", "bias_forgotten"))


def test_wrong_derivatives_are_explained():
    def sigmoid_prime(z):
        s = nanoprop.sigmoid(z)
        return s * (1 + s)

    namespace = {"np": np}
    exec("def sigmoid_prime(z):\n    s = 1 / (1 + np.exp(-z))\n    return s * (1 + s)\n", namespace)
    with pytest.raises(Mistake, match="not the derivative of sigmoid"):
        checks.check_derivative(namespace["sigmoid_prime"], np.linspace(-2, 2, 5), "sigmoid_prime", "sigmoid")
    exec("def relu_backward(dout, cache):\n    return dout * (cache < 0)\n", namespace)
    x = np.array([-1.0, 2.0])
    with pytest.raises(Mistake, match="derivative of relu"):
        checks.check_activation_backward(
            namespace["relu_backward"], x, np.ones(2), x, "relu", "relu_backward"
        )


def test_reference_layers_pass_the_numeric_gradient_check():
    mine = learner_copy(nanoprop.layers)
    rng = np.random.default_rng(0)
    x, W, b, dout = (
        rng.normal(size=(4, 3)),
        rng.normal(size=(3, 2)),
        rng.normal(size=2),
        rng.normal(size=(4, 2)),
    )
    grads = checks.call(mine.affine_backward, dout, (x, W))
    checks.check_gradients(
        grads, lambda x, W, b: np.sum(mine.affine_forward(x, W, b)[0] * dout), [x, W, b], ["dx", "dW", "db"]
    )


def test_numerical_gradients_are_the_checks_own(monkeypatch):
    def not_this(*args, **kwargs):
        raise AssertionError("checks used nanoprop's numerical_gradient")

    monkeypatch.setattr(nanoprop, "numerical_gradient", not_this)
    monkeypatch.setattr(nanoprop.gradcheck, "numerical_gradient", not_this)
    a, b = np.array([[1.0, -2.0]]), np.array([0.5, 3.0])
    before = (a.copy(), b.copy())
    da, db = checks.numerical_gradients(lambda a, b: np.sum(a**2 * b), [a, b])
    np.testing.assert_allclose(da, 2 * a * b, rtol=1e-8)
    np.testing.assert_allclose(db, np.sum(a**2, axis=0), rtol=1e-8)
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])
    z = np.linspace(-2, 2, 6).reshape(2, 3)
    slope = checks.numerical_derivative(np.tanh, z)
    assert slope.shape == z.shape and slope.dtype == np.float64
    np.testing.assert_allclose(slope, 1 - np.tanh(z) ** 2, rtol=1e-8)
    namespace = {"np": np}
    exec("def tanh_prime(z):\n    return 1 - np.tanh(z) ** 2\n", namespace)
    checks.check_derivative(namespace["tanh_prime"], z, "tanh_prime", "tanh")


# --- the autograd engine ---------------------------------------------------------------------


def engine(edit=None):
    return learner_copy(nanoprop.engine, edit).Value


def test_a_right_engine_passes_every_engine_check():
    Value = engine()
    checks.check_local_gradient(Value, lambda a, b: a * b, [2.0, -3.0], "c = a * b")
    checks.check_accumulates(Value, lambda a: a.tanh(), [0.3], "c = a.tanh()")
    checks.check_reused_input(Value, lambda a: a * a, lambda a, b: a * b, 3.0, "c = a * a")
    checks.check_topological_order(Value, n_nodes=10, seed=3)
    checks.compare_engines(Value, lambda x, y: (x * y + x.exp()).log() / y, [0.5, 2.0], "an expression")


def test_engine_mistakes_are_diagnosed():
    swapped = engine(("self.grad += other.data * out.grad", "self.grad += self.data * out.grad"))
    with mistake("local_derivative"):
        checks.check_local_gradient(swapped, lambda a, b: a * b, [2.0, -3.0], "c = a * b")
    overwrites = engine(
        (
            "self.grad += out.grad\n            other.grad += out.grad",
            "self.grad = out.grad\n            other.grad = out.grad",
        )
    )
    with mistake("not_accumulated"):
        checks.check_reused_input(overwrites, lambda a: a + a, lambda a, b: a + b, 2.0, "c = a + a")
    with mistake("not_accumulated"):
        checks.check_accumulates(overwrites, lambda a, b: a + b, [1.0, 2.0], "c = a + b")
    unordered = engine(("for v in reversed(order):", "for v in order:"))
    with mistake("order"):
        checks.check_topological_order(unordered, n_nodes=10, seed=3)


# --- training and recurrent networks ----------------------------------------------------------


def test_minibatch_mistakes_are_diagnosed():
    good = learner_copy(nanoprop.optim)
    checks.check_minibatches(good.minibatches, n=10, batch_size=4)
    drops = learner_copy(
        nanoprop.optim, ("range(0, len(X), batch_size)", "range(0, len(X) - batch_size + 1, batch_size)")
    )
    with mistake("not_every_example"):
        checks.check_minibatches(drops.minibatches, n=10, batch_size=4)
    ordered = learner_copy(nanoprop.optim, ("order = rng.permutation(len(X))", "order = np.arange(len(X))"))
    with mistake("not_shuffled"):
        checks.check_minibatches(ordered.minibatches, n=10, batch_size=4)
    unpaired = learner_copy(nanoprop.optim, ("yield X[idx], y[idx]", "yield X[idx], y[np.sort(idx)]"))
    with pytest.raises(Mistake, match="belong together"):
        checks.check_minibatches(unpaired.minibatches, n=10, batch_size=4)


def test_bptt_mistakes_are_diagnosed():
    rng = np.random.default_rng(0)
    args = checks.random_rnn(rng, N=2, T=4, D=3, H=2)
    dh = rng.normal(size=(2, 4, 2))
    right = learner_copy(nanoprop.rnn)
    checks.check_rnn_backward(right.rnn_backward, *args, dh)
    no_flow = learner_copy(
        nanoprop.rnn,
        ("rnn_step_backward(dh[:, t] + dh_next, cache[t])", "rnn_step_backward(dh[:, t], cache[t])"),
    )
    with mistake("no_time_flow"):
        checks.check_rnn_backward(no_flow.rnn_backward, *args, dh)
    one_step = learner_copy(
        nanoprop.rnn,
        ("dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t", "dWx, dWh, db = dWx_t, dWh_t, db_t"),
    )
    with mistake("not_summed_over_time"):
        checks.check_rnn_backward(one_step.rnn_backward, *args, dh)


def test_rebind_grades_one_function_with_the_reference_in_place_of_others():
    namespace = {}
    exec("def helper(x):\n    return x + 1\n\ndef outer(x):\n    return helper(x) * 2\n", namespace)
    assert namespace["outer"](1) == 4
    assert checks.rebind(namespace["outer"], helper=lambda x: x)(1) == 2
    assert namespace["outer"](1) == 4  # the original is untouched


def test_with_reference_layers_rebinds_the_activation_table():
    namespace = {"ACTIVATION_LAYERS": {"relu": (None, None)}}
    exec("def layers(name):\n    return ACTIVATION_LAYERS[name]\n", namespace)
    wired = checks.with_reference_layers(namespace["layers"])
    assert wired("tanh") == nanoprop.network.ACTIVATION_LAYERS["tanh"]
    assert namespace["ACTIVATION_LAYERS"] == {"relu": (None, None)}  # the learner's, untouched
