"""``course similarity ASSIGNMENT``: pairs of learners whose answers are too alike to be chance.

Each learner's answer is their notebooks' answer cells (nbgrader ``solution: true``), read from
``submitted/<student>/<assignment>/`` with the grader's own reading rules (``course.intake``: caps,
no links followed; an unreadable notebook is named in a note and left out, the rest compared).
Every pair is compared with `copydetect <https://pypi.org/project/copydetect/>`_, which implements
the winnowing fingerprints of MOSS: the code is tokenised (every name becomes ``V``, every string
``S``, spacing and comments dropped) and hashed in k-grams of ``K`` tokens; two answers share what
their fingerprints share, wherever it is in each.

Three steps before fingerprinting make it fair and hard to dodge:

- each cell is written out again as Python reads it (``normal``: ``ast.unparse``), so comments,
  line breaks, quotes, trailing commas and extra parentheses no longer count;
- only the lines the learner wrote are kept (``own_code``): a line that the released cell of the
  same grade id gives, compared by its tokens and wherever it is, is not theirs; and k-grams that
  run from one piece of their code into the next are dropped (``_fingerprint``), since the ends of
  the regions everybody fills in look alike;
- fingerprints of the code learners are given or taught are left out: the released notebooks'
  code cells, the assignment's ``given.py``, and the instructor's solution (the source notebook's
  answer cells). The solution is what the book teaches: two learners who both write
  ``return 1 / (1 + np.exp(-z))`` or the chapter's training loop did not copy each other, and a
  copy of such an answer cannot be told from it either. A learner left with no code of their own
  is named in a note.

A pair is reported when its score, the larger of the two shares (how much of one learner's own
code is in the other's: a copier who adds a little of their own still shows), is at least
``threshold`` and the shared code is at least ``min_shared`` tokens: short answers have few
fingerprints, and two honest one-liners, or two learners who made the same common mistake in the
standard solution, can share all of them by chance.

Chosen on the measurement of ``tests/test_grader_similarity.py`` (a generated class of every
assignment; the figures are in the README, "Similarity between learners"): with the steps above,
every copy (verbatim, renamed, reordered, reformatted) scores 1.0 on at least 156 tokens and no
honest pair shares more than 56, so the defaults (0.5, 60 tokens) leave room on both sides.
copydetect on the cells as written found 211 of 215 copies with 31 false positives at the same
setting. ``pycode_similar`` 1.4 (an AST diff per function, 2020) finds every copy but has no
boilerplate to leave out: it reports learners who both wrote the course's solution, and 6 honest
pairs of the test's styles at 0.9; it cannot show the shared lines. copydetect's own boilerplate
removal (``CodeFingerprint(boilerplate=...)``) misses fingerprints that occur twice in an answer,
so it is done here on its fingerprints directly.

The page (``write``) lists the reported pairs with the code each wrote side by side, the shared
code marked, and each one's answer cells as written; a CSV next to it has every pair's score.
Every student id and everything a learner wrote is escaped, and the page is passed through
``course.feedback.sanitize_html``: nothing in it runs or loads from elsewhere.
"""

import ast
import csv
import html
import io
import json
import os
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .autograde import Course, CourseError, find_submissions
from .export import _cell
from .feedback import sanitize_html
from .intake import _read_notebook, read_submission, shown

K = 25  # tokens in a k-gram (copydetect's noise threshold, its default)
WINDOW = 1  # winnowing window: every k-gram kept (answers are short)
THRESHOLD = 0.5
MIN_SHARED = 60  # tokens of shared code below which a pair is not reported (about two lines)


@dataclass
class Pair:
    """Two learners' answers compared: ``shares`` of each one's own code found in the other's,
    ``shared`` tokens in common, and where (character slices of each answer)."""

    a: str
    b: str
    shares: tuple
    shared: int
    slices: tuple = field(repr=False, default=())
    reported: bool = False

    @property
    def score(self) -> float:
        return max(self.shares)


