"""The ``dgdata`` command line: a thin layer over the library, one module per command.

:func:`main` is the console script's entry point (``dgdata = "dgdata.cli:main"``).
"""

from __future__ import annotations

from dgdata.cli.main import main

__all__ = ["main"]
