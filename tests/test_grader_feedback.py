"""Feedback a learner can act on: long messages wrap, tracebacks lead to the learner's own line,
maths is typeset with nothing fetched, and a one-page summary says what to read again.

- plain units: the checks' messages wrap at ``checks.messages.WIDTH`` without cutting a number,
  a shape or an array; a traceback through the checks' helpers skips their frames; every test cell
  of every assignment has a section of the book to read again, which is a heading of its chapter;
- a generated class of a1_neuron (a complete answer, a seeded bug, a learner's function raising
  inside a visible test, an answer only the grader's own check catches, a blank notebook) graded
  with ``course autograde``, its feedback written by ``course feedback``: each page and summary is
  read for the tracebacks, the messages and the sections; nbgrader's Validate wraps the messages;
- the same pages in headless Chromium with every request leaving the machine blocked: no element
  scrolls sideways, the maths is typeset (MathJax's ``mjx-container``), nothing left the machine.
"""

import json
import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest
from booksite import BOOK, offline_route
from hypothesis import given
from hypothesis import strategies as st
from once import built_once

from checks.messages import WIDTH, Mistake, wrap
from course import cli, feedback, probes
from course.autograde import Options, autograde
from course.jail.sandbox import Limits
from tools import assignments as catalogue
from tools import demo_class as demo

ROOT = Path(__file__).resolve().parent.parent
A = "a1_neuron"
LIMITS = Limits(notebook_timeout=60, cpu_seconds=90)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The learners of the generated class, and what each wrote in place of the solutions.
RAISING_NEURON = """ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}


def neuron(x, w, b, activation="sigmoid"):
    weighted = np.dot(x, w[:-1])  # one weight too few
    return ACTIVATIONS[activation](weighted + b)"""
CLIPPED_TANH = """def tanh(z):
    return np.where(np.abs(z) < 1.5, np.tanh(z), np.sign(z))


def tanh_prime(z):
    return 1.0 - np.tanh(z) ** 2"""
LEARNERS = {
    "complete": {},
    "buggy": {"bug": "sigmoid_prime_plus"},
    "raiser": {"neuron": RAISING_NEURON},
    "outside": {"tanh": CLIPPED_TANH},
    "blank": None,
}


# --- wrapping -------------------------------------------------------------------------------------
def test_a_long_message_wraps_at_the_width_and_keeps_its_words():
    message = (
        "dW should have shape (3, 4) (W's shape (3, 4)); yours is (4, 3). Check the order of the "
        "factors: expected [[1.5, -2.25e-05], [3.0, 4.0]] at index (2, 3), yours is -1.23456e-05 "
        "and `np.dot(x.T, dout)` is the usual way."
    )
    lines = Mistake(message)._render_traceback_()
    assert len(lines) > 1 and all(len(line) <= WIDTH for line in lines), lines
    assert " ".join(lines) == f"Mistake: {message}"
    joined = "\n".join(lines)
    for piece in (
        "(3, 4)",
        "(4, 3)",
        "[[1.5, -2.25e-05], [3.0, 4.0]]",
        "(2, 3)",
        "-1.23456e-05",
        "`np.dot(x.T, dout)`",
    ):
        assert piece in joined, piece  # on one line, not cut
    assert wrap("short") == ["short"] and wrap("a\nb") == ["a", "b"]


NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.6g}"),
    st.lists(st.integers(1, 9), min_size=1, max_size=4).map(lambda s: str(tuple(s))),
    st.lists(st.floats(-1e3, 1e3).map(lambda x: round(x, 3)), min_size=1, max_size=6).map(str),
)
WORDS = st.text("abcdefghij", min_size=1, max_size=12)


@given(st.lists(st.one_of(NUMBERS, WORDS), min_size=1, max_size=60))
def test_wrapping_never_cuts_a_number_a_shape_or_an_array(pieces):
    lines = wrap(" ".join(pieces))
    assert " ".join(lines) == " ".join(pieces)
    for line in lines:
        assert len(line) <= WIDTH or line in pieces, line
    for piece in pieces:
        assert any(piece in line for line in lines), piece


# --- tracebacks through the checks' helpers --------------------------------------------------------
def _traceback_of(cell_source: str, setup: str) -> str:
    """The traceback IPython shows for a cell (as a notebook's kernel would), without colours."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell(setup)
    shown = []
    saved = shell._showtraceback
    shell._showtraceback = lambda etype, evalue, stb: shown.append("\n".join(stb))
    try:
        shell.run_cell(cell_source)
    finally:
        shell._showtraceback = saved
    return ANSI.sub("", "\n".join(shown))


SETUP = """import numpy as np
import checks

