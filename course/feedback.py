"""Feedback for learners that never shows the hidden tests, nor renders what a learner wrote.

nbgrader's ``generate_feedback`` renders the autograded notebook as it is: hidden tests, their
tracebacks, whatever the learner's kernel printed while they ran, and every rich output and
markdown cell as live HTML. Two nbgrader preprocessors make it safe:

``HideHiddenTests`` replaces each hidden region by a one-line note. The output of every test cell
is rebuilt from the grader's own record of the verdict (``.course/<assignment>/<student>.json``,
written by ``course autograde``; the gradebook's score and the cell's first error when there is no
record), not from what the kernel printed while the test ran: a learner's hook (IPython's
``pre_run_cell``, an input transformer, ``sys.displayhook``) could print the test's source there.
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
says. ``course feedback`` also removes the one script the feedback template loads from the network
(MathJax), so its pages are self-contained.
"""

import base64
import binascii
import copy
import json
import os
import re

import nh3
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool

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
                    cell.outputs = self._verdict(cell, record, hidden)
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

    def _verdict(self, cell, record, hidden) -> list:
        """The test cell's outputs: one line saying it passed, or the message of its failure."""
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
        return [new_output("error", ename="TestFailed", evalue=message, traceback=[message])]


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

_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*['\"]?(https?:)?//[^>]*>\s*</script>", re.I)


def self_contained(page: str) -> str:
    """The feedback page without the scripts its template loads from the network (MathJax):
    learners' pages fetch nothing; formulas show as their TeX source."""
    return _REMOTE_SCRIPT.sub("", page)


def generate(root: str, assignment: str, students: tuple | list = ()) -> list[str]:
    """Run nbgrader's feedback step with ``PREPROCESSORS`` for the autograded submissions of
    ``assignment`` (of ``students``, or everyone's); return the HTML files written."""
    from nbgrader.apps import NbGraderAPI

    from .autograde import Course, CourseError

    course = Course(root)
    course.notebooks(assignment)  # a clear error if the assignment is unknown
    if not os.path.isdir(course.path("autograded")):
        raise CourseError(f"nothing is graded yet: run `course autograde {assignment}` first.")
    cfg = copy.deepcopy(course.config)
    cfg.CourseDirectory.root = course.root
    cfg.GenerateFeedback.preprocessors = list(PREPROCESSORS)
    api = NbGraderAPI(config=cfg)
    written = []
    for student in students or sorted(os.listdir(course.path("autograded"))):
        if not os.path.isdir(course.path("autograded", student, assignment)):
            continue
        res = api.generate_feedback(assignment, student, force=True)
        if not res["success"]:
            raise CourseError(f"feedback for {student} failed: {res['error']}")
        folder = course.path("feedback", student, assignment)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as fh:
                    page = fh.read()
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(self_contained(page))
                written.append(path)
    return written
