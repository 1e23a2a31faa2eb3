"""Drawing small fully connected networks, with numbers on nodes and edges (chapters 1 and 3),
and a recurrent network unrolled in time (chapter 9: ``draw_unrolled_rnn(ax, T)``).

Only drawing lives here: every number drawn is computed elsewhere (by ``nanoprop``) and passed in
as text.

    layers = [["x1", "x2"], ["h1", "h2"], ["y"]]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    draw_network(ax, layers,
                 node_text={"x1": "0.5", "h1": "0.574"},
                 edge_text={("x1", "h1"): "0.2"},
                 highlight={"h1", ("x1", "h1")})
"""

import matplotlib.patches as mpatches

from bookkit.style import PALETTE

NODE_RADIUS = 0.22


def layout(layers):
    """Node positions: layer i in column i, its nodes spread evenly around y = 0.

    layers: list of lists of node names -> {name: (x, y)}
    """
    pos = {}
    for i, names in enumerate(layers):
        top = (len(names) - 1) / 2
        for j, name in enumerate(names):
            pos[name] = (2.0 * i, top - j)
    return pos


def edges(layers):
    """Every (from, to) pair between consecutive layers: the network is fully connected."""
    return [(a, b) for left, right in zip(layers, layers[1:]) for a in left for b in right]


def draw_network(ax, layers, node_text=None, edge_text=None, highlight=(), labels=None, edge_text_pos=0.3):
    """Draw the network on ``ax``.

    layers:    list of lists of node names, input layer first.
    node_text: {name: text} written under a node (its value).
    edge_text: {(from, to): text} written on an edge (a weight, or a gradient).
    highlight: node names and (from, to) pairs drawn in the accent colour.
    labels:    {name: text} written inside a node; the name itself when absent.
    edge_text_pos: where along each edge its text sits (0 = at the left node).
    """
    node_text, edge_text, labels = node_text or {}, edge_text or {}, labels or {}
    highlight = set(highlight)
    pos = layout(layers)
    plain, accent = PALETTE["blue"], PALETTE["vermillion"]
    for a, b in edges(layers):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        on = (a, b) in highlight
        ax.plot([x0, x1], [y0, y1], color=accent if on else "#9a9a9a", lw=2.6 if on else 1.2, zorder=1)
        if (a, b) in edge_text:
            t = edge_text_pos
            ax.text(
                x0 + t * (x1 - x0),
                y0 + t * (y1 - y0),
                edge_text[(a, b)],
                ha="center",
                va="center",
                fontsize=10,
                color=accent if on else "black",
                zorder=3,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9),
            )
    for name, (x, y) in pos.items():
        on = name in highlight
        ax.add_patch(
            mpatches.Circle((x, y), NODE_RADIUS, fc=accent if on else plain, ec="black", lw=1, zorder=2)
        )
        ax.text(
            x,
            y,
            labels.get(name, name),
            ha="center",
            va="center",
            color="white",
            fontsize=11,
            fontweight="bold",
            zorder=3,
        )
        if name in node_text:
            ax.text(
                x,
                y - NODE_RADIUS - 0.08,
                node_text[name],
                ha="center",
                va="top",
                fontsize=10,
                color=accent if on else "black",
                zorder=3,
            )
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.75, max(ys) + 0.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def unrolled_rnn_layout(T):
    """Positions of an RNN unrolled over T steps: inputs x_t at the bottom, hidden states h_t in
    the middle (h_0 on the left), per-step losses L_t on top. -> {name: (x, y)}"""
    pos = {"h0": (0.0, 1.0)}
    for t in range(1, T + 1):
        pos[f"x{t}"] = (2.0 * t, 0.0)
        pos[f"h{t}"] = (2.0 * t, 1.0)
        pos[f"L{t}"] = (2.0 * t, 2.0)
    return pos


def unrolled_rnn_edges(T):
    """The forward edges (from, to, weight label): x_t -> h_t by Wx, h_{t-1} -> h_t by Wh,
    h_t -> L_t. The backward pass runs along the same edges, reversed."""
    edges = []
    for t in range(1, T + 1):
        edges += [(f"x{t}", f"h{t}", "Wx"), (f"h{t - 1}", f"h{t}", "Wh"), (f"h{t}", f"L{t}", "")]
    return edges


def draw_unrolled_rnn(ax, T=4, backward=True):
    """Draw an RNN unrolled over T steps on ``ax``: the same Wx and Wh on every step's edges, and
    (with ``backward``) the gradient dh_next flowing back along the hidden-state chain.

    Nodes are boxes labelled x_t, h_t, L_t (h_0 the initial state); every label is mathtext.
    """
    pos = unrolled_rnn_layout(T)
    plain, accent = PALETTE["blue"], PALETTE["vermillion"]
    for a, b, weight in unrolled_rnn_edges(T):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops=dict(arrowstyle="-|>", color="#555555", lw=1.4, shrinkA=16, shrinkB=16),
        )
        if weight == "Wh":  # under the chain, between the two states
            ax.text((x0 + x1) / 2, y0 - 0.1, "$W_h$", ha="center", va="top", fontsize=11)
        elif weight == "Wx":  # left of the arrow from the input
            ax.text(x0 - 0.1, (y0 + y1) / 2, "$W_x$", ha="right", va="center", fontsize=11)
    if backward:  # above the chain, right to left
        for t in range(T, 0, -1):
            (x0, y0), (x1, _) = pos[f"h{t}"], pos[f"h{t - 1}"]
            ax.annotate(
                "",
                xy=(x1 + 0.5, y0 + 0.4),
                xytext=(x0 - 0.5, y0 + 0.4),
                arrowprops=dict(arrowstyle="-|>", color=accent, lw=1.6, ls="--"),
            )
        ax.text(
            pos[f"h{T}"][0] - 1.0,
            1.55,
            r"$\partial L / \partial h_{t-1}$",
            ha="center",
            va="bottom",
            fontsize=10,
            color=accent,
        )
    for name, (x, y) in pos.items():
        letter, step = name[0], name[1:]
        colour = accent if letter == "L" else plain
        ax.add_patch(
            mpatches.FancyBboxPatch(
                (x - 0.42, y - 0.26),
                0.84,
                0.52,
                boxstyle="round,pad=0.04",
                fc=colour,
                ec="black",
                lw=1,
                zorder=2,
            )
        )
        ax.text(
            x,
            y,
            f"${letter}_{{{step}}}$",
            ha="center",
            va="center",
            color="white",
            fontsize=12,
            fontweight="bold",
            zorder=3,
        )
    ax.set_xlim(-0.7, 2.0 * T + 0.7)
    ax.set_ylim(-0.55, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
