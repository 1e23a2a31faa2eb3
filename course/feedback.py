"""Feedback for learners that never shows the hidden tests, nor renders what a learner wrote.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is: hidden tests, their
tracebacks, whatever the learner's kernel printed while they ran, and every rich output and
markdown cell as live HTML. Two nbgrader preprocessors make it safe:

``HideHiddenTests`` replaces each hidden region by a one-line note. The output of every test cell
is rebuilt from the grader's own record of the verdict (``.course/<assignment>/<student>.json``,
written by ``course autograde``; the gradebook's score and the cell's first error when there is no
record), not from what the kernel printed while the test ran: a learner's hook (IPython's
``pre_run_cell``, an input transformer, ``sys.displayhook``) could print the test's source there.
A visible test run before any hidden one keeps the tracebacks of its errors (the test's line, then
the learner's own: the helpers of ``checks`` hide their frames), their hidden lines removed.
The outputs of every cell run after the first hidden test are left out for the same reason (the
learner's code could print the sources it saw, ``In`` or ``_ih`` holds them), and so are the rich
outputs of the cells before it (code run during a hidden test can rewrite them through their
display id; ``HideHiddenTests.rich_outputs = True`` shows them, sanitised); any other output or
message quoting a hidden line is left out too. The outcome (points, pass or fail, the message) is
kept.

``SanitizeLearnerContent`` makes every cell and output of the notebook inert: markdown cells (and
text/markdown outputs) are rendered and then sanitised with ``nh3``; text/html outputs sanitised;
images kept only as well-formed base64 data (SVG as an image, where it cannot run scripts);
JavaScript and widget views replaced by a short note; unknown types, widget state and output
metadata (``isolated`` iframes, file names to load) dropped. Only links (``http``, ``https``,
``mailto``, ``#``) and images held in the page survive: nothing loads from elsewhere.

``PREPROCESSORS`` (nbgrader's feedback steps with both) is what ``course.grading_rules
.apply_grading_rules`` gives ``GenerateFeedback`` (so plain ``nbgrader generate_feedback`` is safe
with ``nbgrader_config.py``), and what ``course feedback`` uses whatever the course's configuration
says. The course's template (``course/templates/course_feedback``) puts in each page's head the
style that wraps long lines and MathJax 3 with its fonts (``head_extras``), so a page typesets its
maths with nothing to fetch; ``course feedback`` also removes any script a template would load from
the network, and puts a summary at the top of each page (and in ``summary.html`` next to it): the
points of every test and outside check, the messages, and the sections of the book to read again
(``summary_section``).
"""

import base64
import binascii
import copy
import html
import json
import os
import re

import nh3
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool, Unicode
from traitlets.config import Configurable

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
NOTE = "# (hidden tests ran here; their result is shown below)"
AFTER_HIDDEN = (
    "(The output of this cell is not shown in the feedback: the cell ran after hidden tests. "
    "Run your notebook to see it.)"
)
QUOTES_HIDDEN = "(output not shown: it quoted the hidden tests)"
RICH_NOTE = (
    "(A rich output (a plot, HTML, a value) is not shown in the feedback: code run later, during "
    "the hidden tests, could have changed it. Run your notebook to see it.)"
)
MESSAGE_HIDDEN = "the test failed (its message is not shown: it quoted the hidden tests)"
JS_NOTE = "(a JavaScript output is not shown in the feedback)"
WIDGET_NOTE = "(an interactive widget is not shown in the feedback)"
RECORDS = ".course"  # where ``course autograde`` keeps its records (course.autograde.RECORDS)


def strip_hidden(source: str) -> str:
    """The source with each hidden-test region replaced by a note."""
    out, hidden = [], False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
            out.append(line[: len(line) - len(line.lstrip())] + NOTE)
        elif END in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def hidden_lines(source: str) -> list[str]:
    """The lines of ``source`` inside hidden-test regions, stripped, that are long enough to
    recognise in an output (short ones, such as ``x = 1``, would match honest outputs)."""
    out, hidden = [], False
    for line in source.splitlines():
        if BEGIN in line:
            hidden = True
        elif END in line:
            hidden = False
        elif hidden and len(line.strip()) >= 12 and not line.strip().startswith("#"):
            out.append(line.strip())
    return out


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def quotes_hidden(text: str, lines: list[str]) -> bool:
    """True if ``text`` contains one of the hidden ``lines`` (whitespace runs ignored)."""
    text = _squeeze(text)
    return any(_squeeze(line) in text for line in lines)


