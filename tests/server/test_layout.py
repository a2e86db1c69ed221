"""The local server's layout holds: SQL only in the backend, routes in plain code, database work
off the event loop, loggers named by module, a small package top with documented subpackages."""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import pkgutil
import re
import traceback
import wave
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import websocket

import dgdata.server
from dgdata.server import routes
from dgdata.server.backend.store import Store
from dgdata.server.runner import LocalServer
from tests.server.manage_common import raw

SERVER = Path(dgdata.server.__file__).parent
BACKEND = SERVER / "backend"

#: What SQL looks like in Python source: a statement keyword followed by a space, a call that
#: runs one (``.execute(``, ``.executemany(``, ``store.query(`` ...), or sqlite3 itself.
_SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE) |\bexecute\w*\(|\bstore\.(query|one|transaction)\("
    r"|\bsqlite3\b"
)


def _modules(root: Path) -> Iterator[Path]:
    yield from sorted(root.rglob("*.py"))


def test_no_sql_outside_the_backend() -> None:
    found = [
        f"{path.relative_to(SERVER)}:{number}: {line.strip()}"
        for path in _modules(SERVER)
        if BACKEND not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _SQL.search(line)
    ]
    assert found == [], "SQL belongs in dgdata/server/backend/:\n" + "\n".join(found)


def test_the_backend_does_hold_the_sql() -> None:
    """The check above would pass on a tree with no SQL at all; this one says it looks right."""
    statements = sum(
        len(_SQL.findall(path.read_text(encoding="utf-8"))) for path in _modules(BACKEND)
    )
    assert statements > 40


def test_every_route_module_is_mounted_in_plain_code() -> None:
    names = [
        info.name for info in pkgutil.iter_modules(routes.__path__) if not info.name.startswith("_")
    ]
    assert len(names) >= 14
    mounted = {id(route) for route in routes.ROUTES}
    for name in names:
        module = importlib.import_module(f"dgdata.server.routes.{name}")
        assert module.ROUTES, name
        assert all(id(route) in mounted for route in module.ROUTES), name
    for path in (SERVER / "app.py", *sorted((SERVER / "routes").glob("*.py"))):
        assert "importlib" not in path.read_text(encoding="utf-8"), path.name


def test_loggers_are_named_by_module() -> None:
    literal = re.compile(r"getLogger\(\s*['\"]")
    named = [
        str(path.relative_to(SERVER))
        for path in _modules(SERVER)
        if literal.search(path.read_text(encoding="utf-8"))
    ]
    assert named == []


def test_the_package_top_stays_small_and_its_subpackages_say_what_they_hold() -> None:
    entries = [p for p in SERVER.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 12, sorted(p.name for p in entries)
    packages = [p for p in entries if p.is_dir()]
    assert len(packages) >= 7
    for package in packages:
        doc = importlib.import_module(f"dgdata.server.{package.name}").__doc__ or ""
        assert len(doc.split()) >= 15, f"{package.name}/__init__.py needs a real docstring"


def test_a_file_database_runs_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "server.db")
    try:
        row = store.one("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
    finally:
        store.close()


# --------------------------------------------------------------------------- at run time


def _silence_wav(seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * int(16000 * seconds))
    return buffer.getvalue()


def _on_the_loop_recorder(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap the store's methods to note every call made from a thread running an event loop."""
    offences: list[str] = []

    def checked(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # no loop in this thread: a worker thread, as it should be
                pass
            else:
                offences.append("".join(traceback.format_stack(limit=6)))
            return method(*args, **kwargs)

        return call

    for name in ("query", "one", "execute", "execute_many", "transaction", "reset"):
        monkeypatch.setattr(store, name, checked(getattr(store, name)))
    return offences


def _exercise(server: LocalServer) -> None:
    """One call of every kind of work the server does with its database."""
    pid = server.project_id
    base = f"/v1/projects/{pid}"
    created = raw(server, "POST", base + "/keys", json={"comment": "c", "scopes": ["member"]})
    assert created.status_code == 200, created.text
    key_id = created.json()["api_key_id"]
    for method, path, body in [
        ("GET", "/v1/projects", None),
        ("GET", base, None),
        ("PATCH", base, {"name": "renamed"}),
        ("GET", base + "/keys", None),
        ("GET", f"{base}/keys/{key_id}", None),
        ("DELETE", f"{base}/keys/{key_id}", None),
        ("GET", base + "/members", None),
        ("POST", base + "/invites", {"email": "x@example.com", "scope": "member"}),
        ("GET", base + "/invites", None),
        ("GET", base + "/requests", None),
        ("GET", base + "/usage", None),
        ("GET", base + "/usage/breakdown", None),
        ("GET", base + "/balances", None),
        ("GET", base + "/billing/fields", None),
        ("POST", base + "/agent-variables", {"key": "DG_X", "value": 1}),
        ("POST", base + "/self-hosted/distribution/credentials", None),
        ("POST", "/v1/auth/grant", {}),
    ]:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        answer = raw(server, method, path, **kwargs)
        assert answer.status_code < 300, (method, path, answer.text)
    listened = raw(server, "POST", "/v1/listen", data=_silence_wav())
    assert listened.status_code == 200, listened.text
    refused = raw(server, "POST", "/v1/listen", data=b"not audio")
    assert refused.status_code == 400
    stream = websocket.create_connection(
        f"{server.ws_url}/v1/listen?encoding=linear16&sample_rate=16000",
        header=[f"Authorization: Token {server.api_key}"],
        timeout=20,
    )
    stream.send_binary(b"\0\0" * 1600)
    stream.send(json.dumps({"type": "CloseStream"}))
    while stream.recv():  # until the server closes the stream
        pass
    stream.close()


@pytest.mark.integration
def test_database_work_never_runs_on_the_event_loop(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    offences = _on_the_loop_recorder(server.store, monkeypatch)
    _exercise(server)
    server.reset()
    assert offences == [], "\n\n".join(offences)


@pytest.mark.integration
def test_concurrent_writes_all_land(server: LocalServer) -> None:
    path = f"/v1/projects/{server.project_id}/keys"

    def make(number: int) -> int:
        body = {"comment": f"key {number}", "scopes": ["member"]}
        return raw(server, "POST", path, json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(make, range(40)))
    assert codes == [200] * 40
    comments = [k["api_key"]["comment"] for k in raw(server, "GET", path).json()["api_keys"]]
    assert sorted(comments) == sorted(["dgdata serve (owner)", *(f"key {n}" for n in range(40))])
