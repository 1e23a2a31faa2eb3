"""A scalar autograd engine: the chain rule, one number at a time.

Every ``Value`` remembers the values it was computed from (``_prev``) and a
small function (``_backward``) that pushes its own gradient back to them.
``backward()`` visits the graph in reverse topological order, so each node's
gradient is complete before it is passed on.

    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a          # a is used twice ...
    >>> c.backward()
    >>> a.grad, b.grad         # ... so its gradients add up: dc/da = b + 1
    (-2.0, 2.0)
"""
import math


class Value:
    """A scalar that records how it was made, so it can be differentiated."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0                # d(output)/d(self), filled in by backward()
        self._backward = lambda: None  # pushes self.grad to the children
        self._prev = tuple(_children)
        self._op = _op                 # which operation made this value (for drawing)
        self.label = label

    # --- operations: the forward value and its local derivative side by side ---

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():               # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():               # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only powers by a plain number are supported"
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():               # d(a^k)/da = k a^(k-1), which is 0 for k = 0
            slope = k * self.data ** (k - 1) if k != 0 else 0.0   # (0.0 ** -1 would raise)
            self.grad += slope * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():               # d(e^a)/da = e^a
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():               # d(ln a)/da = 1/a
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():               # d(tanh a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data ** 2) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        x = self.data                  # written so that exp never overflows
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():               # d(sigma(a))/da = sigma(a)(1 - sigma(a))
            self.grad += out.data * (1.0 - out.data) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():               # 1 where a > 0, else 0 (we pick 0 at a = 0)
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    # --- the chain rule over the whole graph ---

    def backward(self):
        """Fill in ``.grad`` of every value this one depends on."""
        order, seen = [], set()

        def visit(v):                  # depth-first: children before parents
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)

        self.grad = 1.0                # d(self)/d(self)
        for v in reversed(order):
            v._backward()

    # --- everything else is built from the operations above ---

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * (other ** -1 if isinstance(other, Value) else 1.0 / other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"
