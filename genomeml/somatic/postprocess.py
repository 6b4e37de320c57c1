"""postprocess_variants: class probabilities -> VCF 4.2 records. The only stage that writes VCF."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genomeml import __version__
from genomeml.io.vcf import REGIONS_KEY, vcf_header
from genomeml.pileup.alleles import Allele
from genomeml.somatic.examples import SiteCounts

PASS, GERMLINE, REFCALL = "PASS", "GERMLINE", "RefCall"


@dataclass(frozen=True)
class CallSettings:
    """PASS needs the somatic class to win with at least this probability.

    Indels may have their own threshold: repeat stutter makes a low-support indel a harder call
    than an SNV with the same support, so the best cut on validation need not be the same.
    """
    min_somatic_probability: float = 0.5
    min_somatic_probability_indel: float | None = None   # None: the SNV threshold

    @property
    def indel_threshold(self) -> float:
        indel = self.min_somatic_probability_indel
        return self.min_somatic_probability if indel is None else indel

    def threshold(self, allele: Allele) -> float:
        return self.min_somatic_probability if allele.is_snv else self.indel_threshold


def phred(p_error: float, cap: float = 99.0) -> float:
    return min(cap, max(0.0, -10.0 * math.log10(max(p_error, 1e-12))) + 0.0)  # + 0.0: never "-0.00"


def header_lines(contigs: dict[str, int], samples: list[str], command: str, regions: str, model_name: str,
                 model_version: str, reference: str, settings: CallSettings = CallSettings(),
                 mapq_scales: dict[str, float] | None = None, error_rates: tuple[str, dict] | None = None) -> list[str]:
    """The VCF header; ``regions`` is the canonical text of the called regions (io.regions.describe_regions).

    ``mapq_scales``: samples whose MAPQ was put on the models' scale (io.alignments.mapq_scale), and by
    what factor; recorded because it changes what the model saw. ``error_rates``: the sample whose
    error rates the model was given (pileup.error_rates) and those rates, for the same reason.
    """
    scaled = [f"##genomeml_mapq_scale={sample}:{scale:.4f}" for sample, scale in (mapq_scales or {}).items()
              if scale != 1.0]
    if error_rates is not None:
        sample, rates = error_rates
        scaled.append(f"##genomeml_error_rates={sample}:" + ",".join(f"{k}={v}" for k, v in rates.items()))
    meta = [
        f"##genomeml_command={command}",
        f"##{REGIONS_KEY}={regions}",
        f"##genomeml_model={model_name} version={model_version}",
        f"##genomeml_min_somatic_probability={settings.min_somatic_probability}",
        f"##genomeml_min_somatic_probability_indel={settings.indel_threshold}",
        f"##reference={reference}",
        *scaled,
        '##FILTER=<ID=PASS,Description="Somatic mutation">',
        '##FILTER=<ID=GERMLINE,Description="Germline variant (present in the normal or inherited)">',
        '##FILTER=<ID=RefCall,Description="Not a variant: reference, sequencing or mapping artifact">',
        '##INFO=<ID=PSOM,Number=1,Type=Float,Description="Model probability that the allele is somatic">',
        '##INFO=<ID=PGERM,Number=1,Type=Float,Description="Model probability that the allele is germline">',
        '##INFO=<ID=PREF,Number=1,Type=Float,Description="Model probability of reference or artifact">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality (Phred)">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth (overlapping mates once)">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Reads supporting REF and ALT">',
        '##FORMAT=<ID=VAF,Number=A,Type=Float,Description="ALT reads / depth">',
    ]
    return vcf_header(f"genomeml-{__version__}", contigs, meta, samples)


def _sample_field(gt: str, gq: int, counts: SiteCounts) -> str:
    vaf = counts.alt / counts.depth if counts.depth else 0.0
    return f"{gt}:{gq}:{counts.depth}:{counts.ref},{counts.alt}:{vaf:.4f}"


def record_line(allele: Allele, probs: np.ndarray, tumor: SiteCounts, normal: SiteCounts | None,
                settings: CallSettings) -> str:
    p_ref, p_germ, p_som = (float(x) for x in probs)
    label = int(np.argmax(probs))
    if label == 2 and p_som >= settings.threshold(allele):
        status = PASS
    elif label == 1:
        status = GERMLINE
    else:
        status = REFCALL
    qual = phred(1.0 - p_som)
    gq = int(round(phred(1.0 - max(p_ref, p_germ, p_som))))
    tumor_vaf = tumor.alt / tumor.depth if tumor.depth else 0.0
    variant_gt = "1/1" if tumor_vaf > 0.85 else "0/1"
    tumor_gt = "0/0" if status == REFCALL else variant_gt
    fields = [allele.contig, str(allele.pos + 1), ".", allele.ref, allele.alt, f"{qual:.2f}", status,
              f"PSOM={p_som:.4f};PGERM={p_germ:.4f};PREF={p_ref:.4f}", "GT:GQ:DP:AD:VAF",
              _sample_field(tumor_gt, gq, tumor)]
    if normal is not None:
        normal_vaf = normal.alt / normal.depth if normal.depth else 0.0
        normal_gt = ("1/1" if normal_vaf > 0.85 else "0/1") if status == GERMLINE else "0/0"
        fields.append(_sample_field(normal_gt, gq, normal))
    return "\t".join(fields)
