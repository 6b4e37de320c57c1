"""evaluate assembly: exact recovery of injected errors, unaligned sequence, QV, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import mappy
import numpy as np
import pytest
from click.testing import CliRunner

from cli_helpers import genomeml_exe
from genomeml.cli import cli
from genomeml.errors import GenomemlError
from genomeml.evaluate.assembly import count_cs, evaluate_assembly, format_assembly_report

SUB = {"A": "C", "C": "G", "G": "T", "T": "A"}




def _random(length: int, seed: int) -> str:
    return "".join(np.random.default_rng(seed).choice(list("ACGT"), length))


def _write_fasta(path: Path, records: list[tuple[str, str]]) -> Path:
    with open(path, "w") as handle:
        for name, seq in records:
            handle.write(f">{name}\n" + "\n".join(seq[i:i + 70] for i in range(0, len(seq), 70)) + "\n")
    return path


@pytest.fixture(scope="module")
def truth_seq() -> str:
    return _random(20_000, seed=7)


@pytest.fixture()
def truth(tmp_path: Path, truth_seq: str) -> Path:
    return _write_fasta(tmp_path / "truth.fa", [("chr1", truth_seq)])


# (0-based position, kind, bases) applied right to left so positions stay valid;
# 2 kb apart and far from the ends, like a sparse simulated draft.
EDITS = [(1000, "sub", ""), (3000, "sub", ""), (5000, "ins", "G"), (7000, "ins", "TCA"), (9000, "del", "1"),
         (11000, "del", "3"), (13000, "sub", ""), (15000, "ins", "C"), (17000, "del", "1"), (19000, "sub", "")]


def _draft(truth_seq: str) -> str:
    draft = list(truth_seq)
    for pos, kind, bases in sorted(EDITS, reverse=True):
        if kind == "sub":
            draft[pos] = SUB[draft[pos]]
        elif kind == "ins":
            draft[pos:pos] = list(bases)
        else:
            del draft[pos:pos + int(bases)]
    return "".join(draft)


def test_injected_errors_are_recovered_exactly(tmp_path, truth, truth_seq):
    draft = _draft(truth_seq)
    assembly = _write_fasta(tmp_path / "draft.fa", [("fwd", draft), ("rev", mappy.revcomp(draft))])
    metrics = evaluate_assembly(truth, assembly, threads=2)
    for counts in (metrics["contigs"]["fwd"], metrics["contigs"]["rev"]):
        assert counts["substitutions"] == 4
        assert (counts["insertion_events"], counts["insertion_bases"]) == (3, 5)
        assert (counts["deletion_events"], counts["deletion_bases"]) == (3, 5)
        assert counts["error_bases"] == 14 and counts["error_events"] == 10
        assert counts["aligned_bases"] == len(draft) and counts["unaligned_bases"] == 0
        assert counts["n_alignments"] == 1
        assert counts["qv"] == pytest.approx(-10 * np.log10(14 / len(draft)), abs=1e-3)
    assert metrics["error_bases"] == 28 and metrics["substitutions"] == 8


def test_truth_against_itself_has_no_errors(truth):
    metrics = evaluate_assembly(truth, truth, threads=1)
    assert metrics["error_bases"] == 0 and metrics["unaligned_bases"] == 0
    assert metrics["aligned_bases"] == 20_000
    assert metrics["qv_capped"] is True
    assert metrics["qv"] == pytest.approx(10 * np.log10(20_000), abs=1e-3)


def test_junk_contig_is_unaligned(tmp_path, truth, truth_seq):
    junk = _random(500, seed=99)
    assembly = _write_fasta(tmp_path / "asm.fa", [("ctg", truth_seq[2000:12000]), ("junk", junk)])
    metrics = evaluate_assembly(truth, assembly)
    assert metrics["contigs"]["junk"]["unaligned_bases"] == 500
    assert metrics["contigs"]["junk"]["qv"] is None
    assert metrics["unaligned_bases"] == 500 and metrics["aligned_bases"] == 10_000
    assert metrics["n_contigs"] == 2 and metrics["assembly_bases"] == 10_500
    json.dumps(metrics, allow_nan=False)


def test_chimeric_contig_counts_each_base_once(tmp_path, truth, truth_seq):
    """Two pieces joined in opposite orientations: a primary + a supplementary hit, which
    minimap2 lets overlap on the contig by a base; neither piece is lost or counted twice."""
    contig = truth_seq[2000:9000] + mappy.revcomp(truth_seq[11000:18000])
    metrics = evaluate_assembly(truth, _write_fasta(tmp_path / "chim.fa", [("chim", contig)]))
    assert metrics["n_alignments"] == 2
    assert metrics["aligned_bases"] == 14_000 and metrics["unaligned_bases"] == 0
    assert metrics["error_bases"] == 0


def test_mismatches_against_n_are_not_errors(tmp_path, truth_seq):
    truth_n = _write_fasta(tmp_path / "truth_n.fa", [("chr1", truth_seq[:5000] + "N" + truth_seq[5001:])])
    metrics = evaluate_assembly(truth_n, _write_fasta(tmp_path / "a.fa", [("a", truth_seq[1000:9000])]))
    assert metrics["substitutions"] == 0 and metrics["ambiguous_mismatches"] == 1


def test_scaffold_gaps_are_not_errors(tmp_path, truth, truth_seq):
    """minimap2 (asm5) aligns through an N run as an insertion; N bases must not be errors either way."""
    short_gap = truth_seq[1000:8000] + "N" * 300 + truth_seq[8000:16000]
    long_gap = truth_seq[1000:8000] + "N" * 5000 + truth_seq[8000:16000]
    assembly = _write_fasta(tmp_path / "scaf.fa", [("short", short_gap), ("long", long_gap)])
    metrics = evaluate_assembly(truth, assembly)
    assert metrics["error_bases"] == metrics["error_events"] == 0
    short, long = metrics["contigs"]["short"], metrics["contigs"]["long"]
    assert short["ambiguous_indel_bases"] == 300 and short["unaligned_bases"] == 0
    assert long["ambiguous_indel_bases"] + long["unaligned_n_bases"] == 5000
    assert long["unaligned_bases"] == long["unaligned_n_bases"]


def test_count_cs_keeps_only_unclaimed_query_bases():
    cs = ":10*ac:5+gg:5-tt:10"  # query: 10 + 1 + 5 + 2 + 5 + 10 = 33 bases
    whole = count_cs(cs, 0, 33, 1, [(0, 33)])
    assert (whole.substitutions, whole.insertion_bases, whole.deletion_bases, whole.aligned_bases) == (1, 2, 2, 33)
    gaps = count_cs(":10+nnnn:5-nn:10", 0, 29, 1, [(0, 29)])
    assert (gaps.insertion_events, gaps.deletion_events, gaps.ambiguous_indel_bases, gaps.aligned_bases) == (0, 0, 6, 29)
    tail = count_cs(cs, 0, 33, 1, [(18, 33)])  # the substitution (query 10) and insertion (16-17) are claimed
    assert (tail.substitutions, tail.insertion_events, tail.deletion_events, tail.aligned_bases) == (0, 0, 1, 15)
    mirrored = count_cs(cs, 0, 33, -1, [(0, 15)])  # reverse strand: the walk starts at the query's end
    assert (mirrored.substitutions, mirrored.insertion_events, mirrored.deletion_events) == (0, 0, 1)


def test_report_lists_contigs_and_total(tmp_path, truth, truth_seq):
    text = format_assembly_report(evaluate_assembly(truth, _write_fasta(tmp_path / "d.fa", [("d", _draft(truth_seq))])))
    assert "TOTAL" in text and "3/5" in text


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    ("", "empty"),
    ("##fileformat=VCFv4.2\n", "not FASTA"),
    (">only_a_header\n", "no sequence"),
])
def test_bad_assembly_input(tmp_path, truth, content, message):
    path = tmp_path / "asm.fa"
    if content is not None:
        path.write_text(content)
    with pytest.raises(GenomemlError, match=f"asm.fa.*{message}"):
        evaluate_assembly(truth, path)


def test_bad_truth_input(tmp_path, truth):
    with pytest.raises(GenomemlError, match="nope.fa.*not found"):
        evaluate_assembly(tmp_path / "nope.fa", truth)
    headers_only = tmp_path / "headers.fa"
    headers_only.write_text(">a\n>b\n")
    with pytest.raises(GenomemlError, match="headers.fa.*no sequence"):
        evaluate_assembly(headers_only, truth)


def test_cli_writes_json(tmp_path, truth, truth_seq):
    assembly = _write_fasta(tmp_path / "draft.fa", [("d", _draft(truth_seq))])
    out = tmp_path / "qv.json"
    result = CliRunner().invoke(cli, ["evaluate", "assembly", "--truth", str(truth), "--assembly", str(assembly),
                                      "--json", str(out), "--threads", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"substitutions", "insertion_events", "insertion_bases", "deletion_events", "deletion_bases",
            "error_bases", "aligned_bases", "qv", "unaligned_bases", "contigs"} <= data.keys()
    assert data["contigs"]["d"]["error_bases"] == 14


def test_cli_bad_input_fails_cleanly(tmp_path, truth):
    out = tmp_path / "qv.json"
    proc = subprocess.run([genomeml_exe(), "evaluate", "assembly", "--truth", str(truth),
                           "--assembly", str(tmp_path / "missing.fa"), "--json", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genomeml: error:") and "missing.fa" in lines[0]
    assert not out.exists()