def is_test_cell(cell: NotebookNode) -> bool:
    """True for an autograded test cell."""
    return cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade", False)


def _output_text(out: dict) -> str:
    """Everything an output would show, as one string (to look for hidden lines in it)."""
    parts = [out.get("text", ""), out.get("ename", ""), out.get("evalue", "")]
    parts += list(out.get("traceback", []))
    for value in out.get("data", {}).values():
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


_SKIPPED_FRAMES = re.compile(r"^\s*(\x1b\[[0-9;]*m)*\[\.\.\. skipping hidden \d+ frames?\]")
MAX_TRACEBACK_LINES = 200


def traceback_lines(cell: NotebookNode, hidden: list[str]) -> list[str]:
    """The traceback lines of the errors a test cell raised, as the learner's kernel showed them
    (the test's line, then the learner's own: the course's helpers are left out by
    ``__tracebackhide__``), without IPython's note of the frames it left out and without any line
    quoting a hidden test."""
    lines = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = out.get("traceback") or [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
            lines += [str(line) for line in tb if not _SKIPPED_FRAMES.match(str(line))]
    lines = [line for line in lines if not quotes_hidden(line, hidden)]
    if len(lines) > MAX_TRACEBACK_LINES:
        cut = len(lines) - MAX_TRACEBACK_LINES
        lines = (
            lines[: MAX_TRACEBACK_LINES // 2] + [f"[... {cut} lines]"] + lines[-MAX_TRACEBACK_LINES // 2 :]
        )
    return lines


def _note(text: str, name: str = "stdout") -> NotebookNode:
    return new_output("stream", name=name, text=text)


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests and everything that could quote them from the notebook; show each
    test's verdict from the grader's record (the score and the message), never from what the
    learner's kernel printed."""

    rich_outputs = Bool(
        False,
        help="Show the rich outputs (plots, HTML, values) of cells run before the first hidden "
        "test, sanitised. Off by default: code running during a hidden test can replace them "
        "(update_display_data with their display id) with what it saw there.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        hidden = [line for c in nb.cells for line in hidden_lines(c.source)]
        ran = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and BEGIN in c.source]
        first = ran[0] if ran else len(nb.cells)
        record = self._record(resources)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                if is_test_cell(cell):
                    # a visible test run before any hidden one keeps its tracebacks
                    visible = i < first and BEGIN not in cell.source
                    cell.outputs = self._verdict(cell, record, hidden, with_traceback=visible)
                elif i >= first:
                    cell.outputs = [_note(AFTER_HIDDEN)] if cell.get("outputs") else []
                else:
                    cell.outputs = self._before_hidden(cell.get("outputs", []), hidden)
            if BEGIN in cell.source:  # in any cell, as nbgrader's ClearHiddenTests
                cell.source = strip_hidden(cell.source)
        return nb, resources

    def _before_hidden(self, outputs, hidden) -> list:
        """The outputs of a cell run before any hidden test: streams and errors as they are (no
        later cell can change them), rich outputs only if ``rich_outputs`` (a later cell can
        replace them: ``update_display_data`` with their display id), nothing quoting a hidden line."""
        out = []
        for o in outputs:
            if o.get("output_type") in ("display_data", "execute_result") and not self.rich_outputs:
                o = _note(RICH_NOTE)
                if out and out[-1] == o:
                    continue
            elif quotes_hidden(_output_text(o), hidden):
                o = _note(QUOTES_HIDDEN)
            out.append(o)
        return out

    def _record(self, resources) -> dict:
        """{grade_id: {"score", "max", "message"}} of this notebook in the grader's record, or {}."""
        from nbgrader.coursedir import CourseDirectory

        meta = resources.get("nbgrader", {})
        try:
            root = CourseDirectory(config=self.config).root
            path = os.path.join(root, RECORDS, meta["assignment"], f"{meta['student']}.json")
            with open(path, encoding="utf-8") as fh:
                return json.load(fh)["tests"].get(meta["notebook"], {})
        except (KeyError, OSError, ValueError, TypeError, AttributeError):
            return {}

    def _verdict(self, cell, record, hidden, with_traceback=False) -> list:
        """The test cell's outputs: one line saying it passed, or the message of its failure (with
        the cell's own tracebacks if ``with_traceback``, their hidden lines removed)."""
        meta = cell.metadata.get("nbgrader", {})
        score, points = meta.get("score"), meta.get("points", 0)
        rec = record.get(meta.get("grade_id"))
        if rec is not None and (score is None or rec.get("score") == score):
            message = str(rec.get("message", ""))
        else:  # no record, or a stale one: the gradebook's score and the cell's first error
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            message = (
                f"{errors[0].get('ename', 'Error')}: {errors[0].get('evalue', '')}".strip().rstrip(":")
                if errors
                else "passed"
                if score is not None and points and score >= points
                else "the test failed"
            )
        message = message[:300]
        if quotes_hidden(message, hidden):
            message = MESSAGE_HIDDEN
        if message == "passed":
            return [_note("passed")]
        lines = traceback_lines(cell, hidden) if with_traceback else []
        return [new_output("error", ename="TestFailed", evalue=message, traceback=lines or [message])]


# --- making what the learner wrote inert -------------------------------------------------------
_IMAGE_DATA = re.compile(
    r"data:image/(png|jpeg|gif|webp|svg\+xml)(;[\w.+=-]+)*;base64,[A-Za-z0-9+/=\s]*", re.I
)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_LINK = re.compile(r"(https?://|mailto:)[^\s]*|#[\w.:-]*", re.I)
_URL_ATTRIBUTES = {"href", "src", "cite", "longdesc", "action", "formaction", "poster", "srcset", "data"}


def _attribute_filter(tag, attribute, value):
    """nh3's last word on each attribute: images only from data held in the page, links only to
    http(s), mailto or an anchor, no other URL (nothing is fetched from elsewhere)."""
    if attribute not in _URL_ATTRIBUTES:
        return value
    value = value.strip()
    if attribute == "src" and tag == "img" and _IMAGE_DATA.fullmatch(value):
        return value
    if attribute == "href" and tag == "a" and _LINK.fullmatch(value):
        return value
    return None


def sanitize_html(html: str) -> str:
    """``html`` with only inert markup left: no script, style, event handler, form, frame, or
    resource loaded from anywhere but the page itself."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_attribute_filter,
    )


def markdown_to_safe_html(source: str, attachments: dict | None = None) -> str:
    """A markdown text rendered as nbconvert renders it (attachments and math included), then
    sanitised."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    renderer = IPythonRenderer(escape=False, attachments=attachments or {}, anchor_link_text="¶")
    return sanitize_html(MarkdownWithMath(renderer=renderer).render(source))


def _markdown_passthrough(html: str) -> str:
    """Markdown that nbconvert's ``markdown2html`` turns back into exactly ``html`` (one HTML
    block on one line: newlines as character references), or the text escaped in a ``<pre>`` if
    the round trip does not hold."""
    import html as html_module

    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    block = "<div>" + html.replace("\r", "").replace("\n", "&#10;") + "</div>"
    renderer = IPythonRenderer(escape=False, anchor_link_text="¶")
    if MarkdownWithMath(renderer=renderer).render(block).strip() == block:
        return block
    return "<pre>" + html_module.escape(html).replace("\n", "&#10;") + "</pre>"


def _base64_ok(data) -> bool:
    if not isinstance(data, str) or not _BASE64.fullmatch(data):
        return False
    try:
        base64.b64decode(re.sub(r"\s", "", data), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value) if isinstance(value, list) else str(value)


def safe_bundle(data: dict, metadata: dict) -> tuple[dict, dict]:
    """A display bundle (mimetype -> data) and its metadata made inert, for nbconvert's HTML."""
    out, meta = {}, {}
    if "text/plain" in data:
        out["text/plain"] = _text(data["text/plain"])
    if "text/latex" in data and "text/plain" not in out:
        out["text/plain"] = _text(data["text/latex"])  # shown as written, never typeset
    if "text/html" in data:
        out["text/html"] = sanitize_html(_text(data["text/html"]))
    elif "text/markdown" in data:
        out["text/html"] = markdown_to_safe_html(_text(data["text/markdown"]))
    elif "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"]).encode("utf-8")
        out["text/html"] = sanitize_html(
            f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg).decode()}" alt="an SVG image">'
        )
    for mime in ("image/png", "image/jpeg"):
        if _base64_ok(data.get(mime)):
            out[mime] = re.sub(r"\s", "", data[mime])
            size = {
                k: v
                for k, v in (metadata.get(mime) or {}).items()
                if k in ("width", "height") and isinstance(v, int) and not isinstance(v, bool)
            }
            if size:
                meta[mime] = size
    if any("javascript" in m or "ecmascript" in m for m in data):
        out["text/plain"] = JS_NOTE
        out.pop("text/html", None)
    elif any("widget-view" in m for m in data):
        out["text/plain"] = WIDGET_NOTE
    if not out:
        out["text/plain"] = "(an output of a kind the feedback does not show)"
    return out, meta


