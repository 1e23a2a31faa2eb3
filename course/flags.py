"""How serious a grading flag is, and the status it gives a learner's work, for the report and
the export.

Every flag the grader raises has a ``kind`` (see ``intake.flag``). Three severities:

- ``cheating suspected``: the learner's code uses or repeats the reference; look at it before
  accusing anyone (the flag quotes what was found);
- ``grading trouble``: the score may not say what the learner knows: a time limit, a kernel that
  died, a check that could not run, a notebook that could not be read or graded;
- ``information``: something was repaired or left out and the score is right as it is (a renamed
  notebook, an old format, a file that would shadow a module).

A kind not listed here counts as grading trouble: a new flag is looked at, never hidden.

The status of one learner's assignment is one of ``STATUSES``: graded work with flags of the
first two severities is ``flagged`` (its score stands, but look before publishing it).
"""

CHEATING = "cheating suspected"
TROUBLE = "grading trouble"
INFORMATION = "information"
SEVERITIES = (CHEATING, TROUBLE, INFORMATION)  # most serious first
GRADED, FLAGGED, WAITING, ABSENT = "graded", "flagged", "not graded yet", "not submitted"
STATUSES = (GRADED, FLAGGED, WAITING, ABSENT)

KINDS = {
    "uses-reference": CHEATING,
    "copied-reference": CHEATING,
    "renamed": INFORMATION,
    "old-format": INFORMATION,
    "odd-name": INFORMATION,
    "unknown-notebook": INFORMATION,
    "shadowing-module": INFORMATION,
    "skipped-file": INFORMATION,
}


def severity(flag: dict) -> str:
    """The severity of one flag (a dict with a ``kind``)."""
    return KINDS.get(flag.get("kind"), TROUBLE)


def worst(flags: list[dict]) -> str | None:
    """The most serious severity among ``flags``, or None if there are none."""
    found = {severity(f) for f in flags}
    return next((s for s in SEVERITIES if s in found), None)


def graded_status(flags: list[dict]) -> str:
    """The status of graded work with these flags: ``flagged`` if any is cheating suspected or
    grading trouble, else ``graded``."""
    return FLAGGED if worst(flags) in (CHEATING, TROUBLE) else GRADED
