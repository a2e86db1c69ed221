"""The project's own promises: README quickstart (and a demo that ends cleanly), CI, conda
environment, the operations table, the committed test speech."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import tomllib
import yaml

from dgdata.cli.main import main
from dgdata.cli.operations import operations_table
from dgdata.client import operations

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPEC = ROOT / "tests" / "data" / "api" / "openapi.yml"

# PyPI name -> conda-forge name, where they differ
CONDA_NAMES = {"soundfile": "pysoundfile", "sounddevice": "python-sounddevice"}


def _quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Quickstart section has a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def _requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_quickstart_is_exactly_two_commands() -> None:
    assert len(_quickstart_commands()) == 2


def test_ci_runs_the_readme_test_command_after_installing() -> None:
    install, tests = _quickstart_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests.strip() in ci
    assert '.venv/bin/pip install --quiet -e ".[dev]"' in ci
    assert ci.index("pip install") < ci.index(tests.strip())
    assert ".[dev]" in install


def test_environment_yml_and_pyproject_declare_the_same_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"])
    for extra, requirements in project["optional-dependencies"].items():
        declared += [r for r in requirements if not r.startswith("dgdata[")]
        assert extra in {"server", "widgets", "mic", "dev"}
    wanted = {}
    for requirement in declared:
        name, version = _requirement(requirement)
        wanted[CONDA_NAMES.get(name, name)] = version

    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    found = {}
    for item in environment["dependencies"]:
        entries = item["pip"] if isinstance(item, dict) else [item]
        for entry in entries:
            if entry.startswith("-e") or entry == "pip" or re.match(r"python\b(?!-)", entry):
                continue
            name, version = _requirement(entry)
            found[name] = version
    assert found == wanted


def test_pyproject_requires_python_310_and_has_the_console_script() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.10"
    assert project["scripts"]["dgdata"] == "dgdata.cli:main"
    assert "dgdata[server,widgets]" in project["optional-dependencies"]["dev"]


def test_readme_operations_table_matches_the_code() -> None:
    assert operations_table(markdown=True) in README


def test_client_covers_exactly_the_50_operations_of_the_spec() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    in_spec = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    covered = {(op.method, op.path) for op in operations()}
    assert len(in_spec) == 50
    assert covered == in_spec


def test_every_operation_keeps_a_design_md_name() -> None:
    names = {call for op in operations() for call in op.calls}
    seed = {
        "transcription.prerecorded", "transcription.sync_prerecorded", "projects.list",
        "projects.get", "projects.update", "projects.delete", "projects.leave", "keys.list",
        "keys.get", "keys.create", "keys.delete", "members.list_members", "members.remove_member",
        "scopes.get_scope", "scopes.update_scope", "invitations.list_invitations",
        "invitations.send_invitation", "invitations.remove_invitation",
        "invitations.leave_project", "usage.list_requests", "usage.get_request", "usage.get_usage",
        "usage.get_fields", "usage.get_breakdown", "billing.list_balance", "billing.get_balance",
        "billing.get_breakdown", "billing.get_fields", "billing.list_purchases", "models.list",
        "models.get", "models.list_project_models", "models.get_project_model",
        "speak.synthesize", "speak.flux", "read.analyze", "auth.grant",
        "selfhosted.list_credentials", "selfhosted.create_credentials",
        "selfhosted.get_credentials", "selfhosted.delete_credentials", "agents.list_think_models",
        "agents.list", "agents.create", "agents.get", "agents.update", "agents.delete",
        "agents.list_variables", "agents.create_variable", "agents.get_variable",
        "agents.update_variable", "agents.delete_variable",
    }  # fmt: skip
    assert names == seed


def test_cli_lists_the_operations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["operations"]) == 0
    out = capsys.readouterr().out
    assert "keys.create" in out
    assert out.rstrip().endswith("50 operations")


def test_cli_version_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dgdata", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("dgdata ")
    help_text = subprocess.run(
        [sys.executable, "-m", "dgdata", "operations", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--markdown" in help_text


def test_package_ships_its_type_marker() -> None:
    assert (ROOT / "dgdata" / "py.typed").exists()


def test_listen_options_name_every_query_parameter_of_the_spec() -> None:
    from dgdata.options import ListenOptions

    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    parameters = spec["paths"]["/v1/listen"]["post"]["parameters"]
    in_spec = {p["name"] for p in parameters if p.get("in") == "query"}
    assert in_spec <= set(ListenOptions.__annotations__)
    assert set(ListenOptions.__annotations__) - in_spec == {"mimetype"}


def test_the_tests_never_reach_beyond_loopback() -> None:
    import requests

    with pytest.raises(requests.ConnectionError, match="loopback only"):
        requests.get("https://api.deepgram.com/v1/projects", timeout=1)


def test_the_quickstarts_demo_ends_cleanly(tmp_path: Path) -> None:
    """``dgdata demo`` as the README runs it, in its own process: exit 0, nothing on stderr.

    Its recogniser's worker pool once outlived the server and printed "Exception ignored in
    ... threading._shutdown ... Bad file descriptor" as the interpreter exited.
    """
    done = subprocess.run(
        [sys.executable, "-m", "dgdata", "demo", "--quiet", "--out", str(tmp_path / "tour")],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Nor a resource tracker's "leaked semaphore" warning: faster-whisper's progress bar (tqdm)
    # made a multiprocessing lock in each recogniser process, leaked when the worker ended.
    assert done.stderr == "", done.stderr
    assert (tmp_path / "tour" / "transcripts.csv").is_file()


def test_the_test_speech_is_committed_small_16khz_mono_one_file_per_sentence() -> None:
    from tests.server.audio_corpus import CORPUS, HELD_OUT, SPEECH, speech_file

    wanted = {speech_file(text) for text in CORPUS + HELD_OUT}
    assert set(SPEECH.glob("*.wav")) == wanted, "tests/data/speech/render.py makes them all"
    for path in wanted:
        with wave.open(str(path), "rb") as wav:
            assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
            assert 1.5 < wav.getnframes() / 16000 < 6, path.name
    assert sum(path.stat().st_size for path in wanted) < 4_000_000, "a few MB at most"


@pytest.mark.needs_flite
def test_flite_renders_the_committed_speech_byte_for_byte() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "data" / "speech" / "render.py"), "--check"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
