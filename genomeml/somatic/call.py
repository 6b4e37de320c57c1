"""call-somatic: examples -> model probabilities -> VCF, shard by shard, in genome order."""

from __future__ import annotations

import logging
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from genomeml.errors import GenomemlError
from genomeml.io.regions import describe_regions
from genomeml.io.vcf import write_vcf
from genomeml.models import resolve_model
from genomeml.somatic.examples import ExampleSettings, example_info
from genomeml.somatic.postprocess import CallSettings, header_lines, record_line
from genomeml.somatic.shards import DEFAULT_SHARD, iter_examples, prepare_inputs, with_error_rates

log = logging.getLogger(__name__)


@dataclass
class CallRequest:
    reference: str
    tumor: str
    output: str
    normal: str | None = None
    regions: Sequence[str] = ()
    model: str | None = None
    threads: int = 1
    shard_size: int = DEFAULT_SHARD
    min_somatic_probability: float | None = None   # SNVs, and indels unless set below; None: the model card's
    min_somatic_probability_indel: float | None = None   # None: the one above if given, else the model card's


def default_model(tumor_only: bool) -> str:
    return "somatic-illumina-to" if tumor_only else "somatic-illumina-tn"


def check_channels(card: dict, model_path: Path) -> None:
    """DeepVariant's rule: a model refuses tensors whose channels it was not trained on."""
    info = example_info(card)
    if (card.get("channel_version") != info["channel_version"] or card.get("shape") != info["shape"]
            or card.get("features") != info["features"]):
        raise GenomemlError(f"{model_path}: model expects channel version {card.get('channel_version')} "
                            f"shape {card.get('shape')}; this genomeml makes {info['channel_version']} {info['shape']}")


def check_card(card: dict, model_path: Path, tumor_only: bool) -> None:
    """The model fits these tensors and this mode (tumor-normal or tumor-only)."""
    check_channels(card, model_path)
    if bool(card.get("tumor_only")) != tumor_only:
        mode = "tumor-only" if card.get("tumor_only") else "tumor-normal"
        raise GenomemlError(f"{model_path}: this is a {mode} model; use it "
                            f"{'without' if card.get('tumor_only') else 'with'} --normal")


def example_settings(card: dict) -> ExampleSettings:
    """The examples a model was trained on (as its card records), so it is shown the same kind."""
    return ExampleSettings.from_options(card)


def call_settings(card: dict, snv: float | None = None, indel: float | None = None) -> CallSettings:
    """The PASS thresholds: the user's if given, else the card's (chosen on validation simulations).

    One user threshold covers both variant types, as it reads; cards from before per-type
    thresholds carry one number, which then covers indels too.
    """
    calling = card.get("calling", {})
    if snv is None:
        snv = float(calling.get("min_somatic_probability", 0.5))
        if indel is None:
            indel = float(calling.get("min_somatic_probability_indel", snv))
    return CallSettings(snv, snv if indel is None else indel)


def call_somatic(req: CallRequest) -> dict:
    """Run the three stages over all regions and write a bgzipped, indexed VCF. Returns timing stats."""
    if not str(req.output).endswith(".vcf.gz"):
        raise GenomemlError(f"{req.output}: output must end in .vcf.gz (bgzipped VCF)")
    tumor_only = req.normal is None
    inputs = prepare_inputs(req.reference, req.tumor, req.normal, req.regions)
    model_ref = resolve_model(req.model or default_model(tumor_only))
    check_card(model_ref.card, model_ref.path, tumor_only)

    settings = call_settings(model_ref.card, req.min_somatic_probability, req.min_somatic_probability_indel)
    from genomeml.somatic.inference import Predictor   # TensorFlow loads only once inputs are known good
    predictor = Predictor(model_ref.path)
    samples = [inputs.tumor_sample] + ([inputs.normal_sample] if inputs.normal_sample else [])
    examples = with_error_rates(inputs, example_settings(model_ref.card))
    rates = (samples[-1], examples.error_rates.as_dict()) if examples.error_rates is not None else None
    header = header_lines(inputs.contigs, samples, canonical_command(req),
                          describe_regions(inputs.regions, inputs.contigs), model_ref.name,
                          str(model_ref.card.get("model_version", "?")), str(req.reference), settings,
                          dict(zip(samples, (inputs.tumor_mapq_scale, inputs.normal_mapq_scale))), rates)
    stats = {"candidates": 0, "pass": 0, "examples_s": 0.0, "inference_s": 0.0}

    def records() -> Iterator[str]:
        """VCF lines in genome order, streamed to the file: a genome's records never sit in memory at once."""
        clock = time.perf_counter()
        for _, batch in iter_examples(inputs, examples, req.threads, req.shard_size):
            stats["examples_s"] += time.perf_counter() - clock
            if len(batch):
                t0 = time.perf_counter()
                probs = predictor.predict(batch.tensors, batch.features)
                stats["inference_s"] += time.perf_counter() - t0
                for i, allele in enumerate(batch.alleles):
                    line = record_line(allele, probs[i], batch.tumor[i], batch.normal[i], settings)
                    stats["pass"] += "\tPASS\t" in line
                    yield line
                stats["candidates"] += len(batch)
            clock = time.perf_counter()

    write_vcf(req.output, header, records())
    stats["examples_s"] = round(stats["examples_s"], 2)
    stats["inference_s"] = round(stats["inference_s"], 2)
    log.info("%d candidates, %d PASS; examples %.1f s, inference %.1f s", stats["candidates"], stats["pass"],
             stats["examples_s"], stats["inference_s"])
    return stats


def canonical_command(req: CallRequest) -> str:
    """The command recorded in the VCF header: the inputs and options that decide the records.

    The output path, ``--threads`` and ``--regions`` are left out on purpose: the first two
    never change a record, and the regions are recorded canonically on their own header
    line (``##genomeml_regions``). So the header is a function of what was called, and
    shards of a run merged by ``genomeml merge-calls`` carry exactly the header a single
    run over the same bases writes.
    """
    args = ["genomeml", "call-somatic", "--ref", str(req.reference), "--tumor", str(req.tumor)]
    if req.normal is not None:
        args += ["--normal", str(req.normal)]
    if req.model is not None:
        args += ["--model", str(req.model)]
    if req.min_somatic_probability is not None:
        args += ["--min-somatic-prob", repr(float(req.min_somatic_probability))]
    if req.min_somatic_probability_indel is not None:
        args += ["--min-somatic-prob-indel", repr(float(req.min_somatic_probability_indel))]
    return " ".join(shlex.quote(a) for a in args)
