"""`course publish`: what an instructor publishes for a graded class holds no answers.

Run on the built book (``make book`` builds it before the tests), and on a copy of it into which a
solution, the reference's code and an authoring file were slipped: the first is fit to publish,
the second is refused, each answer named.
"""

import shutil
from pathlib import Path

import pytest

from course import cli, publish

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "_build" / "html"

pytestmark = [pytest.mark.book]


def test_the_built_book_and_its_kits_are_fit_to_publish(tmp_path, capsys):
    assert cli.main(["--root", str(ROOT), "publish", str(tmp_path / "out"), "--through", "a3_loss"]) == 0
    kits = sorted(p.name for p in (tmp_path / "out").rglob("*.zip"))
    assert kits and {k for k in kits} <= {"a1_neuron.zip", "a2_forward.zip", "a3_loss.zip"}, kits
    assert "a3_loss.zip" in kits
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
