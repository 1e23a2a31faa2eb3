"""nanoprop.graph: the walk that draws Value graphs must list every node once, inputs first."""

from hypothesis import given
from hypothesis import strategies as st

from nanoprop import Value
from nanoprop.graph import depths, trace


def test_small_expression_order_edges_and_depths():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    d = c + a  # a is used twice, by different parents
    e = d.tanh()
    nodes, edges = trace(e)
    assert nodes[-1] is e
    assert set(map(id, nodes)) == set(map(id, [a, b, c, d, e]))
    assert len(nodes) == 5
    assert [(x.label or x._op, y._op) for x, y in edges] == [
        ("a", "*"),
        ("b", "*"),
        ("*", "+"),
        ("a", "+"),
        ("+", "tanh"),
    ]
    depth = depths(nodes)
    assert [depth[v] for v in (a, b, c, d, e)] == [0, 0, 1, 2, 3]


def test_a_value_used_twice_by_one_parent_gives_two_edges():
    a = Value(3.0)
    sq = a * a
    nodes, edges = trace(sq)
    assert nodes == [a, sq]
    assert edges == [(a, sq), (a, sq)]


def test_a_lone_value_is_its_own_graph():
    a = Value(1.5)
    assert trace(a) == ([a], [])
    assert depths([a]) == {a: 0}


@given(st.lists(st.sampled_from(["add", "mul", "tanh", "reuse"]), min_size=1, max_size=30), st.floats(-2, 2))
def test_topological_order_matches_backward(ops, x0):
    """Every node comes after its children, and backprop in reverse trace order gives
    the same gradients as Value.backward."""
    x = Value(x0)
    v, pool = x, [x]
    for op in ops:
        if op == "add":
            v = v + pool[len(pool) // 2]
        elif op == "mul":
            v = v * 0.5
        elif op == "tanh":
            v = v.tanh()
        else:
            v = v * pool[-1]
        pool.append(v)
    nodes, edges = trace(v)
    position = {n: i for i, n in enumerate(nodes)}
    assert len(position) == len(nodes)
    for child, parent in edges:
        assert position[child] < position[parent]
    assert sum(len(n._prev) for n in nodes) == len(edges)
    depth = depths(nodes)
    for n in nodes:
        assert all(depth[c] < depth[n] for c in n._prev)

    v.backward()
    expected = [n.grad for n in nodes]
    for n in nodes:
        n.grad = 0.0
    v.grad = 1.0
    for n in reversed(nodes):
        n._backward()
    assert [n.grad for n in nodes] == expected