def safe_output(out: dict) -> NotebookNode | None:
    """An output made inert (None: not shown at all)."""
    kind = out.get("output_type")
    if kind == "stream":
        name = out.get("name") if out.get("name") in ("stdout", "stderr") else "stdout"
        return new_output("stream", name=name, text=_text(out.get("text", "")))
    if kind == "error":
        return new_output(
            "error",
            ename=_text(out.get("ename", "Error")),
            evalue=_text(out.get("evalue", "")),
            traceback=[_text(line) for line in out.get("traceback", [])],
        )
    if kind in ("display_data", "execute_result"):
        data, meta = safe_bundle(dict(out.get("data", {})), dict(out.get("metadata", {})))
        node = new_output(kind, data=data, metadata=meta)
        if kind == "execute_result":
            node.execution_count = _count(out.get("execution_count"))
        return node
    return None


_GRADE_ID = re.compile(r"[A-Za-z0-9_-]+")
_LEXERS = {"ipython3", "ipython", "python", "python3"}


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def safe_nbgrader_metadata(meta) -> dict | None:
    """A cell's nbgrader metadata with only what the feedback template reads, each of its type
    (the template writes ``grade_id`` into links unescaped; ``comment`` goes through markdown)."""
    if not isinstance(meta, dict) or not _GRADE_ID.fullmatch(str(meta.get("grade_id", ""))):
        return None
    out = {"grade_id": meta["grade_id"]}
    for key in ("grade", "solution", "locked", "task"):
        if key in meta:
            out[key] = bool(meta[key])
    for key in ("points", "score", "schema_version"):
        if isinstance(meta.get(key), int | float) and not isinstance(meta.get(key), bool):
            out[key] = meta[key]
    if isinstance(meta.get("comment"), str):
        out["comment"] = _markdown_passthrough(markdown_to_safe_html(meta["comment"]))
    elif meta.get("comment") is None and "comment" in meta:
        out["comment"] = None
    return out


