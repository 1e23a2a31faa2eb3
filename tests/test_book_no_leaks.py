"""Nothing of the instructors' solutions or hidden tests reaches learners.

The secrets are read from the source notebooks in assignments/: every statement inside
``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` regions that does not also appear in the
notebook's public part (instructions, given code, visible tests). None of them may appear in the
built book (its pages, and the notebooks it offers for download) or in the released notebooks.

The book teaches the maths of each step and calls ``nanoprop``; it never prints the code of a
function that learners write in an assignment.

One exception, on purpose: the live widgets' engine (bookkit/live/engine.js, and the Python its
``nanoprop_code`` writes, which the playground's "Show the nanoprop code" button shows) is the
reference's twin, readable in the open course as nanoprop itself is. It travels in the saved state
of the widgets whose module bookkit/live/widgets.py assembles, and only those models, recognised by
their module to the character, are left out of what is read here (a graded class's book leaves them
out until the answers are handed in: ``course publish``). Everything else a page holds is read.
"""

import html
import json
import re
from pathlib import Path

import pytest
from booksite import BOOK, ROOT, WIDGET_STATE, require_book, widget_state

from course.publish import live_modules, without_live

pytestmark = [pytest.mark.book]

SOURCE = ROOT / "assignments"
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def statements(text):
    """Code lines worth keeping secret: stripped, comment-free, at least 12 characters, not imports."""
    out = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip() if not line.strip().startswith(("'", '"')) else line.strip()
        if len(line) >= 12 and not line.startswith(("import ", "from ")):
            out.add(line)
    return out


def cell_sources(nb):
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


def secrets(nb_path):
    """{statement: 'solution' | 'hidden test'} for one source notebook."""
    secret, public = {}, []
    for src in cell_sources(json.loads(Path(nb_path).read_text())):
        for kind, body in REGION.findall(src):
            for s in statements(body):
                secret[s] = "solution" if kind == "SOLUTION" else "hidden test"
        public.append(REGION.sub("", src))
    public = "\n".join(public)
    return {s: kind for s, kind in secret.items() if s not in public}


LIVE = live_modules()


def visible_text(path):
    return readable(path.read_text(errors="replace"), path.suffix)


def readable(text, suffix):
    """What is read of a file: a page's text and its widgets' saved state, less the live engine."""
    if suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]+>", "", without_live(text, LIVE)))
    return text


def leaks_in(texts, secret):
    """[(name, kind, statement)] for each secret statement a text ({name: text}) holds."""
    return [(name, kind, s) for s, kind in secret.items() for name, t in texts.items() if s in t]


SOURCES = sorted(SOURCE.glob("*/*.ipynb"))


def test_there_are_secrets_to_keep():
    """Guards the test itself: if parsing found nothing, the checks below would pass vacuously."""
    assert SOURCES, "no source notebooks found in assignments/"
    for nb in SOURCES:
        assert secrets(nb), f"no solution statements found in {nb.relative_to(ROOT)}"


@pytest.mark.parametrize("nb_path", SOURCES, ids=lambda p: p.parent.name)
def test_built_book_shows_no_solution_or_hidden_test(nb_path):
    require_book()
    pages = [
        p
        for p in BOOK.rglob("*")
        if p.suffix in (".html", ".ipynb", ".txt", ".json") and "_static" not in p.parts
    ]
    texts = {p.relative_to(BOOK): visible_text(p) for p in pages}
    leaks = [f"{p}: {kind} line `{statement}`" for p, kind, statement in leaks_in(texts, secrets(nb_path))]
    assert not leaks, (
        f"The built book reveals {len(leaks)} lines of {nb_path.parent.name}'s solutions or hidden tests; "
        "teach the maths or call nanoprop instead of printing the code:\n" + "\n".join(leaks[:20])
    )


def test_downloads_are_the_released_notebooks():
    require_book()
    downloads = sorted(p.name for p in (BOOK / "_downloads").rglob("*.ipynb"))
    assert downloads == sorted(p.name for p in SOURCES), "every assignment should be offered for download"
    for path in (BOOK / "_downloads").rglob("*.ipynb"):
        text = path.read_text()
        assert not [m for m in MARKERS if m in text], f"{path.name} still has solution or hidden-test markers"
        nb = json.loads(text)
        solution_cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
        assert solution_cells and all(
            "raise NotImplementedError" in "".join(c["source"]) for c in solution_cells
        ), f"{path.name}: every cell for the learner should be blank, ready to fill in"


def test_only_the_live_engine_is_exempt():
    """The exemption hides nothing else. The playground page holds a6's solution line in its live
    widget (the Python nanoprop_code writes) and the page is clean once that widget is left out; the
    same line in the page's prose, or in a widget whose module is the engine with one line more
    (not a module widgets.py assembles), is found."""
    require_book()
    a6 = secrets(next(p for p in SOURCES if p.parent.name == "a6_training"))
    line = "velocity = {k: np.zeros_like(p) for k, p in model.params.items()}"
    assert a6.get(line) == "solution"
    page = (BOOK / "chapters" / "playground.html").read_text(encoding="utf-8")
    state = widget_state(page)
    live = [k for k, m in state.items() if m["state"].get("_esm") in LIVE]
    assert len(live) == 1 and line in state[live[0]]["state"]["_esm"]
    assert not leaks_in({"page": readable(page, ".html")}, a6)

    prose = page.replace("</main>", f"<p>{html.escape(line)}</p></main>", 1)
    assert ("prose", "solution", line) in leaks_in({"prose": readable(prose, ".html")}, a6)

    other = json.loads(json.dumps(state[live[0]]))
    other["state"]["_esm"] += "\n// one line more"
    match = WIDGET_STATE.search(page)
    saved = json.loads(match.group(1))
    saved["state"]["other-widget"] = other
    planted = page[: match.start(1)] + json.dumps(saved).replace("</", "<\\/") + page[match.end(1) :]
    assert ("widget", "solution", line) in leaks_in({"widget": readable(planted, ".html")}, a6)
