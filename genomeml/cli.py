"""The ``genomeml`` command line: parse, validate, hand over to one library function per command.

Heavy imports (tensorflow, the simulators) happen inside each command so that
``genomeml --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from genomeml import __version__
from genomeml.errors import GenomemlError

log = logging.getLogger("genomeml")


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, stream=sys.stderr, format="genomeml: %(levelname)s: %(message)s")


def _write_json(data: dict, path: str | None) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if path is None:
        return
    from genomeml.io.atomic import atomic_file
    with atomic_file(path) as tmp:
        tmp.write_text(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genomeml")
@click.option("-v", "--verbose", count=True, help="Log progress to stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """genomeml: somatic variant calling and assembly polishing on a plain CPU."""
    _setup_logging(verbose)


# ---------------------------------------------------------------- simulate
@cli.group()
def simulate() -> None:
    """Make truth-known data: tumor/normal BAMs or draft assemblies with their reads."""


@simulate.command("somatic")
@click.option("--ref", "ref", type=click.Path(dir_okay=False), help="Real sequence to simulate on (FASTA).")
@click.option("--synthetic", type=int, default=None, help="Instead of --ref, generate a genome of this length "
              "with realistic repeats.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--regions", multiple=True, help="Restrict to chr:start-end or a BED file (repeatable).")
@click.option("--tumor-depth", type=float, default=60.0, show_default=True)
@click.option("--normal-depth", type=float, default=40.0, show_default=True)
@click.option("--purity", type=click.FloatRange(0.05, 1.0), default=0.8, show_default=True)
@click.option("--contamination", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True,
              help="Fraction of tumor cells in the normal sample.")
@click.option("--somatic-rate", type=float, default=1.0e-4, show_default=True, help="Somatic mutations per bp.")
@click.option("--germline-rate", type=float, default=1.0e-3, show_default=True, help="Germline variants per bp.")
@click.option("--min-vaf", type=float, default=0.02, show_default=True)
@click.option("--allelic-bias", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of het germline sites under-represented in reads (allele-specific bias).")
@click.option("--paralogs", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Hidden paralogous copies per 100 kb: mapping artifacts shared by tumor and normal.")
@click.option("--vntrs", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Low-complexity VNTR arrays per 100 kb spliced into a --synthetic genome, most with a "
                   "germline copy-number allele (messy alignments in both samples).")
@click.option("--platform", type=click.Choice(["illumina", "hifi", "ont"]), default="illumina", show_default=True)
@click.option("--aligner", type=click.Choice(["minimap2", "bwa"]), default="minimap2", show_default=True,
              help="Aligner of the simulated reads (bwa mem: Illumina only).")
@click.option("--long-indels", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of indels drawn flat from 6-20 bp (or as many repeat units) instead of the steep "
                   "short-indel distribution, which gives few over 8 bp.")
@click.option("--flank-indels", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of germline indels that delete or insert one base beside a homopolymer (reads "
                   "ending in the run show them as mismatches).")
@click.option("--indel-error-scale", type=click.FloatRange(0, 100, min_open=True), default=1.0, show_default=True,
              help="Multiply the drawn run's indel error and PCR stutter rates (Illumina): below 1 for runs as "
                   "clean as art_illumina's or cleaner.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
def simulate_somatic_cmd(**kwargs) -> None:
    """Tumor and normal reads with known germline and somatic variants."""
    from genomeml.simulate.somatic import SomaticSimConfig, simulate_somatic
    if (kwargs["ref"] is None) == (kwargs["synthetic"] is None):
        raise click.UsageError("give exactly one of --ref or --synthetic")
    summary = simulate_somatic(SomaticSimConfig(**kwargs))
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


@simulate.command("assembly")
@click.option("--ref", "ref", type=click.Path(dir_okay=False), help="Real sequence to simulate on (FASTA).")
@click.option("--synthetic", type=int, default=None, help="Instead of --ref, generate a genome of this length.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Output directory.")
@click.option("--regions", multiple=True, help="Restrict to chr:start-end or a BED file (repeatable).")
@click.option("--platform", type=click.Choice(["hifi", "ont", "illumina"]), default="hifi", show_default=True)
@click.option("--depth", type=float, default=30.0, show_default=True)
@click.option("--error-rate", type=float, default=0.0005, show_default=True,
              help="Draft errors per bp (mostly homopolymer/STR indels).")
@click.option("--diploid", is_flag=True, help="Two truth haplotypes, each with its own draft contig.")
@click.option("--paralogs", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              help="Diverged 2-8 kb copies per 100 kb whose reads map onto the draft (mis-mapped repeats).")
@click.option("--shared-errors", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of homopolymer/STR draft errors that 5-45%% of the reads carry too (the read "
                   "majority stays right, narrowly).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
def simulate_assembly_cmd(**kwargs) -> None:
    """A truth genome, a draft with assembly-like errors and reads aligned to the draft."""
    from genomeml.simulate.assembly import AssemblySimConfig, simulate_assembly
    if (kwargs["ref"] is None) == (kwargs["synthetic"] is None):
        raise click.UsageError("give exactly one of --ref or --synthetic")
    summary = simulate_assembly(AssemblySimConfig(**kwargs))
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


# ---------------------------------------------------------------- evaluate
@cli.group()
def evaluate() -> None:
    """Score calls or assemblies against a truth."""


@evaluate.command("somatic")
@click.option("--truth", required=True, type=click.Path(dir_okay=False), help="Truth somatic VCF (INFO VAF).")
@click.option("--calls", required=True, type=click.Path(dir_okay=False), help="Calls VCF; PASS or '.' count.")
@click.option("--ref", "ref", required=True, type=click.Path(dir_okay=False))
@click.option("--bed", type=click.Path(dir_okay=False), help="Only score inside these regions.")
@click.option("--germline", type=click.Path(dir_okay=False), help="Truth germline VCF: count FPs that are germline.")
@click.option("--min-vaf", type=float, default=None, help="Score only truth variants with VAF >= this.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the metrics as JSON here.")
def evaluate_somatic_cmd(truth, calls, ref, bed, germline, min_vaf, json_out) -> None:
    """som.py-style precision/recall/F1 for somatic SNVs and indels."""
    from genomeml.evaluate.somatic import evaluate_somatic, format_somatic_report
    metrics = evaluate_somatic(truth, calls, ref, bed=bed, germline=germline, min_vaf=min_vaf)
    _write_json(metrics, json_out)
    click.echo(format_somatic_report(metrics))


@evaluate.command("assembly")
@click.option("--truth", required=True, type=click.Path(dir_okay=False), help="Truth FASTA.")
@click.option("--assembly", required=True, type=click.Path(dir_okay=False), help="Assembly FASTA to score.")
@click.option("--draft", type=click.Path(dir_okay=False),
              help="Also score this draft (before polishing); the JSON gets it under \"draft\".")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the metrics as JSON here.")
@click.option("--threads", type=int, default=2, show_default=True)
def evaluate_assembly_cmd(truth, assembly, draft, json_out, threads) -> None:
    """Base-level errors and QV of an assembly against a truth genome."""
    from genomeml.evaluate.assembly import evaluate_assembly, format_assembly_report
    metrics = evaluate_assembly(truth, assembly, threads=threads)
    if draft:
        before = evaluate_assembly(truth, draft, threads=threads)
        click.echo("draft:\n" + format_assembly_report(before) + "\n\nassembly:")
        metrics["draft"] = before
    _write_json(metrics, json_out)
    click.echo(format_assembly_report(metrics))


# ---------------------------------------------------------------- alignment
@cli.command("align")
@click.option("--ref", "ref", required=True, type=click.Path(dir_okay=False), help="Reference FASTA.")
@click.option("--reads", "reads", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="FASTQ/FASTA (.gz ok); give it twice (R1 then R2) for paired-end reads.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Sorted BAM (+ .bai).")
@click.option("--sample", required=True, help="Sample name (read group SM).")
@click.option("--read-group", default=None, help="Read group ID [default: the sample name].")
@click.option("--preset", type=click.Choice(["sr", "map-hifi", "map-ont"]), default="sr", show_default=True,
              help="minimap2 preset: sr (Illumina), map-hifi (PacBio HiFi), map-ont (Nanopore).")
@click.option("--threads", type=click.IntRange(1, 256), default=1, show_default=True)
def align_cmd(ref, reads, output, sample, read_group, preset, threads) -> None:
    """Align reads with minimap2 (mappy) into a sorted, indexed BAM with a read group."""
    from genomeml.io.align import align_files
    records = align_files(ref, reads, output, sample, preset, read_group, threads)
    log.info("%d alignment records", records)


# ---------------------------------------------------------------- somatic calling
_REGIONS_HELP = "chr:start-end (1-based) or a BED file; repeatable. Default: every reference contig."


@cli.command("call-somatic")
@click.option("--ref", "ref", required=True, type=click.Path(dir_okay=False), help="Reference FASTA (indexed).")
@click.option("--tumor", required=True, type=click.Path(dir_okay=False), help="Tumor BAM/CRAM (indexed).")
@click.option("--normal", type=click.Path(dir_okay=False), help="Matched normal BAM/CRAM (indexed).")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Output VCF (.vcf.gz, + .tbi).")
@click.option("--regions", multiple=True, help=_REGIONS_HELP)
@click.option("--model", help="Model name (somatic-illumina-tn, somatic-illumina-to) or .keras path.")
@click.option("--threads", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--min-somatic-prob", type=click.FloatRange(0, 1), default=None,
              help="PASS needs the somatic class to win with at least this probability "
                   "(SNVs, and indels unless --min-somatic-prob-indel is given) "
                   "[default: the model card's, chosen on validation simulations].")
@click.option("--min-somatic-prob-indel", type=click.FloatRange(0, 1), default=None,
              help="The same for indels [default: --min-somatic-prob if given, else the model card's].")
def call_somatic_cmd(ref, tumor, normal, output, regions, model, threads, min_somatic_prob,
                     min_somatic_prob_indel) -> None:
    """Find somatic SNVs and indels in a tumor (with its matched normal)."""
    from genomeml.somatic.call import CallRequest, call_somatic
    if normal is None:
        raise GenomemlError("tumor-only calling (no --normal) is not available yet; give the matched normal "
                            "with --normal")
    stats = call_somatic(CallRequest(ref, tumor, output, normal, regions, model, threads,
                                     min_somatic_probability=min_somatic_prob,
                                     min_somatic_probability_indel=min_somatic_prob_indel))
    log.info("%s", stats)


@cli.command("merge-calls")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Merged VCF (.vcf.gz, + .tbi).")
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
def merge_calls_cmd(output, shards) -> None:
    """Merge the call-somatic VCFs of one run's shards into the VCF a single run over them writes."""
    from genomeml.io.vcf_merge import merge_vcfs
    summary = merge_vcfs(shards, output)
    log.info("merged %d shards, %d records", summary["shards"], summary["records"])


