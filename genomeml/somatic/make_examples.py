"""make-examples as a library call: candidates and tensors for a region, labeled when truth is given."""

from __future__ import annotations

import logging
import os
from typing import Sequence

import numpy as np

from genomeml.somatic.dataset import save_examples
from genomeml.somatic.examples import ExampleBatch, ExampleSettings
from genomeml.somatic.labels import label_alleles, truth_keys
from genomeml.somatic.shards import DEFAULT_SHARD, iter_examples, prepare_inputs

log = logging.getLogger(__name__)


def concatenate(batches: list[ExampleBatch], settings: ExampleSettings | None = None) -> ExampleBatch:
    if not batches:
        from genomeml.somatic.examples import ROWS, WIDTH
        from genomeml.pileup.encode import CHANNELS
        settings = settings or ExampleSettings()
        return ExampleBatch([], np.zeros((0, ROWS, WIDTH, len(CHANNELS)), np.int8),
                            np.zeros((0, len(settings.feature_names())), np.float32), [], [],
                            options=settings.options())
    return ExampleBatch([a for b in batches for a in b.alleles], np.concatenate([b.tensors for b in batches]),
                        np.concatenate([b.features for b in batches]), [c for b in batches for c in b.tumor],
                        [c for b in batches for c in b.normal], options=batches[0].options)


def _in_regions(keys: set, regions) -> set:
    return {k for k in keys if any(r.contig == k[0] and r.start <= k[1] < r.end for r in regions)}


def make_examples(reference: str, tumor: str, normal: str | None, output: str | os.PathLike,
                  regions: Sequence[str] = (), truth_somatic: str | None = None, truth_germline: str | None = None,
                  threads: int = 1, shard_size: int = DEFAULT_SHARD, seed: int = 0,
                  realign_indels: bool = False, second_mate_indels: bool = False,
                  sample_error_rates: bool = False) -> dict:
    """Write examples (with labels when both truths are given) to ``output`` (.npz). Returns label counts."""
    inputs = prepare_inputs(reference, tumor, normal, regions)
    somatic = _in_regions(truth_keys(truth_somatic, reference), inputs.regions) if truth_somatic else None
    germline = truth_keys(truth_germline, reference) if truth_germline else set()
    settings = ExampleSettings(seed=seed, realign_indels=realign_indels, second_mate_indels=second_mate_indels,
                               sample_error_rates=sample_error_rates)
    batch = concatenate([batch for _, batch in iter_examples(inputs, settings, threads, shard_size)], settings)
    batch.options = settings.options()
    if somatic is not None:
        batch.labels = label_alleles(batch.alleles, somatic, germline)
    save_examples(output, batch)
    summary = {"examples": len(batch)}
    if batch.labels is not None:
        summary.update({name: int((batch.labels == k).sum()) for k, name in
                        enumerate(("reference", "germline", "somatic"))})
        found = {(a.contig, a.pos, a.ref, a.alt) for a, l in zip(batch.alleles, batch.labels) if l == 2}
        summary["somatic_truth"] = len(somatic)
        summary["somatic_truth_without_candidate"] = len(somatic - found)
    return summary
