"""Refresh the book's vendored front-end assets from the npm registry.

The built book must load every script, stylesheet and font from itself (learners may read it with
no network). The files it needs are committed under ``vendor/`` (next to the book's own small
script ``vendor/course-widgets.js``, which this script leaves alone), so building the book needs no npm;
this script is only for maintainers who want to move to newer versions:

    python tools/vendor_assets.py            # needs `npm` and the npm registry

It downloads each package with ``npm pack`` at the exact version pinned below, copies only the
files the book loads, and writes ``vendor/VERSIONS.txt``. Sphinx copies ``vendor/`` into
``_build/html/_static/`` (see ``html_static_path`` in ``_config.yml``).

What is taken from each package:

- ``requirejs``: ``require.js``, the module loader the widget manager needs.
- ``@jupyter-widgets/html-manager``: ``dist/embed-amd.js``, which renders ipywidgets from the
  widget state saved in a page, and the icon fonts it loads from its own folder. Its built-in
  default module CDN is replaced by a local folder that does not exist, so a widget module that is
  not built in fails visibly (a failed local request, caught by the browser tests) instead of being
  fetched from the network.
- ``anywidget``: ``dist/index.js``, the front end of anywidget widgets (an AMD module that the
  widget manager loads through require.js by the name ``anywidget``; ``vendor/course-widgets.js``
  points that name at this folder). Each widget's own code travels in its saved state (``_esm``),
  so this one file is all a static page needs to run them. Its version is the Python package's
  (``anywidget`` in ``requirements.lock``): the widget state names it.
- ``mathjax``: the TeX-to-HTML renderer, its fonts, the TeX extensions it loads on demand, and the
  accessibility components (assistive MathML, the speech rule engine with English rules).
"""

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "vendor"

PACKAGES = {
    "requirejs": "2.3.8",
    "@jupyter-widgets/html-manager": "1.0.15",
    "mathjax": "3.2.2",
    "anywidget": "0.11.0",
}

# Files the widget manager would otherwise fetch from outside the book.
CDN_DEFAULT = "https://cdn.jsdelivr.net/npm/"
LOCAL_CDN = "./no-remote-modules/"
COMMENTED_FONT_IMPORT = re.compile(r"/\* @import url\('https://fonts\.googleapis\.com[^*]*\*/")


def npm_pack(name, version, dest):
    """Download one package tarball with npm and unpack it; return its ``package/`` folder."""
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tgz = dest / json.loads(out)[0]["filename"]
    target = dest / tgz.stem
    with tarfile.open(tgz) as tar:
        tar.extractall(target, filter="data")
    return target / "package"


def local_only(js):
    """Point a script's built-in CDN defaults at a local folder that does not exist.

    The book configures every path it uses, so these defaults are never needed; if one ever is,
    the browser tests see a failed local request instead of the page reaching the network.
    """
    js = js.replace(CDN_DEFAULT, LOCAL_CDN)
    return COMMENTED_FONT_IMPORT.sub("/* (remote font import removed) */", js)


def copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy2(src, dst)


def vendor_requirejs(pkg, out):
    copy(pkg / "require.js", out / "require.js")
    (out / "LICENSE").write_text(MIT.format(holder="jQuery Foundation and other contributors"))


def vendor_html_manager(pkg, out):
    dist = pkg / "dist"
    js = (dist / "embed-amd.js").read_text(encoding="utf-8")
    if CDN_DEFAULT not in js:
        sys.exit("embed-amd.js no longer contains its default CDN; review this script.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed-amd.js").write_text(local_only(js), encoding="utf-8")
    for font in dist.iterdir():
        if font.suffix in {".woff2", ".woff", ".ttf", ".eot", ".svg"}:
            copy(font, out / font.name)
    copy(dist / "embed.js.LICENSE.txt", out / "THIRD-PARTY-NOTICES.txt")
    (out / "LICENSE").write_text(BSD3.format(holder="Project Jupyter Contributors"))


def vendor_anywidget(pkg, out):
    js = (pkg / "dist" / "index.js").read_text(encoding="utf-8")
    if 'define(["@jupyter-widgets/base"]' not in js:
        sys.exit("anywidget's dist/index.js is no longer an AMD module; review this script.")
    copy(pkg / "dist" / "index.js", out / "index.js")
    copy(pkg / "LICENSE", out / "LICENSE")


def vendor_mathjax(pkg, out):
    es5 = pkg / "es5"
    copy(es5 / "tex-chtml.js", out / "tex-chtml.js")
    copy(es5 / "input" / "tex" / "extensions", out / "input" / "tex" / "extensions")
    copy(es5 / "output" / "chtml" / "fonts" / "woff-v2", out / "output" / "chtml" / "fonts" / "woff-v2")
    copy(es5 / "a11y", out / "a11y")
    copy(es5 / "ui", out / "ui")
    for rules in ("base.json", "en.json", "nemeth.json"):
        copy(es5 / "sre" / "mathmaps" / rules, out / "sre" / "mathmaps" / rules)
    copy(pkg / "LICENSE", out / "LICENSE")
    # The speech rule engine names a CDN as the default home of its rule files; ours are local.
    for js in out.rglob("*.js"):
        js.write_text(local_only(js.read_text(encoding="utf-8")), encoding="utf-8")


def main():
    if shutil.which("npm") is None:
        sys.exit("npm is needed to refresh vendor/ (the committed files already work without it).")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        new = tmp / "vendor"
        steps = {
            "requirejs": vendor_requirejs,
            "@jupyter-widgets/html-manager": vendor_html_manager,
            "mathjax": vendor_mathjax,
            "anywidget": vendor_anywidget,
        }
        folders = {
            "requirejs": "requirejs",
            "@jupyter-widgets/html-manager": "html-manager",
            "mathjax": "mathjax",
            "anywidget": "anywidget",
        }
        for name, version in PACKAGES.items():
            print(f"vendoring {name}@{version}")
            steps[name](npm_pack(name, version, tmp), new / folders[name])
        lines = [f"{folders[n]}/: {n}@{v} from the npm registry" for n, v in PACKAGES.items()]
        (new / "VERSIONS.txt").write_text(
            "Front-end files served by the book itself. Refresh with `python tools/vendor_assets.py`.\n"
            + "\n".join(lines)
            + "\n"
        )
        # Replace the vendored packages only; vendor/course-widgets.js is the book's own code.
        for item in new.iterdir():
            old = VENDOR / item.name
            if old.is_dir():
                shutil.rmtree(old)
            copy(item, old)
    size = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    print(f"vendor/ holds {size / 1e6:.1f} MB")


MIT = """MIT License

Copyright (c) {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

BSD3 = """BSD 3-Clause License

Copyright (c) {holder}
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of conditions
   and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials provided
   with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors may be used to
   endorse or promote products derived from this software without specific prior written
   permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF
THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""

if __name__ == "__main__":
    main()
