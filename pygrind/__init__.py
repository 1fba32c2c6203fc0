"""pygrind: a dynamic binary instrumentation framework in Python, in the tradition of Valgrind."""

__version__ = "0.1.0"
