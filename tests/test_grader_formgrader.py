"""Grading by hand: nbgrader's formgrader on the gradebook `course autograde` wrote.

A generated class (tools/demo_class.py) is graded by `course autograde`; `course formgrader`'s
server (127.0.0.1, a token) serves the manual-grading view of one submission to headless
Chromium, with every request off the machine blocked and noted. A comment and a score typed
there are saved, read back from the gradebook (nbgrader.api.Gradebook), and are still there after
`course autograde --force` grades the submission again (the score marked for review again, as
nbgrader itself does).
"""

import pytest
from booksite import launch_chromium, offline_route
from nbgrader.api import Gradebook
from test_grader_console import ASSIGNMENT, make_class

from course import cli, formgrader
from course.autograde import Course, Options, autograde
from course.export import rows
from course.jail.sandbox import Limits

pytestmark = [pytest.mark.grading, pytest.mark.browser, pytest.mark.slow]

COMMENT = "Björn, the bias is added twice: see section 3 — well done otherwise"
SOLUTION, TEST, SCORE = "neuron", "test_sigmoid", 1.5  # a comment on an answer, a score overridden
# what the formgrader's page asks of the network (blocked here; the page works without it)
CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/"


def cells(root, student):
    """(the submitted notebook's id, {comment name: comment}, {grade name: grade}) as plain data."""
    with Course(root).gradebook() as gb:
        nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        comments = {c.name: (c.manual_comment, c.auto_comment) for c in nb.comments}
        grades = {g.name: (g.manual_score, g.auto_score, g.needs_manual_grade) for g in nb.grades}
        return nb.id, comments, grades


def exported(root, student):
    """(status, score) of the learner's row in `course export`."""
    row = next(r for r in rows(root, [ASSIGNMENT]) if r["student_id"] == student)
    return row["status"], row["score"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("formgrader") / "course"
    submitted, _ = make_class(root, n=3)
    limits = Limits(notebook_timeout=60, cpu_seconds=70)
    summary = autograde(root, ASSIGNMENT, Options(jobs=2, limits=limits, progress=False))
    assert sorted(summary.graded) == sorted(submitted)
    return root, submitted[0], limits


def test_a_comment_and_a_score_saved_in_the_formgrader_reach_the_gradebook(graded, tmp_path):
    from playwright.sync_api import sync_playwright

    root, student, limits = graded
    submission, comments, grades = cells(root, student)
    assert comments[SOLUTION][0] is None and grades[TEST][0] is None  # nothing by hand yet
    auto = grades[TEST][1]

    blocked = []
    with (tmp_path / "server.log").open("wb") as log:
        proc, address = formgrader.start(root, log=log)
        try:
            assert address.startswith("http://127.0.0.1:") and "?token=" in address
            base = address.split("/?token=")[0]
            with sync_playwright() as p:
                browser = launch_chromium(p)
                page = browser.new_page()
                page.route("**/*", offline_route(base, blocked))
                page.goto(address)  # logs in, and leads to the formgrader
                page.wait_for_url(f"{base}/formgrader/**")
                page.goto(f"{base}/formgrader/submissions/{submission}/")
                page.wait_for_selector(f"#{SOLUTION}-comment", timeout=60_000)
                assert student in page.content()
                page.wait_for_function("() => window.formgrader && window.formgrader.comments.loaded")

                with page.expect_response(
                    lambda r: "/api/comment/" in r.url and r.request.method == "PUT"
                ) as r:
                    page.fill(f"#{SOLUTION}-comment", COMMENT)
                    page.press(f"#{SOLUTION}-comment", "Tab")  # leaving the box saves it
                assert r.value.ok
                with page.expect_response(
                    lambda r: "/api/grade/" in r.url and r.request.method == "PUT"
                ) as r:
                    page.fill(f"#{TEST}", str(SCORE))
                    page.press(f"#{TEST}", "Tab")
                assert r.value.ok
                browser.close()
        finally:
            formgrader.stop(proc)
    # the one thing the pages ask off the machine is MathJax from a CDN (blocked; not needed)
    assert blocked and all(CDN in b for b in blocked), blocked

    _, comments, grades = cells(root, student)
    assert comments[SOLUTION][0] == COMMENT
    assert grades[TEST][0] == SCORE and grades[TEST][1] == auto
    total = sum(auto if manual is None else manual for manual, auto, _ in grades.values())
    assert exported(root, student) == ("graded", f"{total:g}")  # the score by hand counts
    assert cli.main(["--root", str(root), "feedback", ASSIGNMENT, "--student", student]) == 0
    page = (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert COMMENT in page  # the learner reads the comment

    # grading again keeps what was written by hand; the overridden score is marked for review
    again = autograde(root, ASSIGNMENT, Options(jobs=1, students=(student,), force=True, limits=limits))
    assert again.graded == [student]
    _, comments, grades = cells(root, student)
    assert comments[SOLUTION][0] == COMMENT
    assert grades[TEST] == (SCORE, auto, True)
    with Gradebook(Course(root).db_url, Course(root).course_id) as gb:  # what nbgrader totals
        nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        assert next(g for g in nb.grades if g.name == TEST).score == SCORE
    # ... and until it is confirmed in the formgrader, the export holds the score back
    assert exported(root, student) == ("not graded yet", "")


def test_the_formgrader_needs_a_gradebook(tmp_path):
    from course.autograde import CourseError

    demo_root = tmp_path / "course"
    demo_root.mkdir()
    (demo_root / "nbgrader_config.py").write_text("c = get_config()\n")
    with pytest.raises(CourseError, match="there is no gradebook"):
        formgrader.start(demo_root)


def test_the_command_listens_on_this_machine_only():
    cmd = formgrader.command("/course", 8123, "secret")
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--IdentityProvider.token=secret" in cmd
    assert "--ServerApp.port=8123" in cmd and "--ServerApp.port_retries=0" in cmd
    assert formgrader.url(8123, "secret") == "http://127.0.0.1:8123/?token=secret"


def test_course_formgrader_prints_the_address_and_stops_with_its_server(graded):
    """The command as an instructor runs it: the address it prints leads to the formgrader, and
    stopping the command (SIGTERM, as Ctrl-C's SIGINT) stops the server it started."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    cmd = [sys.executable, "-m", "course.cli", "--root", str(graded[0]), "formgrader"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        address = lines[1].strip()
        assert lines[0].startswith("formgrader of ") and "Ctrl-C" in lines[2], lines
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())  # keeps the login
        with browser.open(address, timeout=30) as page:  # follows the redirects
            assert page.url.split("?")[0].endswith("/formgrader/manage_assignments")
        base = address.split("/?token=")[0]
        with browser.open(f"{base}/formgrader/api/assignments", timeout=30) as api:  # what it lists
            assert [a["name"] for a in json.load(api)] == [ASSIGNMENT]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == "", err
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(address, timeout=5)
