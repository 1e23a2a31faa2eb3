"""What an instructor publishes for a graded class: the built book and its kits, with no answers.

In a graded class the course's repository stays private (it holds the solutions, the hidden checks
and the reference); learners get the built book, whose Assignments pages offer the kits. ``course
publish OUTPUT`` copies the built book (``make book`` makes it, in ``_build/html``) to OUTPUT and
then reads everything it copied, inside the kits' zips too, for answers:

- a line of a solution region (``### BEGIN/END SOLUTION``) of any assignment's source notebook, or
  of a reference function that an assignment asks learners to write (:func:`leaks`: one shared
  line of a longer answer is an idiom, two are not, nor the only line of a short one);
- the markers of solutions and hidden tests, or an authoring file (``source.py``, ``probes.toml``...);
- while an assignment the live engine answers is not handed in, two lines of ``engine.js``.

A page's saved widget state is read too, each text in it line by line. The pages' sources
(``_sources/``: no page links to them, the search reads the pages) are left out: they hold the
cells a page hides, which may compute with an answer (the playground's training loop).

If it finds any, it says which file holds what and exits non-zero: the folder is not fit to
publish (open-course books, which show the reference in their chapters, are published as they are
built, without this command). Lines every released notebook shows (templates, docstrings: the
specification) are no answer wherever they appear.

The live widgets (bookkit/live) run the course's engine in the page, a JavaScript twin of the
reference that answers the assignments ``bookkit.live.widgets.ANSWERS`` names. Until the class has
handed in the last of them (an assignment is handed in when a later one is released), each page
loses its live widgets before the reading: their models leave the page's saved widget state and a
short note takes the place of each one (:func:`without_live`). Once they are handed in, the
widgets stay and their engine is no answer.
"""

import ast
import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

AUTHORING = {"source.py", "bugs.toml", "probes.toml", "assignment.toml"}
MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")
TEXT_SUFFIXES = (".py", ".txt", ".json", ".html", ".md", ".ipynb", ".js", ".toml")


WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)
WIDGET_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
NOTE = (
    '<p class="course-live-withheld" role="note">This explorable runs the course\'s reference engine, '
    "which holds answers to assignments {names}; it opens in this book once they are handed in.</p>"
)


def live_modules():
    """{``_esm``: widget class name} of the live widgets, as bookkit/live/widgets.py assembles their
    modules: a saved widget whose module is one of these (to the character) is a live widget."""
    from bookkit.live import widgets

    return {cls._esm: cls.__name__ for cls in widgets.Live.__subclasses__()}


def saved_widgets(page):
    """The saved widget state of an HTML page ({} if none), and where its JSON lies (a match)."""
    match = WIDGET_STATE.search(page)
    return (json.loads(match.group(1)), match) if match else ({}, None)


def widget_texts(page):
    """The texts of a page's saved widgets (a state that is not JSON: its text, ``\\n`` as line ends)."""
    try:
        models = saved_widgets(page)[0].get("state", {}).values()
    except (ValueError, AttributeError):
        return [WIDGET_STATE.search(page).group(1).replace("\\n", "\n")]
    return [v for m in models for v in m.get("state", {}).values() if isinstance(v, str)]


def live_models(state, modules):
    """{model id: widget class name} of the live widgets in a page's saved widget state."""
    return {
        k: modules[m["state"]["_esm"]] for k, m in state.items() if m.get("state", {}).get("_esm") in modules
    }


def live_ids(state, modules):
    """The ids of the live widgets' models in a page's saved state, and of the models (layouts) that
    only they refer to."""
    live = set(live_models(state, modules))

    def refs(ids):
        return {
            v[len("IPY_MODEL_") :]
            for k in ids
            for v in state[k].get("state", {}).values()
            if isinstance(v, str) and v.startswith("IPY_MODEL_")
        }

    return live | (refs(live) - refs(set(state) - live))


