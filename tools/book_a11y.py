"""A Sphinx extension that gives the theme's navigation toggles an accessible name.

The sidebar's expandable parts are ``<details><summary>`` elements whose only content is a
chevron icon, so a screen reader announces an unnamed control (axe-core rule ``summary-name``).
This wraps the theme's table-of-contents generator so that every such summary gets an
``aria-label``. Loaded from ``_config.yml`` (``sphinx: local_extensions``).
"""

from markupsafe import Markup

TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'
NAMED_TOGGLE = (
    '<summary aria-label="Show or hide this part\'s sections">'
    '<span class="toctree-toggle" role="presentation">'
)


def name_toggles(app, pagename, templatename, context, doctree):
    generate = context.get("generate_toctree_html")
    if generate is None:
        return

    def generate_named(*args, **kwargs):
        return Markup(str(generate(*args, **kwargs)).replace(TOGGLE, NAMED_TOGGLE))

    context["generate_toctree_html"] = generate_named


def setup(app):
    # after the theme has put its generator into the page context
    app.connect("html-page-context", name_toggles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
