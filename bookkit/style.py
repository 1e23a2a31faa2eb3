"""One plotting style for the whole course: the book, the assignments and the instructor report.

Call ``use_course_style()`` once before plotting::

    import matplotlib.pyplot as plt
    from bookkit.style import use_course_style, PALETTE

    use_course_style()
    fig, ax = plt.subplots()
    ax.plot(x, y, label="sigmoid")            # first colour of the palette
    ax.plot(x, y2, color=PALETTE["orange"])    # or pick one by name

The colours are the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness; font sizes are chosen to stay readable when a figure is shown at 60% width.
The settings live in ``course.mplstyle`` next to this file, so they can also be used with
``plt.style.use(STYLE_FILE)`` or ``with plt.style.context(STYLE_FILE): ...``.
"""

from pathlib import Path

STYLE_FILE = Path(__file__).with_name("course.mplstyle")

# Okabe & Ito (2008), "Color Universal Design". Order = the style's colour cycle.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "pink": "#CC79A7",
    "sky": "#56B4E9",
    "vermillion": "#D55E00",
    "yellow": "#F0E442",
    "black": "#000000",
}
COLORS = list(PALETTE.values())


def use_course_style():
    """Make the course style the default for every later matplotlib figure in this process."""
    import matplotlib.pyplot as plt

    plt.style.use(STYLE_FILE)
    return STYLE_FILE
