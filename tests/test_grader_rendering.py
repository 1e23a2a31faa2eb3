"""What the grader renders never runs a learner's markup, and never shows the hidden tests.

- plain units: the report renders records whose messages hold mathtext, TeX and markup; the
  sanitiser (``course.feedback``) leaves nothing live; the feedback's test cells come from the
  grader's record, and outputs of cells run after hidden tests are left out;
- a small hostile class (the honest answer and every entry of ``bad_submissions.unseen_rendering``)
  graded with ``course autograde``, its feedback written by ``course feedback`` and by plain
  ``nbgrader generate_feedback``, its report by ``course report``: each page is checked for live
  markup, outside addresses and hidden lines, and for the learner's text shown literally;
- the same pages in headless Chromium with every request leaving the machine blocked: no script
  runs, no event handler fires, no dialog opens, nothing loads from outside.
"""

import json
import shutil
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from bad_submissions import fixture as fx
from bad_submissions import unseen_rendering as hostile
from booksite import offline_route
from hypothesis import given
from hypothesis import strategies as st
from once import built_once

from course import cli, feedback, report
from course.autograde import Course, Options, autograde, load_records
from course.jail.sandbox import Limits

ENTRIES = hostile.ENTRIES
LIMITS = Limits(notebook_timeout=40, cpu_seconds=60)
OUTSIDE = "evil.example"


# --- what counts as live markup ------------------------------------------------------------------
def _soup(page: str):
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)  # a fragment may look like a URL
        return BeautifulSoup(page, "html.parser")


def live_markup(page: str, allowed_scripts=("text/x-mathjax-config",)) -> list[str]:
    """Everything in an HTML page that could run, fire or load: scripts (but the template's own
    inert MathJax configuration, and the course's MathJax held in the feedback page, to the
    byte), event-handler attributes, frames, objects, forms, style sheets or images from anywhere
    but the page, javascript: links."""
    soup = _soup(page)
    found = []
    own = feedback.mathjax_scripts()
    for tag in soup.find_all(True):
        if tag.name == "script" and tag.string in own and not tag.get("src") and allowed_scripts:
            continue
        if tag.name == "script" and (tag.get("src") or tag.get("type") not in allowed_scripts):
            found.append(f"script: {str(tag)[:120]}")
        harmless_meta = tag.name == "meta" and set(tag.attrs) <= {"charset", "name", "content"}
        if tag.name in ("iframe", "frame", "object", "embed", "form", "base", "link", "meta", "svg") and not (
            harmless_meta
        ):
            found.append(f"{tag.name}: {str(tag)[:120]}")
        for attribute, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attribute.lower().startswith("on"):
                found.append(f"event handler {attribute} on <{tag.name}>")
            if attribute in ("src", "href", "action", "srcset", "poster", "data", "xlink:href"):
                if value.strip().lower().startswith(("javascript:", "vbscript:")):
                    found.append(f"{attribute}={value[:60]}")
                if attribute != "href" and not value.startswith(("data:", "#")):
                    found.append(f"resource {attribute}={value[:80]} on <{tag.name}>")
            if attribute == "style" and "url(" in value:
                found.append(f"style with url(): {value[:80]}")
        if tag.name == "style" and "url(http" in tag.get_text():
            found.append("style sheet loading from outside")
    return found


def visible_text(page: str) -> str:
    soup = _soup(page)
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text()


# --- the report, from records -------------------------------------------------------------------
HOSTILE_MESSAGES = [
    "ValueError: $\\nosuchcommand$",
    "ValueError: \\nosuchcommand",
    "ValueError: $x^{$ and $$ and $",
    "ValueError: \\begin{document} 100% & _ ^ #",
    "TypeError: <script>alert(1)</script><img src=x onerror=alert(2)>",
    "Error: " + "long $\\frac{1}{0}$ " * 20,
]


def _record(student, message, flags=()):
    return {
        "student": student,
        "status": "graded",
        "score": 2.0,
        "max_score": 5.0,
        "seconds": 1.5,
        "tests": {
            "f1_neuron": {
                "test_sigmoid": {"score": 2.0, "max": 2.0, "message": "passed"},
                "test_neuron": {"score": 0.0, "max": 3.0, "message": message},
            }
        },
        "flags": [{"kind": "renamed", "message": m} for m in flags],
    }


