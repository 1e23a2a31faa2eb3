"""The book's helpers: widgets that stay interactive in the static book (``bookwidgets``), figures
(``figures``, ``netdraw``), chapter 1's worked example (``worked_example``) and the one plotting style
shared by the book and the instructor's report (``style``)."""
