"""course.figures: the plotting helpers of chapters 5-9 draw what nanoprop computes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nanoprop as npp
from bookkit.figures import (
    bowl,
    confusion_matrix,
    draw_confusion,
    draw_descent,
    draw_value_graph,
    graph_layout,
    loss_path,
)
from nanoprop import Value


def neuron():
    x1, w1, b = Value(2.0, label="x1"), Value(-3.0, label="w1"), Value(6.88, label="b")
    z = x1 * w1 + b
    z.label = "z"
    o = z.tanh()
    o.label = "o"
    return o, (x1, w1, b, z)


def test_layout_puts_every_input_left_of_its_use_and_no_two_nodes_together():
    o, (x1, w1, b, z) = neuron()
    nodes, edges, pos = graph_layout(o)
    assert len(pos) == len(nodes) == 6
    assert len(set(pos.values())) == len(nodes)
    for child, parent in edges:
        assert pos[child][0] < pos[parent][0]
    assert pos[o][0] == max(x for x, _ in pos.values())
    assert pos[b][0] == pos[z][0] - 1  # an input sits just before its first use


def test_graph_shows_data_and_grad_of_every_node():
    o, (x1, w1, b, z) = neuron()
    o.backward()
    ax = draw_value_graph(o)
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty texts
    assert len(texts) == 6
    for v in (x1, w1, b, z, o):
        assert any(
            t.startswith(v.label) and f"data {v.data:.4g}" in t and f"grad {v.grad:.4g}" in t for t in texts
        ), v.label
    plt.close(ax.figure)


def test_graph_marks_unknown_gradients():
    o, (x1, w1, b, z) = neuron()
    ax = draw_value_graph(o, show_grad={o, z})
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty texts
    assert sum("grad ?" in t for t in texts) == 4
    assert not any("grad ?" in t for t in texts if t.startswith("o") or t.startswith("z"))
    plt.close(ax.figure)
    ax = draw_value_graph(o, show_grad=False)
    assert not any("grad" in t.get_text() for t in ax.texts)
    plt.close(ax.figure)


def test_bowl_gradient_matches_a_numeric_gradient():
    loss, grad = bowl(a=2.0, b=7.0)
    w = np.array([0.3, -1.2])
    assert npp.relative_error(grad(w), npp.numerical_gradient(loss, w.copy())) < 1e-8


def test_loss_path_is_nanoprops_momentum_update_repeated():
    _, grad = bowl(a=1.0, b=10.0)
    path = loss_path(grad, [1.0, 1.0], learning_rate=0.05, momentum=0.5, steps=5)
    w, v = np.array([1.0, 1.0]), np.zeros(2)
    expected = [w]
    for _ in range(5):
        w, v = npp.sgd_momentum(w, grad(w), v, 0.05, 0.5)
        expected.append(w)
    np.testing.assert_allclose(path, np.array(expected))


@pytest.mark.parametrize("learning_rate, converges", [(0.05, True), (0.19, True), (0.21, False)])
def test_plain_descent_on_a_bowl_diverges_beyond_two_over_the_curvature(learning_rate, converges):
    loss, grad = bowl(a=1.0, b=10.0)
    path = loss_path(grad, [1.0, 1.0], learning_rate=learning_rate, steps=200, limit=1e6)
    if converges:
        assert len(path) == 201 and loss(path[-1]) < 1e-6
    else:
        assert len(path) < 201 and np.abs(path[-1]).max() >= 1e6  # cut short once it blew up


def test_draw_descent_draws_the_path():
    loss, grad = bowl()
    path = loss_path(grad, [-2.0, 2.0], learning_rate=0.1, steps=10)
    fig, ax = plt.subplots()
    draw_descent(ax, loss, path)
    drawn = ax.lines[0].get_xydata()
    np.testing.assert_allclose(drawn, path)
    plt.close(fig)


@given(st.integers(1, 12), st.integers(0, 200), st.integers(0, 2**32 - 1))
def test_confusion_matrix_counts_each_pair(n_classes, n, seed):
    rng = np.random.default_rng(seed)
    y_true, y_pred = rng.integers(0, n_classes, n), rng.integers(0, n_classes, n)
    counts = confusion_matrix(y_true, y_pred, n_classes)
    assert counts.shape == (n_classes, n_classes) and counts.sum() == n
    for i in range(n_classes):
        for j in range(n_classes):
            assert counts[i, j] == np.sum((y_true == i) & (y_pred == j))


def test_draw_confusion_writes_every_nonzero_count():
    counts = np.array([[3, 0], [1, 5]])
    fig, ax = plt.subplots()
    draw_confusion(ax, counts)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "3", "5"]
    plt.close(fig)


@pytest.mark.parametrize("T", [1, 3, 5])
def test_unrolled_rnn_shares_its_weights_and_runs_forward_in_time(T):
    from bookkit.netdraw import draw_unrolled_rnn, unrolled_rnn_edges, unrolled_rnn_layout

    pos = unrolled_rnn_layout(T)
    assert len(pos) == 3 * T + 1 and len(set(pos.values())) == len(pos)
    edges = unrolled_rnn_edges(T)
    assert [w for *_, w in edges].count("Wh") == T and [w for *_, w in edges].count("Wx") == T
    for a, b, weight in edges:  # time runs left to right, data flows up to the losses
        (x0, y0), (x1, y1) = pos[a], pos[b]
        assert (x1 > x0 and y1 == y0) if weight == "Wh" else (x1 == x0 and y1 > y0)
    ax = draw_unrolled_rnn(plt.subplots()[1], T)
    texts = [t.get_text() for t in ax.texts]
    for t in range(1, T + 1):
        assert {f"$x_{{{t}}}$", f"$h_{{{t}}}$", f"$L_{{{t}}}$"} <= set(texts)
    assert texts.count("$W_h$") == T and texts.count("$W_x$") == T and "$h_{0}$" in texts
    plt.close(ax.figure)
