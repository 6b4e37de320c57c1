"""VCF reading, normalization and bgzip+tabix writing.

Writing goes through plain text and ``pysam.tabix_index`` so the bytes depend only
on the records (no dates, no paths), which keeps outputs reproducible.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import pysam
import pysam.bcftools  # the bcftools dispatcher is a submodule that "import pysam" does not load

from genomeml.errors import GenomemlError

# The header key of a run's regions (canonical text, io.regions.describe_regions): shards of one
# run differ only in this line, which genomeml merge-calls rewrites for the union.
REGIONS_KEY = "genomeml_regions"


@dataclass(frozen=True)
class VcfVariant:
    """One biallelic variant with 1-based POS, as written in a VCF."""
    contig: str
    pos: int
    ref: str
    alt: str
    info: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, str, str]:
        return (self.contig, self.pos, self.ref, self.alt)

    @property
    def is_snv(self) -> bool:
        return len(self.ref) == 1 and len(self.alt) == 1


def open_vcf(path: str | os.PathLike) -> pysam.VariantFile:
    path = Path(path)
    if not path.exists():
        raise GenomemlError(f"{path}: VCF file not found")
    if path.stat().st_size == 0:
        raise GenomemlError(f"{path}: VCF file is empty")
    try:
        return pysam.VariantFile(str(path))
    except (ValueError, OSError) as exc:
        raise GenomemlError(f"{path}: not a valid VCF ({exc})") from None


def iter_records(path: str | os.PathLike) -> Iterator[pysam.VariantRecord]:
    """Iterate a VCF's records, turning htslib parse failures into a one-line error."""
    handle = open_vcf(path)
    try:
        number = 0
        while True:
            try:
                record = next(handle)
            except StopIteration:
                return
            except (ValueError, OSError) as exc:
                raise GenomemlError(f"{path}: malformed VCF record after record {number} ({exc})") from None
            number += 1
            yield record
    finally:
        handle.close()


def normalize_vcf(src: str | os.PathLike, reference: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Split multi-allelic records and left-align indels against the reference (bcftools norm).

    A REF allele that disagrees with the reference is an error: the VCF was made
    against another reference.
    """
    with open_vcf(src) as handle:
        has_contigs = len(handle.header.contigs) > 0
    if not has_contigs:
        # bcftools cannot write records whose contig the header does not declare:
        # declare the reference's contigs (as many callers omit them)
        fai = Path(str(reference) + ".fai")
        if not fai.exists():
            pysam.faidx(str(reference))
        declared = Path(str(dst) + ".contigs.vcf")
        pysam.bcftools.reheader("--fai", str(fai), "-o", str(declared), str(src), catch_stdout=False)
        src_for_norm = declared
    else:
        src_for_norm = Path(src)
    try:
        pysam.bcftools.norm("-m", "-any", "-f", str(reference), "-c", "e", "-O", "v", "-o", str(dst),
                            str(src_for_norm), catch_stdout=False)
    except pysam.utils.SamtoolsError as exc:
        detail = " ".join(str(exc).split())
        if "does not match" in detail or "Reference allele mismatch" in detail or "REF_MISMATCH" in detail:
            raise GenomemlError(f"{src}: REF alleles disagree with reference {reference} "
                                f"(VCF made against another reference?)") from None
        raise GenomemlError(f"{src}: cannot normalize VCF ({detail[-300:]})") from None


def read_normalized(path: str | os.PathLike, reference: str | os.PathLike,
                    pass_only: bool = False) -> list[VcfVariant]:
    """Load a VCF as normalized biallelic variants; ``pass_only`` keeps FILTER PASS or '.'."""
    with tempfile.TemporaryDirectory(prefix="genomeml-norm-") as tmp:
        normalized = Path(tmp) / "norm.vcf"
        normalize_vcf(path, reference, normalized)
        variants = []
        for record in iter_records(normalized):
            if pass_only:
                filters = list(record.filter.keys())
                if filters and filters != ["PASS"]:
                    continue
            alt = record.alts[0] if record.alts else None
            if alt is None or alt == "*" or alt.startswith("<"):
                continue
            info = {key: record.info[key] for key in record.info.keys()}
            variants.append(VcfVariant(record.chrom, record.pos, record.ref, alt, info))
    return variants


def write_vcf(path: str | os.PathLike, header_lines: Sequence[str], body_lines: Iterable[str]) -> None:
    """Write a bgzipped, tabix-indexed VCF at ``path`` (which must end in .vcf.gz), atomically.

    ``header_lines`` include the ``#CHROM`` line; body lines must already be sorted.
    """
    path = Path(path)
    if not str(path).endswith(".vcf.gz"):
        raise GenomemlError(f"{path}: VCF output name must end in .vcf.gz")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".genomeml-vcf-", dir=path.parent) as tmp:
        plain = Path(tmp) / "out.vcf"
        with open(plain, "w") as handle:
            for line in header_lines:
                handle.write(line.rstrip("\n") + "\n")
            for line in body_lines:
                handle.write(line.rstrip("\n") + "\n")
        pysam.tabix_index(str(plain), preset="vcf", force=True)
        # index first, then the file: a reader never sees a new VCF with a stale index
        os.replace(str(plain) + ".gz.tbi", str(path) + ".tbi")
        os.replace(str(plain) + ".gz", path)


def contig_header_lines(contigs: dict[str, int]) -> list[str]:
    return [f"##contig=<ID={name},length={length}>" for name, length in contigs.items()]


def vcf_header(source: str, contigs: dict[str, int], meta: Sequence[str], samples: Sequence[str] = ()) -> list[str]:
    """A VCF 4.2 header: fileformat, source, extra meta lines, contigs and the #CHROM line."""
    columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + ("\tFORMAT\t" + "\t".join(samples) if samples else "")
    return ["##fileformat=VCFv4.2", f"##source={source}", *contig_header_lines(contigs), *meta, columns]
