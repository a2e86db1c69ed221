"""The batch tests run on the local server's shared fixtures (``tests/server/conftest.py``)."""

from tests.server.conftest import dg, module_server, server  # noqa: F401 (fixtures)