def neuron(x, w, b):
    weighted = np.dot(x, w[:-1])  # the learner's line
    return weighted + b

def helper_without_hiding(f, *args):  # a helper as the checks' would be without the marker
    return f(*args)
"""


def test_a_traceback_goes_from_the_test_to_the_learners_line_past_the_checks():
    shown = _traceback_of(
        "checks.assert_close(checks.call(neuron, np.ones(2), np.ones(2), 0.0), 1.0, 'n')", SETUP
    )
    assert "np.dot(x, w[:-1])" in shown and "ValueError" in shown
    assert "calling.py" not in shown and "checks/" not in shown, shown
    # the same through a helper that does not hide its frame: the frame shows (the check above can fail)
    control = _traceback_of("helper_without_hiding(neuron, np.ones(2), np.ones(2), 0.0)", SETUP)
    assert "return f(*args)" in control and "np.dot(x, w[:-1])" in control


def test_feedback_keeps_a_visible_tests_traceback_and_drops_the_note_of_hidden_frames(tmp_path):
    from traitlets.config import Config

    tb = [
        "\x1b[31mValueError\x1b[39m   Traceback (most recent call last)",
        "----> 1 checks.assert_close(checks.call(neuron, x, w, 0.0), 0.5, 'n')",
        "    \x1b[31m[... skipping hidden 1 frame]\x1b[39m",
        "----> 5     weighted = np.dot(x, w[:-1])",
        "ValueError: shapes (2,) and (1,) not aligned",
    ]
    cell = nbformat.v4.new_code_cell("checks.assert_close(checks.call(neuron, x, w, 0.0), 0.5, 'n')")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_neuron", "points": 2, "score": 0.0}
    cell.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="shapes", traceback=tb)]
    hidden_test = nbformat.v4.new_code_cell(
        "x = 1\n### BEGIN HIDDEN TESTS\nassert secret_check(x)\n### END HIDDEN TESTS"
    )
    hidden_test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_hidden", "points": 1, "score": 0.0}
    hidden_test.outputs = [nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=tb)]
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"student": "ana", "assignment": A, "notebook": A}}
    nb = nbformat.v4.new_notebook(cells=[cell, hidden_test])
    nb, _ = feedback.HideHiddenTests(config=config).preprocess(nb, resources)
    shown = nb.cells[0].outputs[0]["traceback"]
    assert shown == [tb[0], tb[1], tb[3], tb[4]]
    # a test with hidden lines shows its message only, never its traceback
    assert nb.cells[1].outputs[0]["traceback"] == ["AssertionError"]


# --- what to read again ---------------------------------------------------------------------------
def _reading(assignment):
    return tomllib.loads((ROOT / "assignments" / assignment / "assignment.toml").read_text()).get(
        "reading", {}
    )


@pytest.mark.parametrize("assignment", demo.ASSIGNMENTS)
def test_every_test_cell_has_a_section_of_its_chapter_to_read_again(assignment):
    tests = set(demo.test_cells(catalogue.get(assignment).read_notebook()))
    reading = _reading(assignment)
    assert set(reading) == tests, (
        f"{assignment}: tests without a section {tests - set(reading)}, unknown {set(reading) - tests}"
    )
    for grade_id, target in reading.items():
        page, _, anchor = target.partition("#")
        source = ROOT / page.replace(".html", ".md")
        assert page.startswith("chapters/") and source.is_file(), f"{grade_id}: no chapter {source}"
        anchors = feedback.heading_anchors(source.read_text())
        assert anchor in anchors, (
            f"{assignment} {grade_id}: no heading #{anchor} in {page}: {sorted(anchors)}"
        )


def test_heading_anchors_are_sphinxs_section_ids():
    text = (
        "# 5. The chain rule\n\n## By hand, then by `backward()`\n"
        "```python\n# not a heading\n```\n(my-label)=\n## The maths\n"
    )
    anchors = feedback.heading_anchors(text)
    assert anchors == {
        "the-chain-rule": "5. The chain rule",
        "by-hand-then-by-backward": "By hand, then by backward()",
        "the-maths": "The maths",
        "my-label": "The maths",
    }
    assert feedback.section_name("chapters/02_neuron.html#activation-functions") == (
        "2. The neuron: Activation functions"
    )


@pytest.mark.book
@pytest.mark.parametrize("assignment", demo.ASSIGNMENTS)
def test_every_section_to_read_again_is_an_anchor_of_the_built_book(assignment):
    if not (BOOK / "index.html").is_file():
        pytest.fail(f"The built book is missing ({BOOK}): run `make book` first.")
    for grade_id, target in _reading(assignment).items():
        page, _, anchor = target.partition("#")
        built = (BOOK / page).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in built, f"{assignment} {grade_id}: {target} is not in the built book"


def test_the_summary_escapes_everything_and_links_only_to_the_book():
    record = {
        "assignment": A,
        "score": 1.0,
        "max_score": 3.0,
        "tests": {
            A: {
                "test_sigmoid": {"score": 0.0, "max": 2.0, "message": "<script>alert(1)</script> $x^{$"},
                "test_tanh": {"score": 1.0, "max": 1.0, "message": "passed"},
            }
        },
        "flags": [
            {"kind": "outside-check", "message": "outside the kernel, sigmoid: <img src=x onerror=f()>"}
        ],
        "notebooks": {A: {"late_penalty": 0.5}},
    }
    specs = [
        {"function": "sigmoid", "grade_ids": ["test_sigmoid"]},
        {"function": "tanh", "grade_ids": ["test_tanh"]},
    ]
    reading = {"test_sigmoid": "chapters/02_neuron.html#activation-functions"}
    section = feedback.summary_section(record, reading, specs, "https://example.edu/book/")
    soup = _soup(section)
    assert not soup.find_all(["script", "img"]) and "<script>alert(1)</script> $x^{$" in soup.get_text()
    assert "sigmoid: <img src=x onerror=f()>" in soup.get_text()
    links = [a["href"] for a in soup.find_all("a")]
    assert links == ["https://example.edu/book/chapters/02_neuron.html#activation-functions"] * 2
    assert "0.5 / 3 points" in soup.get_text() and "Late submission: 0.5 points" in soup.get_text()
    # a message quoting a hidden test's line is not shown, as in the page
    hidden = feedback.summary_section(record, reading, specs, hidden=["<script>alert(1)</script>"])
    assert feedback.MESSAGE_HIDDEN in hidden and "alert(1)" not in hidden
    # an address that is not http(s) gives no link, the section's name only
    plain = _soup(feedback.summary_section(record, reading, specs, "javascript:alert(1)//"))
    assert not plain.find_all("a") and "2. The neuron: Activation functions" in plain.get_text()


# --- a generated class, graded ------------------------------------------------------------------
def _write_submissions(root):
    source = demo.read_notebook(root / "assignments" / A / f"{A}.ipynb")
    release = demo.read_notebook(root / "release" / A / f"{A}.ipynb")
    bugs = {b.name: b for b in catalogue.get(A).bugs}
    complete = tuple(demo.solution_cells(source))
    for student, answer in LEARNERS.items():
        if answer is None:
            nb = demo.submission(source, release, demo.Work("blank", (), None))
        else:
            nb = demo.submission(
                source, release, demo.Work("complete", complete, bugs.get(answer.get("bug")))
            )
            for cell in nb["cells"]:
                grade_id = demo._meta(cell).get("grade_id")
                if grade_id in answer:
                    cell["source"] = answer[grade_id]
        folder = root / "submitted" / student / A
        demo.write_notebook(nb, folder / f"{A}.ipynb")
        for file in (root / "release" / A).iterdir():  # what the kit gives beside the notebook
            if file.suffix != ".ipynb":
                shutil.copy(file, folder / file.name)


def _grade_class(base):
    root = demo.make_course(base / "course", [A])
    students = [demo.Student(s, s.title(), "Learner", f"{s}@example.edu") for s in LEARNERS]
    demo.nbgrader(root, "db", "student", "import", str(demo.write_roster(root, students)))
    demo.nbgrader(root, "generate_assignment", A, "--create", "--force")
    _write_submissions(root)
    summary = autograde(root, A, Options(jobs=2, limits=LIMITS, progress=False))
    assert cli.main(["--root", str(root), "feedback", A]) == 0
    return {"graded": sorted(summary.graded), "failed": summary.failed}


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    base, summary = built_once(tmp_path_factory, "grader-feedback", _grade_class)
    assert summary["graded"] == sorted(LEARNERS) and not summary["failed"], summary
    return base / "course"


def page_of(root, student, name=f"{A}.html"):
    return (root / "feedback" / student / A / name).read_text(encoding="utf-8")


def _soup(page):
    from bs4 import BeautifulSoup

    return BeautifulSoup(page, "html.parser")


def _text(tag):
    return " ".join(tag.get_text(" ").split())


def _test_output(page, grade_id):
    """The text of a test cell's output in a feedback page."""
    soup = _soup(page)
    anchor = soup.find("a", attrs={"name": grade_id})
    cell = anchor.find_parent("div", class_="cell")
    return cell.find("div", class_="output_wrapper").get_text()


