"""Plotting code shared by the book's chapters 5-9.

Only drawing lives here: every number drawn comes from ``nanoprop``.

    draw_value_graph   a Value graph with each node's data and grad
    loss_path          a gradient-descent path on a 2-D quadratic bowl
    draw_descent       that path over the bowl's contour lines
    draw_confusion     a confusion matrix as a labelled grid
    confusion_matrix   the counts behind it
"""

import matplotlib.pyplot as plt
import numpy as np

from bookkit.style import PALETTE
from nanoprop.graph import depths, trace
from nanoprop.optim import sgd_momentum

# --- chapter 5: computational graphs --------------------------------------------------


def graph_layout(root):
    """Columns by depth (``root`` on the right), rows spread evenly.

    An input sits in the column just left of its first use, and each column is
    ordered by the height of the nodes it feeds, so few arrows cross.
    root: a Value -> (nodes, edges, {Value: (x, y)})
    """
    nodes, edges = trace(root)
    depth = depths(nodes)
    parents = {n: [] for n in nodes}
    for child, parent in edges:
        parents[child].append(parent)
    column = {
        n: depth[n] if n._prev or not parents[n] else min(depth[p] for p in parents[n]) - 1 for n in nodes
    }
    pos = {}
    for c in sorted(set(column.values()), reverse=True):
        members = [n for n in nodes if column[n] == c]
        members.sort(key=lambda n: -np.mean([pos[p][1] for p in parents[n]]) if parents[n] else 0)
        for i, n in enumerate(members):
            pos[n] = (float(c), (len(members) - 1) / 2 - i)
    return nodes, edges, pos


def node_text(v, show_grad=True):
    """The lines printed in a node's box: its name, data and (after backward) grad."""
    name = v.label or v._op or "const"
    if v.label and v._op:
        name = f"{v.label} = {v._op}"
    lines = [name, f"data {v.data:.4g}"]
    if show_grad:
        lines.append(f"grad {v.grad:.4g}")
    return "\n".join(lines)


def draw_value_graph(root, ax=None, show_grad=True, highlight=()):
    """Draw every value ``root`` depends on as a box, with arrows in the forward direction.

    root: a Value; show_grad: True to print ``.grad`` in each box (call ``root.backward()``
    first), False for none, or a collection of the Values whose grad is known (the others
    show ``grad ?``); highlight: Values whose boxes are drawn in the accent colour (e.g. the node whose
    gradient was just filled in). Returns the Axes.
    """
    nodes, edges, pos = graph_layout(root)
    if ax is None:
        width = 1.45 * (max(x for x, _ in pos.values()) + 1)
        height = 0.95 * (max(y for _, y in pos.values()) - min(y for _, y in pos.values()) + 1)
        _, ax = plt.subplots(figsize=(max(width, 3.5), max(height, 2.0)))
    highlight = set(map(id, highlight))
    for child, parent in set(edges):
        (x0, y0), (x1, y1) = pos[child], pos[parent]
        ax.annotate(
            "",
            xy=(x1 - 0.33, y1),
            xytext=(x0 + 0.33, y0),
            arrowprops=dict(arrowstyle="-|>", color="0.45", lw=1.2, shrinkA=0, shrinkB=0),
        )
    for n in nodes:
        x, y = pos[n]
        accent = id(n) in highlight
        if isinstance(show_grad, bool):
            text = node_text(n, show_grad)
        else:
            text = node_text(n, n in show_grad)
            if n not in show_grad:
                text += "\ngrad ?"
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=9,
            family="monospace",
            in_layout=False,
            bbox=dict(
                boxstyle="round,pad=0.35",
                lw=1.5 if accent else 0.8,
                fc=PALETTE["yellow"] if accent else "white",
                ec=PALETTE["orange"] if accent else "0.3",
            ),
        )
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    return ax


# --- chapter 7: gradient descent on a bowl ---------------------------------------------


def bowl(a=1.0, b=10.0):
    """A stretched quadratic bowl L(w) = (a w0^2 + b w1^2) / 2 and its gradient.

    -> (loss, grad): loss(w) for w of shape (..., 2); grad(w) for w of shape (2,).
    A large b / a makes the bowl a narrow valley, where plain descent zig-zags.
    """

    def loss(w):
        w = np.asarray(w, dtype=float)
        return 0.5 * (a * w[..., 0] ** 2 + b * w[..., 1] ** 2)

    def grad(w):
        return np.array([a * w[0], b * w[1]])

    return loss, grad


def loss_path(grad, w0, learning_rate, momentum=0.0, steps=30, limit=1e6):
    """Run nanoprop's momentum update from w0 on a 2-D loss; plain SGD when momentum is 0.

    grad: callable w (2,) -> dw (2,); returns the visited points, (steps + 1, 2), cut
    short once a coordinate passes ``limit`` (the run has diverged).
    """
    w = np.asarray(w0, dtype=float)
    v = np.zeros_like(w)
    path = [w]
    for _ in range(steps):
        w, v = sgd_momentum(w, grad(w), v, learning_rate, momentum)
        path.append(w)
        if not np.all(np.abs(w) < limit):
            break
    return np.array(path)


def draw_descent(ax, loss, path, extent=3.0):
    """Contours of ``loss`` on [-extent, extent]^2 and the path drawn over them."""
    g = np.linspace(-extent, extent, 121)
    W0, W1 = np.meshgrid(g, g)
    Z = loss(np.stack([W0, W1], axis=-1))
    ax.contour(W0, W1, Z, levels=np.geomspace(max(Z.min(), 1e-2), Z.max(), 12), colors="0.6", linewidths=0.7)
    shown = path[np.all(np.abs(path) < 4 * extent, axis=1)]
    ax.plot(shown[:, 0], shown[:, 1], "-o", color="C1", ms=3, lw=1.3)
    ax.plot(*path[0], "s", color="C0", ms=6)
    ax.plot(0, 0, "*", color="C2", ms=10)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("w0")
    ax.set_ylabel("w1")
    return ax


# --- chapter 8: what a classifier confuses ---------------------------------------------


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many examples of class i were predicted as class j.

    y_true, y_pred: (N,) integers in [0, n_classes) -> counts: (n_classes, n_classes)
    """
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def draw_confusion(ax, counts, fontsize=10):
    """The confusion matrix as a grid with each count written in its cell (at ``fontsize`` points:
    10, like the axes' labels, stays readable wherever the figure is shown at 80 dpi or more)."""
    ax.imshow(counts, cmap="Blues")
    n = counts.shape[0]
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    counts[i, j],
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color="white" if counts[i, j] > counts.max() / 2 else "black",
                    in_layout=False,
                )  # inside the axes: no need to measure for layout
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    return ax
