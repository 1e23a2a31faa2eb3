"""The code an assignment gives, cut out of the reference into the assignment's ``given.py``.

An assignment's notebook imports what it gives from ``given``, a module next to it, never from
the reference package: the reference holds the answers. ``assignment.toml`` lists the pieces::

    gives = ["layers.affine_forward", "network.ACTIVATION_LAYERS", "network.MLP:__init__,n_layers"]

each a module of nanoprop and a name in it: a function, a class, or a constant; after a colon,
the only methods a class keeps (the others are what learners write, now or later). The pieces are
copied as they are written in the reference, comments included, in the order listed, under one
header that says where they come from. A piece that uses a name defined neither in the pieces
nor by an import the reference module makes is an error, so a ``given.py`` always runs.
Data files a piece reads (``Path(__file__).with_name(...)``) are listed under ``data``.
"""

import ast
import builtins
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "nanoprop"


def _module_path(module):
    path = REFERENCE / f"{module.replace('.', '/')}.py"
    return path if path.exists() else REFERENCE / module.replace(".", "/") / "__init__.py"


def _definitions(tree):
    """{name: node} of a module's top-level functions, classes and assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
    return found


def _imports(tree, text):
    """{bound name: import line} of a module's top-level imports (relative ones excluded)."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = ast.get_source_segment(text, node)
    return found


def _segment(text, node):
    """The node's source lines, with the decorators and comments directly above it."""
    lines = text.splitlines()
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "\n".join(lines[start : node.end_lineno])


def _class_with(text, node, methods):
    """A class's source keeping only its docstring and the named methods."""
    lines = text.splitlines()
    body = node.body
    first = body[0]
    header_end = first.lineno - 1
    kept = ["\n".join(lines[node.lineno - 1 : header_end])]
    if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant):
        kept.append(_segment(text, first))
    names = {getattr(n, "name", None) for n in body}
    missing = set(methods) - names
    if missing:
        raise ValueError(f"class {node.name} has no {sorted(missing)}")
    for item in body:
        if getattr(item, "name", None) in methods:
            kept.append("")
            kept.append(_segment(text, item))
    return "\n".join(kept)


class _NotGiven(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        return node if node.id in self.names else ast.copy_location(ast.Constant(None), node)


def _constant(text, node, names):
    """A constant as written, or, if it names functions that are not given (the learner's to
    write), with None in their place."""
    if not _free_names(_segment(text, node)) - names:
        return _segment(text, node)
    kept = _NotGiven(names).visit(ast.parse(ast.get_source_segment(text, node)))
    return "# None stands for what you write yourself.\n" + ast.unparse(kept)


def _free_names(source):
    """Global names a piece of code reads."""
    tree = ast.parse(source)
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
    return used - bound - set(dir(builtins)) - {"__file__"}


def pieces(gives):
    """The listed pieces -> (imports they need, their source texts)."""
    imports, texts, defined = {}, [], set()
    names = {entry.partition(":")[0].rpartition(".")[2] for entry in gives}
    for entry in gives:
        dotted, _, methods = entry.partition(":")
        module, _, name = dotted.rpartition(".")
        path = _module_path(module)
        text = path.read_text()
        tree = ast.parse(text)
        node = _definitions(tree).get(name)
        if node is None:
            raise ValueError(f"gives {entry!r}: nanoprop.{module} defines no {name!r}")
        available = _imports(tree, text)
        if methods:
            if not isinstance(node, ast.ClassDef):
                raise ValueError(f"gives {entry!r}: only a class keeps some methods")
            piece = _class_with(text, node, [m.strip() for m in methods.split(",")])
        elif isinstance(node, ast.Assign):
            piece = _constant(text, node, names | set(available))
        else:
            piece = _segment(text, node)
        for free in sorted(_free_names(piece) - defined - {name}):
            if free in available:
                imports[free] = available[free]
            elif free not in names:
                raise ValueError(
                    f"gives {entry!r}: it uses {free!r}, which is neither given "
                    f"nor imported by nanoprop.{module}"
                )
        defined.add(name)
        texts.append(piece)
    return imports, texts


def given_text(title, gives):
    """The text of an assignment's ``given.py``."""
    imports, texts = pieces(gives)
    header = (
        f'"""What {title.split(":")[0].lower()} gives you: code from the course\'s reference package\n'
        "(nanoprop), copied here as it is written there. Read it, use it; do not change it.\n\n"
        "It is written by the course's build (python -m tools.build_assignments).\n"
        '"""\n'
    )
    lines = sorted(set(imports.values()), key=lambda s: (not s.startswith("import"), s))
    body = "\n\n\n".join(texts)
    return header + ("\n".join(lines) + "\n\n\n" if lines else "\n") + body + "\n"
