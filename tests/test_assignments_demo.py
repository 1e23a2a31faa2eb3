"""The demo class: generated fairly, and graded end to end by the plain nbgrader workflow."""

import re
from collections import Counter
from pathlib import Path

import pytest
from nbgrader.utils import parse_utc
from traitlets.config import Config

from tools import assignments as catalogue
from tools import demo_class as demo

ROOT = Path(__file__).resolve().parents[1]


def test_the_class_is_seeded_and_mixed():
    students = demo.invent_students(32, seed=0)
    assert len({s.id for s in students}) == 32
    work = demo.invent_work(students, demo.ASSIGNMENTS, seed=0)
    assert work == demo.invent_work(demo.invent_students(32, seed=0), demo.ASSIGNMENTS, seed=0)
    for a in demo.ASSIGNMENTS:
        kinds = Counter(work[s.id, a].kind for s in students)
        assert set(kinds) >= {"complete", "buggy", "blank", "missing"}, (a, kinds)
        assert (
            kinds["partial"]
            or len(demo.solution_cells(demo.read_notebook(ROOT / "assignments" / a / f"{a}.ipynb"))) < 2
        )
        assert all(
            work[s.id, a].mutant in catalogue.get(a).bugs for s in students if work[s.id, a].kind == "buggy"
        )


def test_expected_scores_follow_what_each_test_needs():
    nb = demo.read_notebook(ROOT / "assignments" / "a3_loss" / "a3_loss.ipynb")
    cells, tests = demo.solution_cells(nb), demo.test_cells(nb)
    full = sum(p for p, _ in tests.values())
    assert demo.expected_score(nb, demo.Work("complete", tuple(cells), None)) == full
    assert demo.expected_score(nb, demo.Work("blank", (), None)) == 0
    only_mse = sum(p for p, needs in tests.values() if needs == {"mse_loss"})
    assert 0 < only_mse < full
    assert demo.expected_score(nb, demo.Work("partial", ("mse_loss",), None)) == only_mse
    m = catalogue.get("a3_loss").bugs[0]
    assert demo.expected_score(nb, demo.Work("buggy", tuple(cells), m)) == full - sum(
        tests[g][0] for g in m.lost
    )


def test_lms_file_names_are_read_back_by_the_configured_pattern():
    config = Config()
    exec((ROOT / "nbgrader_config.py").read_text(), {"get_config": lambda: config})
    pattern = config.FileNameCollectorPlugin.named_regexp
    assert pattern == demo.LMS_REGEXP
    stamps = set()
    for k in range(0, 5000, 7):
        match = re.match(pattern, demo.lms_name("a1_neuron", f"s{k:03d}", k))
        assert match["student_id"] == f"s{k:03d}" and match["file_id"] == "a1_neuron"
        stamps.add(parse_utc(match["timestamp"]))  # what zip_collect does with it
    assert len(stamps) == len(range(0, 5000, 7))


def test_a_submission_fills_only_the_chosen_cells():
    source = demo.read_notebook(ROOT / "assignments" / "a2_forward" / "a2_forward.ipynb")
    release = {
        "cells": [
            dict(c, source="# YOUR CODE HERE\nraise NotImplementedError()")
            if c["metadata"].get("nbgrader", {}).get("solution")
            else c
            for c in source["cells"]
        ]
    }
    nb = demo.submission(source, release, demo.Work("partial", ("affine_forward",), None))
    filled = [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution") and "NotImplementedError" not in c["source"]
    ]
    assert filled == ["affine_forward"]


@pytest.mark.grading
@pytest.mark.slow
@pytest.mark.xdist_group("demo-class")
def test_demo_class_pipeline_exports_the_expected_grades(tmp_path, capsys):
    """30 generated students, one assignment, the whole plain-nbgrader workflow (`make grade`
    runs it on every assignment)."""
    course_dir = tmp_path / "demo"
    status = demo.main(
        ["--students", "30", "--seed", "1", "--assignments", "a1_neuron", "--dir", str(course_dir)]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "Every exported score matches" in out
    rows = (course_dir / "grades.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 30
    assert len(list((course_dir / "feedback").glob("*/a1_neuron/a1_neuron.html"))) >= 25
    scores = {float(r.split(",")[-2]) for r in rows[1:]}
    assert len(scores) >= 4, "a realistic class earns several different scores"
