"""Every chapter keeps its promises to readers.

From the sources: each chapter teaches with at least one offline widget, draws in the course
style, shows figures only with alt text, ends with a summary and a pointer to its assignment (the
one whose ``assignment.toml`` lists the chapter); every chapter has at least three self-check
questions whose answers hide in dropdowns of one style, and at least one of those answers is a
number computed at build time (``{glue:text}``), so it cannot drift from nanoprop. The code that
glues numbers is hidden from the reader, and the book writes the target y and the output y-hat in
one notation everywhere (the Notation page's).

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
# chapters no assignment.toml lists (no assignment needs them read first) point to the Assignments
# part as a whole; pointing to one assignment would make them required reading for it
CHAPTERS.setdefault("10_pitfalls", "assignments/index")
CHAPTERS = dict(sorted(CHAPTERS.items()))
# the chapters whose self-check answers fold into dropdowns: all of them, in one style
FOLDED = list(CHAPTERS)
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
def test_one_style_for_folded_answers(name):
    """Every folded block in a chapter is an ```{admonition} ... :class: dropdown```, under the one
    heading '## Self-check'; no other dropdown syntax."""
    text = source(name)
    assert ":::{dropdown}" not in text and "```{dropdown}" not in text, name
    assert "## Check yourself" not in text, name


def code_cells(text):
    """(tags, body) of every code cell of a MyST notebook."""
    cells = []
    for body in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S):
        tags = re.search(r"^:tags: \[(.*?)\]", body, re.M)
        cells.append(({t.strip() for t in tags.group(1).split(",")} if tags else set(), body))
    return cells


@pytest.mark.parametrize("name", CHAPTERS)
def test_glue_calls_are_hidden_from_the_reader(name):
    """Numbers pasted into the prose are computed by code the reader does not have to read past:
    a cell that calls glue(...) is removed or folded."""
    hidden = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
    shown = [
        body.strip().splitlines()[0]
        for tags, body in code_cells(source(name))
        if "glue(" in body and not tags & hidden
    ]
    assert not shown, f"{name}: cells calling glue(...) shown to the reader: {shown}"


# How the book must not write a target or an output (chapter 1 once used t for the target and y
# for the output, while the Notation page says y is the target).
OLD_NOTATION = [r"\(y - t\)", r"\\hat y_?n? - t", r"\bt_n\b", r"\$t = [01]\$", r"\$t\$: the target"]


@pytest.mark.parametrize("name", [*CHAPTERS, "notation", "glossary"])
def test_one_notation_for_target_and_output(name):
    text = source(name)
    for pattern in OLD_NOTATION:
        assert not re.search(pattern, text), f"{name}: writes the target or output as {pattern!r}"


def test_notation_page_names_target_and_prediction():
    text = source("notation")
    assert re.search(r"^\| \$y\$ \|[^\n]*target", text, re.M)
    assert re.search(r"^\| \$\\hat y\$ \|[^\n]*prediction", text, re.M)
    from bookkit import worked_example as wx

    written = " ".join(tex for _, tex in wx.FORWARD_ROWS + wx.BACKWARD_ROWS)
    assert r"\hat y - y" in written and " t" not in written


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
    pointer = CHAPTERS[name]
    assert f"`{pointer}`" in summary or f"]({pointer}.md)" in summary, (
        f"{name}: the summary does not point to {pointer}"
    )


@pytest.mark.parametrize("name", CHAPTERS)
def test_widgets_style_and_alt_text_in_the_source(name):
    text = source(name)
    assert WIDGET_CALL.search(text), (
        f"{name}: no offline widget (bookkit.bookwidgets.precomputed / step_through, or bookkit.live)"
    )
    assert "use_course_style()" in text, f"{name}: plots do not use the course style"
    assert "plt.show(" not in text and "savefig(" not in text, (
        f"{name}: figures must be shown with show_figure(fig, alt=...) so they carry alt text"
    )
    for call in text.split("show_figure(")[1:]:
        assert "alt=" in call.split("\n```", 1)[0], f"{name}: a show_figure call without alt text"


def test_every_chapter_file_is_checked():
    """Each numbered chapter in chapters/ is in CHAPTERS, so every test here covers it."""
    files = sorted(p.stem for p in (ROOT / "chapters").glob("[0-9][0-9]_*.md"))
    assert files == sorted(CHAPTERS), f"chapters on disk {files}, checked {sorted(CHAPTERS)}"
    assert len(files) == 10


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


@pytest.mark.parametrize("name", CHAPTERS)
def test_choices_are_made_on_validation_data(name):
    """No chapter trains with the test set as its validation data (the data a choice such as the
    best epoch or the learning rate is made on); chapters 8 and 9 choose on X_val."""
    for call in re.findall(r"(?:npp\.train|\bfit)\((.*?)\)\n", source(name), re.S):
        assert "X_test" not in call, f"{name}: npp.train is given the test set: {call[:80]}"
    if name in ("08_digits", "10_pitfalls"):
        assert "digits.X_val, digits.y_val" in source(name), name


PREDICT = "```{admonition} Predict first\n:class: tip\n"
OUTCOME = re.compile(r"```\{admonition\}[^\n]*\n:class: dropdown\n(.*?)```", re.S)
# an offline widget: precomputed views (bookkit.bookwidgets) or a live one (bookkit.live.widgets)
WIDGET_CALL = re.compile(r"^(precomputed|step_through|Neuron|ChainRule|Descent|Playground)\(", re.M)


def widget_spans(text):
    """For each widget call: (the text since the previous widget or '## ' heading, the text after
    it up to the next '## ' heading or widget)."""
    calls = [m.start() for m in WIDGET_CALL.finditer(text)]
    spans = []
    for i, at in enumerate(calls):
        before_start = max([text.rfind("\n## ", 0, at)] + [c for c in calls[:i]])
        later = [c for c in calls[i + 1 :]] + [text.find("\n## ", at) % (len(text) + 1)]
        spans.append((text[before_start:at], text[at : min(later)]))
    return spans


@pytest.mark.parametrize("name", CHAPTERS)
def test_predict_then_see_before_every_widget(name):
    """Before every widget the reader is asked to predict; its outcome follows, folded away; and at
    least one outcome per chapter holds a number computed at build time."""
    spans = widget_spans(source(name))
    assert spans, name
    numeric = False
    for i, (before, after) in enumerate(spans, 1):
        assert PREDICT in before, f"{name}: widget {i} has no 'Predict first' question before it"
        outcomes = OUTCOME.findall(after)
        assert outcomes, f"{name}: widget {i}'s outcome is not folded in a dropdown after it"
        numeric = numeric or any("{glue:text}" in o for o in outcomes)
    assert numeric, f"{name}: no predicted outcome is a number computed at build time"


def test_readme_lists_every_chapter_by_its_number_and_title():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    numbered = sorted(p for p in (ROOT / "chapters").glob("[0-9][0-9]_*.md"))
    assert f"The {len(numbered)} chapters" in readme
    for page in numbered:
        title = re.search(r"^# (\d+)\. (.+)$", page.read_text(encoding="utf-8"), re.M)
        assert title, f"{page.name}: no '# N. Title' heading"
        assert re.search(rf"^{title[1]}\. {re.escape(title[2])}", readme, re.M), (
            f"README's chapter list lacks '{title[1]}. {title[2]}'"
        )


# What the two last chapters must teach (issue: "Recurrent networks, and good practice, each in
# its own chapter"): each topic by a phrase of the text, or the call that computes it on the page.
SYLLABUS = {
    "09_rnn_pitfalls": [
        "draw_unrolled_rnn(",  # the unrolled graph, drawn
        r"\frac{\partial L}{\partial W_x} = \sum_{t=1}^{T} x_t^\top \delta_t",
        r"\frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} h_{t-1}^\top \delta_t",
        "**truncated BPTT**",
        "train_rnn(LEARNING_RATE, max_norm=MAX_NORM)",  # the same run, clipped
        "rnn_predict(p_clip, held_out",  # predictions against the truth
        "**LSTM**",
        "**GRU**",
    ],
    "10_pitfalls": [
        "weight_decay=lam",  # L2 weight decay, chosen on validation data
        "dw = dw + weight_decay * w",
        "npp.adam(",
        "npp.sgd_momentum(",
        "raw grey levels",  # normalising the inputs
        "histtype=",  # histograms per layer
        "noisy_y[flip]",  # noisy labels
        "digits.X_val, digits.y_val",
        r"\sqrt{2 / (\text{fan\_in} + \text{fan\_out})}",  # Glorot, with the right formula
        r"$\sqrt{1 / \text{fan\_in}}$, LeCun's",
        r"$\sqrt{2 / \text{fan\_in}}$ for ReLU",
        "directional_check(",  # gradient checking
        "## A checklist",
        "X_xor",  # XOR, which one layer cannot learn
        "UNITS = [1, 2, 4, 8]",  # a 1-D function fitted with more and more units
        "autoencoder = npp.MLP(",
    ],
}


@pytest.mark.parametrize("name", SYLLABUS)
def test_the_chapter_teaches_its_syllabus(name):
    text = source(name)
    missing = [phrase for phrase in SYLLABUS[name] if phrase not in text]
    assert not missing, f"{name} no longer has: {missing}"
