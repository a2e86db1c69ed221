"""The notebooks in ``notebooks/`` run top to bottom, as a user runs them, and are kept stripped.

Each notebook is copied to its own temporary folder and executed there with nbclient, in the
venv's ``python3`` kernel (the kernel's ``sys.executable`` is checked), any cell error failing the
test (nbclient raises ``CellExecutionError``):

- with no ``DEEPGRAM_API_*`` in the kernel's environment, so each notebook starts its own local
  server with the demo account (the microphone notebook streams its file, nobody clicks);
- and 01 and 04 once more with the environment ``dgdata lab`` gives its kernels for a local
  server started here (``DEEPGRAM_API_URL``, ``DEEPGRAM_API_KEY`` and ``DEEPGRAM_API_KEYS``, the
  key of each demo project: a key reaches one project), the path real keys take. With
  ``pytest --api-key KEY [--api-url URL]`` these two runs use that endpoint instead (they only
  read the account) and are the tests marked ``integration``.

The runs go concurrently (one event loop, one kernel each), about 30 s in all on 2 cores. A cell
appended to each copy writes the kernel's Python, the number of clients and every key it could
have used to a file (never to an output), so the tests can check that no key appears in the
executed notebook (outputs, widget state) nor in what it exported.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = [
    "01-usage-and-spend.ipynb",
    "02-batch-transcription.ipynb",
    "03-live-microphone.ipynb",
    "04-account-browser.ipynb",
]
#: The notebooks also run against a server given by the environment (``dgdata lab``, a real key).
ENV_RUNS = ["01-usage-and-spend.ipynb", "04-account-browser.ipynb"]
CREDENTIALS = ("DEEPGRAM_API_KEY", "DEEPGRAM_API_KEYS", "DEEPGRAM_API_URL", "DEEPGRAM_ACCESS_TOKEN")
PROBE_FILE = ".notebook-probe.json"
PROBE = f"""\
import json as _json
import os as _os
import sys as _sys

if server is not None:
    _keys = [server.api_key, *server.demo_keys.values()]
else:
    _given = [_os.environ["DEEPGRAM_API_KEY"], *_os.environ.get("DEEPGRAM_API_KEYS", "").split(",")]
    _keys = [_key for _key in _given if _key]
_probe = {{
    "python": _sys.executable,
    "keys": _keys,
    "own_server": server is not None,
    # the projects each client's key reaches, client by client
    "projects": [
        [_p["name"] for _p in _c.projects.list()["projects"]]
        for _c in globals().get("clients", [dg])
    ],
}}
with open({PROBE_FILE!r}, "w") as _file:
    _json.dump(_probe, _file)
"""
CELL_TIMEOUT = 180  # seconds per cell; the longest cells take a few seconds

pytestmark = pytest.mark.timeout(420)


@dataclass
class Run:
    """One executed copy of a notebook."""

    name: str
    folder: Path
    notebook: Any = None
    error: BaseException | None = None
    seconds: float = 0.0

    def check(self) -> None:
        """Fail with the notebook's own error (the cell and its traceback) if it had one."""
        if self.error is not None:
            report = re.sub(r"\x1b\[[0-9;]*m", "", str(self.error))  # no terminal colours
            where = f"{self.folder}, after {self.seconds:.0f} s"
            raise AssertionError(f"{self.name} failed ({where}):\n{report}")

    @property
    def probe(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / PROBE_FILE).read_text())
        return data

    def code_cells(self) -> list[Any]:
        return [cell for cell in self.notebook.cells if cell.cell_type == "code"]

    def outputs(self) -> list[Any]:
        return [output for cell in self.code_cells() for output in cell.get("outputs", [])]

    def text(self) -> str:
        """Everything the notebook printed or displayed as text."""
        parts = []
        for output in self.outputs():
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.extend(str(output.data.get(kind, "")) for kind in ("text/plain", "text/html"))
        return "\n".join(parts)

    def count(self, mime: str) -> int:
        return sum(1 for output in self.outputs() if mime in output.get("data", {}))


