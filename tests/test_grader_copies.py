"""The copy check (``course.probes.copied_from_reference``): no honest learner flagged, copies caught.

Honest work: correct solutions written in other styles (loops, ``np.einsum``, ``np.where``,
helpers, recursion) and the demo class's; none may be flagged. Copies: every reference function
that has something of its own beyond what the specification forces (lines the instructor's
solution shares are forced), copied verbatim, with its variables renamed, reformatted, and split
into a helper; each must be flagged. Both figures are printed (``pytest -s``) and in the README.
"""

import ast
import inspect
import io
import textwrap
import tokenize

import pytest

from course import probes
from tools import assignments as catalogue

HONEST = {
    "a1_neuron": [
        "def sigmoid(z):\n    z = np.asarray(z, float)\n    out = np.empty_like(z)\n"
        "    pos = z >= 0\n    out[pos] = 1 / (1 + np.exp(-z[pos]))\n"
        "    ez = np.exp(z[~pos])\n    out[~pos] = ez / (1 + ez)\n    return out\n",
        "def tanh(z):\n    e2 = np.exp(-2 * np.abs(z))\n    return np.sign(z) * (1 - e2) / (1 + e2)\n",
        "def relu(z):\n    return np.where(np.asarray(z) > 0, z, 0.0)\n\n"
        "def relu_prime(z):\n    return np.where(np.asarray(z) > 0, 1.0, 0.0)\n",
        "def neuron(x, w, b, activation='sigmoid'):\n"
        "    f = {'sigmoid': sigmoid, 'tanh': tanh, 'relu': relu}[activation]\n"
        "    z = x @ w + b\n    return f(z)\n",
    ],
    "a2_forward": [
        "def affine_forward(x, W, b):\n    out = np.einsum('nd,dm->nm', x, W) + b[None, :]\n"
        "    return out, (x, W)\n",
        "def relu_forward(x):\n    out = x * (x > 0)\n    return out, x\n",
        "def sigmoid_forward(x):\n    out = 0.5 * (1 + np.tanh(x / 2))\n    return out, out\n",
        "class MLP(given.MLP):\n    def _layer(self, i, out):\n"
        "        return affine_forward(out, self.params['W%d' % i], self.params['b%d' % i])\n"
        "    def forward(self, X):\n        f = ACTIVATION_LAYERS[self.activation][0]\n        caches = []\n"
        "        for i in range(1, self.n_layers + 1):\n            X, ac = self._layer(i, X)\n"
        "            hc = None\n            if i != self.n_layers:\n                X, hc = f(X)\n"
        "            caches.append((ac, hc))\n        return X, caches\n",
    ],
    "a3_loss": [
        "def mse_loss(pred, target):\n    err = pred - target\n    N = len(pred)\n"
        "    return float(np.sum(err * err) / (2 * N)), err / N\n",
        "def softmax(logits):\n    z = logits - np.max(logits, axis=1)[:, None]\n    p = np.exp(z)\n"
        "    return p / np.sum(p, axis=1)[:, None]\n",
        "def softmax_cross_entropy(logits, labels):\n    N = logits.shape[0]\n    p = softmax(logits)\n"
        "    loss = -np.mean(np.log(p[np.arange(N), labels]))\n    grad = p.copy()\n"
        "    for i, c in enumerate(labels):\n        grad[i, c] -= 1.0\n    return float(loss), grad / N\n",
    ],
    "a5_backprop": [
        "def affine_backward(dout, cache):\n    x, W = cache\n    dx = np.einsum('nm,dm->nd', dout, W)\n"
        "    dW = np.einsum('nd,nm->dm', x, dout)\n    db = np.einsum('nm->m', dout)\n"
        "    return dx, dW, db\n",
        "def relu_backward(dout, cache):\n    return np.where(cache > 0, dout, 0.0)\n",
        "def tanh_backward(dout, cache):\n    return dout - dout * cache * cache\n",
    ],
    "a6_training": [
        "def sgd_momentum(w, dw, v, learning_rate=0.01, momentum=0.9):\n"
        "    new_v = momentum * v - learning_rate * dw\n    new_w = w + new_v\n    return new_w, new_v\n",
        "def minibatches(X, y, batch_size, rng):\n    idx = rng.permutation(X.shape[0])\n"
        "    Xs, ys = X[idx], y[idx]\n    i = 0\n    while i < len(Xs):\n"
        "        yield Xs[i:i + batch_size], ys[i:i + batch_size]\n        i += batch_size\n",
        "def accuracy(model, X, y):\n    hits = sum(int(p == t) for p, t in zip(model.predict(X), y))\n"
        "    return hits / len(y)\n",
    ],
    "a7_rnn": [
        "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n"
        "    z = np.einsum('nd,dh->nh', x, Wx) + h_prev @ Wh + b\n"
        "    h = np.tanh(z)\n    return h, (x, h_prev, Wx, Wh, h)\n",
        "def rnn_forward(x, h0, Wx, Wh, b):\n    if x.shape[1] == 0:\n"
        "        return np.zeros((x.shape[0], 0, h0.shape[1])), []\n"
        "    h1, c1 = rnn_step_forward(x[:, 0], h0, Wx, Wh, b)\n"
        "    rest, cs = rnn_forward(x[:, 1:], h1, Wx, Wh, b)\n"
        "    return np.concatenate([h1[:, None], rest], axis=1), [c1] + cs\n",
    ],
}