@pytest.mark.grading
@pytest.mark.slow
def test_the_validate_dialog_shows_the_checks_messages_wrapped(graded_class):
    """nbgrader's Validate of the buggy notebook: what JupyterLab's dialog shows as it is (the
    validator's results), and the command line's text, which cuts every line past 83 characters."""
    from nbgrader.validator import Validator

    message = "sigmoid_prime is not the derivative of sigmoid"
    notebook = graded_class / "submitted" / "buggy" / A / f"{A}.ipynb"
    failed = Validator().validate(str(notebook))["failed"]
    dialog = [f["raw_error"] for f in failed if message in " ".join(f["raw_error"].split())]
    assert len(dialog) == 1, failed
    lines = dialog[0].splitlines()
    assert len(lines) >= 2 and all(len(line) <= WIDTH for line in lines), lines
    out = demo.nbgrader(graded_class, "validate", str(notebook), check=False)
    shown = out[out.index("Mistake:") :].split("\n\n")[0].splitlines()
    assert [line.strip() for line in shown] == lines, shown  # every line whole, none cut with "..."
    # the message itself is longer than a line: the autograded notebook's evalue holds it whole
    nb = demo.read_notebook(graded_class / "autograded" / "buggy" / A / f"{A}.ipynb")
    mistakes = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("ename") == "Mistake"]
    assert any(len(o["evalue"]) > WIDTH and message in o["evalue"] for o in mistakes)


