"""Scripts that run inside the jail (standard library only; the kernel's jail sees nothing else of
the grader): ``limits.py`` applies the rlimits and starts a command, ``zygote.py`` forks kernels."""
