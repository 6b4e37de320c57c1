"""Shards of work over processes, results back in shard order, with a progress bar.

Somatic examples and polishing windows are both made this way: each worker opens its
inputs once (``initializer``), then turns shards into results; the caller consumes them
in genome order while the model runs in its own process.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from collections import deque
from itertools import islice
from typing import Callable, Iterator, Sequence, TypeVar

from tqdm import tqdm

from genomeml.io.regions import Region

R = TypeVar("R")
log = logging.getLogger(__name__)


def map_shards(shards: Sequence[Region], initializer: Callable[..., None], initargs: tuple,
               work: Callable[[Region], tuple[Region, R]], threads: int, desc: str) -> Iterator[tuple[Region, R]]:
    """``work(shard)`` for every shard, in order, over ``threads`` processes (none when 1)."""
    bar = tqdm(total=sum(len(s) for s in shards), desc=desc, unit="bp", unit_scale=True,
               disable=None, leave=False, mininterval=1.0)
    try:
        if threads <= 1 or len(shards) <= 1:
            initializer(*initargs)
            for shard in shards:
                result = work(shard)
                bar.update(len(shard))
                yield result
        else:
            ctx = mp.get_context("spawn")   # never fork a process that may hold TensorFlow threads
            with ctx.Pool(threads, initializer=initializer, initargs=initargs) as pool:
                # at most threads + 1 shards in flight: Pool.imap runs ahead of a slower consumer (the
                # model) without limit, and over a genome the waiting results would fill the memory
                todo = iter(shards)
                pending = deque(pool.apply_async(work, (shard,)) for shard in islice(todo, threads + 1))
                while pending:
                    result = pending.popleft().get()
                    following = next(todo, None)
                    if following is not None:
                        pending.append(pool.apply_async(work, (following,)))
                    bar.update(len(result[0]))
                    yield result
    finally:
        bar.close()


def run_jobs(work: Callable[[object], R], jobs: Sequence[object], threads: int) -> list[R]:
    """``work(job)`` for every job over ``threads`` processes; results in job order, each logged."""
    if threads > 1:
        with mp.get_context("spawn").Pool(threads) as pool:
            results = list(pool.imap(work, jobs))
    else:
        results = [work(job) for job in jobs]
    for result in results:
        log.info("%s", result)
    return results
