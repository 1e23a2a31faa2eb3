"""Reading on every screen: the built chapters at a phone's width (390 px) and a desktop's (1280 px).

What is measured, in the page as Chromium lays it out:

- every figure's text: an image drawn by bookkit carries ``data-text-px``, the height in image
  pixels of its smallest text; shown at rendered width / natural width of that, it must be at
  least 9 CSS px on both screens;
- the page itself never scrolls sideways: what is wider than the screen scrolls in its own box;
- the worked example's table (chapter 1) fits or sits in a box that scrolls, and every value in it
  is shown whole;
- at 1280 px no displayed equation is clipped: it fits its box, or its box scrolls;
- chapter 8's confusion matrix is among the figures measured, at both widths.

Needs `make book` and Debian's chromium (`make browser`; `make test` does both first).
"""

import pytest
from booksite import BOOK, chapter_pages, offline_route, require_book

pytestmark = [pytest.mark.browser, pytest.mark.book, pytest.mark.xdist_group("browser")]

MIN_TEXT_CSS_PX = 9
WIDTHS = {"phone": 390, "desktop": 1280}
PAGES = [p for p in chapter_pages() if p.split("/")[-1][:2].isdigit()] or ["(the book is not built)"]
WIDGETS_TIMEOUT_MS = 20_000

# JavaScript run in the page. Each returns a list of problems (strings), empty when all is well.
FIGURE_TEXT = """min => {
  const found = [], small = [];
  for (const img of document.querySelectorAll('img[data-text-px]')) {
    if (!img.getClientRects().length || !img.naturalWidth) continue;      // a view not shown now
    const px = img.getBoundingClientRect().width / img.naturalWidth * parseFloat(img.dataset.textPx);
    found.push(img.alt);
    if (px < min - 0.01) small.push(`${px.toFixed(1)} px: ${img.alt.slice(0, 70)}`);
  }
  return [found, small];
}"""

SCROLLS = """el => { for (let e = el; e; e = e.parentElement) {
    const o = getComputedStyle(e).overflowX;
    if (o === 'auto' || o === 'scroll') return true; }
  return false; }"""

PAGE_WIDTH = """() => document.documentElement.scrollWidth - window.innerWidth"""

TABLE = f"""() => {{
  const scrolls = {SCROLLS};
  const out = [];
  const tables = document.querySelectorAll('table.course-worked-example');
  if (!tables.length) return ['no worked-example table on the page'];
  for (const t of tables) {{
    const box = t.parentElement;
    if (t.getBoundingClientRect().width > box.clientWidth + 1 && !scrolls(t))
      out.push('the worked-example table is wider than its box and nothing scrolls');
    for (const cell of t.querySelectorAll('td.course-number')) {{
      const r = cell.getBoundingClientRect();
      if (!r.width || !r.height) out.push(`${{cell.dataset.quantity}}: not shown`);
      else if (cell.scrollWidth > cell.clientWidth + 1) out.push(`${{cell.dataset.quantity}}: cut off`);
      else if (r.right > window.innerWidth + 1 && !scrolls(cell))
        out.push(`${{cell.dataset.quantity}}: off the screen`);
    }}
  }}
  return out;
}}"""

EQUATIONS = f"""() => {{
  const scrolls = {SCROLLS};
  const out = [];
  for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {{
    const math = eq.querySelector('mjx-math');
    if (!math || !eq.getClientRects().length) continue;
    const wide = math.getBoundingClientRect().width > eq.clientWidth + 1;
    if (wide && !scrolls(eq)) out.push((eq.textContent || '').slice(0, 60));
  }}
  return [document.querySelectorAll('mjx-container[display="true"]').length, out];
}}"""


@pytest.fixture
def open_page(browser, site):
    contexts = []

    def open_(path, width):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", offline_route(site, []))
        page.goto(site + path, wait_until="load")
        if "application/vnd.jupyter.widget-view+json" in (BOOK / path).read_text(encoding="utf-8"):
            page.wait_for_selector(".course-widget, .course-live", timeout=WIDGETS_TIMEOUT_MS)
        page.wait_for_load_state("networkidle")
        page.wait_for_function("() => !window.MathJax || !MathJax.startup || MathJax.startup.promise")
        page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("screen", WIDTHS)
@pytest.mark.parametrize("path", PAGES)
def test_no_figure_text_is_smaller_than_9_css_px_and_the_page_never_scrolls_sideways(open_page, path, screen):
    page = open_page(path, WIDTHS[screen])
    found, small = page.evaluate(FIGURE_TEXT, MIN_TEXT_CSS_PX)
    where = f"{path} at {WIDTHS[screen]} px"
    if "data-text-px" in (BOOK / path).read_text(encoding="utf-8"):
        assert found, f"{where}: the page has figures, none was measured"
    assert not small, f"{where}: figure text below {MIN_TEXT_CSS_PX} CSS px:\n" + "\n".join(small)
    if path.endswith("08_digits.html"):
        assert any("confusion matrix" in alt.lower() for alt in found), (
            "chapter 8: confusion matrix not measured"
        )
    overflow = page.evaluate(PAGE_WIDTH)
    assert overflow <= 1, f"{where}: the page scrolls sideways by {overflow} px"


@pytest.mark.parametrize("screen", WIDTHS)
def test_worked_example_table_fits_or_scrolls_with_every_value_shown(open_page, screen):
    path = "chapters/01_backprop.html"
    require_book()
    problems = open_page(path, WIDTHS[screen]).evaluate(TABLE)
    assert not problems, f"{path} at {WIDTHS[screen]} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", PAGES)
def test_no_equation_is_clipped_on_a_desktop(open_page, path):
    count, clipped = open_page(path, WIDTHS["desktop"]).evaluate(EQUATIONS)
    assert not clipped, f"{path}: {len(clipped)} of {count} equations wider than their box:\n" + "\n".join(
        clipped
    )
