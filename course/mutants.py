"""Seeded bugs in the instructor's solutions: the mistakes learners really make.

Each mutant is one edit of a solution notebook (``old`` replaced by ``new`` in the solution
cell ``cell``) and states what grading must do with it: the test cells that must fail
(``lost``, all the others keep their points) and the diagnosis the broken part's test must
show (``message``, a key of :data:`course.checks.MESSAGES`; tests further down that also
depend on the broken part fail with their own message). The validity tests grade every mutant; the demo
class gives them to its "buggy" students.
"""
from collections import namedtuple

Mutant = namedtuple("Mutant", "assignment name cell old new lost message")

CHEAT_IMPORT = "import nanoprop\n"

MUTANTS = [
    # --- a1: the neuron -------------------------------------------------------------------
    Mutant("a1_neuron", "sigmoid_prime_plus", "sigmoid",
           "return s * (1.0 - s)", "return s * (1.0 + s)",
           {"test_sigmoid_prime"}, "derivative"),
    Mutant("a1_neuron", "tanh_prime_of_z", "tanh",
           "return 1.0 - np.tanh(z) ** 2", "return 1.0 - z ** 2",
           {"test_tanh_prime"}, "derivative"),
    Mutant("a1_neuron", "relu_in_place", "relu",
           "return np.maximum(z, 0.0)", "z[z < 0] = 0.0\n    return z",
           {"test_relu"}, "in_place"),
    Mutant("a1_neuron", "neuron_no_bias", "neuron",
           "np.dot(x, w) + b)", "np.dot(x, w))",
           {"test_neuron"}, "bias_forgotten"),
    Mutant("a1_neuron", "sigmoid_calls_reference", "sigmoid",
           "z = np.asarray(z, dtype=float)\n    e = np.exp(-np.abs(z))\n"
           "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "import sys\n    return sys.modules['nano' + 'prop'].sigmoid(z)",
           {"test_sigmoid", "test_sigmoid_prime", "test_neuron"}, "calls_reference"),
    # --- a2: the forward pass --------------------------------------------------------------
    Mutant("a2_forward", "affine_no_bias", "affine_forward",
           "out = x @ W + b", "out = x @ W",
           {"test_affine_forward"}, "bias_forgotten"),
    Mutant("a2_forward", "relu_forward_in_place", "activation_forward",
           "return np.maximum(x, 0), x", "x[x < 0] = 0\n    return x, x",
           {"test_relu_forward"}, "in_place"),
    Mutant("a2_forward", "sigmoid_forward_overflows", "activation_forward",
           "e = np.exp(-np.abs(x))\n    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "out = 1.0 / (1.0 + np.exp(-x))",
           {"test_sigmoid_forward"}, "warning"),
    Mutant("a2_forward", "mlp_activation_after_last_layer", "mlp_forward",
           "if i < n_layers:", "if i <= n_layers:",
           {"test_mlp_forward"}, "last_activation"),
    Mutant("a2_forward", "mlp_forward_calls_reference", "mlp_forward",
           "act_forward = ACTIVATION_FORWARD[self.activation]", "return super().forward(X)",
           {"test_mlp_forward"}, "calls_reference"),
    # --- a3: losses ------------------------------------------------------------------------
    Mutant("a3_loss", "mse_gradient_not_averaged", "mse_loss",
           "dpred = diff / n", "dpred = diff",
           {"test_mse_gradient"}, "missing_average"),
    Mutant("a3_loss", "mse_gradient_wrong_sign", "mse_loss",
           "dpred = diff / n", "dpred = (target - pred) / n",
           {"test_mse_gradient"}, "sign"),
    Mutant("a3_loss", "softmax_unstable", "softmax",
           "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits",
           {"test_softmax"}, "warning"),
    Mutant("a3_loss", "cross_entropy_gradient_not_averaged", "softmax_cross_entropy",
           "    dlogits /= n\n", "",
           {"test_cross_entropy_gradient"}, "missing_average"),
    Mutant("a3_loss", "cross_entropy_calls_reference", "softmax_cross_entropy",
           "    n = logits.shape[0]\n",
           "    import importlib\n    return importlib.import_module('nanoprop.losses')"
           ".softmax_cross_entropy(logits, labels)\n",
           {"test_cross_entropy_value", "test_cross_entropy_gradient"}, "calls_reference"),
    # --- a4: the autograd engine -------------------------------------------------------------
    Mutant("a4_autograd", "mul_gradients_swapped", "value",
           "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
           "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
           {"test_add_mul", "test_whole_engine"}, "local_derivative"),
    Mutant("a4_autograd", "add_overwrites_gradients", "value",
           "self.grad += out.grad\n            other.grad += out.grad",
           "self.grad = out.grad\n            other.grad = out.grad",
           {"test_accumulate", "test_whole_engine"}, "not_accumulated"),
    Mutant("a4_autograd", "backward_in_wrong_order", "value",
           "for v in reversed(order):", "for v in order:",
           {"test_backward_order", "test_whole_engine"}, "order"),
    Mutant("a4_autograd", "tanh_derivative_of_input", "value",
           "self.grad += (1.0 - out.data ** 2) * out.grad", "self.grad += (1.0 - self.data ** 2) * out.grad",
           {"test_tanh_sigmoid_relu", "test_whole_engine"}, "local_derivative"),
    Mutant("a4_autograd", "backward_calls_reference", "value",
           "        order, seen = [], set()\n", "        import nanoprop\n"
           "        return nanoprop.Value.backward(self)\n",
           {"test_backward_order", "test_whole_engine"}, "calls_reference"),
    # --- a5: backprop in matrix form ---------------------------------------------------------
    Mutant("a5_backprop", "dW_transposed", "affine_backward",
           "dW = x.T @ dout", "dW = dout.T @ x",
           {"test_affine_dW"}, "transposed"),
    Mutant("a5_backprop", "db_missing", "affine_backward",
           "db = dout.sum(axis=0)", "db = np.zeros(W.shape[1])",
           {"test_affine_db"}, "bias_zero"),
    Mutant("a5_backprop", "db_not_summed", "affine_backward",
           "db = dout.sum(axis=0)", "db = dout",
           {"test_affine_db"}, "bias_not_summed"),
    Mutant("a5_backprop", "sigmoid_backward_wrong_derivative", "activation_backward",
           "return dout * out * (1 - out)", "return dout * (1 - out)",
           {"test_sigmoid_backward"}, "derivative"),
    Mutant("a5_backprop", "mlp_backward_skips_activations", "mlp_backward",
           "                dout = act_backward(dout, act_cache)\n", "                pass\n",
           {"test_mlp_backward"}, "mismatch"),
    Mutant("a5_backprop", "mlp_backward_calls_reference", "mlp_backward",
           "_, act_backward = ACTIVATION_LAYERS[self.activation]",
           "return super().backward(dscores, caches)",
           {"test_mlp_backward"}, "calls_reference"),
    # --- a6: gradient descent and training ----------------------------------------------------
    Mutant("a6_training", "sgd_uphill", "sgd",
           "return w - learning_rate * dw", "return w + learning_rate * dw",
           {"test_sgd"}, "sign"),
    Mutant("a6_training", "momentum_uphill", "sgd",
           "v = momentum * v - learning_rate * dw", "v = momentum * v + learning_rate * dw",
           {"test_sgd_momentum", "test_digits_accuracy"}, "sign"),
    Mutant("a6_training", "momentum_velocity_in_place", "sgd",
           "v = momentum * v - learning_rate * dw", "v *= momentum\n    v -= learning_rate * dw",
           {"test_sgd_momentum"}, "in_place"),
    Mutant("a6_training", "minibatches_drop_the_last_batch", "minibatches",
           "range(0, len(X), batch_size)", "range(0, len(X) - batch_size + 1, batch_size)",
           {"test_minibatches"}, "not_every_example"),
    Mutant("a6_training", "minibatches_not_shuffled", "minibatches",
           "order = rng.permutation(len(X))", "order = np.arange(len(X))",
           {"test_minibatches"}, "not_shuffled"),
    Mutant("a6_training", "train_calls_reference", "train",
           "    rng = np.random.default_rng(seed)\n",
           "    return nanoprop.train(model, X, y, X_val, y_val, epochs, batch_size, learning_rate, momentum, seed)\n",
           {"test_train", "test_digits_accuracy"}, "calls_reference"),
    # --- a7: backprop through time -----------------------------------------------------------
    Mutant("a7_rnn", "step_backward_wrong_tanh_derivative", "rnn_step",
           "dz = dh * (1 - h ** 2)", "dz = dh * (1 - h)",
           {"test_rnn_step_backward"}, "mismatch"),
    Mutant("a7_rnn", "forward_ignores_h0", "rnn_sequence",
           "h_prev = h0\n", "h_prev = np.zeros_like(h0)\n",
           {"test_rnn_forward"}, "mismatch"),
    Mutant("a7_rnn", "backward_no_flow_through_time", "rnn_sequence",
           "rnn_step_backward(dh[:, t] + dh_next, caches[t])", "rnn_step_backward(dh[:, t], caches[t])",
           {"test_rnn_backward"}, "no_time_flow"),
    Mutant("a7_rnn", "backward_weights_not_summed", "rnn_sequence",
           "dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t", "dWx, dWh, db = dWx_t, dWh_t, db_t",
           {"test_rnn_backward"}, "not_summed_over_time"),
    Mutant("a7_rnn", "step_forward_calls_reference", "rnn_step",
           "h = np.tanh(x @ Wx + h_prev @ Wh + b)\n    return h, (x, h_prev, Wx, Wh, h)",
           "from nanoprop import rnn as _rnn\n    return _rnn.rnn_step_forward(x, h_prev, Wx, Wh, b)",
           {"test_rnn_step_forward"}, "calls_reference"),
]


def for_assignment(assignment):
    return [m for m in MUTANTS if m.assignment == assignment]


def apply(mutant, notebook):
    """A copy of the notebook (a dict) with the mutant's edit made in its solution cell."""
    import copy
    nb = copy.deepcopy(notebook)
    matches = [c for c in nb["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == mutant.cell]
    if len(matches) != 1:
        raise ValueError(f"mutant {mutant.name}: no single solution cell {mutant.cell!r}")
    cell = matches[0]
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if source.count(mutant.old) != 1:
        raise ValueError(f"mutant {mutant.name}: {mutant.old!r} must occur exactly once in "
                         f"cell {mutant.cell!r} (found {source.count(mutant.old)})")
    cell["source"] = source.replace(mutant.old, mutant.new)
    return nb