@cli.command("merge-polish")
@click.option("--assembly", required=True, type=click.Path(dir_okay=False), help="The draft FASTA that was polished.")
@click.option("--edits", "edits", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="A shard's edits VCF (genomeml polish --vcf); repeatable.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Merged polished FASTA.")
@click.option("--vcf", "vcf", type=click.Path(dir_okay=False), help="Merged edits VCF (.vcf.gz, + .tbi).")
def merge_polish_cmd(assembly, edits, output, vcf) -> None:
    """Merge the edits of one polishing run's shards and apply them: what a single run writes."""
    from genomeml.polish.merge import merge_polished
    summary = merge_polished(assembly, edits, output, vcf)
    log.info("merged %s", summary)


@cli.command("make-examples")
@click.option("--ref", "--assembly", "ref", required=True, type=click.Path(dir_okay=False),
              help="Reference FASTA (with --polish: the draft assembly).")
@click.option("--tumor", type=click.Path(dir_okay=False), help="Tumor BAM/CRAM (somatic examples).")
@click.option("--normal", type=click.Path(dir_okay=False))
@click.option("--polish", is_flag=True, help="Make polishing windows instead of somatic examples.")
@click.option("--reads", type=click.Path(dir_okay=False), help="With --polish: reads aligned to the draft (BAM/CRAM).")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Examples file (.npz).")
@click.option("--regions", multiple=True, help=_REGIONS_HELP)
@click.option("--truth-somatic", type=click.Path(dir_okay=False), help="Label examples: somatic truth VCF.")
@click.option("--truth-germline", type=click.Path(dir_okay=False), help="Label examples: germline truth VCF.")
@click.option("--truth", type=click.Path(dir_okay=False),
              help="With --polish, label windows: VCF of edits turning the draft into the truth "
                   "(REF draft, ALT truth; `genomeml simulate assembly` writes draft_errors.vcf.gz).")
