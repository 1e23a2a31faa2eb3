"""`course report` on a generated class (tests/test_grader_export.py), read back from its HTML.

- the learners' table: score, late penalty (in words, from each learner's own due date), the
  score after it, flags and what is missing, for every learner of the roster;
- the tests' table: pass rate, the most common message of the failures and the points lost,
  each checked against the gradebook's own grades (not the records the report reads);
- the grade distribution: bins one point wide, as a table under the plot, that count every
  graded learner in the bin of their score after the penalty;
- full messages (a long one wrapped in the plot's labels, never cut), and the grading time in
  an appendix at the end.
"""

import math
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from test_grader_export import DEMO_ASSIGNMENT, demo_class  # noqa: F401  (a fixture: the generated class)

from course import cli, report
from course.autograde import Course


def _table_after(soup, heading):
    table = soup.find("h2", string=heading).find_next("table")
    head = [th.get_text() for th in table.find_all("th")]
    return [dict(zip(head, [td.get_text() for td in tr.find_all("td")])) for tr in table("tr")[1:]]


@pytest.fixture(scope="module")
def page(demo_class, tmp_path_factory):  # noqa: F811  (the fixture imported above)
    root, want = demo_class
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert cli.main(["--root", str(root), "report", DEMO_ASSIGNMENT, "--output", str(out)]) == 0
    return root, want, BeautifulSoup(out.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.grading
def test_learners_table_shows_scores_and_late_penalties(page):
    root, want, soup = page
    rows = {r["learner"]: r for r in _table_after(soup, "Learners")}
    assert sorted(rows) == sorted(want)
    for sid, (kind, raw, penalty, score) in want.items():
        row = rows[sid]
        if kind == "missing":
            assert (row["status"], row["score"], row["missing"]) == ("not submitted", "", "no submission")
            continue
        assert row["score"].split(" / ")[0] == f"{raw:g}" and row["after the penalty"] == f"{score:g}"
        if penalty:
            assert row["late penalty"].endswith(f"(-{penalty:g} points)"), row
        else:
            assert "(-" not in row["late penalty"], row
    assert rows["s002"]["late penalty"].startswith("1 day late: -10%")
    assert rows["s003"]["late penalty"] == ""  # late, but within the extension


@pytest.mark.grading
def test_tests_table_matches_the_gradebook(page):
    root, _, soup = page
    rows = {r["test"]: r for r in _table_after(soup, "Tests")}
    passed, total, lost = Counter(), Counter(), Counter()
    with Course(root).gradebook() as gb:
        for sub in gb.assignment_submissions(DEMO_ASSIGNMENT):
            for nb in sub.notebooks:
                for g in nb.grades:
                    key = f"{nb.name}/{g.name}"
                    total[key] += 1
                    passed[key] += g.score >= g.max_score
                    lost[key] += g.max_score - g.score
    assert sorted(rows) == sorted(total)
    for key, row in rows.items():
        assert row["passed"] == f"{passed[key]} of {total[key]} ({100 * passed[key] / total[key]:.0f}%)"
        assert float(row["points lost"]) == pytest.approx(lost[key])
        assert (row["most common message of its failures"] == "") == (passed[key] == total[key])


@pytest.mark.grading
def test_histogram_bins_are_whole_points(page):
    _, want, soup = page
    table = soup.find("h2", string="Grade distribution").find_next("table")
    bins = [[td.get_text() for td in tr.find_all("td")] for tr in table("tr")[1:]]
    labels = [b[0] for b in bins]
    assert labels == [f"{k} to {k + 1}" for k in range(len(bins))]  # 0 to 1, 1 to 2, ...
    scores = [w[3] for w in want.values() if w[3] is not None]
    learners = _table_after(soup, "Learners")
    top = math.floor(float(next(r["score"] for r in learners if r["score"]).split(" / ")[1]))
    assert len(bins) == top + 1  # the last bin holds the full score
    expected = Counter(min(math.floor(x), top) for x in scores)
    assert [int(b[1]) for b in bins] == [expected.get(k, 0) for k in range(len(bins))]
    assert soup.find("h2", string="Grade distribution").find_next("img")["src"].startswith("data:image/png")


@pytest.mark.grading
def test_grading_time_is_in_an_appendix_at_the_end(page):
    _, _, soup = page
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings[:4] == ["Learners", "Not submitted", "Flagged submissions", "Tests"]
    assert headings[-1] == "Appendix: grading time"
    assert soup.find_all("h2")[-1].find_next("h3").get_text() == "Grading time per submission"
    assert "Grading time per submission" not in headings


LONG = (
    "AssertionError: neuron(x, w, b) should be sigmoid(w . x + b) for a single example and for "
    "a batch of examples; this one forgets the bias"
)


def _record(student, message, score=0.0):
    return {
        "student": student,
        "status": "graded",
        "score": score,
        "max_score": 5.0,
        "seconds": 1.0,
        "notebooks": {"nb": {"late_penalty": 0.0}},
        "tests": {"nb": {"test_neuron": {"score": score, "max": 5.0, "message": message}}},
        "flags": [],
    }


def test_long_messages_are_shown_in_full_and_wrapped():
    assert len(LONG) > 100
    label = report._label(LONG)
    assert label.replace("\n", " ") == LONG and max(len(line) for line in label.splitlines()) <= 48
    s = report.summarise(
        [_record("a", LONG), _record("b", LONG), _record("c", "passed", 5.0)], ["a", "b", "c"]
    )
    page = BeautifulSoup(report.render("x", s), "html.parser")
    messages = _table_after(page, "Most common feedback messages")
    assert messages == [{"message": LONG, "count": "2"}]
    tests = _table_after(page, "Tests")
    assert tests == [
        {
            "test": "nb/test_neuron",
            "passed": "1 of 3 (33%)",
            "most common message of its failures": f"{LONG} (2x)",
            "points lost": "10",
        }
    ]


def test_histogram_counts_fractional_scores_in_their_whole_point():
    assert report.histogram([0.0, 0.5, 1.0, 1.5, 3.7, 4.5, 5.0], 5.0) == [
        (0, 1, 2),
        (1, 2, 2),
        (2, 3, 0),
        (3, 4, 1),
        (4, 5, 1),
        (5, 6, 1),
    ]
    assert report.histogram([], 3.0) == [(0, 1, 0), (1, 2, 0), (2, 3, 0), (3, 4, 0)]