class SanitizeLearnerContent(NbGraderPreprocessor):
    """Make every markdown cell, raw cell and output of the notebook inert (see the module)."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)  # widget state: the page would load a widget manager
        nb.metadata.pop("title", None)
        info = nb.metadata.get("language_info") or {}
        lexer = info.get("pygments_lexer") if isinstance(info, dict) else None
        nb.metadata["language_info"] = {
            "name": "python",
            "pygments_lexer": lexer if lexer in _LEXERS else "ipython3",
        }
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown":
            html = markdown_to_safe_html(cell.source, cell.get("attachments"))
            cell.source = _markdown_passthrough(html)
            cell.pop("attachments", None)
        elif cell.cell_type == "raw":
            cell.source = sanitize_html(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = [o for o in map(safe_output, cell.get("outputs", [])) if o is not None]
            cell.execution_count = _count(cell.get("execution_count"))
        for key in list(cell.metadata):  # only what the templates need to lay the cell out
            if key not in ("nbgrader", "tags", "deletable", "editable"):
                del cell.metadata[key]
        if "nbgrader" in cell.metadata:
            meta = safe_nbgrader_metadata(cell.metadata["nbgrader"])
            if meta is None:
                del cell.metadata["nbgrader"]
            else:
                cell.metadata["nbgrader"] = meta
        tags = cell.metadata.get("tags")
        if tags is not None:
            cell.metadata["tags"] = [t for t in tags if isinstance(t, str) and re.fullmatch(r"[\w-]+", t)]
        return cell, resources


# nbgrader's feedback steps, with HideHiddenTests in place of its ClearHiddenTests, then the
# learner's content made inert.
PREPROCESSORS = [GetGrades, CSSHTMLHeaderPreprocessor, HideHiddenTests, SanitizeLearnerContent]

# --- what the feedback page's head adds: long lines wrap, maths typeset offline ---------------------
MATHJAX = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "vendor", "mathjax")
FONTS = os.path.join(MATHJAX, "output", "chtml", "fonts", "woff-v2")

# Outputs, tracebacks and messages wrap at the width of the page (no sideways scrolling).
WRAP_CSS = """
div.output_area pre, div.output_subarea pre, div.output_text pre, .course-summary pre {
  white-space: pre-wrap; overflow-wrap: anywhere; max-width: 100%;
}
div.output_subarea { max-width: 100%; overflow-x: visible; }
.course-summary { margin: 0 0 1.5em; }
.course-summary table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.course-summary th, .course-summary td { border: 1px solid #bbb; padding: 0.3em 0.5em;
  vertical-align: top; text-align: left; overflow-wrap: anywhere; }
