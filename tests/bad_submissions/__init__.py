"""Bad submissions the grader must survive: the fixture course (``fixture``) and the catalogue of
entries (``catalogue``, which gathers the ``unseen_*`` modules; loaded first, so that a test may
import any of them directly)."""

from . import catalogue  # noqa: F401  (loaded first, see above)
