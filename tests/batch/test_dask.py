"""Scaling a batch out: a Dask cluster runs it through ``client.get_executor()``.

The cluster's workers are separate processes, so this also proves that everything a worker is
handed (the client, the cache, the shared rate limiter) travels by pickle and works there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dgdata import Deepgram
from dgdata.batch import transcribe_folder
from dgdata.server.runner import LocalServer
from tests.batch.recordings import distinct_recordings

distributed = pytest.importorskip("distributed", reason="the dev extra installs distributed")


@pytest.fixture(scope="module")
def dask_client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_a_dask_cluster_runs_the_batch_in_its_worker_processes(
    dask_client: distributed.Client, dg: Deepgram, server: LocalServer, tmp_path: Path
) -> None:
    files = distinct_recordings(tmp_path / "calls", 8)
    (tmp_path / "calls" / "empty.wav").write_bytes(b"")
    cache = tmp_path / "cache"

    with distributed.get_task_stream(dask_client) as tasks:
        result = transcribe_folder(
            dg,
            tmp_path / "calls",
            cache_dir=cache,
            progress=False,
            executor=dask_client.get_executor(),
        )

    rows = result.transcripts.set_index("path")
    assert len(rows) == len(files) + 1
    assert "empty" in rows.loc[str(tmp_path / "calls" / "empty.wav"), "error"]
    done = rows[rows["error"].isna()]
    assert len(done) == len(files)
    assert set(done["text"]) == {
        "hello this is a speech test",
        "please call me back tonight",
        "there are twenty five students",
    }
    logged = server.store.query("SELECT request_id FROM requests WHERE endpoint = 'listen'")
    assert sorted(r[0] for r in logged) == sorted(done["request_id"])
    assert len(list(cache.glob("*/*.json"))) == len(files), "the workers wrote the shared cache"
    ran_on = {task["worker"] for task in tasks.data}
    assert len(tasks.data) == len(files) + 1, "every file was a task on the cluster"
    assert ran_on <= set(dask_client.scheduler_info()["workers"]), "and ran in its workers"

    again = transcribe_folder(
        dg, tmp_path / "calls", cache_dir=cache, progress=False, executor=dask_client.get_executor()
    )
    assert again.transcripts["cached"].sum() == len(files)
