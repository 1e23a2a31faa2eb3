"""Where a learner's code runs: the sandbox (``sandbox``), kernels started or forked in it
(``kernels``), and ``inside/``, the two scripts that run inside the jail itself."""
