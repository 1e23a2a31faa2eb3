"""Checks shared by the test cells of every assignment.

A learner's function is run on the visible test's inputs and its result is compared with
the reference's on the same inputs (recorded when the course was built: :mod:`checks.recorded`)
or with numeric gradients; when they disagree the message says *what* is wrong and *where to
look*, without handing over the answer. The hidden tests are not here: the grader runs them
outside the learner's kernel, on fresh inputs, against the live reference.

Every call of a learner's function goes through :func:`call`, which also checks that

* the inputs are not modified in place,
* numpy raised no warning (overflow, division by zero, ...), reported as a message
  instead of a stray warning (nbgrader scores any stderr in a test cell as a fail).

The mistakes recognised (see :data:`MESSAGES`): a wrong sign, a transposed gradient, a
missing 1/N average (or a double one), a missing or unsummed bias gradient, a wrong
activation derivative, gradients not accumulated, an output with the wrong shape or dtype.

Modules: ``messages`` (MESSAGES, Mistake), ``calling`` (call, rebind), ``recorded`` (the
recorded answers, and :func:`parts_from`, which runs a learner's network with the reference's
parts so one bug is not charged twice), ``compare`` (assert_result and its diagnoses),
``gradients`` (derivatives and backward passes against numeric gradients), ``autograd``,
``training`` and ``rnn`` (the checks particular to assignments 4, 6 and 7). Test cells use
them all through this package: ``import checks``; ``checks.call(...)``. The package needs
numpy only.
"""

from .autograd import (
    check_accumulates,
    check_engine,
    check_local_gradient,
    check_reused_input,
    check_topological_order,
)
from .calling import call, describe_inputs, rebind
from .compare import (
    assert_close,
    assert_result,
    random_affine_backward_args,
    random_array,
    random_same_shape,
    random_shape,
    unpack,
)
from .gradients import (
    check_activation_backward,
    check_derivative,
    check_gradients,
    check_network_backward,
    numerical_derivative,
    numerical_gradients,
)
from .messages import MESSAGES, Mistake, ok
from .recorded import NotRecorded, answers_from, parts_from, reference
from .rnn import RNN_GRADIENTS, check_rnn_backward, random_rnn
from .training import check_accuracy, check_history, check_minibatches

# The layers of a network, by the names the notebooks give them, for :func:`parts_from`.
LAYER_NAMES = (
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "ACTIVATION_LAYERS",
)
