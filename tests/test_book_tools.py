"""tools/execute_chapters.py finds exactly the book's notebooks (the pages with code to run)."""

import pytest
from booksite import ROOT, load_tool


@pytest.fixture(scope="module")
def execute_chapters():
    return load_tool("execute_chapters")


def test_toc_files_follow_parts_sections_and_globs(execute_chapters, tmp_path):
    (tmp_path / "ch").mkdir()
    for name in ("a1", "a2", "b1"):
        (tmp_path / "ch" / f"{name}.md").write_text("# x\n")
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: intro\nparts:\n- caption: One\n  chapters:\n"
        "  - file: ch/b1\n    sections:\n    - glob: ch/a*\n"
    )
    execute_chapters.ROOT, saved = tmp_path, execute_chapters.ROOT
    try:
        assert execute_chapters.toc_files(toc) == ["intro", "ch/b1", "ch/a1", "ch/a2"]
    finally:
        execute_chapters.ROOT = saved


def test_notebooks_are_the_toc_pages_with_code_cells(execute_chapters):
    found = {p.relative_to(ROOT).as_posix() for p in execute_chapters.notebooks()}
    assert {"chapters/01_backprop.md", "chapters/04_loss.md"} <= found
    assert "intro.md" not in found  # prose only: nothing to execute
    for path in found:
        assert "```{code-cell}" in (ROOT / path).read_text(encoding="utf-8")


def test_timeout_comes_from_the_book_config(execute_chapters, tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("execute:\n  timeout: 77\n")
    assert execute_chapters.timeout_seconds(config) == 77
    config.write_text("title: x\n")
    assert execute_chapters.timeout_seconds(config) == 120


def test_fingerprint_changes_when_a_notebook_changes(execute_chapters, tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("one")
    b.write_text("two")
    first = execute_chapters.fingerprint([a, b])
    assert execute_chapters.fingerprint([b, a]) == first  # order does not matter
    a.write_text("one, edited")
    assert execute_chapters.fingerprint([a, b]) != first
    assert execute_chapters.fingerprint([a]) != execute_chapters.fingerprint([a, b])


def test_you_write_lists_only_what_holds_a_solution():
    """The Assignments pages list the functions and methods a learner fills in, not the ones the
    notebook gives (a4 gives __init__, __neg__, ... and asks for nine methods)."""
    book_assignments = load_tool("book_assignments")
    cell = (
        "class Value:\n    def __init__(self, data):\n        self.data = data\n\n"
        "    def __add__(self, other):\n        out = Value(self.data + other.data)\n\n"
        "        def _backward():\n"
        "            ### BEGIN SOLUTION\n            pass\n            ### END SOLUTION\n"
        "        return out\n\n    def __neg__(self):\n        return self * -1\n\n\n"
        "def helper(x):\n    return x\n\n\n"
        "def relu(z):\n    ### BEGIN SOLUTION\n    return z\n    ### END SOLUTION\n"
    )
    assert book_assignments.functions_to_write(cell) == ["Value.__add__", "relu"]
    *_, functions = book_assignments.describe("a4_autograd")
    assert len(functions) == 9 and "Value.__init__" not in functions and "Value.__neg__" not in functions


def test_the_goal_keeps_what_its_last_sentence_announces():
    """A goal that ends with a colon goes on to the formula after it (a6 and a7 did stop there)."""
    book_assignments = load_tool("book_assignments")
    for name in ("a6_training", "a7_rnn"):
        _, goal, _, _ = book_assignments.describe(name)
        assert not goal.rstrip().endswith(":"), f"{name}: {goal}"
        assert "$$" in goal, goal
