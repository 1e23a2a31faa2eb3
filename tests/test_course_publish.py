"""`course publish`: what an instructor publishes for a graded class holds no answers.

Run on the built book (``make book`` builds it before the tests), and on a copy of it into which a
solution, the reference's code and an authoring file were slipped: the first is fit to publish,
the second is refused, each answer named. The live widgets' engine holds answers
(``bookkit.live.widgets.ANSWERS``): published before the last of those is handed in, every page
shows a note in its place; after, the widgets are there.
"""

import shutil
from pathlib import Path

import pytest
from booksite import axe_violations_inside, launch_chromium, offline_route, serve, widget_state

from bookkit.live.widgets import ANSWERS, HERE
from course import cli, publish

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "_build" / "html"
LIVE_PAGES = ("02_neuron", "05_chain_rule", "07_gradient_descent", "playground")
# Lines of engine.js that nothing else in the book says (long, and no character JSON or HTML escapes)
ENGINE = [
    line.strip()
    for line in (HERE / "engine.js").read_text(encoding="utf-8").splitlines()
    if len(line.strip()) >= 40 and not set(line) & set("\"'<>&/")
]

pytestmark = [pytest.mark.book]


def run_publish(tmp_path, *args):
    out = tmp_path / "out"
    code = cli.main(["--root", str(ROOT), "publish", str(out), *args])
    pages = {p: p.read_text(encoding="utf-8") for p in out.rglob("*.html")} if code == 0 else {}
    return code, out, pages


def live_widgets(text):
    return [m for m in widget_state(text).values() if m["state"].get("_esm") in publish.live_modules()]


def test_the_built_book_and_its_kits_are_fit_to_publish(tmp_path, capsys):
    assert cli.main(["--root", str(ROOT), "publish", str(tmp_path / "out"), "--through", "a3_loss"]) == 0
    kits = sorted(p.name for p in (tmp_path / "out").rglob("*.zip"))
    assert kits and {k for k in kits} <= {"a1_neuron.zip", "a2_forward.zip", "a3_loss.zip"}, kits
    assert "a3_loss.zip" in kits
    assert (BOOK / "_sources").is_dir() and not (tmp_path / "out" / "_sources").exists()  # hidden cells
    assert publish.publish(str(BOOK), str(tmp_path / "all")) == []


def test_a_book_with_an_answer_slipped_in_is_refused(tmp_path, capsys):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    a5 = (ROOT / "assignments" / "a5_backprop" / "source.py").read_text()
    (book / "notes.html").write_text("<pre>" + a5.split("### BEGIN SOLUTION", 2)[1] + "</pre>")
    (book / "_static" / "network.py").write_text((ROOT / "reference" / "nanoprop" / "network.py").read_text())
    (book / "probes.toml").write_text("")
    code = cli.main(["--root", str(ROOT), "publish", str(tmp_path / "out"), "--book", str(book)])
    err = capsys.readouterr().err
    assert code == 1 and "NOT fit to publish" in err
    assert "notes.html: holds a5_backprop's solution" in err
    assert "network.py: holds nanoprop's MLP.backward" in err
    assert "probes.toml: an authoring file" in err


def test_before_the_engine_s_answers_are_handed_in_the_live_widgets_give_way_to_a_note(tmp_path, capsys):
    code, out, pages = run_publish(tmp_path, "--through", "a4_autograd")
    assert code == 0, capsys.readouterr().err
    assert len(ENGINE) > 50
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".json", ".txt")]
    found = [
        f"{p.relative_to(out)}: {line}"
        for p in files
        for line in ENGINE
        if line in p.read_text(errors="replace")
    ]
    assert found == []
    note = "it opens in this book once they are handed in"
    with_note = sorted(p.stem for p, text in pages.items() if note in text)
    assert with_note == sorted(LIVE_PAGES)
    playground = pages[out / "chapters" / "playground.html"]
    assert "answers to assignments a5_backprop and a6_training;" in playground
    assert playground.count("widget-view+json") == 0 and not live_widgets(playground)
    modules = publish.live_modules()
    for path, text in pages.items():  # every other widget stays, with its view
        before = (BOOK / path.relative_to(out)).read_text(encoding="utf-8")
        state = widget_state(before)
        assert set(widget_state(text)) == set(state) - publish.live_ids(state, modules), path
        views = before.count("widget-view+json") - len(publish.live_models(state, modules))
        assert text.count("widget-view+json") == views and text.count(note) == before.count(note) + (
            before.count("widget-view+json") - views
        ), path