@dataclass
class Result:
    """What ``compare_class`` found: every pair, each learner's own code as compared
    (``own_code``: a list of pieces) and their answer cells as written, and the notes on what was
    left out."""

    pairs: list
    answers: dict
    written: dict
    notes: list
    threshold: float
    min_shared: int


def answer_cells(nb) -> dict:
    """{grade id: source} of a notebook's answer cells (nbgrader ``solution: true``); cells whose
    metadata or source is not what a notebook holds are skipped."""
    out = {}
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for i, c in enumerate(cells if isinstance(cells, list) else []):
        meta = c.get("metadata") if isinstance(c, dict) else None
        meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        code = isinstance(meta, dict) and meta.get("solution") and c.get("cell_type") == "code"
        src = c.get("source", "") if code else None
        if isinstance(src, str | list):
            out[str(meta.get("grade_id") or f"cell {i}")] = "".join(map(str, src))
    return out


def code_cells(nb) -> list[str]:
    """The sources of all the code cells of a notebook."""
    return ["".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def normal(code: str) -> str:
    """The code as Python reads it, written out again by ``ast.unparse`` (no comments, one layout,
    no trailing commas or extra parentheses), or as it is if it does not parse (a syntax error,
    IPython's ``%`` commands)."""
    try:
        return ast.unparse(ast.parse(code))
    except (SyntaxError, ValueError, RecursionError):
        return code


def own_code(cells: dict, given: dict) -> list[str]:
    """The pieces of code a learner wrote: the runs of lines of each answer cell (``normal``)
    that the released cell of the same grade id does not have. Lines are compared as copydetect
    reads them (names as ``V``, no spacing), wherever they are in the cell: a given line with a
    variable renamed, or a given method moved, is still given."""
    pieces = []
    for grade_id, code in cells.items():
        theirs = {_tokens(line) for line in given.get(grade_id, "").splitlines()}
        run = []
        for line in normal(code).splitlines() + [""]:
            if line.strip() and _tokens(line) not in theirs:
                run.append(line)
            elif run:
                pieces.append("\n".join(run))
                run = []
    return pieces


def _tokens(line):
    from copydetect.utils import filter_code  # copydetect loads matplotlib: only when used

    return filter_code(line.strip(), "answer.py", "python")[0]


def _fingerprint(pieces, boilerplate=frozenset()):
    """copydetect's fingerprint of pieces of Python code (one text, a blank line between them),
    without the fingerprints in ``boilerplate`` nor the k-grams that run from one piece into the
    next (the end of one answer and the start of the next are alike in everybody's work)."""
    from copydetect import CodeFingerprint
    from copydetect.utils import filter_code, get_token_coverage

    text = "\n\n".join(pieces)
    fp = CodeFingerprint("answer.py", K, WINDOW, language="python", fp=io.StringIO(text))
    alone = [filter_code(p, "answer.py", "python")[0] for p in pieces]
    cuts = np.cumsum([len(f) for f in alone])[:-1]
    if fp.filtered_code != "".join(alone):
        cuts = []  # (the pieces did not tokenise alone as they do together: keep every k-gram)

    def kept(i):
        return not any(i < c < i + K for c in cuts)

    idx = {h: [i for i in where if kept(i)] for h, where in fp.hash_idx.items() if h not in boilerplate}
    fp.hash_idx = {h: where for h, where in idx.items() if where}
    fp.hashes = set(fp.hash_idx)
    fp.token_coverage = get_token_coverage(fp.hash_idx, K, len(fp.filtered_code))
    return fp


def boilerplate_hashes(texts) -> frozenset:
    """Every k-gram fingerprint of the given texts (the code learners did not write)."""
    return frozenset(h for t in texts for h in _fingerprint([t]).hashes)


def compare(answers: dict, boilerplate=frozenset(), threshold=THRESHOLD, min_shared=MIN_SHARED):
    """Every pair of ``answers`` ({student: [pieces of their own code]}) compared, most alike
    first (a list of ``Pair``); ``reported`` when the score reaches ``threshold`` on at least
    ``min_shared`` tokens."""
    from copydetect import compare_files

    prints = {s: _fingerprint(t, boilerplate) for s, t in answers.items()}
    pairs = []
    for a, b in combinations(sorted(answers), 2):
        shared, shares, slices = compare_files(prints[a], prints[b])
        pair = Pair(a, b, tuple(float(x) for x in shares), int(shared), slices)
        pair.reported = pair.score >= threshold and pair.shared >= min_shared
        pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _given(course, assignment, notes):
    """(released notebook names, {(notebook, grade id): released answer cell, ``normal``},
    boilerplate texts: the released code, given.py and the course's solution)."""
    release = course.path("release", assignment)
    names = sorted(f for f in os.listdir(release) if f.endswith(".ipynb")) if os.path.isdir(release) else []
    if not names:
        raise CourseError(
            f"there is no released notebook in {release}: run `nbgrader generate_assignment "
            f"{assignment}` first (the code it gives is left out of the comparison)."
        )
    given, texts = {}, []
    for name in names:
        nb = _read_json(os.path.join(release, name))
        texts += [normal(c) for c in code_cells(nb)]
        given.update({(name, g): normal(c) for g, c in answer_cells(nb).items()})
    if os.path.isfile(os.path.join(release, "given.py")):
        with open(os.path.join(release, "given.py"), encoding="utf-8") as fh:
            texts.append(normal(fh.read()))
    source = course.path(course.source_directory, assignment)
    solutions = [n for n in names if os.path.isfile(os.path.join(source, n))]
    if not solutions:
        notes.append(f"the instructor's notebooks are not in {source}: their solution is not left out")
    for name in solutions:
        texts += [normal(c) for c in answer_cells(_read_json(os.path.join(source, name))).values()]
    return names, given, texts


def read_answers(course: Course, assignment: str, names: list, notes: list) -> dict:
    """{student: {(notebook, grade id): answer cell}} of every submission with a readable
    notebook; a note for each notebook left out."""
    refused = []
    submissions = find_submissions(course, assignment, refused=refused)
    notes.extend(refused)
    answers = {}
    for student, folder in submissions.items():
        files, flags, _, _ = read_submission(folder)
        notes.extend(f"{_name(student)}: {f['message']}" for f in flags)
        cells = {}
        for name in names:
            if name not in files:
                notes.append(f"{_name(student)}: {name} was not submitted")
                continue
            nb, problem = _read_notebook(os.path.join(folder, name))
            if problem:
                notes.append(f"{_name(student)}: {name} {problem}; left out of the comparison")
                continue
            cells.update({(name, g): c for g, c in answer_cells(nb).items()})
        if cells:
            answers[student] = cells
    return answers


def compare_class(root: str, assignment: str, threshold=THRESHOLD, min_shared=MIN_SHARED) -> Result:
    """Compare every pair of the assignment's submissions in the course at ``root``."""
    if not 0 < threshold <= 1:
        raise CourseError(f"--threshold must be between 0 and 1 (a share of the code), not {threshold}")
    if min_shared < 0:
        raise CourseError(f"--min-shared is a number of tokens, 0 or more, not {min_shared}")
    course = Course(root)
    notes = []
    names, given, texts = _given(course, assignment, notes)
    boilerplate = boilerplate_hashes(texts)
    own, written = {}, {}
    for student, cells in read_answers(course, assignment, names, notes).items():
        pieces = own_code(cells, given)
        if pieces and _fingerprint(pieces, boilerplate).token_coverage:
            own[student], written[student] = pieces, "\n\n".join(cells.values())
        else:
            notes.append(
                f"{_name(student)}: no code of their own in the answer cells (blank, or as the "
                "notebook gives it or the course's solution writes it): nothing to compare"
            )
    if len(own) < 2:
        notes.append(f"{len(own)} submission(s) with code of their own: no pair to compare")
    pairs = compare(own, boilerplate, threshold, min_shared)
    return Result(pairs, own, written, notes, threshold, min_shared)


def _name(student):
    """A student id as it can be read (control characters escaped), unquoted."""
    return shown(student)[1:-1]


# --- the page and the CSV ------------------------------------------------------------------------
STYLE = (
    "body{font-family:sans-serif;max-width:90em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;"
    "vertical-align:top;text-align:left}td{width:50%}pre{white-space:pre-wrap;overflow-wrap:anywhere;"
    "margin:0;font-size:.85em}mark{background:#ffd54f}"
)


def _highlighted(text, slices):
    """The answer escaped, the shared code in ``<mark>``."""
    from copydetect.utils import highlight_overlap

    if len(slices) == 0 or slices.shape[1] == 0:
        return html.escape(text)
    order = np.argsort(slices[0])
    marked, _ = highlight_overlap(text, slices[:, order], "<mark>", "</mark>", escape_html=True)
    return marked


def render(assignment: str, result: Result) -> str:
    """The HTML page: the notes, then each reported pair side by side."""
    e = html.escape
    reported = [p for p in result.pairs if p.reported]
    body = [
        f"<h1>Similarity between learners: {e(assignment)}</h1>",
        f"<p>{len(result.answers)} answers compared, {len(result.pairs)} pairs; {len(reported)} "
        f"reported (a score of at least {result.threshold:g} on at least {result.min_shared} tokens "
        "of shared code). The score is the larger share of one learner's own code found in the "
        "other's, after leaving out the code the notebook gives and the course's solution. A "
        "similar pair is a reason to talk with both learners, not a proof.</p>",
    ]
    if result.notes:
        body.append("<h2>Left out</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
    for p in reported:
        a, b = e(_name(p.a)), e(_name(p.b))
        left = _highlighted("\n\n".join(result.answers[p.a]), p.slices[0])
        right = _highlighted("\n\n".join(result.answers[p.b]), p.slices[1])
        body.append(
            f"<h2>{a} and {b}: {p.score:.0%}</h2>"
            f"<p>{p.shares[0]:.0%} of {a}'s own code is in {b}'s, {p.shares[1]:.0%} the other way; "
            f"{p.shared} tokens in common. The code each wrote, as Python reads it (comments and "
            "layout dropped, the code the notebook gives left out), the shared code marked:</p>"
            f"<table><tr><th>{a}</th><th>{b}</th></tr>"
            f"<tr><td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr>"
            f"<tr><td><details><summary>{a}'s answer cells as written</summary>"
            f"<pre>{e(result.written[p.a])}</pre></details></td>"
            f"<td><details><summary>{b}'s answer cells as written</summary>"
            f"<pre>{e(result.written[p.b])}</pre></details></td></tr></table>"
        )
    if not reported:
        body.append("<p>No pair is above the threshold.</p>")
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Similarity: {e(assignment)}'
        f"</title><style>{STYLE}</style></head><body>{sanitize_html(''.join(body))}</body></html>"
    )


CSV_COLUMNS = ("student_a", "student_b", "score", "share_a", "share_b", "shared_tokens", "reported")


def write(assignment: str, result: Result, output: str) -> tuple[str, str]:
    """Write the page to ``output`` and the CSV of every pair next to it; return both paths."""
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(render(assignment, result))
    table = os.path.splitext(output)[0] + ".csv"
    with open(table, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for p in result.pairs:
            row = (p.a, p.b, f"{p.score:.3f}", f"{p.shares[0]:.3f}", f"{p.shares[1]:.3f}", p.shared)
            writer.writerow([_cell(v) for v in row] + ["yes" if p.reported else "no"])
    return output, table
