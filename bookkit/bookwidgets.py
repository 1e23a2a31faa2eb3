"""Interactive widgets for the book that keep working in static HTML, with no kernel.

In the built book no Python runs, so a widget cannot compute when a learner moves a control.
Instead, every view is rendered once, at build time, and the controls switch between the views in
the browser itself (``jslink``: a link between widget properties that lives in the front end).
The same widget is live in JupyterLab, where it behaves identically.

Two helpers cover the chapters' needs:

``precomputed(render, controls, alt)``
    One or two controls (a slider for numbers, a drop-down for words); every combination of their
    values is rendered once by ``render(**values)``.

``step_through(render, steps, alt)``
    A Play button and a slider that walk through a sequence of views (a forward pass node by
    node, a training curve epoch by epoch).

A chapter uses them like this (a MyST markdown notebook code cell)::

    import numpy as np
    import matplotlib.pyplot as plt
    import nanoprop as npp
    from bookkit.bookwidgets import precomputed
    from bookkit.style import use_course_style

    use_course_style()
    z = np.linspace(-4, 4, 200)

    def render(w, activation):
        f, _ = npp.activations.ACTIVATIONS[activation]
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot(z, f(w * z))
        ax.set(xlabel="input x", ylabel="output a", ylim=(-1.1, 4.1))
        return fig                       # a matplotlib Figure, or an HTML string

    precomputed(
        render,
        {"w": np.linspace(-2, 2, 9), "activation": ["step", "sigmoid", "tanh", "relu"]},
        labels={"w": "weight w"},
        alt="The {activation} neuron's output a = f({w} x) plotted against its input x",
    )

Rules the helpers enforce, so every chapter gets them for free:

- every control has a visible label (``description``) that is also its accessible name, and is
  operable with the keyboard alone (arrow keys on a slider, arrow keys on a drop-down);
- every rendered image has alt text (``alt`` is required: a format string over the control
  values, or a function of them);
- a widget's rendered views stay under ``max_bytes`` (1.2 MB by default), so pages stay small.

In the built HTML each widget is a ``div.course-widget``; its controls carry the class
``course-control`` and each view the class ``course-view``. The browser tests find widgets by
these classes, so a new chapter is tested as soon as it uses these helpers.
"""

import base64
import html
import io
import itertools
import math
import numbers

import ipywidgets as widgets

WIDGET_CLASS = "course-widget"
CONTROL_CLASS = "course-control"
VIEW_CLASS = "course-view"

DEFAULT_DPI = 80
DEFAULT_COLORS = 48
DEFAULT_MAX_BYTES = 1_200_000
MAX_VIEWS = 200
# no text in a figure is shown smaller than this many CSS pixels, on any screen
MIN_TEXT_CSS_PX = 9


# --- one view -------------------------------------------------------------------------------


def figure_to_png(fig, dpi=DEFAULT_DPI, colors=DEFAULT_COLORS):
    """PNG bytes of a matplotlib Figure, which is closed afterwards (so it is not shown twice).

    The image is reduced to a palette of ``colors`` colours (None keeps full colour): line plots
    in the course style look the same and take about a quarter of the bytes. The figure is drawn
    once and encoded by Pillow, which is about twice as fast as ``savefig`` followed by a
    re-encode; a fixed canvas (no tight bounding box) keeps every view the same size, so the page
    does not jump when a control moves.
    """
    return _draw(fig, dpi, colors)[0]


def _draw(fig, dpi, colors=DEFAULT_COLORS):
    """(PNG bytes, the smallest text's height in image pixels) of a figure, drawn once; closes it."""
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    fig.set_dpi(dpi)
    fig.canvas.draw()
    text_px = smallest_text_px(fig, dpi)  # after drawing: tick labels exist only then
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    if colors is not None:
        image = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=9)
    return out.getvalue(), text_px


def smallest_text_px(fig, dpi):
    """The height in image pixels of the smallest text in a drawn ``fig`` at ``dpi`` (None if none).

    A font of s points is s * dpi / 72 pixels high in the PNG; shown at a fraction f of its natural
    width, it is f times that many CSS pixels high on the page.
    """
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * dpi / 72 if sizes else None


def image_html(png, alt, text_px=None):
    """An ``<img>`` element holding PNG bytes inline, with its alt text.

    With ``text_px`` (the smallest text's height in image pixels) the image shrinks to fit a narrow
    screen only as far as keeps that text MIN_TEXT_CSS_PX high; the page's ``course-figure`` and
    ``course-view`` boxes scroll sideways beyond that. ``data-text-px`` lets the browser tests
    measure what a reader sees.
    """
    if not alt or not str(alt).strip():
        raise ValueError("Every image needs alt text saying what it shows; got an empty alt.")
    data = base64.b64encode(png).decode("ascii")
    style, extra = "max-width:100%;height:auto", ""
    if text_px is not None:
        from PIL import Image

        width = Image.open(io.BytesIO(png)).width
        smallest = max(1, min(width, math.ceil(width * MIN_TEXT_CSS_PX / text_px)))
        style += f";min-width:{smallest}px"
        extra = f' data-text-px="{text_px:.2f}"'
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(str(alt), quote=True)}"'
        f'{extra} style="{style}">'
    )