def test_report_shows_mathtext_tex_and_markup_literally():
    import matplotlib.pyplot as plt

    before = plt.rcParams["text.parse_math"]
    records = [_record(f"s{i}", m) for i, m in enumerate(HOSTILE_MESSAGES)]
    records.append(_record("<b onmouseover=alert(1)>$\\nosuchcommand$</b>", "x", ["<script>f()</script>"]))
    page = report.render("f1_neuron", report.summarise(records))
    assert live_markup(page, allowed_scripts=()) == []
    text = visible_text(page)
    for message in HOSTILE_MESSAGES:
        assert message in text
    assert "<b onmouseover=alert(1)>$\\nosuchcommand$</b>" in text and "<script>f()</script>" in text
    assert page.count("data:image/png;base64,") == 4
    assert plt.rcParams["text.parse_math"] == before  # the course's other plots are left alone


def test_report_labels_are_not_mathtext():
    """Without the literal-text setting, the same labels would stop the report (so the test above
    does test something)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("$\\nosuchcommand$")
    with pytest.raises(ValueError):
        fig.savefig(__import__("io").BytesIO(), format="png")
    plt.close(fig)
    assert report._label("a\nb   c") == "a b c"
    assert report._label("x" * 100).replace("\n", "") == "x" * 100  # wrapped, never cut


# --- the sanitiser --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "html, kept",
    [
        ("<script>window.__pwned=1</script>after", "after"),
        ("<img src=x onerror=alert(1)>", "<img>"),
        ("<img src='https://evil.example/a.png'>", "<img>"),
        ("<img src='//evil.example/a.png'>", "<img>"),
        ("<a href='javascript:alert(1)'>x</a>", ">x</a>"),
        ("<a href='https://docs.python.org/'>docs</a>", 'href="https://docs.python.org/"'),
        ("<iframe src='https://evil.example'></iframe>frame", "frame"),
        ("<svg onload=alert(1)><circle r=1></circle></svg>svg", "svg"),
        (
            "<style>body{display:none}</style><b style='background:url(https://evil.example)'>b</b>",
            "<b>b</b>",
        ),
        ("<form action='https://evil.example'><input></form>", ""),
        ("<meta http-equiv=refresh content='0;url=https://evil.example'>", ""),
        ("<link rel=stylesheet href='https://evil.example/s.css'>", ""),
        ("<img src='data:image/png;base64,iVBORw0KGgo='>", 'src="data:image/png;base64,iVBORw0KGgo="'),
        ("<img src='data:text/html;base64,PHNjcmlwdD4='>", "<img>"),
        ("<img src='data:image/png;base64,AAAA\" onerror=\"alert(1)'>", "<img>"),
    ],
)
def test_sanitised_html_is_inert(html, kept):
    clean = feedback.sanitize_html(html)
    assert live_markup(clean) == [] and OUTSIDE not in clean
    assert kept in clean


TOKENS = [
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<a href='",
    "javascript:alert(1)",
    "'>",
    "<iframe src=https://evil.example>",
    "<style>",
    "</style>",
    "<b ",
    "onclick=alert(1)",
    ">",
    "<",
    '"',
    "'",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "&lt;",
    "&#106;avascript:",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript>',
    "<form action=https://evil.example>",
    "<meta http-equiv=refresh content=0>",
    "data:text/html,",
    "<object data=https://evil.example>",
    "<base href=https://evil.example/>",
    "text",
    "\n\n",
    "`",
    "*",
    "[x](",
    ")",
    "![i](",
    "https://evil.example/i.png",
    "$x^2$",
    "<img src='data:image/png;base64,AAAA'>",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_any_mix_of_hostile_pieces_is_inert(pieces):
    text = "".join(pieces)
    for html in (feedback.sanitize_html(text), feedback.markdown_to_safe_html(text)):
        assert live_markup(html) == [], html
    passthrough = feedback._markdown_passthrough(feedback.markdown_to_safe_html(text))
    assert live_markup(passthrough) == []


def test_rich_outputs_become_inert():
    js = feedback.safe_bundle({"application/javascript": "alert(1)", "text/plain": "<Javascript>"}, {})
    assert js == ({"text/plain": feedback.JS_NOTE}, {})
    widget = feedback.safe_bundle({"application/vnd.jupyter.widget-view+json": {}, "text/plain": "w"}, {})
    assert widget[0] == {"text/plain": feedback.WIDGET_NOTE}
    svg = feedback.safe_bundle({"image/svg+xml": "<svg onload='alert(1)'><script>x()</script></svg>"}, {})
    html = svg[0]["text/html"]
    assert html.startswith('<img src="data:image/svg+xml;base64,') and live_markup(html) == []
    png, meta = feedback.safe_bundle(
        {"image/png": "iVBORw0KGgo=", "text/plain": "p"},
        {"image/png": {"width": "1 onerror=alert(1)", "height": 20, "isolated": True}},
    )
    assert png["image/png"] == "iVBORw0KGgo=" and meta == {"image/png": {"height": 20}}
    broken, _ = feedback.safe_bundle({"image/png": 'AAAA" onerror="alert(1)', "text/plain": "p"}, {})
    assert broken == {"text/plain": "p"}
    markdown, _ = feedback.safe_bundle({"text/markdown": "**b** <script>x()</script> [l](javascript:x)"}, {})
    assert "<strong>b</strong>" in markdown["text/html"] and live_markup(markdown["text/html"]) == []
    latex, _ = feedback.safe_bundle({"text/latex": "$\\href{javascript:x}{y}$"}, {})
    assert latex == {"text/plain": "$\\href{javascript:x}{y}$"}
    assert feedback.safe_bundle({"application/x-evil": "x"}, {})[0]["text/plain"].startswith("(an output")


@pytest.mark.parametrize(
    "markdown",
    [
        "# Title <script>alert(1)</script>\n\nSome *em*, $x^2$ and `<b>code</b>`.",
        "```python\nx = '<b>'\n\n\ny = 2\n```\n\n<img src=x onerror=alert(1)>",
        "| a | b |\n|---|---|\n| <i>1</i> | 2 |\n\n> quote\n\n- item\n- [x](javascript:alert(1))",
    ],
)
def test_markdown_cells_render_to_what_was_sanitised(markdown):
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    html = feedback.markdown_to_safe_html(markdown)
    passthrough = feedback._markdown_passthrough(html)
    rendered = MarkdownWithMath(renderer=IPythonRenderer(escape=False, anchor_link_text="¶")).render(
        passthrough
    )
    assert rendered.strip() == passthrough and live_markup(rendered) == []


def test_cells_and_metadata_become_inert():
    markdown = nbformat.v4.new_markdown_cell("![a](attachment:a.png) <script>x()</script> **kept**")
    markdown.attachments = {"a.png": {"image/png": 'AAAA" onerror="alert(1)'}}
    markdown.metadata.update(tags=["ok", "<b>bad"], jupyter={"source_hidden": True}, anything="<script>")
    raw = nbformat.v4.new_raw_cell("<script>x()</script><i>raw</i>")
    raw.metadata["raw_mimetype"] = "text/html"
    code = nbformat.v4.new_code_cell("x")
    code.metadata["nbgrader"] = {"grade_id": 'a" onclick="x', "solution": True}
    test = nbformat.v4.new_code_cell("y")
    test.metadata["nbgrader"] = {
        "grade_id": "t1",
        "grade": "yes",
        "points": 2,
        "comment": "**c** <script>c()</script>",
    }
    nb = nbformat.v4.new_notebook(cells=[markdown, raw, code, test])
    code.execution_count = "<img src=x onerror=alert(1)>"  # what a tampered kernel could report
    nb.metadata.update(widgets={"state": 1}, title="<script>", language_info={"pygments_lexer": "<x>"})
    nb, _ = feedback.SanitizeLearnerContent().preprocess(nb, {})
    assert "widgets" not in nb.metadata and "title" not in nb.metadata
    assert nb.metadata.language_info == {"name": "python", "pygments_lexer": "ipython3"}
    assert "attachments" not in nb.cells[0] and "<strong>kept</strong>" in nb.cells[0].source
    assert live_markup(nb.cells[0].source) == [] and "onerror" not in nb.cells[0].source
    assert dict(nb.cells[0].metadata) == {"tags": ["ok"]}
    assert nb.cells[1].source == "<i>raw</i>"
    assert nb.cells[2].execution_count is None and "nbgrader" not in nb.cells[2].metadata
    meta = nb.cells[3].metadata.nbgrader
    assert meta["grade"] is True and meta["points"] == 2 and "<strong>c</strong>" in meta["comment"]
    assert "script" not in meta["comment"]


# --- hidden tests, from the grader's record ---------------------------------------------------------
def _test_cell(source, grade_id, points, outputs):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "points": points, "score": 0.0}
    cell.outputs = outputs
    return cell


def test_test_cells_show_the_recorded_verdict_and_nothing_after_hidden_tests_runs(tmp_path):
    from traitlets.config import Config

    leak = nbformat.v4.new_output("stream", name="stdout", text=fx.TEST_NEURON)
    before = nbformat.v4.new_code_cell("print('mine')")
    before.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="mine\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "rewritten later"}),
        nbformat.v4.new_output("display_data", data={"text/plain": "rewritten later too"}),
    ]
    quoting = nbformat.v4.new_code_cell("print(secret)")
    quoting.outputs = [
        nbformat.v4.new_output(
            "stream", name="stdout", text=fx.TEST_NEURON.split("### BEGIN HIDDEN TESTS\n")[1].splitlines()[0]
        )
    ]
    test = _test_cell(
        fx.TEST_NEURON,
        "test_neuron",
        3.0,
        [leak, nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=["x"])],
    )
    after = nbformat.v4.new_code_cell("print(In)")
    after.outputs = [nbformat.v4.new_output("stream", name="stdout", text=str([fx.TEST_NEURON]))]
    untouched = nbformat.from_dict(json.loads(json.dumps(before)))
    nb = nbformat.v4.new_notebook(cells=[before, quoting, test, after])
    folder = tmp_path / feedback.RECORDS / fx.ASSIGNMENT
    folder.mkdir(parents=True)
    recorded = {"test_neuron": {"score": 0.0, "max": 3.0, "message": "AssertionError: as recorded"}}
    (folder / "ana.json").write_text(json.dumps({"tests": {fx.NOTEBOOK: recorded}}))
    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    resources = {"nbgrader": {"student": "ana", "assignment": fx.ASSIGNMENT, "notebook": fx.NOTEBOOK}}
    nb, _ = feedback.HideHiddenTests(config=config).preprocess(nb, resources)
    shown = json.dumps([c.outputs for c in nb.cells]) + json.dumps([c.source for c in nb.cells])
    assert "x @ w + 0.5" not in shown and "BEGIN HIDDEN" not in shown
    assert [o["text"] for o in nb.cells[0].outputs] == ["mine\n", feedback.RICH_NOTE]
    config.HideHiddenTests.rich_outputs = True  # the instructor's choice: shown (and sanitised later)
    kept = feedback.HideHiddenTests(config=config).preprocess(
        nbformat.v4.new_notebook(cells=[untouched]), resources
    )
    assert [o["output_type"] for o in kept[0].cells[0].outputs] == ["stream", "display_data", "display_data"]
    config.HideHiddenTests.rich_outputs = False
    assert nb.cells[1].outputs[0]["text"] == feedback.QUOTES_HIDDEN
    assert [o["evalue"] for o in nb.cells[2].outputs] == ["AssertionError: as recorded"]
    assert nb.cells[3].outputs[0]["text"] == feedback.AFTER_HIDDEN
    # no record (plain nbgrader autograde): the gradebook's score and the cell's own first error
    test = _test_cell(
        fx.TEST_NEURON,
        "test_neuron",
        3.0,
        [leak, nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[fx.TEST_NEURON])],
    )
    nb = nbformat.v4.new_notebook(cells=[test])
    resources["nbgrader"]["student"] = "nobody"
    nb, _ = feedback.HideHiddenTests(config=config).preprocess(nb, resources)
    assert [o["evalue"] for o in nb.cells[0].outputs] == ["ValueError: bad"]
    # a message quoting the hidden lines is not shown
    recorded["test_neuron"]["message"] = "ValueError: " + fx.TEST_NEURON
    (folder / "ana.json").write_text(json.dumps({"tests": {fx.NOTEBOOK: recorded}}))
    resources["nbgrader"]["student"] = "ana"
    nb = nbformat.v4.new_notebook(cells=[_test_cell(fx.TEST_NEURON, "test_neuron", 3.0, [])])
    nb, _ = feedback.HideHiddenTests(config=config).preprocess(nb, resources)
    assert [o["evalue"] for o in nb.cells[0].outputs] == [feedback.MESSAGE_HIDDEN]


# --- a hostile class, graded -----------------------------------------------------------------------
def _grade_hostile_class(base):
    root = base / "course"
    fx.make_course(root)
    fx.write_submission(root, "honest", fx.answered(root))
    for bad in ENTRIES:
        bad.build(root, bad.student, None)
    summary = autograde(root, fx.ASSIGNMENT, Options(jobs=2, limits=LIMITS, progress=False))
    assert cli.main(["--root", str(root), "feedback", fx.ASSIGNMENT]) == 0
    assert (
        cli.main(["--root", str(root), "report", fx.ASSIGNMENT, "--output", str(root / "report.html")]) == 0
    )
    plain = base / "plain"  # the same feedback through plain nbgrader and nbgrader_config.py
    fx.copy_course(root, plain)
    shutil.rmtree(plain / "feedback")
    fx.nbgrader_cmd(plain, "generate_feedback", fx.ASSIGNMENT, "--force")
    rich = base / "rich"  # course feedback with the rich outputs of early cells shown, sanitised
    fx.copy_course(root, rich)
    shutil.rmtree(rich / "feedback")
    with open(rich / "nbgrader_config.py", "a") as fh:
        fh.write("c.HideHiddenTests.rich_outputs = True\n")
    feedback.generate(rich, fx.ASSIGNMENT, [b.student for b in ENTRIES if b.rich_must_show])
    return {"graded": sorted(summary.graded), "failed": summary.failed}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory):
    base, summary = built_once(tmp_path_factory, "grader-rendering", _grade_hostile_class)
    return base, summary


def feedback_page(root, student):
    return (Path(root) / "feedback" / student / fx.ASSIGNMENT / f"{fx.NOTEBOOK}.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("bad", ENTRIES, ids=[b.name for b in ENTRIES])
@pytest.mark.parametrize("way", ["course", "plain", "rich"])
@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.xdist_group("grader_rendering")
def test_feedback_is_inert_and_hides_the_hidden_tests(hostile_class, bad, way):
    base, summary = hostile_class
    assert bad.student in summary["graded"] and not summary["failed"]
    records = {r["student"]: r for r in load_records(Course(base / "course"), fx.ASSIGNMENT)}
    got = {g: t["score"] for g, t in records[bad.student]["tests"][fx.NOTEBOOK].items()}
    assert got == bad.scores, bad.what
    if way == "rich" and not bad.rich_must_show:
        pytest.skip("rich outputs shown only for the entries about them")
    page = feedback_page(base / way, bad.student)
    # plain nbgrader too: the course's feedback template loads nothing (no MathJax from a CDN)
    assert "cdnjs" not in page and page == feedback.self_contained(page)
    assert live_markup(page) == [], bad.name
    for text in hostile.HIDDEN + tuple(bad.feedback_must_not_contain):
        assert text not in page, f"{bad.name}: {text!r} in the feedback"
    shown = visible_text(page)
    for text in bad.rich_must_show if way == "rich" else bad.feedback_must_show:
        assert text in shown, f"{bad.name}: {text!r} not shown"
    assert "Score:" in shown


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.xdist_group("grader_rendering")
def test_report_of_the_hostile_class_is_inert_and_literal(hostile_class):
    base, _ = hostile_class
    page = (base / "course" / "report.html").read_text(encoding="utf-8")
    assert live_markup(page, allowed_scripts=()) == []
    shown = visible_text(page)
    for text in hostile.REPORT_MUST_SHOW:
        assert text in shown


# --- in the browser ---------------------------------------------------------------------------------
# What a payload would have done, read in the page after it loaded, was hovered and clicked.
SEEN = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    title: document.title,
    handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
        .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
    text: document.body.innerText,
})"""
# A page that does what the payloads try, to show the browser test would see it.
CONTROL = (
    "<!doctype html><title>control</title><body><p>control</p>"
    "<img src=x onerror=\"window.__pwned='control'\"><img src='https://evil.example/c.png'>"
    "<b onmouseover=\"document.title='hovered'\">hover me</b></body>"
)


