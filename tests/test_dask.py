"""policyrules.dask: a Dask DataFrame decided on a local cluster gives what `policyrules batch` writes.

The cluster tests start a `distributed.LocalCluster` of two worker processes (one thread
each) inside the test and close it at the end; the registry is a few hundred generated rows
(with its deliberate mistakes, so error rows are compared too). The expected output is the
single-process batch run on the same file.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import policyrules  # noqa: E402
import policyrules.dask as pdask  # noqa: E402
from policyrules.batch import Job, MappingError, run  # noqa: E402
from policyrules.batch.generate import write_registry  # noqa: E402
from policyrules.batch.records import BATCH_SCHEMA  # noqa: E402
from policyrules.resources import bundled_rulebook  # noqa: E402

from conftest import amend_national_grant  # noqa: E402

AS_OF = _dt.date(2019, 9, 1)
ROWS = 300
TIMEOUT = 240  # seconds one computation on the cluster may take


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated registry as Parquet and CSV, and what single-process batch writes for it."""
    folder = tmp_path_factory.mktemp("registry")
    schema = policyrules.load_rulebook().schema
    parquet, csv = folder / "registry.parquet", folder / "registry.csv"
    write_registry(schema, parquet, ROWS)
    write_registry(schema, csv, ROWS)
    run(Job(parquet, folder / "batch.parquet", as_of=AS_OF))
    expected = pq.read_table(folder / "batch.parquet").to_pylist()
    return {"parquet": parquet, "csv": csv, "expected": expected}


def records(frame: Any) -> list[dict[str, Any]]:
    """A computed output frame as the rows batch writes (same schema, same order)."""
    return pa.Table.from_pandas(frame, preserve_index=False).cast(BATCH_SCHEMA).to_pylist()


@contextmanager
def local_cluster() -> Iterator[Any]:
    """Two worker processes, one thread each, no dashboard; closed however the test ends."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_the_expected_output_holds_findings_totals_and_error_rows(registry: dict[str, Any]) -> None:
    kinds = {row["kind"] for row in registry["expected"]}
    assert {"finding", "total", "error"} <= kinds
    assert len({row["row"] for row in registry["expected"]}) == ROWS


def test_a_cluster_decides_what_batch_decides_loading_the_rulebook_once_per_worker(registry: dict[str, Any]) -> None:
    with local_cluster() as client:
        start = time.perf_counter()
        frame = dd.read_parquet(registry["parquet"]).repartition(npartitions=6)
        decided = pdask.evaluate(frame, as_of=AS_OF)
        assert decided.npartitions == 6
        got = client.compute(decided).result(timeout=TIMEOUT)
        parquet_seconds = time.perf_counter() - start
        assert records(got) == registry["expected"]

        # CSV cells read as text, empty cells kept empty (what batch's CSV reader does).
        frame = dd.read_csv(registry["csv"], dtype=str, keep_default_na=False, blocksize=20_000)
        assert frame.npartitions > 2
        got = client.compute(pdask.evaluate(frame, as_of=AS_OF)).result(timeout=TIMEOUT)
        assert records(got) == registry["expected"]

        caches = client.run(pdask.worker_cache)
        assert len(caches) == 2
        digest = policyrules.load_rulebook().digest
        for cache in caches.values():  # each worker loaded the rulebook at most once, for all its partitions
            assert cache["loads"] <= 1
            assert cache["rulebooks"] in ([], [["bundled", digest]])
        assert sum(cache["loads"] for cache in caches.values()) >= 1
    print(f"\n{ROWS} rows in 6 partitions on 2 workers: {parquet_seconds:.1f} s")



def test_a_worker_refuses_another_rulebook_and_a_shipped_one_needs_no_folder(tmp_path: Path, registry: dict[str, Any]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rulebook(), rules)
    os.environ["TMPDIR"] = str(tmp_path)  # the workers' temporary files stay in this test's folder
    with local_cluster() as client:
        frame = dd.read_parquet(registry["parquet"]).repartition(npartitions=3)

        # Planned with one rulebook; the folder the workers read then holds another.
        decided = pdask.evaluate(frame, rules=rules, as_of=AS_OF)
        amend_national_grant(rules)
        with pytest.raises(pdask.RulebookMismatch, match="ship=True"):
            client.compute(decided).result(timeout=TIMEOUT)

        # Shipped with the graph, the rulebook needs no folder on the workers at all.
        decided = pdask.evaluate(frame, rules=rules, as_of=AS_OF, ship=True)
        shutil.rmtree(rules)
        got = records(client.compute(decided).result(timeout=TIMEOUT))
    grants = {row["amount"] for row in got if row["rule_id"] == "anyang-2018-2/06-1/national-grant"}
    assert grants == {2500.0}
    def other_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:  # the amended sentence's quotes and the totals move
        grant = "anyang-2018-2/06-1/national-grant"
        return [{**row, "quote": None} for row in rows if row["rule_id"] != grant and row["kind"] != "total"]

    assert other_rows(got) == other_rows(registry["expected"])


def test_a_misspelt_column_stops_before_anything_is_computed(registry: dict[str, Any]) -> None:
    frame = dd.read_parquet(registry["parquet"]).rename(columns={"student.full_time": "student.ful_time"})
    with pytest.raises(MappingError, match="full_time"):
        pdask.evaluate(frame, as_of=AS_OF)


def test_row_numbers_can_come_from_a_column(registry: dict[str, Any]) -> None:
    import pandas as pd

    table = pd.read_parquet(registry["parquet"]).iloc[:20]
    table["registry_line"] = range(101, 121)
    frame = dd.from_pandas(table, npartitions=3)
    got = records(pdask.evaluate(frame, as_of=AS_OF, row_numbers="registry_line").compute(scheduler="sync"))
    assert {row["row"] for row in got} == set(range(101, 121))
    counted = records(pdask.evaluate(frame.drop(columns="registry_line"), as_of=AS_OF).compute(scheduler="sync"))
    assert [row["row"] + 100 for row in counted] == [row["row"] for row in got]
    assert counted == [row for row in registry["expected"] if row["row"] <= 20]


def test_written_as_parquet_the_output_has_the_batch_schema(tmp_path: Path, registry: dict[str, Any]) -> None:
    import pandas as pd

    frame = dd.from_pandas(pd.read_parquet(registry["parquet"]).iloc[:20], npartitions=2)
    pdask.evaluate(frame, as_of=AS_OF).to_parquet(tmp_path / "findings", write_index=False, compute_kwargs={"scheduler": "sync"})
    parts = sorted((tmp_path / "findings").glob("*.parquet"), key=lambda path: int(path.stem.split(".")[-1]))
    table = pa.concat_tables([pq.read_table(path) for path in parts])
    assert table.schema.remove_metadata().equals(BATCH_SCHEMA)
    assert table.to_pylist() == [row for row in registry["expected"] if row["row"] <= 20]
