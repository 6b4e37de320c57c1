"""evaluate somatic: matching after normalization, counts, VAF bins, BED, germline, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli_helpers import genomeml_exe
from genomeml.cli import cli
from genomeml.errors import GenomemlError
from genomeml.evaluate.somatic import evaluate_somatic, format_somatic_report

HEADER = [
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=2000>",
    '##INFO=<ID=VAF,Number=1,Type=Float,Description="Variant allele fraction">',
    '##FILTER=<ID=RefCall,Description="Not a variant">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
]




def _other(base: str, shift: int = 1) -> str:
    bases = "ACGT"
    return bases[(bases.index(base) + shift) % 4]


@pytest.fixture()
def seq() -> str:
    """2 kb random sequence with an A5 homopolymer at 1-based 101-105, flanked by C and G."""
    rng = np.random.default_rng(42)
    bases = list(rng.choice(list("ACGT"), 2000))
    bases[99], bases[100:105], bases[105] = "C", list("AAAAA"), "G"
    return "".join(bases)


@pytest.fixture()
def ref(tmp_path: Path, seq: str) -> Path:
    path = tmp_path / "ref.fa"
    path.write_text(">chr1\n" + "\n".join(seq[i:i + 60] for i in range(0, len(seq), 60)) + "\n")
    return path


def _vcf(path: Path, rows: list[tuple]) -> Path:
    """Write rows of (pos, ref, alt, filter, info) as a plain-text VCF."""
    lines = HEADER + [f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\t{flt}\t{info}" for pos, ref, alt, flt, info in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _snv(seq: str, pos: int, shift: int = 1) -> tuple[int, str, str]:
    return pos, seq[pos - 1], _other(seq[pos - 1], shift)


@pytest.fixture()
def truth(tmp_path: Path, seq: str) -> Path:
    rows = [
        (100, "CA", "C", "PASS", "VAF=0.25"),               # left-normalized A deletion in the homopolymer
        (*_snv(seq, 200), "PASS", "VAF=0.3"),
        (*_snv(seq, 300), "PASS", "VAF=0.04"),              # below --min-vaf 0.05
        (*_snv(seq, 400), "PASS", "VAF=0.15"),              # only called as RefCall -> FN
        (600, seq[599], seq[599] + "GT", "PASS", "VAF=0.6"),  # never called -> FN
        (*_snv(seq, 800), "PASS", "VAF=0.4"),               # called inside a multi-allelic record
        (*_snv(seq, 1500), "PASS", "VAF=1.0"),              # top edge of the last VAF bin
        (*_snv(seq, 1800), "RefCall", "VAF=0.3"),           # filtered truth: not expected, not scored
    ]
    return _vcf(tmp_path / "truth.vcf", rows)


@pytest.fixture()
def calls(tmp_path: Path, seq: str) -> Path:
    assert seq[103:105] == "AA"
    rows = [
        (104, "AA", "A", "PASS", "."),                       # same deletion, written at the right end
        (*_snv(seq, 200), "PASS", "."),
        (*_snv(seq, 300), "PASS", "."),
        (*_snv(seq, 400), "RefCall", "."),
        (800, seq[799], f"{_other(seq[799], 1)},{_other(seq[799], 2)}", "PASS", "."),  # 1 TP + 1 FP
        (*_snv(seq, 1000), ".", "."),                        # FP, but a germline variant
        (1200, seq[1199:1202], seq[1199], "PASS", "."),      # FP indel
        (*_snv(seq, 1500), "PASS", "."),
    ]
    return _vcf(tmp_path / "calls.vcf", rows)


@pytest.fixture()
def germline(tmp_path: Path, seq: str) -> Path:
    return _vcf(tmp_path / "germline.vcf", [(*_snv(seq, 1000), "PASS", "."), (*_snv(seq, 1700), "PASS", ".")])


def test_counts_after_normalization_splitting_and_filtering(truth, calls, ref):
    metrics = evaluate_somatic(truth, calls, ref)
    assert metrics["snv"] == {"tp": 4, "fp": 2, "fn": 1, "precision": round(4 / 6, 6), "recall": 0.8,
                              "f1": round(2 * (4 / 6) * 0.8 / (4 / 6 + 0.8), 6)}
    assert metrics["indel"] == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert metrics["all"]["tp"] == 5
    assert metrics["n_truth"] == 7
    assert metrics["n_calls_pass"] == 8  # multi-allelic split in two, RefCall dropped
    assert metrics["germline_fp"] is None
    assert metrics["ignored_low_vaf"] == 0


def test_by_vaf_bins(truth, calls, ref):
    bins = evaluate_somatic(truth, calls, ref)["by_vaf"]
    assert [(b["vaf_min"], b["vaf_max"]) for b in bins] == [(0.0, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.3),
                                                            (0.3, 0.5), (0.5, 1.0)]
    snv = [(b["snv_truth"], b["snv_tp"], b["snv_recall"]) for b in bins]
    indel = [(b["indel_truth"], b["indel_tp"], b["indel_recall"]) for b in bins]
    assert snv == [(1, 1, 1.0), (0, 0, None), (1, 0, 0.0), (0, 0, None), (2, 2, 1.0), (1, 1, 1.0)]
    assert indel == [(0, 0, None), (0, 0, None), (0, 0, None), (1, 1, 1.0), (0, 0, None), (1, 0, 0.0)]


def test_min_vaf_ignores_calls_of_low_vaf_truth(truth, calls, ref):
    metrics = evaluate_somatic(truth, calls, ref, min_vaf=0.05)
    assert (metrics["snv"]["tp"], metrics["snv"]["fp"], metrics["snv"]["fn"]) == (3, 2, 1)
    assert metrics["ignored_low_vaf"] == 1
    assert metrics["n_truth"] == 6 and metrics["n_truth_below_min_vaf"] == 1
    assert metrics["by_vaf"][0]["snv_truth"] == 0
    assert metrics["min_vaf"] == 0.05


def test_germline_fp(truth, calls, ref, germline):
    assert evaluate_somatic(truth, calls, ref, germline=germline)["germline_fp"] == 1


def test_bed_restricts_truth_and_calls(truth, calls, ref, tmp_path):
    bed = tmp_path / "regions.bed"
    bed.write_text("chr1\t0\t450\nchr1\t1499\t1500\n")  # POS 1500 is 0-based 1499: inside
    metrics = evaluate_somatic(truth, calls, ref, bed=bed)
    assert (metrics["snv"]["tp"], metrics["snv"]["fp"], metrics["snv"]["fn"]) == (3, 0, 1)
    assert (metrics["indel"]["tp"], metrics["indel"]["fp"], metrics["indel"]["fn"]) == (1, 0, 0)
    assert metrics["n_calls_pass"] == 4 and metrics["n_truth"] == 5


def test_truth_against_itself_is_perfect(truth, ref):
    metrics = evaluate_somatic(truth, truth, ref)
    for kind in ("snv", "indel", "all"):
        assert metrics[kind]["fp"] == metrics[kind]["fn"] == 0
        assert metrics[kind]["precision"] == metrics[kind]["recall"] == metrics[kind]["f1"] == 1.0


def test_no_indels_reports_zero_not_nan(tmp_path, seq, ref):
    only_snv = _vcf(tmp_path / "snv.vcf", [(*_snv(seq, 200), "PASS", "VAF=0.3")])
    metrics = evaluate_somatic(only_snv, only_snv, ref)
    assert metrics["indel"] == {"tp": 0, "fp": 0, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    json.dumps(metrics, allow_nan=False)


def test_report_is_a_table(truth, calls, ref, germline):
    text = format_somatic_report(evaluate_somatic(truth, calls, ref, germline=germline, min_vaf=0.05))
    assert "SNV" in text and "INDEL" in text and "germline" in text and "[0.50,1.00]" in text


def test_ref_mismatch_is_an_error(tmp_path, seq, ref, truth):
    wrong = _vcf(tmp_path / "wrong.vcf", [(200, _other(seq[199]), _other(seq[199], 2), "PASS", ".")])
    with pytest.raises(GenomemlError, match="wrong.vcf.*REF"):
        evaluate_somatic(truth, wrong, ref)


def test_malformed_vcf_is_an_error(tmp_path, ref, truth):
    bad = tmp_path / "bad.vcf"
    bad.write_text("\n".join(HEADER) + "\nchr1\tnotanumber\t.\tA\tG\t.\tPASS\t.\n")
    with pytest.raises(GenomemlError, match="bad.vcf"):
        evaluate_somatic(truth, bad, ref)


def test_missing_files_are_errors(tmp_path, ref, truth, calls):
    with pytest.raises(GenomemlError, match="nope.vcf.*not found"):
        evaluate_somatic(tmp_path / "nope.vcf", calls, ref)
    with pytest.raises(GenomemlError, match="nope.fa.*not found"):
        evaluate_somatic(truth, calls, tmp_path / "nope.fa")
    with pytest.raises(GenomemlError, match="nope.bed.*not found"):
        evaluate_somatic(truth, calls, ref, bed=tmp_path / "nope.bed")


def test_cli_writes_json(truth, calls, ref, germline, tmp_path):
    out = tmp_path / "out" / "metrics.json"
    result = CliRunner().invoke(cli, ["evaluate", "somatic", "--truth", str(truth), "--calls", str(calls),
                                      "--ref", str(ref), "--germline", str(germline), "--min-vaf", "0.05",
                                      "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"snv", "indel", "by_vaf", "germline_fp", "min_vaf", "n_truth", "n_calls_pass",
            "ignored_low_vaf"} <= data.keys()
    assert data["germline_fp"] == 1 and data["snv"]["tp"] == 3
    assert "INDEL" in result.output


def test_cli_bad_input_fails_cleanly(tmp_path, seq, ref, truth):
    wrong = _vcf(tmp_path / "wrong.vcf", [(200, _other(seq[199]), _other(seq[199], 2), "PASS", ".")])
    out = tmp_path / "metrics.json"
    proc = subprocess.run([genomeml_exe(), "evaluate", "somatic", "--truth", str(truth), "--calls", str(wrong),
                           "--ref", str(ref), "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genomeml: error:") and "wrong.vcf" in lines[0]
    assert not out.exists()
