"""``dgdata serve``: what cannot be served is a one-line usage error (exit 2), not a traceback.

Only the refusals are run in process: a server that starts serves until Ctrl+C.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dgdata.cli import main


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("notes.txt/state.sqlite", "'{tmp}/notes.txt' is a file, not a folder"),
        ("notes.txt", "cannot be used as the server's database (file is not a database)"),
        ("folder", "is a folder; the SQLite database is written to one file"),
    ],
    ids=["inside-a-file", "not-a-database", "a-folder"],
)
def test_a_db_that_cannot_be_used_is_exit_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a database, " * 100)
    (tmp_path / "folder").mkdir()
    assert main(["serve", "--port", "0", "--db", str(tmp_path / db)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.err.startswith("dgdata serve: --db ")
    assert message.format(tmp=tmp_path) in captured.err
    assert (tmp_path / "notes.txt").read_text().startswith("not a database")


def test_a_missing_db_folder_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dgdata.server.runner import LocalServer

    made: list[LocalServer] = []

    def serve_forever(self: LocalServer) -> None:  # return at once instead of serving
        made.append(self)
        self.store.close()
        self._sock.close()

    monkeypatch.setattr(LocalServer, "serve_forever", serve_forever)
    db = tmp_path / "state" / "dgdata.sqlite"
    assert main(["serve", "--port", "0", "--db", str(db)]) == 0
    assert made and db.is_file()


def test_a_port_in_use_is_exit_2_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Pick another --port." in err


def test_a_host_that_is_not_ours_is_exit_2_naming_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--host", "192.0.2.1", "--port", "0"]) == 2  # TEST-NET-1
    err = capsys.readouterr().err
    assert "cannot listen on 192.0.2.1:0" in err and "Check --host." in err
