"""``course similarity ASSIGNMENT``: pairs of learners whose answers are too alike to be chance.

Each learner's answer is the text of their notebooks' answer cells (nbgrader ``solution: true``),
read from ``submitted/<student>/<assignment>/`` with the grader's own reading rules
(``course.intake``: caps, no links followed, unreadable notebooks named and left out). Every pair
is compared with `copydetect <https://pypi.org/project/copydetect/>`_, which implements the
winnowing fingerprints of MOSS: the code is tokenised (every name becomes ``V``, every string
``S``, spacing and comments dropped), hashed in k-grams of ``K`` tokens, and two answers share what
their fingerprints share. Renaming variables, reformatting or reordering functions changes none of
the fingerprints that matter.

What is not evidence is left out before comparing (boilerplate): the code the released notebook
gives (``release/<assignment>/*.ipynb``: signatures, docstrings, set-up cells), the assignment's
``given.py``, and the instructor's own solution (the source notebook's answer cells). The last one
is what the book teaches: two learners who both write ``return 1 / (1 + np.exp(-z))`` or the
chapter's training loop did not copy each other, and a copy of such an answer cannot be told from
it either. What remains is each learner's own code; a pair is reported when

- its score, the larger of the two shares (how much of one learner's own code is in the other's:
  a copier who adds a little of their own still shows), is at least ``threshold`` (default
  ``THRESHOLD``), and
- the shared code is at least ``MIN_SHARED`` tokens (about two lines): short answers have few
  fingerprints, and two honest learners' one-line answers can share all of them by chance.

Chosen among the libraries that install here, on the measurement of
``tests/test_grader_similarity.py`` (a generated class of every assignment: the instructor's
solution and three more correct styles each, the demo class's partial, buggy and blank work, and 84
copies of a learner's work: verbatim, variables renamed, functions reordered, reformatted):

- ``copydetect`` 0.5.0 (2024, winnowing with boilerplate removal, character offsets of the shared
  code for the side-by-side view): every copy found, no honest pair reported, at thresholds from
  0.5 to 0.8 (0.5 is the threshold here; the figures are in the README). Its own boilerplate
  removal (``CodeFingerprint(boilerplate=...)``) keeps some fingerprints that occur twice in an
  answer, so boilerplate is removed here from its fingerprints directly (``_fingerprint``).
- ``pycode_similar`` 1.4 (2020, AST diff of each function against its closest match): it has no
  boilerplate to leave out, so the signatures the notebook gives and the one-line functions
  everybody writes alike weigh as much as a copied training loop. Its best threshold still
  reported honest pairs (see the README) and it cannot show the shared lines; not chosen.

The page (``--output``, default ``reports/<assignment>-similarity.html``) lists the reported pairs
with both answers side by side, the shared code highlighted; a CSV next to it has every pair's
score. Everything a learner wrote, and every student id, is escaped, and the page is passed through
``course.feedback.sanitize_html``: nothing in it runs or loads from elsewhere.
"""

import csv
import html
import io
import json
import os
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_token_coverage, highlight_overlap

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
    """What ``compare_class`` found: every pair, the answers and the notes on what was left out."""

    pairs: list
    answers: dict
    notes: list
    threshold: float
    min_shared: int


def answer_text(nb) -> str:
    """The learner's answer cells (nbgrader ``solution: true``) of a notebook, one text."""
    return "\n\n".join(
        "".join(c.get("source", ""))
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code" and (c.get("metadata", {}).get("nbgrader") or {}).get("solution")
    )


def _code_cells(nb) -> str:
    return "\n\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")


def _fingerprint(text, boilerplate=frozenset()):
    """copydetect's fingerprint of a Python text, without the fingerprints in ``boilerplate``."""
    fp = CodeFingerprint("answer.py", K, WINDOW, language="python", fp=io.StringIO(text))
    if boilerplate:
        fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in boilerplate}
        fp.hashes = set(fp.hash_idx)
        fp.token_coverage = get_token_coverage(fp.hash_idx, K, len(fp.filtered_code))
    return fp


def boilerplate_hashes(texts) -> frozenset:
    """Every k-gram fingerprint of the given texts (the code learners did not write)."""
    return frozenset(h for t in texts for h in _fingerprint(t).hashes)


