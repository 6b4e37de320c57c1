"""parallel.map_shards: results in shard order, and no more than threads + 1 shards run ahead of a slow consumer."""

from __future__ import annotations

import os
import time
from pathlib import Path

from genomeml.io.regions import Region
from genomeml.parallel import map_shards


def _init() -> None:
    pass


def _work(shard: Region) -> tuple[Region, int]:   # module level: spawned workers import it
    (Path(os.environ["GENOMEML_TEST_STARTED"]) / str(shard.start)).touch()
    return shard, shard.start


def test_map_shards_keeps_order_and_a_bounded_lead(tmp_path, monkeypatch):
    monkeypatch.setenv("GENOMEML_TEST_STARTED", str(tmp_path))
    shards = [Region("c", 1000 * k, 1000 * (k + 1)) for k in range(12)]
    results = map_shards(shards, _init, (), _work, threads=2, desc="test")
    first = next(results)
    time.sleep(2.0)            # a slow consumer (the model): the workers must not run through every shard
    started = len(list(tmp_path.iterdir()))
    assert 1 <= started <= 2 + 2, started
    rest = list(results)
    assert [first[1]] + [r[1] for r in rest] == [s.start for s in shards]
    assert len(list(tmp_path.iterdir())) == len(shards)


def test_map_shards_in_process():
    shards = [Region("c", 0, 10), Region("c", 10, 20)]
    assert [r for _, r in map_shards(shards, _init, (), lambda s: (s, s.end), threads=1, desc="test")] == [10, 20]
