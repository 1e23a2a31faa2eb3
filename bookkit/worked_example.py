"""The worked example of chapter 1: one forward and one backward pass, every number shown.

Two inputs x1, x2 feed a hidden layer of two sigmoid units h1, h2, which feed one sigmoid output
y_hat (the prediction, written ŷ in the book); the loss is the halved squared error against the
target y (``nanoprop.mse_loss`` with N = 1), the book's notation (chapters/notation.md):

    z1 = x W1 + b1,  h = sigmoid(z1),  z2 = h W2 + b2,  y_hat = sigmoid(z2),  L = (y_hat - y)^2 / 2

Shapes (one example, N = 1): x (1, 2), W1 (2, 2), b1 (2,), h (1, 2), W2 (2, 1), b2 (1,),
y_hat and y (1, 1).

``forward_backward()`` computes every quantity with ``nanoprop``'s layers; ``quantity_table``
renders a chosen set of them as an HTML table whose cells carry ``data-quantity="name"``, so a
test can read the numbers back from the built page and check them against ``nanoprop``.
"""

import html

import numpy as np

import nanoprop as npp

X = np.array([[0.5, 1.0]])  # x1, x2
W1 = np.array(
    [
        [0.2, -0.4],  # W1[i, j]: from input i to hidden unit j
        [0.6, 0.1],
    ]
)
B1 = np.array([0.1, -0.1])
W2 = np.array(
    [
        [0.5],  # W2[j, 0]: from hidden unit j to the output
        [-0.3],
    ]
)
B2 = np.array([0.2])
TARGET = np.array([[1.0]])
LEARNING_RATE = 0.5

DECIMALS = 4


def forward_backward(x=X, W1=W1, b1=B1, W2=W2, b2=B2, target=TARGET):
    """Every number of one forward and one backward pass, as {name: array}.

    Forward: z1, h, z2, y_hat, L (and the target, y). Backward: dy_hat, dz2, dW2, db2, dh, dz1, dW1, db1, dx.
    """
    z1, affine1 = npp.affine_forward(x, W1, b1)
    h, act1 = npp.sigmoid_forward(z1)
    z2, affine2 = npp.affine_forward(h, W2, b2)
    y_hat, act2 = npp.sigmoid_forward(z2)
    loss, dy_hat = npp.mse_loss(y_hat, target)

    dz2 = npp.sigmoid_backward(dy_hat, act2)
    dh, dW2, db2 = npp.affine_backward(dz2, affine2)
    dz1 = npp.sigmoid_backward(dh, act1)
    dx, dW1, db1 = npp.affine_backward(dz1, affine1)
    return {
        "x": x,
        "W1": W1,
        "b1": b1,
        "W2": W2,
        "b2": b2,
        "y": target,
        "z1": z1,
        "h": h,
        "z2": z2,
        "y_hat": y_hat,
        "L": np.array(loss),
        "dy_hat": dy_hat,
        "dz2": dz2,
        "dW2": dW2,
        "db2": db2,
        "dh": dh,
        "dz1": dz1,
        "dW1": dW1,
        "db1": db1,
        "dx": dx,
    }


def fmt(value):
    """How the book prints a number of the worked example."""
    return f"{float(value):.{DECIMALS}f}"


# Each row of a table: (name of the quantity with its index, how the book writes it).
# The index follows the array: z1[0, 1] is hidden unit 2's weighted sum (one example, N = 1).
FORWARD_ROWS = [
    ("z1[0,0]", r"z^{(1)}_1 = x_1 W^{(1)}_{11} + x_2 W^{(1)}_{21} + b^{(1)}_1"),
    ("z1[0,1]", r"z^{(1)}_2 = x_1 W^{(1)}_{12} + x_2 W^{(1)}_{22} + b^{(1)}_2"),
    ("h[0,0]", r"h_1 = \sigma(z^{(1)}_1)"),
    ("h[0,1]", r"h_2 = \sigma(z^{(1)}_2)"),
    ("z2[0,0]", r"z^{(2)} = h_1 W^{(2)}_1 + h_2 W^{(2)}_2 + b^{(2)}"),
    ("y_hat[0,0]", r"\hat y = \sigma(z^{(2)})"),
    ("L", r"L = \tfrac12 (\hat y - y)^2"),
]
BACKWARD_ROWS = [
    ("dy_hat[0,0]", r"\partial L/\partial \hat y = \hat y - y"),
    ("dz2[0,0]", r"\partial L/\partial z^{(2)} = \partial L/\partial \hat y \cdot \hat y(1 - \hat y)"),
    ("dW2[0,0]", r"\partial L/\partial W^{(2)}_1 = h_1 \cdot \partial L/\partial z^{(2)}"),
    ("dW2[1,0]", r"\partial L/\partial W^{(2)}_2 = h_2 \cdot \partial L/\partial z^{(2)}"),
    ("db2[0]", r"\partial L/\partial b^{(2)} = \partial L/\partial z^{(2)}"),
    ("dh[0,0]", r"\partial L/\partial h_1 = W^{(2)}_1 \cdot \partial L/\partial z^{(2)}"),
    ("dh[0,1]", r"\partial L/\partial h_2 = W^{(2)}_2 \cdot \partial L/\partial z^{(2)}"),
    ("dz1[0,0]", r"\partial L/\partial z^{(1)}_1 = \partial L/\partial h_1 \cdot h_1(1 - h_1)"),
    ("dz1[0,1]", r"\partial L/\partial z^{(1)}_2 = \partial L/\partial h_2 \cdot h_2(1 - h_2)"),
    ("dW1[0,0]", r"\partial L/\partial W^{(1)}_{11} = x_1 \cdot \partial L/\partial z^{(1)}_1"),
    ("dW1[1,0]", r"\partial L/\partial W^{(1)}_{21} = x_2 \cdot \partial L/\partial z^{(1)}_1"),
    ("dW1[0,1]", r"\partial L/\partial W^{(1)}_{12} = x_1 \cdot \partial L/\partial z^{(1)}_2"),
    ("dW1[1,1]", r"\partial L/\partial W^{(1)}_{22} = x_2 \cdot \partial L/\partial z^{(1)}_2"),
    ("db1[0]", r"\partial L/\partial b^{(1)}_1 = \partial L/\partial z^{(1)}_1"),
    ("db1[1]", r"\partial L/\partial b^{(1)}_2 = \partial L/\partial z^{(1)}_2"),
]


def lookup(values, key):
    """The number called ``key`` ("dW1[1,0]", "L") in the dict of ``forward_backward()``."""
    name, _, index = key.partition("[")
    value = np.asarray(values[name])
    if index:
        value = value[tuple(int(i) for i in index.rstrip("]").split(","))]
    return float(value)


def quantity_table(values, rows, caption):
    """An HTML table of named quantities; each number's cell carries data-quantity="name"."""
    body = "".join(
        f'<tr><td class="mathjax_process">\\({html.escape(tex)}\\)</td>'
        f"<td><code>{html.escape(key)}</code></td>"
        f'<td class="course-number" data-quantity="{html.escape(key)}">'
        f"{fmt(lookup(values, key))}</td></tr>"
        for key, tex in rows
    )
    return (
        f'<table class="table course-worked-example"><caption>{html.escape(caption)}</caption>'
        '<thead><tr><th scope="col">quantity</th><th scope="col">in code</th>'
        f'<th scope="col">value</th></tr></thead><tbody>{body}</tbody></table>'
    )
