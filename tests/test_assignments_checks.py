"""The shared test helpers of the assignments (checks), without a kernel.

A learner's function is stood in for by plain Python functions: right ones, ones with a
seeded mistake (each must get its diagnosis). The reference answers live (as when the course is
built); the recorded answers and the reference's parts are tested at the end.
"""

import contextlib
import os
import types
from pathlib import Path

import numpy as np
import pytest

import checks
import nanoprop
from checks import MESSAGES, Mistake, recorded
from course import probes


@pytest.fixture(autouse=True)
def live_reference(request):
    """The checks compare with the reference's recorded answers; here the reference answers live."""
    if "tmp_path" in request.fixturenames:
        yield
        return
    with recorded.recording(probes.resolve_reference):
        yield


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


# --- calling a learner's function ---------------------------------------------------------------------------


def test_own_code_passes():
    mine = learner_copy(nanoprop.layers)
    x, W, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    out, _ = checks.call(mine.affine_forward, x, W, b)
    assert out.shape == (2, 4)


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
    checks.check_engine(Value, "(a * b + a.exp()).log() / b", [0.5, 2.0])


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


def test_parts_from_answers_on_the_recorded_path_and_leaves_the_rest_to_the_learner(tmp_path):
    """A network checked with the reference's parts: a call the build recorded is answered from the
    record; a call off that path is the learner's own; the learner's names come back after."""
    namespace = {"np": np}
    exec(
        "def affine_forward(x, W, b):\n    return x @ W, (x, W)\n"  # a forgotten bias
        "def net(x, W, b):\n    return affine_forward(x, W, b)[0]\n",
        namespace,
    )
    own = namespace["affine_forward"]
    x, W, b = np.eye(2), np.ones((2, 3)), np.arange(3.0)
    with (  # the build, with the solution's path
        recorded.recording(probes.resolve_reference) as answers,
        checks.parts_from(checks.reference, namespace, ["affine_forward"]),
    ):
        assert np.array_equal(namespace["net"](x, W, b), x @ W + b)
    (tmp_path / "expected.json").write_text(recorded.dump(answers))
    with _inside(tmp_path):
        with checks.parts_from(checks.reference, namespace, ["affine_forward"]):
            assert np.array_equal(namespace["net"](x, W, b), x @ W + b)  # recorded: the reference's
            assert np.array_equal(namespace["net"](x, 2 * W, b), x @ (2 * W))  # off the path: the learner's
        assert namespace["affine_forward"] is own
        with pytest.raises(checks.NotRecorded, match="run the test cell as it was given"):
            checks.reference.affine_forward(x, 2 * W, b)


def test_recorded_answers_keep_their_types_and_the_calls_ways_of_writing(tmp_path):
    values = (np.float32(1.5), np.arange(6).reshape(2, 3), {"loss": [0.25, 1e-300]}, (None, "relu", True))
    encoded = [recorded.decode(recorded.encode(v)) for v in values]
    assert type(encoded[0]) is np.float32 and encoded[1].dtype == values[1].dtype
    assert encoded[2] == values[2] and encoded[3] == values[3]
    with recorded.recording(probes.resolve_reference) as answers:
        checks.reference.sgd(np.ones(2), np.ones(2), 0.5)
    (tmp_path / "expected.json").write_text(recorded.dump(answers))
    with _inside(tmp_path):  # the same call with a keyword is the same call
        assert np.array_equal(checks.reference.sgd(np.ones(2), dw=np.ones(2), learning_rate=0.5), [0.5, 0.5])


@contextlib.contextmanager
def _inside(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def test_an_accuracy_that_is_a_count_is_named_as_such():
    with pytest.raises(Mistake, match="divided by the number of examples"):
        checks.check_accuracy(48, 0.95)
    with mistake("too_inaccurate"):
        checks.check_accuracy(0.5, 0.95)
    checks.check_accuracy(0.97, 0.95)
