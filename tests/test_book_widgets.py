"""course.bookwidgets: the views are rendered once, and front-end links wire controls to views.

In a browser the links run in JavaScript (see test_book_browser.py). Here ``follow_links`` plays
their part in Python, so the wiring itself is checked without a browser.
"""

import io

import matplotlib

matplotlib.use("Agg")

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from bookkit import bookwidgets as bw


def follow_links(panel):
    """Copy every linked property from source to target, as the browser would."""
    for link in panel.links:
        (src, src_attr), (dst, dst_attr) = link.source, link.target
        setattr(dst, dst_attr, getattr(src, src_attr))


def shown(panel):
    """The HTML of the view a panel shows after its links have run."""
    follow_links(panel)
    node = panel.children[-1]
    while hasattr(node, "selected_index"):
        node = node.children[node.selected_index]
    return node.value


def controls(panel):
    return [c for c in panel.children if "course-control" in c._dom_classes]


def html_view(**values):
    return "<p>" + " ".join(f"{k}={v}" for k, v in sorted(values.items())) + "</p>"


def test_one_slider_selects_the_matching_view():
    panel = bw.precomputed(html_view, {"w": [-1.0, 0.0, 1.0, 2.0]}, alt="w is {w}", labels={"w": "weight w"})
    (slider,) = controls(panel)
    assert slider.description == "weight w"
    assert [label for label, _ in slider.options] == ["-1", "0", "1", "2"]
    assert "w=1.0" in shown(panel) and slider.index == 2  # the middle value by default
    for i, v in enumerate([-1.0, 0.0, 1.0, 2.0]):
        slider.index = i
        assert f"w={v}" in shown(panel)


def test_two_controls_select_every_combination():
    acts = ["step", "sigmoid", "relu"]
    panel = bw.precomputed(
        html_view, {"w": [0.5, 1.5], "activation": acts}, alt="{activation} at {w}", start={"w": 1.5}
    )
    slider, dropdown = controls(panel)
    assert dropdown.description == "activation" and dropdown.index == 0  # first word first
    assert "activation=step w=1.5" in shown(panel)
    for i, w in enumerate([0.5, 1.5]):
        for j, act in enumerate(acts):
            slider.index, dropdown.index = i, j
            assert f"activation={act} w={w}" in shown(panel)


def test_figures_become_images_with_alt_text_and_are_closed():
    def render(w):
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, w])
        return fig

    before = len(plt.get_fignums())
    panel = bw.precomputed(render, {"w": np.linspace(0, 1, 3)}, alt=lambda w: f"a line of slope {w:.1f}")
    assert len(plt.get_fignums()) == before
    view = shown(panel)
    assert view.startswith(
        '<div class="course-view"><div style="overflow-x:auto"><img src="data:image/png;base64,'
    )
    assert 'alt="a line of slope 0.5"' in view


def test_a_figure_shrinks_only_as_far_as_its_smallest_text_stays_readable():
    fig, ax = plt.subplots(figsize=(4, 2))  # 320 pixels wide at 80 dpi
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=10)
    ax.set_title("title", fontsize=14)
    ax.text(0.5, 0.5, "   ", fontsize=4)  # blank text is not text a reader must read
    img = bw.figure_html(fig, alt="a line", dpi=80)
    text_px = 10 * 80 / 72  # the tick labels, the smallest text: 11.1 pixels
    assert f'data-text-px="{text_px:.2f}"' in img
    assert f"min-width:{math.ceil(320 * bw.MIN_TEXT_CSS_PX / text_px)}px" in img  # 260 px
    assert img.startswith('<div style="overflow-x:auto">')  # beyond that the box scrolls
    tiny, ax = plt.subplots(figsize=(4, 2))
    ax.set_xlabel("x", fontsize=5)  # 5.6 pixels even at full size: never shrunk
    assert "min-width:320px" in bw.figure_html(tiny, alt="tiny text", dpi=80)


def test_step_through_links_play_slider_and_views():
    panel = bw.step_through(lambda s: f"<p>frame {s}</p>", ["a", "b", "c"], alt="frame {step}", label="frame")
    play, slider = panel.children[0].children
    assert {"course-control"} <= set(play._dom_classes) & set(slider._dom_classes)
    assert slider.description == "frame" and play.max == 2
    assert "frame a" in shown(panel)
    play.value = 2
    assert "frame c" in shown(panel)


@pytest.mark.parametrize(
    "controls_arg, message",
    [
        ({}, "one or two"),
        ({"a": [1], "b": [1], "c": [1]}, "one or two"),
        ({"weight w": [1, 2]}, "keyword name"),
        ({"w": []}, "no values"),
        ({"w": range(20), "v": range(20)}, "at most"),
    ],
)
def test_bad_controls_are_refused_with_a_reason(controls_arg, message):
    with pytest.raises(ValueError, match=message):
        bw.precomputed(html_view, controls_arg, alt="x")


def test_bad_alt_text_and_render_results_are_refused():
    fig_render = lambda w: plt.subplots()[0]
    with pytest.raises(ValueError, match="alt text"):
        bw.precomputed(fig_render, {"w": [1, 2]}, alt="  ")
    with pytest.raises(ValueError, match="names 'v'"):
        bw.precomputed(html_view, {"w": [1, 2]}, alt="{v}")
    with pytest.raises(TypeError, match="Figure or an HTML string"):
        bw.precomputed(lambda w: 42, {"w": [1, 2]}, alt="x")
    with pytest.raises(ValueError, match="not one of"):
        bw.precomputed(html_view, {"w": [1, 2]}, alt="x", start={"w": 3})
    with pytest.raises(ValueError, match="not controls"):
        bw.precomputed(html_view, {"w": [1, 2]}, alt="x", labels={"v": "v"})
    with pytest.raises(ValueError, match="at least two"):
        bw.step_through(html_view, [1], alt="x")
    plt.close("all")


def test_views_that_would_bloat_the_page_are_refused():
    with pytest.raises(ValueError, match=r"MB.*fewer values"):
        bw.precomputed(lambda w: "x" * 50_000, {"w": range(30)}, alt="x", max_bytes=1_000_000)


def test_palette_reduction_keeps_the_picture_and_shrinks_it():
    def fig():
        f, ax = plt.subplots(figsize=(5, 3))
        x = np.linspace(-3, 3, 300)
        ax.plot(x, np.tanh(x))
        ax.set_title("tanh")
        return f

    full = bw.figure_to_png(fig(), dpi=80, colors=None)
    small = bw.figure_to_png(fig(), dpi=80)
    image = Image.open(io.BytesIO(small))
    assert image.mode == "P" and len(image.getcolors(256)) <= bw.DEFAULT_COLORS
    assert image.size == Image.open(io.BytesIO(full)).size
    assert len(small) < 0.6 * len(full)
