"""Checks shared by the test cells of every assignment.

A learner's function is run on inputs, its result is compared with the reference
package ``nanoprop`` (or with numeric gradients), and when they disagree the message
says *what* is wrong and *where to look*, without handing over the answer. The same
helpers serve the visible tests (small, fixed inputs) and the hidden ones (random shapes
and values, edge cases).

Every call of a learner's function goes through :func:`call`, which also checks that

* the inputs are not modified in place,
* numpy raised no warning (overflow, division by zero, ...), reported as a message
  instead of a stray warning (nbgrader scores any stderr in a test cell as a fail),
* the function did not get its result from ``nanoprop`` (:func:`assert_own_code`).

The mistakes recognised (see :data:`MESSAGES`): a wrong sign, a transposed gradient, a
missing 1/N average (or a double one), a missing or unsummed bias gradient, a wrong
activation derivative, gradients not accumulated, an output with the wrong shape or dtype.

Modules: ``messages`` (MESSAGES, Mistake), ``fairness`` (call, nanoprop detection, rebind),
``compare`` (assert_result and its diagnoses, compare_with_reference), ``gradients``
(derivatives and backward passes against numeric gradients), ``autograd``, ``training``
and ``rnn`` (the checks particular to assignments 4, 6 and 7). Test cells use them all
through this package: ``import checks``; ``checks.call(...)``.
"""

from .autograd import (
    check_accumulates,
    check_local_gradient,
    check_reused_input,
    check_topological_order,
    compare_engines,
)
from .compare import (
    assert_close,
    assert_result,
    compare_with_reference,
    random_affine_backward_args,
    random_array,
    random_same_shape,
    random_shape,
    unpack,
)
from .fairness import (
    LAYER_NAMES,
    REFERENCE_MODULES,
    assert_own_code,
    call,
    describe_inputs,
    rebind,
    reference_links,
    with_reference_layers,
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
from .rnn import RNN_GRADIENTS, check_rnn_backward, random_rnn
from .training import check_accuracy, check_history, check_minibatches