@click.option("--threads", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the read downsampling.")
@click.option("--realign-indels", is_flag=True,
              help="Count reads that carry a candidate indel their alignment hides (soft-clipped or as "
                   "mismatches); a model trained on such examples calls with it.")
@click.option("--second-mate-indels", is_flag=True,
              help="Count an indel the second of two overlapping mates shows where the first mate ends inside "
                   "the repeat and cannot show it; a model trained on such examples calls with it.")
@click.option("--sample-error-rates", is_flag=True,
              help="Give every example the run's own indel error rates (homopolymers, dinucleotide repeats, "
                   "elsewhere), estimated from a fixed sample of the normal's reads (tumor-only: the tumor's); a "
                   "model trained on such examples calls with them.")
def make_examples_cmd(ref, tumor, normal, polish, reads, output, regions, truth_somatic, truth_germline, truth,
                      threads, seed, realign_indels, second_mate_indels, sample_error_rates) -> None:
    """Candidates and pileup tensors (labeled when truth VCFs are given), for training or inspection.

    With --polish: the windows where reads disagree with a draft assembly.
    """
    if polish:
        from genomeml.polish.examples import make_polish_examples
        if reads is None or tumor or normal or truth_somatic or truth_germline:
            raise click.UsageError("--polish takes --ref/--assembly, --reads and optionally --truth")
        summary = make_polish_examples(ref, reads, output, truth, regions, threads)
    else:
        from genomeml.somatic.make_examples import make_examples
        if tumor is None or reads or truth:
            raise click.UsageError("somatic examples take --tumor (and --normal); --reads/--truth need --polish")
        if (truth_somatic is None) != (truth_germline is None):
            raise click.UsageError("give both --truth-somatic and --truth-germline, or neither")
        summary = make_examples(ref, tumor, normal, output, regions, truth_somatic, truth_germline, threads,
                                seed=seed, realign_indels=realign_indels, second_mate_indels=second_mate_indels,
                                sample_error_rates=sample_error_rates)
    click.echo(json.dumps(summary, indent=2, sort_keys=True))


@cli.command("polish")
@click.option("--assembly", required=True, type=click.Path(dir_okay=False), help="Draft assembly (FASTA).")
@click.option("--reads", required=True, type=click.Path(dir_okay=False),
              help="HiFi reads aligned to the draft: coordinate-sorted, indexed BAM/CRAM.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Polished FASTA.")
@click.option("--vcf", type=click.Path(dir_okay=False), help="Also write the edits against the draft (.vcf.gz).")
@click.option("--regions", multiple=True, help=_REGIONS_HELP + " Windows starting there are polished; "
              "the output still holds every contig.")
@click.option("--model", default=None, help="Shipped model name (polish-hifi) or a .keras file with its card.")
@click.option("--threads", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--min-probability", type=click.FloatRange(0, 1), default=None,
              help="Change a column only this sure [default: the model card's, chosen on validation simulations].")
def polish_cmd(assembly, reads, output, vcf, regions, model, threads, min_probability) -> None:
    """Correct the residual base and indel errors of a draft assembly from the reads aligned to it."""
    from genomeml.polish.polish import PolishRequest, polish
    stats = polish(PolishRequest(assembly, reads, output, vcf, regions, model, threads, min_probability))
    log.info("%s", stats)


@cli.command("show-examples")
@click.option("--ref", "ref", required=True, type=click.Path(dir_okay=False))
@click.option("--tumor", required=True, type=click.Path(dir_okay=False))
@click.option("--normal", type=click.Path(dir_okay=False))
@click.option("--site", "sites", required=True, multiple=True, help="chr:pos (1-based) of a candidate; repeatable.")
@click.option("--output-prefix", default="example_", show_default=True, help="PNG files are named PREFIX<chr>_<pos>_<ref>_<alt>.png.")
@click.option("--model", default=None, help="Show the examples as this model (name or .keras path) is given "
              "them, e.g. with indel realignment; default: the model call-somatic would use.")
def show_examples_cmd(ref, tumor, normal, sites, output_prefix, model) -> None:
    """Write a PNG of the tensor channels at candidate sites."""
    from genomeml.somatic.show import channel_legend, show_examples
    for path in show_examples(ref, tumor, normal, sites, output_prefix, model):
        click.echo(path)
    click.echo(channel_legend(), err=True)


@cli.group()
def train() -> None:
    """Train models from examples, or rebuild the shipped ones from scratch."""


@train.command("somatic")
@click.option("--examples", "examples", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Training example files (.npz); repeatable.")
@click.option("--validation", multiple=True, type=click.Path(dir_okay=False), help="Validation example files.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Model file (.keras); card beside it.")
@click.option("--tumor-only", is_flag=True, help="Train the tumor-only model (normal rows and counts removed).")
@click.option("--epochs", type=click.IntRange(1, 1000), default=12, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option("--card-extra", type=click.Path(dir_okay=False),
              help="JSON object added to the card's training section (train recipe-plan writes one).")
def train_somatic_cmd(examples, validation, output, tumor_only, epochs, seed, threads, card_extra) -> None:
    """Train the somatic CNN on labeled examples."""
    from genomeml.train.card import load_json
    from genomeml.train.somatic import train_somatic
    extra = load_json(card_extra, "card extra") if card_extra else None
    card = train_somatic(examples, validation, output, tumor_only, epochs, seed=seed, threads=threads,
                         extra_card=extra)
    click.echo(json.dumps(card["metrics"], indent=2, sort_keys=True))


@train.command("somatic-recipe")
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Scratch directory.")
@click.option("--source", "source", required=True, type=click.Path(dir_okay=False),
              help="The shared GRCh38 chr20 piece (../shared/data/GRCh38_chr20_0_200000.fa).")
@click.option("--models-dir", default="models", show_default=True, type=click.Path(file_okay=False))
@click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option("--simulations", type=click.IntRange(2, 10000), default=128, show_default=True)
@click.option("--validation-simulations", type=click.IntRange(1, 10000), default=18, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=15, show_default=True)
@click.option("--seed", type=int, default=2024, show_default=True)
@click.option("--members", type=click.IntRange(1, 16), default=2, show_default=True,
              help="CNNs (seeds SEED, SEED+1, ...) averaged into the shipped model.")
@click.option("--realign-indels/--no-realign-indels", default=None,
              help="Make the examples with indel realignment (default: as the shipped model was).")
@click.option("--long-indels/--no-long-indels", default=None,
              help="Give each simulation a share (0-0.3) of 6-20 bp indels (default: as the shipped model was).")
@click.option("--flank-indels/--no-flank-indels", default=None,
              help="Give each simulation a share (0-0.3) of germline indels beside homopolymers "
                   "(default: as the shipped model was).")
@click.option("--second-mate-indels/--no-second-mate-indels", default=None,
              help="Make the examples counting second-mate indels a first mate cannot show "
                   "(default: as the shipped model was).")
@click.option("--sample-error-rates/--no-sample-error-rates", default=None,
              help="Give the examples each run's own error rates and spread half the simulated runs' indel "
                   "error rates down to 1/20, the rest unscaled (default: as the shipped model was).")
def train_recipe_cmd(workdir, source, models_dir, threads, simulations, validation_simulations, epochs, seed,
                     members, realign_indels, long_indels, flank_indels, second_mate_indels,
                     sample_error_rates) -> None:
    """Rebuild the shipped somatic models from scratch (simulate, make examples, train both)."""
    from genomeml.train.recipe import (FLANK_INDELS, LONG_INDELS, REALIGN_INDELS, SAMPLE_ERROR_RATES,
                                       SECOND_MATE_INDELS, retrain_somatic)
    metrics = retrain_somatic(workdir, source, models_dir, threads, simulations, validation_simulations, seed, epochs,
                              members=members,
                              realign_indels=REALIGN_INDELS if realign_indels is None else realign_indels,
                              long_indels=LONG_INDELS if long_indels is None else long_indels,
                              flank_indels=FLANK_INDELS if flank_indels is None else flank_indels,
                              second_mate_indels=SECOND_MATE_INDELS if second_mate_indels is None
                              else second_mate_indels,
                              sample_error_rates=SAMPLE_ERROR_RATES if sample_error_rates is None
                              else sample_error_rates)
    click.echo(json.dumps(metrics, indent=2, sort_keys=True))


@train.command("somatic-ensemble")
@click.option("--member", "members", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="A trained somatic model (.keras, card beside it); repeatable.")
@click.option("--validation", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Validation examples; the ensemble's PASS threshold is chosen on them.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Model file (.keras); card beside it.")
@click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option("--card-extra", type=click.Path(dir_okay=False),
              help="JSON object added to the card's training section (train recipe-plan writes one).")
def train_ensemble_cmd(members, validation, output, threads, card_extra) -> None:
    """Average trained somatic CNNs into one model and choose its threshold."""
    from genomeml.train.card import load_json
    from genomeml.train.somatic import ensemble_somatic
    extra = load_json(card_extra, "card extra") if card_extra else None
    card = ensemble_somatic(members, validation, output, threads, extra)
    click.echo(json.dumps(card["metrics"], indent=2, sort_keys=True))


@train.command("polish")
@click.option("--examples", "examples", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Labeled polishing windows (.npz from make-examples --polish --truth); repeatable.")
@click.option("--validation", multiple=True, type=click.Path(dir_okay=False),
              help="Validation windows; the card's --min-probability is chosen on them.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Model file (.keras); card beside it.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option("--card-extra", type=click.Path(dir_okay=False),
              help="JSON object added to the card's training section (train recipe-plan --task polish writes one).")
def train_polish_cmd(examples, validation, output, epochs, seed, threads, card_extra) -> None:
    """Train the polishing Transformer on labeled windows."""
    from genomeml.train.card import load_json
    from genomeml.train.polish import train_polish
    extra = load_json(card_extra, "card extra") if card_extra else None
    card = train_polish(examples, validation, output, epochs, seed=seed, threads=threads, extra_card=extra)
    click.echo(json.dumps(card["metrics"].get("validation", card["metrics"]), indent=2, sort_keys=True))


@train.command("polish-recipe")
@click.option("--workdir", required=True, type=click.Path(file_okay=False), help="Scratch directory.")
@click.option("--source", "source", required=True, type=click.Path(dir_okay=False),
              help="The shared GRCh38 chr20 piece (../shared/data/GRCh38_chr20_0_200000.fa).")
@click.option("--models-dir", default="models", show_default=True, type=click.Path(file_okay=False))
@click.option("--threads", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option("--simulations", type=click.IntRange(2, 10000), default=56, show_default=True)
@click.option("--validation-simulations", type=click.IntRange(1, 10000), default=8, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def train_polish_recipe_cmd(workdir, source, models_dir, threads, simulations, validation_simulations, epochs,
                            seed) -> None:
    """Rebuild the shipped HiFi polishing model from scratch (simulate drafts, make windows, train)."""
    from genomeml.train.polish_recipe import retrain_polish
    metrics = retrain_polish(workdir, source, models_dir, threads, simulations, validation_simulations, seed, epochs)
    click.echo(json.dumps(metrics.get("validation", metrics), indent=2, sort_keys=True))


@train.command("recipe-plan")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="JSON for train somatic/polish --card-extra.")
@click.option("--task", type=click.Choice(["somatic", "polish"]), default="somatic", show_default=True,
              help="Which shipped model's recipe.")
@click.option("--simulations", type=click.IntRange(2, 10000), default=None,
              help="Training simulations [default: the recipe's, 128 somatic / 56 polish].")
@click.option("--validation-simulations", type=click.IntRange(1, 10000), default=None,
              help="Validation simulations [default: 18 somatic / 8 polish].")
@click.option("--seed", type=int, default=None, help="Recipe seed [default: 2024 somatic / 7 polish].")
def train_recipe_plan_cmd(output, task, simulations, validation_simulations, seed) -> None:
    """The recipe's simulation plan, as the model card records it (for the train workflow)."""
    from genomeml.train.polish_recipe import polish_recipe_data
    from genomeml.train.recipe import recipe_data
    make = recipe_data if task == "somatic" else polish_recipe_data
    given = {"n_train": simulations, "n_valid": validation_simulations, "seed": seed}
    _write_json({"data": make(**{k: v for k, v in given.items() if v is not None})}, output)


@train.command("card")
@click.option("--model", required=True, type=click.Path(dir_okay=False), help="Model (.keras) with its JSON card.")
@click.option("--evaluation", "evaluations", multiple=True, type=click.Path(dir_okay=False),
              help="evaluate somatic (or evaluate assembly --draft) --json output on a held-out set; repeatable.")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="Markdown model card.")
def train_card_cmd(model, evaluations, output) -> None:
    """Write a Markdown model card: training data, validation metrics, held-out evaluations."""
    from genomeml.train.card import write_model_card
    write_model_card(model, evaluations, output)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 1."""
    import pysam
    pysam.set_verbosity(0)  # htslib's own [E::...] lines would break the one-line error promise
    try:
        cli(standalone_mode=False)
    except GenomemlError as exc:
        click.echo(f"genomeml: error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("genomeml: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
