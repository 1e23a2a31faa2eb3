"""Repairs nbgrader needs before it can restore a tampered notebook.

``RepairMetadata`` runs right after nbgrader's ``DeduplicateIds`` in the sanitising steps. Two
kinds of cells otherwise stop nbgrader with a ``KeyError: 'grade_id'`` and the whole submission
is not graded: a duplicated cell whose metadata ``DeduplicateIds`` emptied, and a test or answer
cell whose grade id the learner renamed. Both become plain cells (the learner's own code), so
``OverwriteCells`` (with ``add_missing_cells``) restores the real cells from the gradebook.
"""

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor


class RepairMetadata(NbGraderPreprocessor):
    """Turn cells nbgrader cannot restore (emptied or unknown grade ids) into plain cells."""

    def preprocess(self, nb, resources):
        meta = resources["nbgrader"]
        with Gradebook(meta["db_url"]) as gb:
            try:
                known = {c.name for c in gb.find_notebook(meta["notebook"], meta["assignment"]).source_cells}
            except MissingEntry:
                return nb, resources
        for cell in nb.cells:
            nbg = cell.metadata.get("nbgrader")
            if nbg is None:
                continue
            grade_id = nbg.get("grade_id")
            if not nbg or grade_id is None:
                del cell.metadata["nbgrader"]
            elif grade_id not in known and (nbg.get("grade") or nbg.get("solution") or nbg.get("locked")):
                self.log.warning(
                    "Cell with unknown grade id '%s' treated as the learner's own code", grade_id
                )
                del cell.metadata["nbgrader"]
        return nb, resources
