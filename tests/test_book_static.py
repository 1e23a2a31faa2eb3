"""The built book, read as files: complete, self-contained, and described for screen readers.

Needs `make book` (which `make test` runs first).
"""

import re

import pytest
from booksite import BOOK, built_pages, require_book, toc_docnames, widget_state
from bs4 import BeautifulSoup

pytestmark = [pytest.mark.book]

TEXT_SUFFIXES = {".html", ".htm", ".css", ".js", ".mjs", ".json", ".svg", ".txt", ".map"}

# Hosts that serve scripts, stylesheets or fonts to web pages (CDNs, font services, Binder).
REMOTE_HOSTS = re.compile(
    r"(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|"
    r"fonts\.gstatic\.com|use\.fontawesome\.com|kit\.fontawesome\.com|ka-f\.fontawesome\.com|"
    r"code\.jquery\.com|ajax\.googleapis\.com|bootstrapcdn\.com|cdn\.plot\.ly|mybinder\.org|"
    r"use\.typekit\.net|esm\.sh|skypack\.dev)",
    re.I,
)
ABSOLUTE = r"""["']?\s*(?:https?:)?//"""
# An element that makes the browser fetch what its src / href names.
FETCHING_TAG = re.compile(
    r"<(?:script|img|iframe|source|audio|video|embed|track|input)\b[^>]*\bsrc\s*=\s*"
    + ABSOLUTE
    + r"|<link\b[^>]*\bhref\s*=\s*"
    + ABSOLUTE,
    re.I,
)
CSS_REMOTE = re.compile(r"url\(\s*" + ABSOLUTE + r"|@import\s+(?:url\()?\s*" + ABSOLUTE, re.I)
# A script, stylesheet or font named by an absolute URL inside code (a string literal).
REMOTE_ASSET = re.compile(
    r"""["'`](?:https?:)?//[^"'`\s]+\.(?:js|mjs|css|woff2?|ttf|otf|eot)(?:[?#][^"'`\s]*)?["'`]""", re.I
)


def remote_references(text):
    """Every way ``text`` can make a browser fetch a script, stylesheet or font from elsewhere."""
    found = []
    for pattern in (REMOTE_HOSTS, FETCHING_TAG, CSS_REMOTE, REMOTE_ASSET):
        found += [
            text[max(0, m.start() - 40) : m.end() + 60].replace("\n", " ") for m in pattern.finditer(text)
        ]
    return found


def text_files():
    return [p for p in BOOK.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES]


def soup(page):
    return BeautifulSoup((BOOK / page).read_text(encoding="utf-8"), "html.parser")


def chapter_docnames():
    """The numbered chapters of the table of contents (chapters/01_..., not glossary pages)."""
    return [d for d in toc_docnames() if re.match(r"chapters/\d", d)]


# --- the detector itself must catch what it is for ---------------------------------------


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://cdn.jsdelivr.net/npm/x/dist/a.js"></script>',
        "<link rel='stylesheet' href='//example.org/site.css'>",
        '<img src="http://example.org/a.png">',
        "@font-face { src: url(https://example.org/font.woff2) }",
        '@import "https://example.org/theme.css";',
        'var u = "https://example.org/lib/require.min.js";',
        "https://unpkg.com/thebe@0.8.2/lib/index.js",
    ],
)
def test_detector_finds_remote_references(snippet):
    assert remote_references(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="../_static/requirejs/require.js?v=1"></script>',
        '<a href="https://www.mathjax.org">MathJax</a>',
        "/*! Font Awesome Free 6.5.2 by @fontawesome - https://fontawesome.com License */",
        '<link rel="stylesheet" href="_static/styles/theme.css">',
        "url(data:image/svg+xml;base64,AAAA)",
    ],
)
def test_detector_leaves_local_references_and_links_alone(snippet):
    assert remote_references(snippet) == []


# --- the built book ----------------------------------------------------------------------


def test_every_page_of_the_table_of_contents_is_built():
    require_book()
    missing = [d for d in toc_docnames() if not (BOOK / f"{d}.html").is_file()]
    assert not missing, f"_toc.yml lists pages that were not built: {missing}"
    assert len(chapter_docnames()) >= 4