def without_live(page, modules, note=""):
    """The HTML ``page`` without its live widgets: their models out of the saved widget state,
    ``note`` in place of each one's view."""
    saved, match = saved_widgets(page)
    if not match:
        return page
    gone = live_ids(saved["state"], modules)
    if not gone:
        return page
    saved["state"] = {k: m for k, m in saved["state"].items() if k not in gone}
    kept = json.dumps(saved).replace("</", "<\\/")  # no end of the script inside it
    page = page[: match.start(1)] + kept + page[match.end(1) :]

    def view(m):
        return note if json.loads(html.unescape(m.group(1))).get("model_id") in gone else m.group(0)

    return WIDGET_VIEW.sub(view, page)


def distinctive(lines):
    """Lines that say something (not blank, not a comment, not a short one such as ``return x``)."""
    out = set()
    for line in lines:
        text = line.split("#")[0].strip()
        if len(text) >= 14 and not text.startswith(('"""', "def ", "class ")):
            out.add(text)
    return out


def leaks(lines, held):
    """The lines of one answer that ``held`` (a set of lines) gives away, or []."""
    shared = lines & held
    return sorted(shared) if shared and (len(shared) >= 2 or len(lines) == 1) else []


def _cells(nb):
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]


def solution_regions(notebook):
    """The distinctive lines of each solution region of a source notebook (a dict)."""
    regions, current = [], None
    for cell in _cells(notebook):
        for line in cell.splitlines():
            if "### BEGIN SOLUTION" in line:
                current = []
            elif "### END SOLUTION" in line and current is not None:
                regions.append(distinctive(current))
                current = None
            elif current is not None:
                current.append(line)
    return [r for r in regions if r]


def reference_functions(reference_folder, names):
    """{name: distinctive lines of its body} of the reference's functions and methods in ``names``
    (``"sigmoid"``, ``"MLP.backward"``)."""
    found = {}
    for path in sorted(Path(reference_folder).rglob("*.py")):
        text = path.read_text()
        for node in ast.parse(text).body:
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and f"{node.name}.{item.name}" in names:
                        found[f"{node.name}.{item.name}"] = ast.get_source_segment(text, item)
            elif isinstance(node, ast.FunctionDef) and node.name in names:
                found[node.name] = ast.get_source_segment(text, node)
    return {name: distinctive(src.splitlines()[1:]) for name, src in found.items()}


def texts_of(name, data):
    """{name: text} of a file's contents, a zip's members read one by one (a notebook: its cells)."""
    if name.endswith(".zip"):
        out = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                out.update(texts_of(f"{name}!{member}", zf.read(member)))
        return out
    if not name.endswith(TEXT_SUFFIXES):
        return {}
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".html"):  # a widget's text is one JSON string: its lines, to be read as lines
        text += "\n" + "\n".join(widget_texts(text))
    if name.endswith(".ipynb"):
        try:
            text = "\n".join(_cells(json.loads(text)))
        except (ValueError, KeyError, TypeError):
            pass
    return {name: text}


def lines_of(text):
    return {line.split("#")[0].strip() for line in text.splitlines()}


def answers_in(texts, answers, specified=frozenset()):
    """[problem] for the files ``texts`` ({name: text}) against ``answers`` ({what: lines})."""
    problems = []
    for name, text in sorted(texts.items()):
        base = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
        if base in AUTHORING:
            problems.append(f"{name}: an authoring file of the course")
        for marker in MARKERS:
            if marker in text:
                problems.append(f"{name}: holds {marker!r}")
        held = lines_of(text) - specified
        for what, lines in answers.items():
            leaked = leaks(lines, held)
            if leaked:
                problems.append(f"{name}: holds {what}: {leaked[0]!r}" + (" ..." if len(leaked) > 1 else ""))
    return problems