def test_once_they_are_handed_in_the_live_widgets_are_published(tmp_path, capsys):
    assert ANSWERS[-1] in [p.name for p in (ROOT / "assignments").iterdir()]
    code, out, pages = run_publish(tmp_path, "--through", "a7_rnn")
    assert code == 0, capsys.readouterr().err
    live = {p.stem: len(live_widgets(text)) for p, text in pages.items() if live_widgets(text)}
    assert live == dict.fromkeys(LIVE_PAGES, 1)
    assert not [p for p, text in pages.items() if "course-live-withheld" in text]


def test_the_engine_published_too_early_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(publish, "withhold_live", lambda *args: None)
    code, _, _ = run_publish(tmp_path, "--through", "a6_training")
    err = capsys.readouterr().err
    assert code == 1
    engine = "holds the live engine (bookkit/live/engine.js), which answers a6_training: "
    for page in LIVE_PAGES:
        assert f"chapters/{page}.html: {engine}" in err, err
    assert err.count("holds the live engine") == len(LIVE_PAGES), err  # and nothing else does


def test_a_page_whose_saved_widgets_are_not_json_is_read_as_text_not_passed(tmp_path, capsys):
    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    page = book / "chapters" / "playground.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace('"state": {', '"state": {,', 1), encoding="utf-8"
    )
    code, _, _ = run_publish(tmp_path, "--book", str(book), "--through", "a4_autograd")
    err = capsys.readouterr().err
    assert code == 1 and "chapters/playground.html: holds the live engine" in err, err
    assert err.count("holds the live engine") == 1, err  # the other pages' widgets gave way


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_page_whose_widget_gave_way_loads_offline_with_no_error(tmp_path):
    """The playground published before a1 is handed in: no error, no request leaving the machine,
    no live widget, one note that axe finds nothing wrong with."""
    from playwright.sync_api import sync_playwright

    assert run_publish(tmp_path, "--through", "a1_neuron")[0] == 0
    problems = []
    with serve(tmp_path / "out") as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        page.route("**/*", offline_route(base, problems))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        page.goto(base + "chapters/playground.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        notes = page.get_by_role("note").all_inner_texts()
        live = page.locator(".course-live").count()
        # before axe: it re-reads the theme's stylesheet, a 404 of its own (test_live_widgets.py)
        loaded = list(problems)
        found = axe_violations_inside(page, ".course-live-withheld")
        browser.close()
    assert found == []
    assert loaded == [], "\n".join(loaded)
    assert live == 0 and len(notes) == 1, notes
    assert "assignments a1_neuron, a2_forward, a3_loss, a5_backprop and a6_training;" in notes[0]


def test_answers_names_every_assignment_whose_functions_the_engine_defines():
    """bookkit.live.widgets.ANSWERS is what keeps the engine out of a graded class's book: an
    assignment belongs in it when engine.js defines a function it asks learners to write."""
    import re

    from tools import assignments, book_assignments

    engine = (HERE / "engine.js").read_text(encoding="utf-8")
    names = set(re.findall(r"^(?:export )?(?:function\*?|class|const) (\w+)", engine, re.M))
    methods = set(re.findall(r"^  (\w+)\(", engine, re.M))
    defined = {
        a.name
        for a in assignments.discover()
        for fn in book_assignments.describe(a.name)[3]
        if fn in names or ("." in fn and fn.split(".")[0] in names and fn.split(".")[1] in methods)
    }
    assert "a4_autograd" not in defined and "a7_rnn" not in defined
    assert set(ANSWERS) == defined