def figure_image(fig, alt, dpi=DEFAULT_DPI):
    """A matplotlib Figure as an inline ``<img>`` with alt text that stays readable (closes it)."""
    png, text_px = _draw(fig, dpi)
    return image_html(png, alt, text_px)


def figure_html(fig, alt, dpi=DEFAULT_DPI):
    """A figure in its own sideways-scrolling box, for a page (the figure is closed)."""
    return f'<div style="overflow-x:auto">{figure_image(fig, alt, dpi)}</div>'


def show_figure(fig, alt, dpi=100):
    """Display a static figure in a chapter with alt text (use instead of ``plt.show()``)."""
    from IPython.display import HTML, display

    display(HTML(f'<figure class="course-figure">{figure_html(fig, alt, dpi)}</figure>'))


def _view_html(result, alt_text, dpi):
    """Turn what a render function returned into the HTML of one view."""
    if isinstance(result, str):
        body = result
    elif hasattr(result, "savefig"):
        body = f'<div style="overflow-x:auto">{figure_image(result, alt_text, dpi)}</div>'
    else:
        raise TypeError(
            "A render function must return a matplotlib Figure or an HTML string, "
            f"not {type(result).__name__}."
        )
    return f'<div class="{VIEW_CLASS}">{body}</div>'


def _alt_text(alt, values):
    """Alt text for one view: ``alt`` is a format string over the values, or a function of them."""
    if callable(alt):
        return alt(**values)
    shown = {k: _format_value(v) for k, v in values.items()}
    try:
        return alt.format(**shown)
    except KeyError as err:
        raise ValueError(f"The alt text names {err} but the controls are {sorted(values)}.") from None


# --- controls -------------------------------------------------------------------------------


def _format_value(v):
    """How a control value is shown to the reader: numbers compactly, anything else as text."""
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return f"{float(v):.3g}"
    return str(v)


def _is_numeric(values):
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _control(label, values, start, slider=None):
    """A labelled, keyboard-operable control whose ``index`` selects one of ``values``.

    Numbers get a slider, anything else a drop-down. ``index`` is what the front end links.
    """
    options = [(_format_value(v), i) for i, v in enumerate(values)]
    common = dict(
        options=options,
        index=start,
        description=label,
        tooltip=label,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="min(28rem, 100%)"),
    )
    if slider if slider is not None else _is_numeric(values):
        ctl = widgets.SelectionSlider(continuous_update=True, readout=True, **common)
    else:
        ctl = widgets.Dropdown(**common)
    ctl.add_class(CONTROL_CLASS)
    return ctl


def _check_controls(controls, labels):
    if not isinstance(controls, dict) or not 1 <= len(controls) <= 2:
        raise ValueError(
            "controls must be a dict of one or two entries, keyword -> list of values, "
            "e.g. {'w': np.linspace(-3, 3, 25), 'activation': ['step', 'relu']}."
        )
    clean = {}
    for name, values in controls.items():
        if not str(name).isidentifier():
            raise ValueError(
                f"Control name {name!r} must be a Python keyword name (it is passed to "
                "render as name=value); put the on-screen words in labels={...}."
            )
        values = list(values)
        if not values:
            raise ValueError(f"Control {name!r} has no values to choose from.")
        clean[name] = values
    unknown = set(labels or {}) - set(clean)
    if unknown:
        raise ValueError(f"labels names {sorted(unknown)}, which are not controls ({sorted(clean)}).")
    n_views = 1
    for values in clean.values():
        n_views *= len(values)
    if n_views > MAX_VIEWS:
        raise ValueError(
            f"{n_views} combinations would be rendered; keep it at most {MAX_VIEWS} "
            "(fewer slider values), so the page stays small and the build fast."
        )
    return clean


def _start_index(values, start):
    """Index of the value shown first: ``start``, else a slider's middle or a list's first."""
    if start is None:
        return len(values) // 2 if _is_numeric(values) else 0
    for i, v in enumerate(values):
        if v == start or (_is_numeric([v, start]) and abs(float(v) - float(start)) < 1e-12):
            return i
    raise ValueError(f"start value {start!r} is not one of the control's values.")


def _stack(views):
    return widgets.Stack(children=[widgets.HTML(value=v) for v in views])


def _check_size(views, max_bytes):
    size = sum(len(v) for v in views)
    if size > max_bytes:
        raise ValueError(
            f"This widget's {len(views)} views take {size / 1e6:.2f} MB (limit "
            f"{max_bytes / 1e6:.2f} MB): use fewer values, a smaller figure or a "
            "lower dpi."
        )
    return size