@pytest.mark.grading
@pytest.mark.slow
def test_a_learners_error_in_a_visible_test_keeps_its_traceback_past_the_checks(graded_class):
    shown = _test_output(page_of(graded_class, "raiser"), "test_neuron")
    assert "weighted = np.dot(x, w[:-1])" in shown and "ValueError" in shown, shown
    assert "checks.assert_close(checks.call(neuron" in shown  # the visible test's own line
    assert "checks/" not in shown and "calling.py" not in shown and "skipping hidden" not in shown, shown
    # a Mistake (the checks' own failure) shows its wrapped message
    buggy = _test_output(page_of(graded_class, "buggy"), "test_sigmoid_prime")
    assert "Mistake: sigmoid_prime is not the derivative of sigmoid" in buggy
    # the grader's own check's verdict is shown in the test it zeroed
    outside = _test_output(page_of(graded_class, "outside"), "test_tanh")
    assert "OutsideCheckFailed" in outside and "tanh" in outside, outside


SUMMARY_HEADINGS = ("Tests in the notebook", "The grader's own checks", "What to read again")


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(LEARNERS))
def test_every_learner_gets_a_summary_with_the_scores_the_messages_and_what_to_read(graded_class, student):
    record = json.loads((graded_class / ".course" / A / f"{student}.json").read_text())
    tests = record["tests"][A]
    reading = _reading(A)
    for page in (page_of(graded_class, student, feedback.SUMMARY), page_of(graded_class, student)):
        section = _soup(page).find("section", class_="course-summary")
        assert section is not None, student
        text = section.get_text(" ")
        for heading in SUMMARY_HEADINGS:
            assert heading in text
        rows = section.find_all("table")[0].find_all("tr")[1:]
        assert [r.find("code").get_text() for r in rows] == list(tests)  # one row per test cell
        checks_table = section.find_all("table")[1]
        functions = [r.find("code").get_text() for r in checks_table.find_all("tr")[1:]]
        assert set(functions) == {probes._label(spec) for spec in probes.load(ROOT / "assignments", A)}
        failed = [g for g, t in tests.items() if t["score"] < t["max"]]
        wanted = {feedback.section_name(reading[g]) for g in failed}
        listed = {_text(li).split(" (the course book")[0] for li in section.find_all("li")}
        assert listed == wanted, (student, listed, wanted)
        for row, test in zip(rows, tests.values()):
            cells = row.find_all("td")
            assert cells[1].get_text() == f"{test['score']:g} / {test['max']:g}"
            assert cells[2].get_text() == test["message"]
    summary_page = page_of(graded_class, student, feedback.SUMMARY)
    soup = _soup(summary_page)  # nothing that runs or loads (no book address is set: no link at all)
    assert not soup.find_all(["script", "iframe", "object", "embed", "link", "img", "a", "form"])
    assert not [a for tag in soup.find_all(True) for a in tag.attrs if a.startswith("on")]
    assert ("Nothing: every test passed." in summary_page) == (student == "complete")