class Visitor:
    """Opens pages of a local site in one browser context with every request leaving the machine
    blocked; records blocked requests, dialogs, page errors and console errors."""

    def __init__(self, browser, site):
        self.site, self.problems = site, []
        self.context = browser.new_context()
        self.context.route("**/*", offline_route(self.site, self.problems))

    def visit(self, path: str) -> dict:
        """Open ``path``, hover and click what a handler would sit on; return what the page shows."""
        page = self.context.new_page()
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        url = self.site + path
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        for element in page.query_selector_all("b, img, a:not([href^=http]), svg, pre")[:40]:
            if element.is_visible():
                element.hover(timeout=1000)
                element.click(timeout=1000, no_wait_after=True)
        page.wait_for_timeout(100)
        seen = page.evaluate(SEEN)
        seen["url"] = urllib.parse.unquote(urllib.parse.urldefrag(page.url).url)
        seen["navigated"] = seen["url"] != urllib.parse.unquote(url)
        page.close()
        return seen

    def close(self):
        self.context.close()


@pytest.mark.browser
@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.xdist_group("grader_rendering")
def test_report_and_feedback_run_nothing_in_chromium(hostile_class, tmp_path):
    from booksite import launch_chromium, serve
    from playwright.sync_api import sync_playwright

    base, _ = hostile_class
    site_root = tmp_path / "site"  # what the instructor would open, and what learners receive
    shutil.copytree(base / "course" / "feedback", site_root / "feedback")
    shutil.copytree(base / "rich" / "feedback", site_root / "rich")
    shutil.copy(base / "course" / "report.html", site_root / "report.html")
    (site_root / "control.html").write_text(CONTROL)
    problems = []
    with serve(site_root) as site, sync_playwright() as p:
        browser = launch_chromium(p)
        control = Visitor(browser, site)
        seen = control.visit("control.html")
        control.close()
        assert seen["pwned"] == "control" and seen["title"] == "hovered", seen  # the test can see a payload
        assert "request leaving the machine (blocked): https://evil.example/c.png" in control.problems

        visitor = Visitor(browser, site)
        pages = {"report.html": ("Grading report: f1_neuron", hostile.REPORT_MUST_SHOW)}
        for bad in ENTRIES:
            path = "/".join(
                urllib.parse.quote(p) for p in ("feedback", bad.student, fx.ASSIGNMENT, "f1_neuron.html")
            )
            pages[path] = (fx.NOTEBOOK, bad.feedback_must_show)
            if bad.rich_must_show:
                path = "/".join(
                    urllib.parse.quote(p) for p in ("rich", bad.student, fx.ASSIGNMENT, "f1_neuron.html")
                )
                pages[path] = (fx.NOTEBOOK, bad.rich_must_show)
        for path, (title, literal) in pages.items():
            seen = visitor.visit(path)
            if seen["pwned"] is not None or seen["title"] != title or seen["navigated"]:
                problems.append(f"{path}: a payload ran: {dict(seen, text='...')}")
            if seen["handlers"]:
                problems.append(f"{path}: event handlers in the page: {seen['handlers'][:5]}")
            problems += [
                f"{path}: does not show {text!r} literally" for text in literal if text not in seen["text"]
            ]
        visitor.close()
        browser.close()
    assert problems + visitor.problems == [], "\n".join(problems + visitor.problems)
