"""Nothing of the instructors' solutions or hidden tests reaches learners.

The secrets are read from the source notebooks in assignments/: every statement inside
``### BEGIN SOLUTION`` / ``### BEGIN HIDDEN TESTS`` regions that does not also appear in the
notebook's public part (instructions, given code, visible tests). None of them may appear in the
built book (its pages, and the notebooks it offers for download) or in the released notebooks.

The book teaches the maths of each step and calls ``nanoprop``; it never prints the code of a
function that learners write in an assignment.
"""

import html
import json
import re
from pathlib import Path

import pytest
from booksite import BOOK, ROOT, require_book

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


def visible_text(path):
    text = path.read_text(errors="replace")
    if path.suffix == ".html":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


SOURCES = sorted(SOURCE.glob("*/*.ipynb"))


def test_there_are_secrets_to_keep():
    """Guards the test itself: if parsing found nothing, the checks below would pass vacuously."""
    assert SOURCES, "no source notebooks found in assignments/"
    for nb in SOURCES:
        assert secrets(nb), f"no solution statements found in {nb.relative_to(ROOT)}"


@pytest.mark.parametrize("nb_path", SOURCES, ids=lambda p: p.parent.name)
def test_built_book_shows_no_solution_or_hidden_test(nb_path):
    require_book()
    leaks = []
    pages = [
        p
        for p in BOOK.rglob("*")
        if p.suffix in (".html", ".ipynb", ".txt", ".json") and "_static" not in p.parts
    ]
    texts = {p: visible_text(p) for p in pages}
    for statement, kind in secrets(nb_path).items():
        leaks += [
            f"{p.relative_to(BOOK)}: {kind} line `{statement}`" for p, t in texts.items() if statement in t
        ]
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
