"""Every chapter keeps its promises to readers.

From the sources: each chapter teaches with at least one offline widget, draws in the course
style, shows figures only with alt text, ends with a summary and a pointer to its assignment (the
one whose ``assignment.toml`` lists the chapter); from chapter 5 on, at least three self-check
questions have answers that hide in dropdowns, and at least one of those answers is a number
computed at build time (``{glue:text}``), so it cannot drift from nanoprop.

From the built book (``make test`` builds it first): each page stays under 3 MB, has its widget,
folds its answers and rendered every glued number. (Alt text, labels and keyboard use of the
built widgets are checked for every page by tests/test_book_static.py and test_book_browser.py.)
"""

import re
from pathlib import Path

import pytest

from tools import assignments as catalogue

ROOT = Path(__file__).resolve().parents[1]
# each chapter and the assignment it points to (the chapters every assignment.toml lists)
CHAPTERS = {chapter: f"assignments/{a.name}" for a in catalogue.discover() for chapter in a.chapters}
# the chapters whose self-check answers fold into dropdowns (chapters 1-4 write theirs another way)
FOLDED = [c for c in CHAPTERS if c >= "05"]
BUILT = ROOT / "_build" / "html" / "chapters"
MAX_PAGE_BYTES = 3_000_000


def source(name):
    return (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")


def self_check(text):
    assert "\n## Self-check\n" in text, "the chapter has no '## Self-check' section"
    return text.split("\n## Self-check\n", 1)[1]


def dropdown_answers(section):
    """Bodies of the ```{admonition} ... :class: dropdown``` blocks in a section."""
    return re.findall(r"```\{admonition\}[^\n]*\n\s*:class: dropdown\n(.*?)```", section, re.S)


@pytest.mark.parametrize("name", FOLDED)
def test_self_check_has_three_hidden_answers_one_computed(name):
    answers = dropdown_answers(self_check(source(name)))
    assert len(answers) >= 3, f"{name}: {len(answers)} dropdown answers, want at least 3"
    assert any("{glue:text}" in a for a in answers), (
        f"{name}: no answer pastes a number computed at build time ({{glue:text}})"
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_glued_key_is_computed_in_the_chapter(name):
    text = source(name)
    used = set(re.findall(r"\{glue:text\}`([A-Za-z0-9_]+)", text))
    glued = set(re.findall(r"glue\(\s*f?\"([A-Za-z0-9_{}]+)\"", text))
    patterns = [re.compile("^" + re.sub(r"\{[^}]+\}", "[A-Za-z0-9_]+", g) + "$") for g in glued]
    missing = [k for k in used if not any(p.match(k) for p in patterns)]
    assert used and not missing, f"{name}: pasted but never glued: {missing}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_summary_and_assignment_pointer(name):
    text = source(name)
    before_check = text.split("\n## Self-check\n", 1)[0]
    assert "\n## Summary\n" in before_check, f"{name}: no summary before the self-check"
    summary = before_check.split("\n## Summary\n", 1)[1]
    assert f"`{CHAPTERS[name]}`" in summary, f"{name}: the summary does not point to {CHAPTERS[name]}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_widgets_style_and_alt_text_in_the_source(name):
    text = source(name)
    assert re.search(r"^(precomputed|step_through)\(", text, re.M), (
        f"{name}: no offline widget (course.bookwidgets.precomputed / step_through)"
    )
    assert "use_course_style()" in text, f"{name}: plots do not use the course style"
    assert "plt.show(" not in text and "savefig(" not in text, (
        f"{name}: figures must be shown with show_figure(fig, alt=...) so they carry alt text"
    )
    for call in text.split("show_figure(")[1:]:
        assert "alt=" in call.split("\n```", 1)[0], f"{name}: a show_figure call without alt text"


def test_chapters_are_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for name in CHAPTERS:
        assert f"- file: chapters/{name}\n" in toc, f"{name} is not in _toc.yml, so it is not built"


# --- the built pages ------------------------------------------------------------------------


def built_page(name):
    page = BUILT / f"{name}.html"
    if not page.exists():
        pytest.skip(f"{page} is not built; run `make book` (make test builds it first)")
    return page


@pytest.mark.book
@pytest.mark.parametrize("name", FOLDED)
def test_built_page_is_small_and_fully_rendered(name):
    page = built_page(name)
    size = page.stat().st_size
    assert size <= MAX_PAGE_BYTES, f"{name}.html is {size / 1e6:.1f} MB (limit 3 MB)"
    text = page.read_text(encoding="utf-8")
    assert "course-widget" in text, f"{name}: the widget is missing from the built page"
    pasted = text.count('class="pasted-text"')
    wanted = source(name).count("{glue:text}")
    assert pasted == wanted, f"{name}: {wanted} numbers pasted in the source, {pasted} rendered"
    assert text.count('class="dropdown admonition"') >= 3, f"{name}: self-check answers not folded"


def test_chapters_speak_of_one_digit_classifier():
    """Chapters 1 and 3 point ahead to chapter 8's classifier: every `MLP([64, H, 10])` they write,
    in prose or code, is the one chapter 8 trains."""
    pattern = r"MLP\(\[64, \d+, 10\]\)"
    trained = set(re.findall(pattern, source("08_digits")))
    assert len(trained) == 1, trained
    for name in ("01_backprop", "03_forward"):
        assert set(re.findall(pattern, source(name))) == trained, name
