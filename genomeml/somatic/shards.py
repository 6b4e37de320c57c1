"""Input validation and the sharded, optionally multi-process, example generation that
make-examples and call-somatic share."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

from genomeml.io.alignments import check_contigs, mapq_ceiling, mapq_scale, open_alignments, sample_name
from genomeml.io.reference import Reference
from genomeml.parallel import map_shards
from genomeml.pileup.error_rates import SampleErrorRates, estimate_error_rates
from genomeml.io.regions import Region, plan_shards, resolve_regions, shard_regions, sort_regions
from genomeml.somatic.examples import FETCH_PAD, ExampleBatch, ExampleSettings, make_shard_examples

log = logging.getLogger(__name__)

# bp per unit of work. A shard's examples are ~40 kB per candidate, and error-rich reads give up to
# ~25 candidates per kb: 50 kb keeps the few shards in flight (parallel.map_shards) to tens of MB each.
DEFAULT_SHARD = 50_000


@dataclass
class SomaticInputs:
    reference: Path
    tumor: Path
    normal: Path | None
    regions: list[Region]
    contigs: dict[str, int]
    tumor_sample: str
    normal_sample: str | None
    # factors putting each file's MAPQ on the models' 0-60 scale (io.alignments.mapq_scale)
    tumor_mapq_scale: float = 1.0
    normal_mapq_scale: float = 1.0


def _sample(path: Path, reference: Path, fallback: str, contigs: dict[str, int],
            used: list[str]) -> tuple[str, float]:
    """The sample's name and its MAPQ scale, once its contigs are checked."""
    with open_alignments(path, reference) as handle:
        check_contigs(handle, contigs, used)
        name, found = sample_name(handle, fallback)
        ceiling = mapq_ceiling(handle)
    if not found:
        log.warning("%s: no read group with SM; naming the sample '%s' after the file", path, name)
    scale = mapq_scale(ceiling)
    if scale != 1.0:
        log.warning("%s: the highest MAPQ is %d (bowtie2 gives 42, bwa mem and minimap2 60); "
                    "scaling MAPQ by 60/%d for the model", path, ceiling, ceiling)
    return name, scale


def prepare_inputs(reference: str | os.PathLike, tumor: str | os.PathLike, normal: str | os.PathLike | None,
                   region_specs: Sequence[str] | None) -> SomaticInputs:
    """Check every input before any work: files, indexes, contigs, samples and regions."""
    with Reference(reference) as ref:
        contigs = dict(ref.contigs)
    regions = sort_regions(resolve_regions(region_specs, contigs), contigs)
    order = {name: i for i, name in enumerate(contigs)}
    used = sorted({r.contig for r in regions}, key=order.get)
    tumor_name, tumor_scale = _sample(Path(tumor), Path(reference), Path(tumor).name.split(".")[0], contigs, used)
    normal_name, normal_scale = None, 1.0
    if normal is not None:
        normal_name, normal_scale = _sample(Path(normal), Path(reference), Path(normal).name.split(".")[0],
                                            contigs, used)
        if normal_name == tumor_name:
            normal_name = normal_name + "_normal"
            log.warning("tumor and normal share the sample name; calling the normal '%s'", normal_name)
    return SomaticInputs(Path(reference), Path(tumor), Path(normal) if normal else None, regions, contigs,
                         tumor_name, normal_name, tumor_scale, normal_scale)


_STATE: dict = {}


def _init(inputs: SomaticInputs, settings: ExampleSettings) -> None:
    import pysam
    _STATE["ref"] = Reference(inputs.reference)
    _STATE["tumor"] = open_alignments(inputs.tumor, inputs.reference)
    _STATE["normal"] = open_alignments(inputs.normal, inputs.reference) if inputs.normal else None
    _STATE["settings"] = settings
    _STATE["mapq_scales"] = (inputs.tumor_mapq_scale, inputs.normal_mapq_scale)
    pysam.set_verbosity(0)


def _run(shard: Region) -> tuple[Region, ExampleBatch]:
    ref: Reference = _STATE["ref"]
    offset = max(0, shard.start - FETCH_PAD)
    ref_seq = ref.fetch(shard.contig, offset, shard.end + FETCH_PAD)
    batch = make_shard_examples(_STATE["tumor"], _STATE["normal"], ref_seq, offset, shard, _STATE["settings"],
                                _STATE["mapq_scales"])
    return shard, batch


def run_error_rates(inputs: SomaticInputs) -> SampleErrorRates:
    """The run's error rates, from the normal (no somatic mutations to pass for errors), or in
    tumor-only mode from the tumor; the same whatever regions the run calls."""
    path = inputs.normal or inputs.tumor
    with Reference(inputs.reference) as ref, open_alignments(path, inputs.reference) as handle:
        rates = estimate_error_rates(handle, ref)
    log.info("%s: %s", path, rates.describe())
    return rates


def with_error_rates(inputs: SomaticInputs, settings: ExampleSettings) -> ExampleSettings:
    """``settings`` with the run's error rates estimated, when its examples carry them."""
    if settings.sample_error_rates and settings.error_rates is None:
        return replace(settings, error_rates=run_error_rates(inputs))
    return settings


def iter_examples(inputs: SomaticInputs, settings: ExampleSettings, threads: int = 1,
                  shard_size: int = DEFAULT_SHARD) -> Iterator[tuple[Region, ExampleBatch]]:
    """Example batches per shard, in genome order, computed by ``threads`` processes."""
    settings = with_error_rates(inputs, settings)
    return map_shards(shard_regions(inputs.regions, shard_size), _init, (inputs, settings), _run, threads, "examples")


def plan_call_shards(reference: str | os.PathLike, region_specs: Sequence[str] | None,
                     shard_size: int) -> list[list[Region]]:
    """The shards a workflow calls as separate jobs: the run's regions, in reference order, cut
    into pieces of at most ``shard_size`` bp (short regions grouped). Merged, their VCFs equal
    one call-somatic run over ``region_specs``; candidates belong to the shard holding their
    position, as in the run's own internal shards."""
    with Reference(reference) as ref:
        contigs = dict(ref.contigs)
    return plan_shards(sort_regions(resolve_regions(region_specs, contigs), contigs), shard_size)