.course-summary pre { margin: 0; font-size: 0.9em; background: none; border: none; padding: 0; }
.course-summary .failed { color: #a3231b; }
.course-summary .passed { color: #1d6b2f; }
"""

# MathJax 3 (vendor/mathjax, from npm) in the page itself, its fonts too: the page typesets its
# formulas with nothing to fetch. Nothing is ever loaded later: no TeX extension on demand
# (``autoload``, ``require`` are off: an unknown macro shows in red), no menu (which would load
# accessibility components).
MATHJAX_CONFIG = """window.MathJax = {
  loader: {load: []},
  tex: {
    inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
    displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
    processEscapes: true,
    processEnvironments: true,
    packages: {"[-]": ["autoload", "require"]}
  },
  options: {enableMenu: false},
  startup: {
    ready() {
      var fonts = JSON.parse(document.getElementById("course-mathjax-fonts").textContent);
      var faces = MathJax._.output.chtml.fonts.tex_ts.TeXFont.defaultFonts;
      Object.keys(faces).forEach(function (key) {
        var file = /([\\w-]+\\.woff)/.exec(faces[key].src)[1];
        faces[key].src = 'url("data:font/woff;base64,' + fonts[file] + '") format("woff")';
      });
      MathJax.startup.defaultReady();
    }
  }
};"""


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def mathjax_scripts() -> tuple[str, ...]:
    """The texts of the scripts the feedback page holds, in order: MathJax's configuration, its
    fonts (JSON, not run) and MathJax itself (vendor/mathjax/tex-chtml.js, as npm ships it)."""
    if not _MATHJAX:
        fonts = {}
        for name in sorted(os.listdir(FONTS)):
            with open(os.path.join(FONTS, name), "rb") as fh:
                fonts[name] = base64.b64encode(fh.read()).decode("ascii")
        _MATHJAX.extend(
            [MATHJAX_CONFIG, json.dumps(fonts), _read_text(os.path.join(MATHJAX, "tex-chtml.js"))]
        )
    return tuple(_MATHJAX)


_MATHJAX: list[str] = []


def head_extras(_: str = "") -> str:
    """What the course's feedback template (``course/templates/course_feedback``) puts in the
    page's head, through the ``course_head`` filter: the wrapping style and MathJax."""
    config, fonts, mathjax = mathjax_scripts()
    return (
        f"<style>{WRAP_CSS}</style>\n<script>{config}</script>\n"
        f'<script type="application/json" id="course-mathjax-fonts">{fonts}</script>\n'
        f"<script>{mathjax}</script>\n"
    )


# The template's filter, set by ``course.grading_rules`` (and ``generate``).
TEMPLATE_FILTERS = {"course_head": "course.feedback.head_extras"}

_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*['\"]?(https?:)?//[^>]*>\s*</script>", re.I)


def self_contained(page: str) -> str:
    """The feedback page without any script loaded from the network (nbgrader's own template
    loads MathJax from a CDN; the course's holds it in the page): learners' pages fetch nothing."""
    return _REMOTE_SCRIPT.sub("", page)


# --- the one-page summary ---------------------------------------------------------------------------
BOOK_SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # chapters/*.md are the book's
SUMMARY = "summary.html"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_TARGET = re.compile(r"^\(([\w.:-]+)\)=\s*$")


class LearnerSummary(Configurable):
    """The summary at the top of each learner's feedback (and in ``summary.html`` next to it)."""

    book_url = Unicode(
        "",
        help="The address of the published course book (for example https://example.edu/backprop/): "
        "the summary's 'read again' entries link into it. Empty: they name the section and its page.",
    ).tag(config=True)


def heading_anchors(markdown: str) -> dict[str, str]:
    """{anchor: heading} of a MyST chapter, as Sphinx names its sections (docutils' ``make_id`` of
    the heading's text; a ``(label)=`` line names the heading under it too). Code blocks skipped."""
    from docutils.nodes import make_id

    anchors, fence, label = {}, None, None
    for line in markdown.splitlines():
        opening = _FENCE.match(line)
        if fence:  # in a code block, until a fence of the same kind, at least as long
            if opening and opening.group(1).startswith(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        heading, target = _HEADING.match(line), _TARGET.match(line)
        if target:
            label = target.group(1)
        elif heading:
            text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(2))  # a link: its text
            text = re.sub(r"[`*]", "", text).strip()
            anchors.setdefault(make_id(text), text)
            if label:
                anchors.setdefault(label, text)
            label = None
        elif line.strip():
            label = None
    return anchors


def section_name(target: str) -> str:
    """ "2. The neuron: Activation functions" for "chapters/02_neuron.html#activation-functions"."""
    page, _, anchor = target.partition("#")
    path = os.path.join(BOOK_SOURCE, page.replace(".html", ".md"))
    try:
        anchors = heading_anchors(_read_text(path))
    except OSError:
        return target
    title = next(iter(anchors.values()), page)
    section = anchors.get(anchor)
    return f"{title}: {section}" if section and section != title else title


def reading_map(source_folder: str, assignment: str) -> dict[str, str]:
    """{test grade id: "chapters/<page>.html#<anchor>"}: the ``[reading]`` table of the
    assignment's ``assignment.toml`` (the book's section each test is about)."""
    import tomllib

    try:
        with open(os.path.join(source_folder, assignment, "assignment.toml"), "rb") as fh:
            return dict(tomllib.load(fh).get("reading", {}))
    except (OSError, ValueError):
        return {}


def _outside_checks(specs: list[dict], tests: dict, flags: list[dict]) -> list[dict]:
    """One row per outside check (by the function it calls): the tests it guards and its outcome."""
    from .probes import UNCHECKED, _label

    rows = {}
    for spec in specs:
        row = rows.setdefault(_label(spec), {"label": _label(spec), "tests": []})
        row["tests"] += [g for g in spec.get("grade_ids", []) if g not in row["tests"]]
    said = [f["message"] for f in flags if f.get("kind") in ("outside-check", UNCHECKED)]
    for row in rows.values():
        own = re.compile(r"(^|[\s,])" + re.escape(row["label"]) + ":")
        failed = [m.removeprefix("outside the kernel, ") for m in said if own.search(m)]
        guarded = [tests[g] for g in row["tests"] if g in tests]
        if failed:
            row["outcome"], row["message"] = "failed", failed[0]
        elif guarded and all(t["score"] >= t["max"] for t in guarded):
            row["outcome"], row["message"] = "passed", "agrees with the reference on the grader's own inputs"
        else:
            row["outcome"], row["message"] = "not needed", "the test in the notebook already failed"
    return list(rows.values())


def _read_again(target: str, book_url: str) -> str:
    name = html.escape(section_name(target))
    if book_url and _LINK.fullmatch(book_url.rstrip("/") + "/" + target):
        href = html.escape(book_url.rstrip("/") + "/" + target, quote=True)
        return f'<a href="{href}">{name}</a>'
    return f"{name} <small>(the course book, {html.escape(target)})</small>"


def summary_section(
    record: dict, reading: dict, specs: list[dict], book_url: str = "", hidden: list[str] = ()
) -> str:
    """The summary of one learner's graded assignment, as an HTML section (everything escaped):
    the score of each test cell and the outcome of each outside check, the messages (not one
    quoting a ``hidden`` line, as in the page), and the book's sections to read again for each
    failed test."""
    esc = html.escape

    def shown(message) -> str:
        message = str(message)[:300]
        return MESSAGE_HIDDEN if quotes_hidden(message, hidden) else message

    rows, again = [], []
    tests = {
        g: dict(t, message=shown(t.get("message", "")))
        for nb in record.get("tests", {}).values()
        for g, t in nb.items()
    }
    for grade_id, test in tests.items():
        ok = test["score"] >= test["max"]
        target = reading.get(grade_id)
        if not ok and target and target not in again:
            again.append(target)
        rows.append(
            f'<tr class="{"passed" if ok else "failed"}"><td><code>{esc(grade_id)}</code></td>'
            f"<td>{test['score']:g} / {test['max']:g}</td><td><pre>{esc(str(test['message']))}</pre></td>"
            f"<td>{'' if ok or not target else _read_again(target, book_url)}</td></tr>"
        )
    checks = _outside_checks(specs, tests, record.get("flags", []))
    score, top = record.get("score", 0) or 0, record.get("max_score", 0) or 0
    penalty = sum((nb.get("late_penalty") or 0) for nb in record.get("notebooks", {}).values())
    out = [
        '<section class="course-summary tex2jax_ignore" id="summary">',
        f"<h2>Summary: {esc(record.get('assignment', ''))}, {score - penalty:g} / {top:g} points</h2>",
    ]
    if penalty:
        out.append(f"<p>Late submission: {penalty:g} points taken off.</p>")
    out += [
        "<h3>Tests in the notebook</h3>",
        "<table><colgroup><col style='width:22%'><col style='width:10%'><col><col style='width:28%'>"
        "</colgroup><tr><th>Test</th><th>Points</th><th>Result</th><th>Read again</th></tr>",
        *rows,
        "</table>",
    ]
    if checks:
        out += [
            "<h3>The grader's own checks</h3>",
            "<p>After your notebook ran, the grader called these functions on inputs it chose and "
            "compared the results with the reference. A failed check takes the points of the tests "
            "it guards.</p>",
            "<table><colgroup><col style='width:22%'><col style='width:28%'><col></colgroup>"
            "<tr><th>Function</th><th>Guards</th><th>Result</th></tr>",
            *(
                f'<tr class="{"failed" if c["outcome"] == "failed" else "passed"}">'
                f"<td><code>{esc(c['label'])}</code></td><td>{esc(', '.join(c['tests']))}</td>"
                f"<td>{esc(c['outcome'])}: <pre>{esc(shown(c['message']))}</pre></td></tr>"
                for c in checks
            ),
            "</table>",
        ]
    out.append("<h3>What to read again</h3>")
    if again:
        out += ["<ul>", *(f"<li>{_read_again(t, book_url)}</li>" for t in again), "</ul>"]
    else:
        out.append(
            "<p>Nothing: every test passed.</p>"
            if all(t["score"] >= t["max"] for t in tests.values())
            else "<p>The failed tests have no section of the book assigned.</p>"
        )
    out.append("</section>")
    return "\n".join(out)


def summary_page(section: str, title: str) -> str:
    """A page of its own for a summary: no script, nothing loaded."""
    style = (
        f"body {{ font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em; }}{WRAP_CSS}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}'
        f"</title>\n<style>{style}</style>\n</head>\n<body>\n{section}\n</body>\n</html>\n"
    )


def _with_summary(page: str, section: str) -> str:
    """The feedback page with the summary at its top (after nbgrader's ``top`` anchor)."""
    for mark in ('<a name="top"></a>', "<body>"):
        if mark in page:
            return page.replace(mark, mark + "\n" + section, 1)
    return section + page


def generate(root: str, assignment: str, students: tuple | list = ()) -> list[str]:
    """Run nbgrader's feedback step with ``PREPROCESSORS`` for the autograded submissions of
    ``assignment`` (of ``students``, or everyone's); return the HTML files written."""
    import nbformat
    from nbgrader.apps import NbGraderAPI
    from nbgrader.converters import GenerateFeedback
    from nbgrader.utils import capture_log, temp_attrs

    from .autograde import Course, CourseError

    course = Course(root)
    course.notebooks(assignment)  # a clear error if the assignment is unknown
    if not os.path.isdir(course.path("autograded")):
        raise CourseError(f"nothing is graded yet: run `course autograde {assignment}` first.")
    from . import probes
    from .autograde import record_path
    from .grading_rules import NBGRADER_TEMPLATES, TEMPLATES

    cfg = copy.deepcopy(course.config)
    cfg.CourseDirectory.root = course.root
    cfg.GenerateFeedback.preprocessors = list(PREPROCESSORS)
    cfg.HTMLExporter.template_name = "course_feedback"
    cfg.HTMLExporter.extra_template_basedirs = [TEMPLATES, NBGRADER_TEMPLATES]
    cfg.HTMLExporter.filters = dict(TEMPLATE_FILTERS)
    api = NbGraderAPI(config=cfg)
    source = course.path(course.source_directory)
    reading = reading_map(source, assignment)
    try:
        specs = probes.load(source, assignment)
    except (OSError, ValueError):
        specs = []
    book_url = LearnerSummary(config=cfg).book_url
    hidden = []  # the hidden tests' lines, which no message of the summary may quote
    for name in course.notebooks(assignment):
        path = os.path.join(source, assignment, f"{name}.ipynb")
        if os.path.exists(path):
            hidden += [
                line for c in nbformat.read(path, as_version=4).cells for line in hidden_lines(c.source)
            ]
    written = []
    for student in students or sorted(os.listdir(course.path("autograded"))):
        if not os.path.isdir(course.path("autograded", student, assignment)):
            continue
        # nbgrader's API.generate_feedback, without its forcing nbgrader's own template
        with temp_attrs(api.coursedir, assignment_id=assignment, student_id=student):
            app = GenerateFeedback(coursedir=api.coursedir, parent=api)
            app.force = True
            res = capture_log(app)
        if not res["success"]:
            raise CourseError(f"feedback for {student} failed: {res['error']}")
        folder = course.path("feedback", student, assignment)
        try:
            with open(record_path(course, assignment, student), encoding="utf-8") as fh:
                section = summary_section(json.load(fh), reading, specs, book_url, hidden)
        except (OSError, ValueError, KeyError, TypeError):
            section = ""  # graded by plain nbgrader: no record of the grader's own checks
        for name in sorted(os.listdir(folder)):
            if name.endswith(".html") and name != SUMMARY:
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as fh:
                    page = self_contained(fh.read())
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(_with_summary(page, section) if section else page)
                written.append(path)
        if section:
            path = os.path.join(folder, SUMMARY)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(summary_page(section, f"{assignment}: summary for {student}"))
            written.append(path)
    return written
