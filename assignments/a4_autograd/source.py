# %% markdown
# # Assignment 4: the chain rule, one number at a time
#
# `Value` wraps a number and remembers how it was computed: `_prev` holds the values it
# was made from and `_op` the operation. Each operation also sets `out._backward`, a small
# function that pushes `out.grad` (d output / d out) back to the inputs, multiplied by the
# operation's **local derivative**. `backward()` then calls these functions over the whole
# graph, so that every value ends up with `.grad` = d output / d value.
#
# The forward computations are written for you. **Your task**, in the places marked
# `# YOUR CODE HERE`:
#
# 1. the `_backward` of each operation: `+`, `*`, `** k` (k a plain number), `exp`, `log`,
#    `tanh`, `sigmoid`, `relu` (take the derivative of relu at 0 to be 0);
# 2. `backward()`: set the output's own gradient, then call every `_backward` in the right
#    order: a value may pass its gradient on only when every value that uses it has passed
#    theirs to it (a *topological order* of the graph, reversed);
# 3. **accumulate**: a value used twice (as in `a * a`, or `a` feeding two branches)
#    receives gradient from both uses, so add to `.grad`, never overwrite it.
#
# Subtraction, division and negation are built from the operations above, so they work once
# those do. The tests call each `_backward` on its own, then `backward()` on whole graphs.

# %% code id=setup
import math


import checks

# %% solution id=value
class Value:
    """A scalar that records how it was made, so it can be differentiated."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0                # d(output)/d(self), filled in by backward()
        self._backward = lambda: None  # pushes self.grad to the children
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += out.grad
            other.grad += out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only powers by a plain number are supported"
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += k * self.data ** (k - 1) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += out.data * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += out.grad / self.data
            ### END SOLUTION
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += (1.0 - out.data ** 2) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def sigmoid(self):
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += out.data * (1.0 - out.data) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            ### BEGIN SOLUTION
            self.grad += (self.data > 0) * out.grad
            ### END SOLUTION
        out._backward = _backward
        return out

    def backward(self):
        """Fill in .grad of every value this one depends on (self is the output)."""
        ### BEGIN SOLUTION
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)
        visit(self)

        self.grad = 1.0
        for v in reversed(order):
            v._backward()
        ### END SOLUTION

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

# %% tests id=test_add_mul points=2 needs=value
checks.check_local_gradient(Value, lambda a, b: a + b, [2.0, -3.0], "c = a + b")
checks.check_local_gradient(Value, lambda a, b: a * b, [2.0, -3.0], "c = a * b")
checks.ok()

# %% tests id=test_pow_exp_log points=2 needs=value
checks.check_local_gradient(Value, lambda a: a ** 3, [2.0], "c = a ** 3")
checks.check_local_gradient(Value, lambda a: a.exp(), [0.5], "c = a.exp()")
checks.check_local_gradient(Value, lambda a: a.log(), [4.0], "c = a.log()")
checks.ok()

# %% tests id=test_tanh_sigmoid_relu points=2 needs=value
checks.check_local_gradient(Value, lambda a: a.tanh(), [0.5], "c = a.tanh()")
checks.check_local_gradient(Value, lambda a: a.sigmoid(), [0.5], "c = a.sigmoid()")
checks.check_local_gradient(Value, lambda a: a.relu(), [1.5], "c = a.relu()")
checks.check_local_gradient(Value, lambda a: a.relu(), [-1.5], "c = a.relu()")
checks.ok()

# %% tests id=test_accumulate points=2 needs=value
checks.check_reused_input(Value, lambda a: a + a, lambda a, b: a + b, 2.0, "c = a + a")
checks.check_reused_input(Value, lambda a: a * a, lambda a, b: a * b, 3.0, "c = a * a")
checks.ok()

# %% tests id=test_backward_order points=2 needs=value
checks.check_topological_order(Value, n_nodes=6, seed=0)
checks.ok()

# %% tests id=test_whole_engine points=1 needs=value
checks.check_engine(Value, "(a + b) * a + (b * b).tanh() - a.exp() / (a * 3)", [2.0, -3.0])
checks.ok()
