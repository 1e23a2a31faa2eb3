"""The course tools: the `course` command for instructors, shared test helpers, book widgets."""
