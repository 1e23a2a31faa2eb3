"""Build and development tools, run from the repository (``python -m tools.<name>``): the
assignment notebooks and the book's Assignments part from the assignment folders, the vendored
front-end files, the chapters' parallel execution, and the demo class."""