def test_no_built_file_names_a_remote_script_stylesheet_or_font():
    require_book()
    offenders = {}
    for path in text_files():
        hits = remote_references(path.read_text(encoding="utf-8", errors="replace"))
        if hits:
            offenders[str(path.relative_to(BOOK))] = hits[:3]
    assert not offenders, (
        "The book must serve every script, stylesheet and font itself; these "
        f"files reference other hosts: {offenders}"
    )


def test_widget_pages_load_the_widget_manager_from_the_book():
    require_book()
    pages = [p for p in built_pages() if widget_state((BOOK / p).read_text(encoding="utf-8"))]
    assert pages, "no page of the book has a widget"
    for page in pages:
        srcs = [s.get("src", "") for s in soup(page).find_all("script")]
        manager = [s for s in srcs if "embed-amd.js" in s]
        assert manager and all(s.startswith(("_static/", "../_static/")) for s in manager), page
        assert any("require.js" in s for s in srcs), page


def _images(page):
    """Every <img> a reader can meet on a page: in the page and inside its widgets' views."""
    images = list(soup(page).find_all("img"))
    for model in widget_state((BOOK / page).read_text(encoding="utf-8")).values():
        value = model["state"].get("value")
        if model["model_name"] == "HTMLModel" and isinstance(value, str) and "<img" in value:
            images += BeautifulSoup(value, "html.parser").find_all("img")
    return images


def test_every_image_has_alt_text_that_describes_it():
    require_book()
    bad = {}
    for page in built_pages():
        for img in _images(page):
            alt = (img.get("alt") or "").strip()
            # MyST-NB's default alt text is the image's file name: that describes nothing.
            if len(alt) < 15 or re.search(r"\.(png|svg|jpe?g|gif)$", alt, re.I):
                bad.setdefault(page, []).append(alt or "(no alt)")
    assert not bad, f"images without a real description (alt text): {bad}"


def test_every_widget_control_has_a_label():
    require_book()
    unlabelled = []
    for page in built_pages():
        for model in widget_state((BOOK / page).read_text(encoding="utf-8")).values():
            state = model["state"]
            is_control = "course-control" in state.get("_dom_classes", [])
            if is_control and not (state.get("description") or "").strip():
                unlabelled.append((page, model["model_name"]))
    assert not unlabelled, f"controls a screen reader cannot name: {unlabelled}"


@pytest.mark.parametrize("docname", chapter_docnames())
def test_chapter_ends_with_summary_assignment_and_hidden_self_checks(docname):
    require_book()
    page = soup(f"{docname}.html")
    text = page.get_text(" ")
    assert page.find(id="summary"), f"{docname}: no Summary section"
    assert re.search(r"Assignment", text), f"{docname}: no pointer to its assignment"
    answers = page.select("details.sd-dropdown, div.admonition.dropdown")
    assert len(answers) >= 3, f"{docname}: {len(answers)} hidden answers, at least 3 expected"
    assert not any(a.name == "details" and a.has_attr("open") for a in answers), (
        f"{docname}: an answer is shown before the reader asks"
    )
    computed = [a for a in answers if a.select(".pasted-text, .pasted-inline")]
    assert computed, (
        f"{docname}: no self-check answer is computed at build time "
        "(glue a number from nanoprop into at least one answer)"
    )


@pytest.mark.parametrize("docname", chapter_docnames())
def test_chapter_has_a_widget(docname):
    require_book()
    html_text = (BOOK / f"{docname}.html").read_text(encoding="utf-8")
    state = widget_state(html_text)
    panels = [m for m in state.values() if "course-widget" in m["state"].get("_dom_classes", [])]
    live = [m for m in state.values() if m["model_module"] == "anywidget"]  # bookkit.live widgets
    assert panels or live, f"{docname}: no interactive widget (bookkit.bookwidgets or .live) on the page"
    assert "application/vnd.jupyter.widget-view+json" in html_text