def _panel(controls, stack, title, links):
    """The widget as shown: optional title, the controls, the views.

    ``links`` (the front-end links) are kept on the panel as ``panel.links``, so code and tests
    can see how the controls drive the views.
    """
    parts = []
    if title:
        parts.append(widgets.HTML(value=f"<strong>{html.escape(title)}</strong>"))
    parts.extend(controls)
    parts.append(stack)
    box = widgets.VBox(parts)
    box.add_class(WIDGET_CLASS)
    box.links = list(links)
    return box


# --- the two helpers ------------------------------------------------------------------------


def precomputed(
    render,
    controls,
    alt,
    *,
    labels=None,
    start=None,
    title=None,
    dpi=DEFAULT_DPI,
    max_bytes=DEFAULT_MAX_BYTES,
):
    """A widget whose views are all rendered now and switched in the browser.

    render:   function called as ``render(**values)`` once per combination of control values;
              returns a matplotlib Figure (saved as a PNG at ``dpi``, then closed) or an HTML string.
    controls: {keyword: values}, one or two entries. Numbers get a slider, words a drop-down.
    alt:      alt text of each rendered image: a format string over the values
              (``"The output for w = {w}"``) or a function ``alt(**values) -> str``.
    labels:   {keyword: on-screen label}; the keyword itself when absent.
    start:    {keyword: value shown first}; when absent, a slider starts in the middle and a
              drop-down at its first value.
    title:    an optional heading above the controls.

    Returns an ``ipywidgets.VBox``: display it (last expression of a cell).
    With two controls A and B the views sit in nested stacks: A selects a stack, B selects the view
    inside every stack, so two plain front-end links do the work of the index arithmetic.
    """
    labels = dict(labels or {})
    controls = _check_controls(controls, labels)
    start = dict(start or {})
    names = list(controls)
    starts = {n: _start_index(controls[n], start.get(n)) for n in names}
    ctls = [_control(labels.get(n, n), controls[n], starts[n]) for n in names]

    views = {}
    for combo in itertools.product(*(range(len(controls[n])) for n in names)):
        values = {n: controls[n][i] for n, i in zip(names, combo)}
        views[combo] = _view_html(render(**values), _alt_text(alt, values), dpi)
    _check_size(views.values(), max_bytes)

    if len(names) == 1:
        stack = _stack([views[(i,)] for i in range(len(controls[names[0]]))])
        stack.selected_index = starts[names[0]]
        links = [widgets.jslink((ctls[0], "index"), (stack, "selected_index"))]
    else:
        n_a, n_b = len(controls[names[0]]), len(controls[names[1]])
        inner, links = [], []
        for i in range(n_a):
            s = _stack([views[(i, j)] for j in range(n_b)])
            s.selected_index = starts[names[1]]
            links.append(widgets.jslink((ctls[1], "index"), (s, "selected_index")))
            inner.append(s)
        stack = widgets.Stack(children=inner, selected_index=starts[names[0]])
        links.append(widgets.jslink((ctls[0], "index"), (stack, "selected_index")))
    return _panel(ctls, stack, title, links)


def step_through(
    render,
    steps,
    alt,
    *,
    label="step",
    interval_ms=900,
    title=None,
    dpi=DEFAULT_DPI,
    max_bytes=DEFAULT_MAX_BYTES,
):
    """A Play button and a slider that walk through precomputed views, one per step.

    render: function called as ``render(step)`` for each item of ``steps``; returns a Figure or
            an HTML string.
    steps:  the sequence to walk through (numbers, names or any objects render understands).
    alt:    alt text per view: a format string over ``{step}`` or a function ``alt(step)``.
    label:  the slider's label; the step names shown on it are ``str(step)``.
    """
    steps = list(steps)
    if len(steps) < 2:
        raise ValueError("step_through needs at least two steps to walk through.")
    if len(steps) > MAX_VIEWS:
        raise ValueError(f"{len(steps)} steps is too many; keep it at most {MAX_VIEWS}.")

    def alt_of(step):
        return alt(step) if callable(alt) else _alt_text(alt, {"step": step})

    views = [_view_html(render(s), alt_of(s), dpi) for s in steps]
    _check_size(views, max_bytes)

    slider = _control(label, [str(s) for s in steps], 0, slider=True)
    play = widgets.Play(
        value=0,
        min=0,
        max=len(steps) - 1,
        interval=interval_ms,
        description=f"play {label}s",
        tooltip=f"Play through the {label}s",
        show_repeat=False,
    )
    play.add_class(CONTROL_CLASS)
    stack = _stack(views)
    stack.selected_index = 0
    links = [
        widgets.jslink((play, "value"), (slider, "index")),
        widgets.jslink((slider, "index"), (stack, "selected_index")),
    ]
    return _panel([widgets.HBox([play, slider])], stack, title, links)
