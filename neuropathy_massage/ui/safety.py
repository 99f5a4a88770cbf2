"""Errors in widget callbacks: logged on the server, never sent to the learner's page.

Where a callback's traceback left the kernel before (measured; ipywidgets 8.1, ipykernel 7):

* a button's `on_click` (any `CallbackDispatcher`) and an observer run from a comm message:
  ipywidgets calls `get_ipython().showtraceback()`, and ipykernel publishes an iopub `error`
  with the full traceback and the server's file paths to every client of the kernel;
* library loggers with no handler of their own (`Comm`, `ipykernel.comm`: a crafted `comm_open`
  logs a traceback there) fall back to logging's last-resort handler, `sys.stderr`, which in a
  kernel is forwarded to the page as an iopub `stream`.

`install_quiet_tracebacks()` (run when `neuropathy_massage.ui` is imported in a kernel) replaces
the shell's `showtraceback` and gives the root logger a handler, both writing to the server's own
stderr (the copy of fd 2 ipykernel keeps before redirecting it), so the traceback lands in the
server log with the kernel id and nothing reaches the page. The server-side net is
`MappingKernelManager.allow_tracebacks = False` (voila_config.py). `guarded()` wraps the course's
own callbacks: on an error the learner sees one short sentence, written once, in a template.
"""

from __future__ import annotations

import logging
import os
import sys
from functools import wraps

LOG_NAME = "neuropathy_massage.kernel"
_installed = False


def _server_stderr():
    """A text stream on the server's stderr (not the kernel's forwarded one)."""
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if fd is not None:
        return os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")
    return sys.__stderr__


def server_logger() -> logging.Logger:
    log = logging.getLogger(LOG_NAME)
    if not log.handlers:
        handler = logging.StreamHandler(_server_stderr())
        handler.setFormatter(logging.Formatter(f"[kernel {os.getpid()}] %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False
        log.setLevel(logging.INFO)
    return log


def install_quiet_tracebacks(shell=None) -> bool:
    """Route callback errors to the server log. Returns False outside an IPython kernel."""
    global _installed
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False  # plain Python or a terminal IPython: tracebacks are the user's own
    if _installed:
        return True
    log = server_logger()

    def showtraceback(exc_tuple=None, *args, **kwargs):
        try:
            etype, value, tb = shell._get_exc_info(exc_tuple)
        except ValueError:
            log.error("showtraceback called with no exception")
            return
        log.error("error in a callback", exc_info=(etype, value, tb))

    shell.showtraceback = showtraceback
    handler = logging.StreamHandler(_server_stderr())
    handler.setFormatter(log.handlers[0].formatter)
    logging.getLogger().addHandler(handler)
    _installed = True
    return True


def guarded(report):
    """Decorator for the course's callbacks: an error is logged on the server and `report()` is
    called (it shows the learner a short message) instead of the error reaching the page."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception:
                server_logger().exception("error in %s", getattr(fn, "__qualname__", fn))
                report()
                return None
        return wrapper
    return decorate
