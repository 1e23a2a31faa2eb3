"""Execute the book's notebooks in parallel, into the execution cache the book build reads.

`make book` runs this before `jupyter-book build`. Jupyter Book executes the notebooks one after
the other while it reads them, so on a 2-core machine one core idles through most of a clean
build. This script runs the same notebooks, one per core, and stores the results in the same
cache (`_build/.jupyter_cache`, `execute_notebooks: cache` in _config.yml), so the build then
finds every notebook already executed. Notebooks whose code has not changed since the last build
are skipped, and when no notebook file changed at all (same names, sizes and modification times as
at the last complete run) the script stops at once, so a rebuild with nothing changed costs a
fraction of a second here.

    python tools/execute_chapters.py            # from the repository root

This is only a speed-up: a notebook that fails here (a real error, or a kernel that did not start
in time on a busy machine) is reported and left for Jupyter Book, which executes it again and
fails the build, with the traceback, if the error is real.
"""

import hashlib
import os
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
STAMP = CACHE / "execute_chapters.stamp"  # fingerprint of the notebooks last brought up to date
READER = {"type": "plugin", "name": "myst_nb_md"}  # how MyST-NB reads a .md notebook
CODE_CELL = re.compile(r"^```\{code-cell\}", re.M)


def toc_files(toc=ROOT / "_toc.yml"):
    """Every file the table of contents names, globs expanded, in reading order."""
    data = yaml.safe_load(toc.read_text())
    found = [data["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            if "glob" in node:
                found.extend(
                    str(p.relative_to(ROOT).with_suffix("")) for p in sorted(ROOT.glob(node["glob"] + ".md"))
                )
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key) or [])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    return found


def notebooks():
    """The MyST markdown notebooks of the book: pages with at least one code cell."""
    paths = [ROOT / f"{name}.md" for name in toc_files()]
    return [p for p in paths if p.is_file() and CODE_CELL.search(p.read_text(encoding="utf-8"))]


def timeout_seconds(config=ROOT / "_config.yml"):
    return int(yaml.safe_load(config.read_text()).get("execute", {}).get("timeout", 120))


def fingerprint(paths):
    """Changes whenever a notebook is added, removed or edited (name, size, modification time)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        st = path.stat()
        digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def main():
    books = notebooks()
    stamp = fingerprint(books)
    if STAMP.is_file() and STAMP.read_text() == stamp:
        print(f"execute_chapters: all {len(books)} notebooks unchanged since the last run")
        return 0
    from jupyter_cache import get_cache  # imported only when there is work
    from jupyter_cache.executors import load_executor

    cache = get_cache(str(CACHE))
    wanted = {str(p) for p in books}
    for record in cache.list_project_records():  # pages removed from the book
        if record.uri not in wanted:
            cache.remove_nb_from_project(record.pk)
    for path in sorted(wanted):
        cache.add_nb_to_project(path, read_data=READER)
    stale = [r for r in cache.list_unexecuted() if r.uri in wanted]
    if not stale:
        print(f"execute_chapters: all {len(wanted)} notebooks are cached")
        STAMP.write_text(stamp)
        return 0
    start = time.perf_counter()
    print(
        f"execute_chapters: executing {len(stale)} of {len(wanted)} notebooks on {os.cpu_count()} cores",
        flush=True,
    )
    result = load_executor("local-parallel", cache).run_and_cache(
        filter_pks=[r.pk for r in stale], timeout=timeout_seconds(), allow_errors=False
    )
    failed = result.excepted + result.errored
    for uri in failed:
        record = cache.get_project_record(uri)
        print(
            f"execute_chapters: {Path(uri).relative_to(ROOT)} did not run to the end here; "
            "the book build executes it again and reports any error.\n"
            f"{record.traceback or ''}",
            file=sys.stderr,
        )
    print(
        f"execute_chapters: {len(result.succeeded)} executed in "
        f"{time.perf_counter() - start:.0f} s, {len(failed)} left to the book build",
        flush=True,
    )
    if not failed:
        STAMP.write_text(stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