@pytest.mark.grading
@pytest.mark.slow
def test_the_summary_names_the_grader_check_that_failed_and_the_sections(graded_class):
    section = _soup(page_of(graded_class, "outside", feedback.SUMMARY)).find("section")
    rows = {
        r.find("code").get_text(): r.get_text(" ") for r in section.find_all("table")[1].find_all("tr")[1:]
    }
    assert rows["tanh"].count("failed") == 1 and "test_tanh" in rows["tanh"], rows["tanh"]
    assert "tanh: on fresh inputs, tanh differs from the expected value" in rows["tanh"]
    assert "passed" in rows["sigmoid"] and "failed" not in rows["sigmoid"]
    # the clipped tanh also fails the visible neuron test (a tanh neuron): two sections to read
    items = [_text(li) for li in section.find("ul").find_all("li")]
    assert items == [
        "2. The neuron: Activation functions (the course book, chapters/02_neuron.html#activation-functions)",
        "2. The neuron: Weights, bias and the weighted sum (the course book, "
        "chapters/02_neuron.html#weights-bias-and-the-weighted-sum)",
    ]
    blank = _soup(page_of(graded_class, "blank", feedback.SUMMARY)).find("section").get_text(" ")
    assert "not needed" in blank and "is not written yet" in blank
    assert "Weights, bias and the weighted sum" in blank and "Activation functions" in blank


# --- in the browser -------------------------------------------------------------------------------
WIDE = """() => [...document.querySelectorAll('div.output_area pre, .course-summary pre, .course-summary td')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.tagName + ': ' + e.textContent.slice(0, 80))"""
FONTS_LOADED = """() => [...document.fonts].some(f => f.family.includes('MJXTEX') && f.status === 'loaded')"""
LONGEST = """() => Math.max(...[...document.querySelectorAll('div.output_area pre')]
    .map(e => e.textContent.length))"""


@pytest.mark.browser
@pytest.mark.grading
@pytest.mark.slow
def test_feedback_wraps_and_typesets_its_maths_with_the_network_cut(graded_class, tmp_path):
    from booksite import launch_chromium, serve
    from playwright.sync_api import sync_playwright

    site_root = tmp_path / "site"
    shutil.copytree(graded_class / "feedback", site_root / "feedback")
    problems = []
    with serve(site_root) as site, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 800, "height": 900})
        context.route("**/*", offline_route(site, problems))
        page = context.new_page()
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        fetched = []  # every request but the page itself: a self-contained page makes none
        page.on("request", lambda r: r.url.startswith("data:") or fetched.append(r.url))
        for student in sorted(LEARNERS):
            for name in (f"{A}.html", feedback.SUMMARY):
                url = f"{site}feedback/{student}/{A}/{name}"
                page.goto(url, wait_until="load")
                if name != feedback.SUMMARY:
                    page.wait_for_selector("mjx-container", timeout=30000)
                    page.wait_for_load_state("networkidle")
                    typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
                    assert typeset >= 5, f"{student}: {typeset} formulas typeset"
                    assert page.evaluate(FONTS_LOADED), f"{student}: MathJax's fonts did not load"
                assert page.evaluate(WIDE) == [], f"{student}/{name}: scrolls sideways"
                problems += [f"{name} fetched {u}" for u in fetched if u != url]
                fetched.clear()
        # the checks can fail: without the fonts held in the page, MathJax fetches them
        unpatched = page_of(graded_class, "buggy").replace("Object.keys(faces).forEach", "[].forEach")
        (site_root / "control.html").write_text(unpatched, encoding="utf-8")
        seen = len(problems)
        page.goto(f"{site}control.html", wait_until="load")
        page.wait_for_selector("mjx-container", timeout=30000)
        page.wait_for_load_state("networkidle")
        assert any(u.endswith(".woff") for u in fetched), fetched
        assert all("404" in p for p in problems[seen:]), problems[seen:]  # the fonts it looked for
        del problems[seen:]
        fetched.clear()
        # and the same page without the course's wrapping scrolls sideways
        page.goto(f"{site}feedback/outside/{A}/{A}.html", wait_until="load")
        assert page.evaluate(LONGEST) > 120
        page.add_style_tag(content="div.output_area pre { white-space: pre !important; }")
        assert page.evaluate(WIDE) != []
        context.close()
        browser.close()
    assert problems == [], problems
