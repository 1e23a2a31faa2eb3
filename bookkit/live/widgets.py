"""Live widgets: explorables that compute in the page, with the course's own engine.

Each widget is an anywidget widget. Its front-end module (``_esm``) is the text of
``engine.js`` (nanoprop's maths in JavaScript, tested against nanoprop), ``ui.js`` (labelled
controls, the live description, the canvas) and the widget's own file, joined here, with the course
colours (``bookkit.style.PALETTE``) defined first. anywidget keeps that module in the widget's
saved state, so the same widget runs in JupyterLab (anywidget's extension) and in the static book
with no kernel (the book serves anywidget's front end next to the widget manager).

The traits hold the settings, so the page starts where the author set them::

    from bookkit.live.widgets import Neuron
    Neuron(activation="tanh", w=2.0, b=-1.0)        # last expression of a cell

In the page each widget's root element is ``div.course-live``; its controls are real
``<input type="range">``, ``<select>`` and ``<button>`` elements with labels, and a paragraph
with ``aria-live="polite"`` says what the picture shows. The root's ``data-*`` attributes carry the
numbers the description speaks of, for the browser tests.
"""

import json
from pathlib import Path

import anywidget
import traitlets

from bookkit.style import PALETTE

HERE = Path(__file__).resolve().parent
ACTIVATIONS = ("step", "sigmoid", "tanh", "relu")
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid")
DATASETS = ("xor", "moons", "circles", "spiral")
# The assignments whose answers engine.js holds, in JavaScript (and nanoprop_code, in Python): the
# activations (a1), affine_forward and MLP.forward (a2), the losses (a3), the backward layers and
# MLP.backward (a5), sgd_momentum, minibatches and the training loop (a6). A graded class's book
# leaves the live widgets out until the class has handed them all in (course/publish.py).
ANSWERS = ("a1_neuron", "a2_forward", "a3_loss", "a5_backprop", "a6_training")


def module(name):
    """The ``_esm`` of a widget: the palette, engine.js, ui.js and ``name`` (a file next to this one)."""
    parts = [f"const PALETTE = {json.dumps(PALETTE)};"]
    parts += [(HERE / f).read_text(encoding="utf-8") for f in ("engine.js", "ui.js", name)]
    return "\n\n".join(parts)


def style():
    return (HERE / "live.css").read_text(encoding="utf-8")


class Live(anywidget.AnyWidget):
    """A live widget: ``_esm`` from :func:`module`, the shared stylesheet, checked settings."""

    FILE = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "FILE" in cls.__dict__:  # a widget class (not the classes traitlets derives from it)
            cls._esm = module(cls.FILE)  # read once, when the class is defined
            cls._css = style()

    @staticmethod
    def _between(proposal, lo, hi):
        value = proposal["value"]
        if not lo <= value <= hi:
            name = proposal["trait"].name
            raise traitlets.TraitError(f"{name} = {value} is outside the slider's range [{lo}, {hi}].")
        return value


class Neuron(Live):
    """Chapter 2: one neuron a = f(w x + b), every activation, continuous weight and bias."""

    FILE = "neuron.js"
    activation = traitlets.Enum(ACTIVATIONS, "sigmoid").tag(sync=True)
    w = traitlets.Float(1.5).tag(sync=True)
    b = traitlets.Float(0.0).tag(sync=True)

    @traitlets.validate("w", "b")
    def _check(self, proposal):
        return self._between(proposal, -4.0, 4.0)


class ChainRule(Live):
    """Chapter 5: o = tanh(x1 w1 + x2 w2 + b); every value, local derivative and path product
    recomputed as a leaf moves."""

    FILE = "chain.js"
    x1 = traitlets.Float(2.0).tag(sync=True)
    w1 = traitlets.Float(-3.0).tag(sync=True)
    x2 = traitlets.Float(0.0).tag(sync=True)
    w2 = traitlets.Float(1.0).tag(sync=True)
    b = traitlets.Float(6.8813735870195432).tag(sync=True)

    @traitlets.validate("x1", "w1", "x2", "w2", "b")
    def _check(self, proposal):
        return self._between(proposal, -8.0, 8.0)


class Descent(Live):
    """Chapter 7: gradient descent with momentum on L = (a w0^2 + b w1^2) / 2, from any start."""

    FILE = "descent.js"
    a = traitlets.Float(1.0).tag(sync=True)
    b = traitlets.Float(10.0).tag(sync=True)
    start = traitlets.List(traitlets.Float(), [-2.5, 2.0], minlen=2, maxlen=2).tag(sync=True)
    learning_rate = traitlets.Float(0.1).tag(sync=True)
    momentum = traitlets.Float(0.0).tag(sync=True)
    steps = traitlets.Int(40).tag(sync=True)

    @traitlets.validate("learning_rate")
    def _check_lr(self, proposal):
        return self._between(proposal, 0.0, 0.4)

    @traitlets.validate("momentum")
    def _check_momentum(self, proposal):
        return self._between(proposal, 0.0, 0.99)

    @traitlets.validate("start")
    def _check_start(self, proposal):
        if not all(-3.0 <= v <= 3.0 for v in proposal["value"]):
            raise traitlets.TraitError(f"start = {proposal['value']} must lie in the square [-3, 3]^2.")
        return proposal["value"]


class Playground(Live):
    """Chapter 8's playground: a small network trained in the page on a 2-D data set."""

    FILE = "playground.js"
    dataset = traitlets.Enum(DATASETS, "xor").tag(sync=True)
    seed = traitlets.Int(1).tag(sync=True)
    n_train = traitlets.Int(200).tag(sync=True)
    n_val = traitlets.Int(100).tag(sync=True)
    noise = traitlets.Float(0.1).tag(sync=True)
    hidden = traitlets.List(traitlets.Int(), [8, 8], minlen=1, maxlen=3).tag(sync=True)
    activation = traitlets.Enum(HIDDEN_ACTIVATIONS, "tanh").tag(sync=True)
    learning_rate = traitlets.Float(0.1).tag(sync=True)
    momentum = traitlets.Float(0.9).tag(sync=True)
    batch_size = traitlets.Int(20).tag(sync=True)
    l2 = traitlets.Float(0.0).tag(sync=True)

    @traitlets.validate("hidden")
    def _check_hidden(self, proposal):
        if not all(1 <= n <= 8 for n in proposal["value"]):
            raise traitlets.TraitError(f"hidden = {proposal['value']}: each layer has 1 to 8 units.")
        return proposal["value"]

    @traitlets.validate("batch_size")
    def _check_batch(self, proposal):
        return self._between(proposal, 1, self.n_train)
