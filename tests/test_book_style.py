"""course.style: one plotting style, colour-blind-safe and readable, for the whole course."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.colors import to_hex

from bookkit.style import COLORS, PALETTE, STYLE_FILE, use_course_style

OKABE_ITO = {"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"}


def test_the_palette_is_okabe_ito():
    assert {c.lower() for c in PALETTE.values()} == OKABE_ITO
    assert list(PALETTE.values()) == COLORS


def test_use_course_style_sets_the_colour_cycle_and_readable_fonts():
    with plt.style.context("default"):
        assert STYLE_FILE.is_file()
        use_course_style()
        cycle = [to_hex(c["color"]) for c in plt.rcParams["axes.prop_cycle"]]
        assert cycle == [c.lower() for c in COLORS]
        for key in ("font.size", "axes.labelsize", "xtick.labelsize", "legend.fontsize"):
            assert float(plt.rcParams[key]) >= 11, key
        fig, ax = plt.subplots()
        (line,) = ax.plot([0, 1])
        assert to_hex(line.get_color()) == COLORS[0].lower()
        plt.close(fig)