def words_of(text: str) -> str:
    """Lower case, punctuation dropped, single spaces: to find a sentence whatever its format."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


async def _execute(run: Run, env: dict[str, str]) -> None:
    notebook = nbformat.read(run.folder / run.name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(run.folder)}},
    )
    started = time.monotonic()
    try:
        await client.async_execute(env=env)
    except Exception as exc:  # CellExecutionError, or a kernel that did not start
        run.error = exc
    finally:
        run.seconds = time.monotonic() - started
        run.notebook = notebook


@dataclass
class Runs:
    """The executed notebooks, by (name, variant), and the endpoint of the ``env`` runs."""

    runs: dict[tuple[str, str], Run]
    #: the URL the ``env`` runs were given, and whether it is the test's own local server
    env_url: str
    env_is_local: bool

    def __call__(self, name: str, variant: str = "local") -> Run:
        run = self.runs[(name, variant)]
        run.check()
        return run


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runs]:
    """Every notebook executed once without credentials, and ``ENV_RUNS`` once more with them."""
    import os

    from dgdata import Deepgram
    from dgdata.cli.lab import notebook_environment
    from dgdata.server import LocalServer

    base = tmp_path_factory.mktemp("notebooks")
    real_key = request.config.getoption("--api-key")
    with pytest.MonkeyPatch.context() as patch, LocalServer(demo=True) as server:
        if real_key:
            given_url = request.config.getoption("--api-url")
            credentials = {"DEEPGRAM_API_KEY": real_key}
            if given_url:
                credentials["DEEPGRAM_API_URL"] = given_url
        else:
            # exactly what `dgdata lab` gives its kernels: the key of each demo project
            credentials = notebook_environment(server, base={})
        # the base URL the notebooks print, as the client normalises it
        env_url = Deepgram(api_key="-", api_url=credentials.get("DEEPGRAM_API_URL")).config.base_url
        for name in CREDENTIALS:  # module scope: conftest's autouse fixture has not run yet
            patch.delenv(name, raising=False)
        # Kernel specs are looked up in this process: the venv's first, none of the user's.
        patch.setenv("JUPYTER_PATH", str(Path(sys.prefix) / "share" / "jupyter"))
        patch.setenv("JUPYTER_DATA_DIR", str(base / "jupyter-data"))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(base / "jupyter-runtime"))
        plan: dict[tuple[str, str], tuple[Run, dict[str, str]]] = {}
        for variant, names in (("local", NAMES), ("env", ENV_RUNS)):
            for name in names:
                label = f"{variant}-{Path(name).stem}"
                folder = base / label
                (folder / "tmp").mkdir(parents=True)
                shutil.copy(NOTEBOOKS / name, folder / name)
                env = dict(os.environ)
                env["TMPDIR"] = str(folder / "tmp")  # the notebooks' temporary folders go here
                env["IPYTHONDIR"] = str(base / f"ipython-{label}")  # no personal profile
                if variant == "env":
                    env.update(credentials)
                plan[(name, variant)] = (Run(name, folder), env)

        async def execute_all() -> None:
            await asyncio.gather(*(_execute(run, env) for run, env in plan.values()))

        asyncio.run(execute_all())
        executed = {key: run for key, (run, _) in plan.items()}
        yield Runs(executed, env_url, env_is_local=not real_key)


# ----------------------------------------------------------------------------- committed files


def test_the_notebooks_folder_holds_the_four_notebooks() -> None:
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == NAMES
    assert (NOTEBOOKS / "README.md").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_valid_and_stripped(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert "widgets" not in notebook.metadata, "saved widget state: strip the notebook"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} of {name} has outputs: strip them"
            assert cell.execution_count is None, f"cell {index} of {name} has an execution count"
    assert notebook.cells[0].cell_type == "markdown", "a notebook starts with its introduction"
    setup = code[0].source
    assert "DEEPGRAM_API_KEY" in setup and "LocalServer(demo=True)" in setup


# ----------------------------------------------------------------------------- every run


@pytest.mark.parametrize(
    ("name", "variant"),
    [(name, "local") for name in NAMES]
    + [pytest.param(name, "env", marks=pytest.mark.integration) for name in ENV_RUNS],
)
def test_notebook_runs_cleanly_in_the_venv_kernel_and_never_shows_the_key(
    runs: Runs, name: str, variant: str
) -> None:
    run = runs(name, variant)
    probe = run.probe
    assert Path(probe["python"]) == Path(sys.executable), "the kernel is not the venv's Python"
    assert probe["own_server"] is (variant == "local")

    for output in run.outputs():
        assert output.output_type != "error"
        if output.output_type == "stream":  # warnings, tracebacks logged by a thread …
            assert output.name == "stdout", f"{name} wrote to stderr:\n{output.text}"

    keys = probe["keys"]
    assert keys and all(len(key) >= 16 for key in keys)
    # (checked without assert's rewriting, which would print a key in the report)
    executed = nbformat.writes(run.notebook)  # outputs and widget state alike
    if any(key in executed for key in keys):
        pytest.fail(f"an API key appears in the executed {name}")
    for path in run.folder.rglob("*"):  # exports, captions, caches
        if path.name in (PROBE_FILE, name) or not path.is_file():
            continue
        content = path.read_bytes()
        if any(key.encode() in content for key in keys):
            pytest.fail(f"an API key is in {path}")


DEMO_PROJECTS = ["Demo — Support calls", "Demo — Podcast studio", "Demo — Voice agent lab"]


@pytest.mark.parametrize(
    ("name", "variant", "projects"),
    [
        ("01-usage-and-spend.ipynb", "local", [[p] for p in DEMO_PROJECTS]),
        ("04-account-browser.ipynb", "local", [[p] for p in DEMO_PROJECTS]),
        ("02-batch-transcription.ipynb", "local", [DEMO_PROJECTS[:1]]),
        ("03-live-microphone.ipynb", "local", [DEMO_PROJECTS[:1]]),
        pytest.param(
            "01-usage-and-spend.ipynb",
            "env",
            [[p] for p in DEMO_PROJECTS],
            marks=pytest.mark.integration,
        ),
        pytest.param(
            "04-account-browser.ipynb",
            "env",
            [[p] for p in DEMO_PROJECTS],
            marks=pytest.mark.integration,
        ),
    ],
)
def test_each_key_reaches_one_project_and_the_notebook_has_a_client_per_key(
    runs: Runs, name: str, variant: str, projects: list[list[str]]
) -> None:
    """A key belongs to one project: 01 and 04 take the demo's key of each project (from the
    local server, or from what ``dgdata lab`` passes), 02 and 03 transcribe with the first."""
    run = runs(name, variant)
    if variant == "env" and not runs.env_is_local:  # `--api-key KEY`: one client, its project
        assert len(run.probe["projects"]) == 1
    else:
        assert run.probe["projects"] == projects


def test_without_credentials_each_notebook_starts_a_local_server(runs: Runs) -> None:
    for name in NAMES:
        text = runs(name).text()
        assert "No DEEPGRAM_API_KEY set: using a local Deepgram-compatible server" in text


@pytest.mark.integration
@pytest.mark.parametrize("name", ENV_RUNS)
def test_with_credentials_in_the_environment_the_notebook_uses_them(runs: Runs, name: str) -> None:
    text = runs(name, "env").text()
    assert f"Using the credentials in the environment, against {runs.env_url}" in text
    assert "No DEEPGRAM_API_KEY set" not in text
    if runs.env_is_local:
        assert "Demo — Support calls" in text  # the test's server, with its demo account
        assert "3 client(s), one per key" in text  # `dgdata lab` passes every demo project's key


# ----------------------------------------------------------------------------- what each shows


def test_usage_and_spend_draws_its_charts_and_exports(runs: Runs) -> None:
    import pandas as pd

    run = runs("01-usage-and-spend.ipynb")
    # spend by model, by project, hours, status, top keys, burn-down
    assert run.count("image/png") >= 6
    text = run.text()
    assert "Demo — Support calls" in text and "days left" in text
    assert "failed requests" in text and "No such model/language/tier combination" in text
    out = run.folder / "out"
    requests = pd.read_parquet(out / "requests.parquet")
    assert len(requests) > 1000 and requests["project_id"].nunique() == 3
    assert str(requests["created"].dtype) == "datetime64[ns, UTC]"
    csv = pd.read_csv(out / "requests.csv")
    assert len(csv) == len(requests)
    assert (out / "spend_per_day_by_model.csv").stat().st_size > 0


def test_batch_transcription_transcribes_the_calls_and_writes_captions(runs: Runs) -> None:
    import pandas as pd

    run = runs("02-batch-transcription.ipynb")
    text = words_of(run.text())
    assert "agent hello this is a speech test" in text
    assert "customer please call me back tonight" in text
    assert "customer there are 25 students" in text
    assert "2 of 2 transcripts came from the cache" in text
    assert "notes txt" in text  # the file that is not audio is an error row
    assert run.count("image/png") >= 3  # timeline, words per minute, confidence
    out = run.folder / "out"
    srt = (out / "captions" / "call-001.srt").read_text()
    assert "00:00:00," in srt and "Please call me back tonight." in srt
    assert (out / "captions" / "call-002.vtt").read_text().startswith("WEBVTT")
    words = pd.read_parquet(out / "parquet" / "words")
    assert set(words["channel"].dropna()) == {0, 1}
    assert len(words) == 25
    assert (out / "transcripts.csv").is_file() and (out / "words.csv").is_file()


def test_live_microphone_renders_the_widget_and_streams_the_file(runs: Runs) -> None:
    import pandas as pd

    run = runs("03-live-microphone.ipynb")
    # the microphone widget (nobody presses Start) and the file-streaming one
    assert run.count("application/vnd.jupyter.widget-view+json") >= 2
    text = run.text()
    assert "Nothing recorded yet" in text
    # the final transcript, printed; live endpoints depend on timing, so only the first
    # sentence is checked word for word (the recogniser gets all three right when not starved)
    transcript = words_of(text.split("Transcript:", 1)[1].splitlines()[0])
    assert transcript.startswith("hello this is a speech test"), transcript
    words = pd.read_csv(run.folder / "out" / "live_words.csv")
    assert words["word"].tolist()[:3] == ["hello", "this", "is"]
    assert 12 <= len(words) <= 18  # 15 words were said


def test_account_browser_renders_and_shows_the_same_data_as_frames(runs: Runs) -> None:
    run = runs("04-account-browser.ipynb")
    assert run.count("application/vnd.jupyter.widget-view+json") >= 1
    text = run.text()
    assert "Project: Demo — Support calls" in text
    for shown in ("Demo — nightly batch transcription", "sam.okafor@example.com"):
        assert shown in text  # a key's comment, a member
    assert "contractor@example.com" in text  # an invitation
    assert "Expired keys to clean up: ['Demo — intern sandbox (expired)']" in text
    assert re.search(r"The Usage tab holds \d+ requests", text)
    assert run.count("image/png") >= 1