def baseline(assignment):
    nb = catalogue.get(assignment).read_notebook()
    return "\n".join(c["source"] for c in nb["cells"] if c["cell_type"] == "code")


def test_honest_work_is_never_flagged_as_a_copy():
    from test_grader_verdicts import A2_FORWARD, A4_BACKWARD, A5_BACKWARD

    work = {a: list(codes) for a, codes in HONEST.items()}
    work["a2_forward"].append(A2_FORWARD)
    work["a4_autograd"] = [A4_BACKWARD]
    work["a5_backprop"].append(A5_BACKWARD)
    for a in catalogue.names():  # the instructor's own solutions, as a learner would hand them in
        work.setdefault(a, []).append(
            baseline(a).replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
        )
    flagged = [
        (a, probes.copied_from_reference(code, baseline(a))) for a, codes in work.items() for code in codes
    ]
    flagged = [f for f in flagged if f[1]]
    print(f"\nhonest solutions: {sum(map(len, work.values()))}, flagged as copies: {len(flagged)}")
    assert flagged == []


def _retokenized(source, name=lambda text: text):
    """The code written out again token by token (other spacing; strings in repr's quotes), with
    each of its own names (not an attribute, a keyword or numpy) passed through ``name``."""
    out, after_dot = [], False
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.NAME and not after_dot and text not in probes._KEEP:
            text = name(text)
        elif tok.type == tokenize.STRING and text[:1] in "'\"" and not text.startswith(('"""', "'" * 3)):
            text = repr(ast.literal_eval(text))
        out.append((tok.type, text))
        after_dot = tok.string == "."
    return tokenize.untokenize(out)


def _rename(source):
    """A copy with its variables renamed."""
    return _retokenized(source, lambda text: text + "_mine")


def _reformat(source):
    """A copy run through a formatter: the same tokens, other spacing and quotes."""
    return _retokenized(source)


def _split(source):
    """The function's body moved into a helper that the function calls (a copy in two parts)."""
    head, _, body = source.partition("\n")
    name = head.split("def ", 1)[1].split("(", 1)[0]
    args = head.split("(", 1)[1].rsplit(")", 1)[0]
    call = args.split("=")[0].rstrip(", ")
    return f"def _{name}_helper({args}):\n{body}\n\n{head}\n    return _{name}_helper({call})\n"


def copyable():
    """(assignment, reference function, its source) for the reference functions learners write
    that hold at least three lines beyond the forced ones."""
    import importlib

    from tools import book_assignments

    out = []
    for a in catalogue.names():
        wanted = set(book_assignments.describe(a)[3])
        forced = probes.normal_lines(baseline(a))
        for qualified, lines in probes._reference_functions().items():
            module, *names = qualified.split(".")[1:]
            if ".".join(names) in wanted and len(lines - forced) >= 3:
                obj = importlib.import_module(f"nanoprop.{module}")
                for n in names:
                    obj = getattr(obj, n)
                out.append((a, qualified, textwrap.dedent(inspect.getsource(obj))))
    return out


COPIES = copyable()


@pytest.mark.parametrize("assignment,name,source", COPIES, ids=[c[1] for c in COPIES])
def test_a_copy_of_the_reference_is_flagged_however_it_is_dressed(assignment, name, source):
    variants = {"verbatim": source, "renamed": _rename(source), "reformatted": _reformat(source)}
    if not source.lstrip().startswith("@"):
        variants["split into a helper"] = _split(source)
    missed = [
        kind
        for kind, code in variants.items()
        if name not in probes.copied_from_reference(code, baseline(assignment))
    ]
    assert missed == [], f"{name}: not flagged when {', '.join(missed)}"


def test_the_copy_figures():
    print(f"\nreference functions a copy of which can be told from honest work: {len(COPIES)}")
    assert COPIES, "no reference function has lines of its own: the copy check could catch nothing"
