"""Walking a ``Value`` graph: which values fed which, in the order backprop needs.

``trace`` lists every value an output depends on, each after the values it
was made from (a topological order), plus the edges between them. Reading
the list backwards is exactly the order in which ``Value.backward`` visits
the nodes. ``depths`` says how many operations separate each value from the
inputs, which is all that is needed to lay the graph out in columns.

    >>> from nanoprop import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> nodes, edges = trace(c)
    >>> [n.data for n in nodes]
    [2.0, -3.0, -6.0]
    >>> [depths(nodes)[n] for n in nodes]
    [0, 0, 1]
"""


def trace(root):
    """All values ``root`` depends on, and the edges between them.

    root: a Value  ->  (nodes, edges)
      nodes: list of Values, each listed once and after all of its ``_prev``
             (inputs first, ``root`` last);
      edges: list of (child, parent) pairs, one per use: ``child`` is in
             ``parent._prev``. A value used twice by the same parent
             (``a * a``) gives two edges.
    """
    nodes, edges, seen = [], [], set()

    def visit(v):
        if v in seen:
            return
        seen.add(v)
        for child in v._prev:
            visit(child)
            edges.append((child, v))
        nodes.append(v)

    visit(root)
    return nodes, edges


def depths(nodes):
    """Longest path, counted in operations, from any input to each node.

    nodes: a list in the order ``trace`` returns  ->  {Value: int}; inputs
    (values with no ``_prev``) have depth 0.
    """
    depth = {}
    for v in nodes:
        depth[v] = 1 + max((depth[c] for c in v._prev), default=-1)
    return depth
