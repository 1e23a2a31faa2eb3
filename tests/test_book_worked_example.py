"""Chapter 1's worked example: the numbers on the page are nanoprop's.

The chapter computes its tables with nanoprop's layers (course.worked_example). Here every number
is recomputed a second, independent way, with nanoprop's scalar autograd engine (Value), and
compared with what the *built page* shows, so the test fails if the page drifts from the code or
the code from the maths.
"""

import re

import numpy as np
import pytest
from booksite import BOOK, require_book, widget_state
from bs4 import BeautifulSoup

from bookkit import worked_example as wx
from nanoprop import Value, numerical_gradient

PAGE = "chapters/01_backprop.html"
HALF_ULP = 0.5 * 10**-wx.DECIMALS  # what rounding to the shown decimals may change


def value_graph():
    """The worked example as a graph of Values: {name: Value}, after L.backward()."""
    x = [Value(float(v)) for v in wx.X[0]]
    W1 = [[Value(float(wx.W1[i, j])) for j in range(2)] for i in range(2)]
    b1 = [Value(float(v)) for v in wx.B1]
    W2 = [Value(float(wx.W2[j, 0])) for j in range(2)]
    b2 = Value(float(wx.B2[0]))
    z1 = [x[0] * W1[0][j] + x[1] * W1[1][j] + b1[j] for j in range(2)]
    h = [z.sigmoid() for z in z1]
    z2 = h[0] * W2[0] + h[1] * W2[1] + b2
    y_hat = z2.sigmoid()
    L = 0.5 * (y_hat - float(wx.TARGET[0, 0])) ** 2
    L.backward()
    nodes = {"L": L, "y_hat[0,0]": y_hat, "z2[0,0]": z2, "db2[0]": b2}
    for j in range(2):
        nodes[f"z1[0,{j}]"], nodes[f"h[0,{j}]"], nodes[f"db1[{j}]"] = z1[j], h[j], b1[j]
        nodes[f"dW2[{j},0]"] = W2[j]
        for i in range(2):
            nodes[f"dW1[{i},{j}]"] = W1[i][j]
    return nodes


def expected_numbers():
    """{quantity: number} for every row of the chapter's two tables, from the Value graph."""
    g = value_graph()
    out = {}
    for key in [k for k, _ in wx.FORWARD_ROWS]:
        out[key] = g[key].data
    for key in [k for k, _ in wx.BACKWARD_ROWS]:
        if key in g:  # gradients of parameters: .grad of the leaf
            out[key] = g[key].grad
    out["dy_hat[0,0]"] = g["y_hat[0,0]"].grad
    out["dz2[0,0]"] = g["z2[0,0]"].grad
    for j in range(2):
        out[f"dh[0,{j}]"] = g[f"h[0,{j}]"].grad
        out[f"dz1[0,{j}]"] = g[f"z1[0,{j}]"].grad
    return out


def shown_numbers():
    """{quantity: text} as the built chapter shows them in its tables."""
    require_book()
    page = BeautifulSoup((BOOK / PAGE).read_text(encoding="utf-8"), "html.parser")
    return {cell["data-quantity"]: cell.get_text(strip=True) for cell in page.select("td[data-quantity]")}


def test_layers_and_value_engine_agree_on_every_number():
    """The chapter's code path (layers) against the autograd engine, with no rounding."""
    v = wx.forward_backward()
    expected = expected_numbers()
    for key, _ in wx.FORWARD_ROWS + wx.BACKWARD_ROWS:
        assert wx.lookup(v, key) == pytest.approx(expected[key], rel=1e-12, abs=1e-15), key


def test_backward_pass_matches_numerical_gradients():
    v = wx.forward_backward()
    for name, default in [("W1", wx.W1), ("b1", wx.B1), ("W2", wx.W2), ("b2", wx.B2)]:
        numeric = numerical_gradient(
            lambda p, name=name: wx.forward_backward(**{name: p})["L"].item(), default.copy()
        )
        np.testing.assert_allclose(v[f"d{name}"], numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.book
def test_the_built_page_shows_every_number_of_both_passes():
    shown = shown_numbers()
    wanted = [k for k, _ in wx.FORWARD_ROWS + wx.BACKWARD_ROWS]
    assert sorted(shown) == sorted(wanted), "the chapter's tables lost or gained a row"


@pytest.mark.book
@pytest.mark.parametrize("key", [k for k, _ in wx.FORWARD_ROWS + wx.BACKWARD_ROWS])
def test_the_built_page_number_equals_nanoprop(key):
    shown = shown_numbers()
    assert key in shown, f"{PAGE} does not show {key}"
    assert re.fullmatch(rf"-?\d+\.\d{{{wx.DECIMALS}}}", shown[key]), shown[key]
    assert abs(float(shown[key]) - expected_numbers()[key]) <= HALF_ULP + 1e-12, (
        f"{key}: the page shows {shown[key]}, nanoprop computes {expected_numbers()[key]:.6f}"
    )


@pytest.mark.book
def test_the_prose_quotes_the_same_output_and_loss():
    require_book()
    text = BeautifulSoup((BOOK / PAGE).read_text(encoding="utf-8"), "html.parser").get_text(" ")
    text = re.sub(r"\s+", " ", text)
    e = expected_numbers()
    assert f"where we wanted 1, and the loss is {wx.fmt(e['L'])}" in text
    match = re.search(r"The network answers .{0,40}?(-?\d\.\d{4}) where we wanted 1", text)
    assert match and match.group(1) == wx.fmt(e["y_hat[0,0]"])


@pytest.mark.book
def test_the_step_slider_counts_as_the_panels_do():
    """The walk through the worked example numbers its steps 1 to 6, on the slider as in the
    panels' titles."""
    require_book()
    models = widget_state((BOOK / PAGE).read_text(encoding="utf-8")).values()
    (slider,) = [
        m["state"]
        for m in models
        if m["state"].get("description") == "step" and m["model_name"] == "SelectionSliderModel"
    ]
    assert slider["_options_labels"] == [str(k) for k in range(1, 7)]
