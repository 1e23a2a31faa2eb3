"""nbgrader's configuration for the course (the course directory is this folder).

The plain nbgrader commands work from here: generate_assignment, release_assignment,
collect, autograde, generate_feedback, export. The gradebook is SQLite in this folder.
"""
c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "backprop-step-by-step"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