def course_answers(assignments_list, reference_folder, later_than=None):
    """{what: lines} of every answer of the course (of the assignments from ``later_than`` on, if
    given: a kit may hold what earlier assignments asked)."""
    from tools import book_assignments

    answers = {}
    start = 0 if later_than is None else [a.name for a in assignments_list].index(later_than)
    for a in assignments_list[start:]:
        for k, region in enumerate(solution_regions(a.read_notebook())):
            answers[f"{a.name}'s solution (region {k + 1})"] = region
        functions = book_assignments.describe(a.name)[3]
        for fn, lines in reference_functions(reference_folder, set(functions)).items():
            answers[f"nanoprop's {fn} ({a.name} asks for it)"] = lines
    return answers


def specification(released_notebooks):
    """Lines the released notebooks show: no answer wherever they appear."""
    lines = set()
    for path in released_notebooks:
        lines |= lines_of("\n".join(_cells(json.loads(Path(path).read_text()))))
    return lines


def listed(names):
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def withhold_live(output, open_names, modules):
    """Take the live widgets out of every page under ``output``, a note in their place naming
    ``open_names`` (the assignments the engine answers that the class has not handed in)."""
    note = NOTE.format(names=listed(open_names))
    for path in sorted(output.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        try:
            stripped = without_live(page, modules, note)
        except ValueError:  # a saved state that is not JSON: left as it is, and read as text
            continue
        if stripped != page:
            path.write_text(stripped, encoding="utf-8")


def publish(book: str, output: str, through: str | None = None) -> list[str]:
    """Copy the built book to ``output`` and return the answers found in it ([] when fit to publish).

    ``through``: the last assignment released; the kits and notebooks of later ones are left out
    (a kit gives the code of the assignments before it, so it waits for their deadlines). A kit is
    checked against the answers of its own assignment and the later ones; every other file
    against all the answers of the course. The live widgets leave every page while an assignment
    they answer is not handed in (``through`` or a later one; with no ``through`` all are)."""
    from bookkit.live.widgets import ANSWERS, HERE
    from tools import assignments, book_assignments
    from tools.given import REFERENCE

    book, output = Path(book), Path(output)
    if not (book / "index.html").is_file():
        raise FileNotFoundError(f"{book} holds no built book (index.html): run `make book` first")
    if output.exists():
        raise FileExistsError(f"{output} exists: publish into a new folder")
    every = assignments.discover()
    names = [a.name for a in every]
    if through is not None and through not in names:
        raise ValueError(f"no assignment {through!r}: use one of {', '.join(names)}")
    withheld = set(names[names.index(through) + 1 :]) if through else set()
    shutil.copytree(book, output, ignore=lambda folder, _: ["_sources"] if Path(folder) == book else [])
    handed_in = names[: names.index(through)] if through else names  # releasing one closes those before
    open_names = [a for a in ANSWERS if a not in handed_in]
    modules, engine = live_modules(), {}
    if open_names:
        withhold_live(output, open_names, modules)
        what = f"the live engine (bookkit/live/engine.js), which answers {listed(open_names)}"
        engine = {what: distinctive((HERE / "engine.js").read_text(encoding="utf-8").splitlines())}
    released = [book_assignments.RELEASED / f"{a.name}.ipynb" for a in every]
    specified = specification(released)
    problems, answers_from = [], {}  # {owner: the answers its files are read against}
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        owner = next((n for n in names if path.name in (f"{n}.zip", f"{n}.ipynb")), None)
        if owner in withheld:
            path.unlink()
            continue
        if owner not in answers_from:
            answers_from[owner] = course_answers(every, REFERENCE, later_than=owner) | engine
        answers = answers_from[owner]
        name, data = str(path.relative_to(output)), path.read_bytes()
        if path.suffix == ".html" and not open_names:  # what the engine answers is handed in
            try:
                data = without_live(data.decode("utf-8", errors="replace"), modules).encode("utf-8")
            except ValueError:  # a saved state that is not JSON: read as it is
                pass
        problems += answers_in(texts_of(name, data), answers, specified)
    return problems