def compare(answers: dict, boilerplate=frozenset(), threshold=THRESHOLD, min_shared=MIN_SHARED):
    """Every pair of ``answers`` ({student: text}) compared, most alike first (a list of ``Pair``);
    ``reported`` when the score reaches ``threshold`` on at least ``min_shared`` tokens."""
    prints = {s: _fingerprint(t, boilerplate) for s, t in answers.items()}
    pairs = []
    for a, b in combinations(sorted(answers), 2):
        shared, shares, slices = compare_files(prints[a], prints[b])
        pair = Pair(a, b, tuple(float(x) for x in shares), int(shared), slices)
        pair.reported = pair.score >= threshold and pair.shared >= min_shared
        pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


def _boilerplate(course, assignment, notes):
    """The texts learners were given or taught (released notebooks, given.py, the solution)."""
    release = course.path("release", assignment)
    names = sorted(f for f in os.listdir(release) if f.endswith(".ipynb")) if os.path.isdir(release) else []
    if not names:
        raise CourseError(
            f"there is no released notebook in {release}: run `nbgrader generate_assignment "
            f"{assignment}` first (the code it gives is left out of the comparison)."
        )
    texts = []
    for name in names:
        with open(os.path.join(release, name), encoding="utf-8") as fh:
            texts.append(_code_cells(json.load(fh)))
    given = os.path.join(release, "given.py")
    if os.path.isfile(given):
        with open(given, encoding="utf-8") as fh:
            texts.append(fh.read())
    source = course.path(course.source_directory, assignment)
    solutions = [os.path.join(source, n) for n in names if os.path.isfile(os.path.join(source, n))]
    if not solutions:
        notes.append(f"the instructor's notebooks are not in {source}: their solution is not left out")
    for path in solutions:
        with open(path, encoding="utf-8") as fh:
            texts.append(answer_text(json.load(fh)))
    return names, texts


def read_answers(course: Course, assignment: str, names: list, notes: list) -> dict:
    """{student: answer text} of every submission that has one; a note for each left out."""
    refused = []
    submissions = find_submissions(course, assignment, refused=refused)
    notes.extend(refused)
    answers = {}
    for student, folder in submissions.items():
        files, flags, _, _ = read_submission(folder)
        notes.extend(f"{shown(student)}: {f['message']}" for f in flags if f["kind"] != "odd-name")
        parts = []
        for name in names:
            if name not in files:
                notes.append(f"{shown(student)}: {name} was not submitted")
                continue
            nb, problem = _read_notebook(os.path.join(folder, name))
            if problem:
                notes.append(f"{shown(student)}: {name} {problem}; left out of the comparison")
                continue
            parts.append(answer_text(nb))
        if parts:
            answers[student] = "\n\n".join(parts)
    return answers


def compare_class(root: str, assignment: str, threshold=THRESHOLD, min_shared=MIN_SHARED) -> Result:
    """Compare every pair of the assignment's submissions in the course at ``root``."""
    if not 0 < threshold <= 1:
        raise CourseError(f"--threshold must be between 0 and 1 (a share of the code), not {threshold}")
    course = Course(root)
    notes = []
    names, texts = _boilerplate(course, assignment, notes)
    boilerplate = boilerplate_hashes(texts)
    answers = read_answers(course, assignment, names, notes)
    own = {}
    for student, text in answers.items():
        if _fingerprint(text, boilerplate).token_coverage:
            own[student] = text
        else:
            notes.append(
                f"{shown(student)}: no code of their own in the answer cells (blank, or as the "
                "notebook gives it or the course's solution writes it): nothing to compare"
            )
    if len(own) < 2:
        notes.append(f"{len(own)} submission(s) with code of their own: no pair to compare")
    pairs = compare(own, boilerplate, threshold, min_shared)
    return Result(pairs, own, notes, threshold, min_shared)


# --- the page and the CSV ------------------------------------------------------------------------
STYLE = (
    "body{font-family:sans-serif;max-width:90em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;"
    "vertical-align:top;text-align:left}td{width:50%}pre{white-space:pre-wrap;overflow-wrap:anywhere;"
    "margin:0;font-size:.85em}mark{background:#ffd54f}"
)


def _highlighted(text, slices):
    """The answer escaped, the shared code in ``<mark>``."""
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
        left = _highlighted(result.answers[p.a], p.slices[0])
        right = _highlighted(result.answers[p.b], p.slices[1])
        body.append(
            f"<h2>{e(shown(p.a))} and {e(shown(p.b))}: {p.score:.0%}</h2>"
            f"<p>{p.shares[0]:.0%} of the first's own code is in the second's, {p.shares[1]:.0%} "
            f"the other way; {p.shared} tokens in common.</p>"
            f"<table><tr><th>{e(shown(p.a))}</th><th>{e(shown(p.b))}</th></tr>"
            f"<tr><td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr></table>"
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
