"""The dgdata version, read by the packaging metadata."""

__version__ = "0.1.0"
