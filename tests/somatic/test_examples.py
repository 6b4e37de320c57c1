"""somatic make-examples on the bundled tumor/normal pair: tensor layout, features, determinism, sharding
invariance; labels and the examples file round trip; the make-examples CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pysam
import pytest

from cli_helpers import genomeml_exe
from genomeml.errors import GenomemlError
from genomeml.io.reference import Reference
from genomeml.io.regions import Region
from genomeml.io.vcf import read_normalized
from genomeml.pileup.alleles import Allele
from genomeml.pileup.encode import CHANNEL_VERSION, CHANNELS, reference_codes, reference_row
from genomeml.somatic.dataset import alleles_of, load_examples, save_examples
from genomeml.somatic.examples import (FEATURES, FETCH_PAD, HALF_WIDTH, NORMAL_ROWS, ROWS, TUMOR_ROWS, WIDTH,
                                       ExampleBatch, ExampleSettings, example_info, make_shard_examples)
from genomeml.somatic.labels import GERMLINE, REFERENCE, SOMATIC, label_alleles, truth_keys
from genomeml.somatic.make_examples import make_examples

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "testdata" / "somatic"
REF_FA = DATA / "ref.fa"
CONTIG = "chr20"
REGION = Region(CONTIG, 100000, 130000)          # chr20:100001-130000, the simulated stretch
SUB = Region(CONTIG, 115000, 125000)             # smaller stretch for repeated runs
CH = {name: i for i, name in enumerate(CHANNELS)}
F = {name: i for i, name in enumerate(FEATURES)}
BASE_VALUE = {"A": 25, "C": 50, "G": 75, "T": 100}
TUMOR = slice(1, 1 + TUMOR_ROWS)
NORMAL = slice(1 + TUMOR_ROWS, ROWS)


def run_shard(region: Region, normal: bool = True, settings: ExampleSettings | None = None
              ) -> tuple[ExampleBatch, str, int]:
    """make_shard_examples with freshly opened inputs, the reference fetched as the shard runner does."""
    offset = max(0, region.start - FETCH_PAD)
    with Reference(REF_FA) as ref:
        seq = ref.fetch(region.contig, offset, region.end + FETCH_PAD)
    with pysam.AlignmentFile(str(DATA / "tumor.bam")) as tumor:
        if normal:
            with pysam.AlignmentFile(str(DATA / "normal.bam")) as nbam:
                batch = make_shard_examples(tumor, nbam, seq, offset, region, settings or ExampleSettings())
        else:
            batch = make_shard_examples(tumor, None, seq, offset, region, settings or ExampleSettings())
    return batch, seq, offset


def keys(alleles) -> list[tuple]:
    return [(a.contig, a.pos, a.ref, a.alt) for a in alleles]


@pytest.fixture(scope="module")
def paired():
    return run_shard(REGION)


@pytest.fixture(scope="module")
def tumor_only():
    return run_shard(REGION, normal=False)[0]


@pytest.fixture(scope="module")
def sub():
    return run_shard(SUB)[0]


@pytest.fixture(scope="module")
def truth():
    somatic = {(v.contig, v.pos - 1, v.ref, v.alt): v.info
               for v in read_normalized(DATA / "truth.somatic.vcf.gz", REF_FA)}
    germline = truth_keys(DATA / "truth.germline.vcf.gz", REF_FA)
    return somatic, germline


def _index(batch: ExampleBatch) -> dict[tuple, int]:
    return {k: i for i, k in enumerate(keys(batch.alleles))}


# ----------------------------------------------------------------------------- layout
def test_shapes_and_types(paired):
    batch, _, _ = paired
    n = len(batch)
    assert 60 <= n < 2000
    assert batch.tensors.shape == (n, ROWS, WIDTH, len(CHANNELS)) and batch.tensors.dtype == np.int8
    assert batch.features.shape == (n, len(FEATURES)) and batch.features.dtype == np.float32
    assert len(batch.tumor) == len(batch.normal) == n and batch.labels is None
    assert ROWS == 1 + TUMOR_ROWS + NORMAL_ROWS and WIDTH == 2 * HALF_WIDTH + 1
    assert example_info()["shape"] == [ROWS, WIDTH, len(CHANNELS)]
    assert example_info()["channel_version"] == CHANNEL_VERSION
    assert batch.alleles == sorted(batch.alleles)
    assert all(REGION.start <= a.pos < REGION.end for a in batch.alleles)
    assert np.isfinite(batch.features).all()


def test_row_zero_is_the_reference_row(paired):
    batch, seq, offset = paired
    for k, allele in enumerate(batch.alleles):
        w0 = allele.pos - HALF_WIDTH - offset
        expected = reference_row(reference_codes(seq[w0:w0 + WIDTH]))
        assert np.array_equal(batch.tensors[k, 0], expected), allele
        assert batch.tensors[k, 0, HALF_WIDTH, CH["base"]] == BASE_VALUE[allele.ref[0]]


def test_sample_channel_marks_tumor_and_normal_blocks(paired):
    batch, _, _ = paired
    t = batch.tensors.astype(np.int64)
    covered = t[..., CH["base"]] != 0
    assert np.array_equal(t[:, TUMOR, :, CH["sample"]], 100 * covered[:, TUMOR])
    assert np.array_equal(t[:, NORMAL, :, CH["sample"]], -100 * covered[:, NORMAL])
    for block in (TUMOR, NORMAL):
        used = t[:, block].any(axis=(2, 3))                        # (n, rows): row holds a read
        assert used[:, 0].all()                                    # every example shows reads of each sample
        # rows are filled from the top of the block, without gaps
        assert (np.diff(used.astype(int), axis=1) <= 0).all()


def test_centre_column_rows_cover_the_depth(paired):
    batch, _, _ = paired
    t = batch.tensors
    for k, allele in enumerate(batch.alleles):
        if not allele.is_snv:
            continue
        for block, counts, cap in ((TUMOR, batch.tumor[k], TUMOR_ROWS), (NORMAL, batch.normal[k], NORMAL_ROWS)):
            shown = int((t[k, block, HALF_WIDTH, CH["base"]] != 0).sum())
            assert shown >= min(counts.depth, cap), allele   # both mates may show; each fragment at least once


def test_truth_somatic_snv_supported_in_tumor_rows_only(paired, truth):
    batch, _, _ = paired
    somatic, _ = truth
    index = _index(batch)
    snvs = [k for k in somatic if len(k[2]) == len(k[3]) == 1]
    assert len(snvs) >= 10
    normal_carriers = 0
    for key in snvs:
        k = index[key]
        centre = batch.tensors[k, :, HALF_WIDTH].astype(np.int64)
        carriers = centre[TUMOR][centre[TUMOR, CH["supports_allele"]] == 100]
        assert len(carriers) >= max(1, min(batch.tumor[k].alt, TUMOR_ROWS)), key
        assert (carriers[:, CH["base"]] == BASE_VALUE[key[3]]).all()
        assert (carriers[:, CH["mismatch"]] == 100).all()
        # the normal does not carry it; a lone low-quality sequencing error may spell the same base
        in_normal = centre[NORMAL][centre[NORMAL, CH["supports_allele"]] == 100]
        normal_carriers += len(in_normal)
        assert len(in_normal) <= 1 and (in_normal[:, CH["base_quality"]] < 60).all(), key
        assert (centre[NORMAL, CH["supports_allele"]] == -100).sum() > 5      # the normal spans the site
    assert normal_carriers <= len(snvs) // 2
    found = [key for key in somatic if key in index]     # a low-VAF one may get too few reads to be a candidate
    assert len(found) >= 0.9 * len(somatic)
    for key in found:                                    # indels too: some tumor row carries the allele
        k = index[key]
        assert (batch.tensors[k, TUMOR, :, CH["supports_allele"]] == 100).any(), key


def test_germline_variants_supported_in_normal_rows(paired, truth):
    batch, _, _ = paired
    _, germline = truth
    index = _index(batch)
    for key in germline:
        k = index[key]
        assert (batch.tensors[k, NORMAL, :, CH["supports_allele"]] == 100).any(), key
        assert (batch.tensors[k, TUMOR, :, CH["supports_allele"]] == 100).any(), key


# ----------------------------------------------------------------------------- features
def test_features_follow_counts_and_truth(paired, truth):
    batch, _, _ = paired
    somatic, germline = truth
    index = _index(batch)
    f = batch.features
    z = []
    for key, info in somatic.items():
        if key not in index:          # the one low-VAF mutation without a candidate (test_labels_on_bundled_data)
            continue
        k = index[key]
        t, nrm = batch.tumor[k], batch.normal[k]
        assert 0 <= t.alt and t.ref + t.alt <= t.depth and t.depth >= 30
        assert f[k, F["tumor_vaf"]] == pytest.approx(t.alt / t.depth)
        assert f[k, F["tumor_depth"]] == pytest.approx(np.log1p(t.depth) / 5)
        assert f[k, F["normal_present"]] == 1.0
        assert nrm.depth >= 15 and f[k, F["normal_vaf"]] < 0.05
        vaf = info["VAF"]
        sd = np.sqrt(vaf * (1 - vaf) / t.depth)
        z.append((f[k, F["tumor_vaf"]] - vaf) / sd)
    z = np.array(z)
    assert np.abs(z).max() < 4, z            # each within binomial noise of the truth VAF
    assert abs(z.mean()) < 1.0, z            # and no bias across the 25 mutations
    for key in germline:
        k = index[key]
        assert f[k, F["normal_vaf"]] > 0.1 and f[k, F["tumor_vaf"]] > 0.2
        if len(key[2]) == len(key[3]) == 1:
            assert f[k, F["normal_vaf"]] > 0.3
    for k, a in enumerate(batch.alleles):
        assert f[k, F["is_snv"]] == float(a.is_snv)
        assert f[k, F["is_insertion"]] == float(len(a.alt) > len(a.ref))
        assert f[k, F["is_deletion"]] == float(len(a.alt) < len(a.ref))
        assert f[k, F["indel_length"]] == pytest.approx(min(abs(len(a.alt) - len(a.ref)), 20) / 20)
        assert 0 <= f[k, F["tumor_alt_forward_fraction"]] <= 1


def test_tumor_only_has_an_empty_normal_block(paired, tumor_only):
    batch, _, _ = paired
    assert tumor_only.alleles == batch.alleles           # candidates come from the tumor alone
    assert not tumor_only.tensors[:, NORMAL].any()
    assert np.array_equal(tumor_only.tensors[:, :1 + TUMOR_ROWS], batch.tensors[:, :1 + TUMOR_ROWS])
    assert (tumor_only.features[:, F["normal_present"]] == 0).all()
    for name in ("normal_depth", "normal_alt", "normal_vaf"):
        assert (tumor_only.features[:, F[name]] == 0).all()
    tumor_features = [i for name, i in F.items() if not name.startswith("normal")]
    assert np.array_equal(tumor_only.features[:, tumor_features], batch.features[:, tumor_features])
    assert tumor_only.normal == [None] * len(tumor_only) and tumor_only.tumor == batch.tumor


# ----------------------------------------------------------------------------- reproducibility
def _assert_same(a: ExampleBatch, b: ExampleBatch) -> None:
    assert keys(a.alleles) == keys(b.alleles)
    for i, allele in enumerate(a.alleles):
        assert np.array_equal(a.tensors[i], b.tensors[i]), f"tensor of {allele} differs"
        assert np.array_equal(a.features[i], b.features[i]), f"features of {allele} differ"
    assert a.tumor == b.tumor and a.normal == b.normal


def _concat(parts: list[ExampleBatch]) -> ExampleBatch:
    return ExampleBatch([a for p in parts for a in p.alleles], np.concatenate([p.tensors for p in parts]),
                        np.concatenate([p.features for p in parts]), [c for p in parts for c in p.tumor],
                        [c for p in parts for c in p.normal])


def test_deterministic(sub):
    again = run_shard(SUB)[0]
    _assert_same(sub, again)
    assert sub.tensors.tobytes() == again.tensors.tobytes()


def test_region_examples_equal_those_of_a_larger_region(paired, sub):
    big, _, _ = paired
    inside = [i for i, a in enumerate(big.alleles) if SUB.start <= a.pos < SUB.end]
    part = ExampleBatch([big.alleles[i] for i in inside], big.tensors[inside], big.features[inside],
                        [big.tumor[i] for i in inside], [big.normal[i] for i in inside])
    _assert_same(part, sub)


@pytest.mark.parametrize("shift", [0, 1, -HALF_WIDTH, HALF_WIDTH + 1])
def test_sharding_invariance(sub, truth, shift):
    """One shard or two halves cut at (or next to) a truth indel: same alleles, same tensors, same counts."""
    somatic, _ = truth
    cut = next(k[1] for k in sorted(somatic) if SUB.start < k[1] < SUB.end and len(k[2]) != len(k[3])) + shift
    left = run_shard(Region(CONTIG, SUB.start, cut))[0]
    right = run_shard(Region(CONTIG, cut, SUB.end))[0]
    assert len(left) > 0 and len(right) > 0
    _assert_same(_concat([left, right]), sub)


def test_sharding_invariance_when_downsampling(sub):
    """Extreme depth is cut by read-name-hash bounds over fixed genome windows, the same for every shard."""
    settings = ExampleSettings(max_depth=30.0)                     # both samples are deeper than 30x here
    whole = run_shard(SUB, settings=settings)[0]
    assert np.median([f[F["tumor_depth"]] for f in whole.features]) < np.median(
        [f[F["tumor_depth"]] for f in sub.features])               # fewer reads were used
    mid = (SUB.start + SUB.end) // 2
    halves = [run_shard(Region(CONTIG, SUB.start, mid + 1234), settings=settings)[0],
              run_shard(Region(CONTIG, mid + 1234, SUB.end), settings=settings)[0]]
    _assert_same(_concat(halves), whole)


def test_other_seed_other_downsampling_only_when_capped(sub):
    """The seed picks which reads to show beyond the row cap; under the cap it changes nothing."""
    other = run_shard(SUB, settings=ExampleSettings(seed=5))[0]
    assert keys(other.alleles) == keys(sub.alleles) and np.array_equal(other.features, sub.features)
    for k in range(len(sub)):
        shown = (sub.tensors[k, TUMOR].any(axis=(1, 2))).sum()
        if shown < TUMOR_ROWS:    # nothing was left out: the same tumor rows (ties at one start may swap)
            rows = lambda b: sorted(r.tobytes() for r in b.tensors[k, TUMOR])  # noqa: E731
            assert rows(sub) == rows(other)


# ----------------------------------------------------------------------------- labels
def test_label_alleles_by_hand():
    a = [Allele("c", 9, "A", "G"), Allele("c", 9, "A", "T"), Allele("c", 20, "AC", "A"), Allele("d", 9, "A", "G")]
    somatic = {("c", 9, "A", "G"), ("c", 20, "AC", "A")}
    germline = {("c", 9, "A", "T"), ("c", 20, "AC", "A")}            # somatic wins where both match
    labels = label_alleles(a, somatic, germline)
    assert labels.dtype == np.int8
    assert labels.tolist() == [SOMATIC, GERMLINE, SOMATIC, REFERENCE]
    assert label_alleles([Allele("c", 10, "A", "G")], {("c", 9, "A", "G")}, set()).tolist() == [REFERENCE]  # 0-based
    assert label_alleles([], somatic, germline).tolist() == []


def test_labels_on_bundled_data(paired, truth):
    batch, _, _ = paired
    somatic, germline = truth
    labels = label_alleles(batch.alleles, set(somatic), germline)
    # every somatic variant of the bundled data, down to VAF 0.08 in a homopolymer, is a candidate
    assert [k for k in somatic if k not in _index(batch)] == []
    assert int((labels == SOMATIC).sum()) == len(somatic) == 25
    assert int((labels == GERMLINE).sum()) == len(germline) == 35
    assert int((labels == REFERENCE).sum()) == len(batch) - 60


# ----------------------------------------------------------------------------- examples file
def test_save_load_round_trip(tmp_path, sub, truth):
    somatic, germline = truth
    labeled = ExampleBatch(sub.alleles, sub.tensors, sub.features, sub.tumor, sub.normal,
                           label_alleles(sub.alleles, set(somatic), germline))
    path = tmp_path / "out" / "ex.npz"
    save_examples(path, labeled)
    info = json.loads((tmp_path / "out" / "ex.example_info.json").read_text())
    assert info["channel_version"] == CHANNEL_VERSION and info["n_examples"] == len(sub)
    assert info["shape"] == [ROWS, WIDTH, len(CHANNELS)] and info["features"] == list(FEATURES)
    data = load_examples([path])
    assert np.array_equal(data["tensors"], sub.tensors) and data["tensors"].dtype == np.int8
    assert np.array_equal(data["features"], sub.features) and data["features"].dtype == np.float32
    assert np.array_equal(data["labels"], labeled.labels)
    assert alleles_of(data) == sub.alleles
    # unlabeled examples store -1; two files concatenate in the order given
    unlabeled = tmp_path / "unlabeled.npz"
    save_examples(unlabeled, sub)
    both = load_examples([path, unlabeled])
    assert both["tensors"].shape[0] == 2 * len(sub)
    assert both["labels"][len(sub):].tolist() == [-1] * len(sub)
    assert alleles_of(both) == sub.alleles * 2
    assert not list(tmp_path.glob("**/*.tmp*"))          # no temporary files left behind


def test_empty_batch_round_trip(tmp_path):
    empty = ExampleBatch([], np.zeros((0, ROWS, WIDTH, len(CHANNELS)), np.int8), np.zeros((0, len(FEATURES)),
                         np.float32), [], [])
    save_examples(tmp_path / "e.npz", empty)
    data = load_examples([tmp_path / "e.npz"])
    assert data["tensors"].shape == (0, ROWS, WIDTH, len(CHANNELS)) and alleles_of(data) == []


def test_load_refuses_other_channel_version_and_bad_paths(tmp_path, sub):
    path = tmp_path / "ex.npz"
    save_examples(path, sub)
    info_path = tmp_path / "ex.example_info.json"
    info = json.loads(info_path.read_text())
    info_path.write_text(json.dumps({**info, "channel_version": "somatic-pileup-v0"}))
    with pytest.raises(GenomemlError, match="somatic-pileup-v0"):
        load_examples([path])
    with pytest.raises(GenomemlError, match="not found"):
        load_examples([tmp_path / "missing.npz"])
    with pytest.raises(GenomemlError):
        load_examples([])
    with pytest.raises(GenomemlError, match=r"\.npz"):
        save_examples(tmp_path / "ex.npy", sub)


# ----------------------------------------------------------------------------- make-examples (library and CLI)
def test_make_examples_over_small_shards_equals_one_shard(tmp_path, sub):
    """The sharded runner (3 kb shards, 2 processes) writes the examples of one direct call."""
    out = tmp_path / "ex.npz"
    summary = make_examples(str(REF_FA), str(DATA / "tumor.bam"), str(DATA / "normal.bam"), out,
                            [f"{CONTIG}:{SUB.start + 1}-{SUB.end}"], threads=2, shard_size=3000)
    assert summary == {"examples": len(sub)}
    data = load_examples([out])
    assert alleles_of(data) == sub.alleles
    assert np.array_equal(data["tensors"], sub.tensors) and np.array_equal(data["features"], sub.features)




@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "ex.npz"
    proc = subprocess.run([genomeml_exe(), "make-examples", "--ref", str(REF_FA), "--tumor", str(DATA / "tumor.bam"),
                           "--normal", str(DATA / "normal.bam"), "--output", str(out),
                           "--regions", f"{CONTIG}:{SUB.start + 1}-{SUB.end}",
                           "--truth-somatic", str(DATA / "truth.somatic.vcf.gz"),
                           "--truth-germline", str(DATA / "truth.germline.vcf.gz")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def test_cli_make_examples_labels(cli_run, sub, truth):
    out, summary = cli_run
    somatic, germline = truth
    data = load_examples([out])
    assert alleles_of(data) == sub.alleles and np.array_equal(data["tensors"], sub.tensors)
    in_sub = lambda k: SUB.start <= k[1] < SUB.end  # noqa: E731
    assert summary["examples"] == len(sub)
    assert summary["somatic"] == sum(map(in_sub, somatic)) == int((data["labels"] == SOMATIC).sum())
    assert summary["germline"] == sum(map(in_sub, germline)) == int((data["labels"] == GERMLINE).sum())


def test_cli_summary_counts_truth_inside_the_regions_only(cli_run, truth):
    _, summary = cli_run
    somatic, _ = truth
    assert summary["somatic_truth"] == sum(1 for k in somatic if SUB.start <= k[1] < SUB.end)
    assert summary["somatic_truth_without_candidate"] == 0     # see test_labels_on_bundled_data


def test_summary_counts_truth_the_reads_do_not_show(tmp_path, sub):
    """A truth mutation no read carries (too few reads in a real run) is counted, not dropped."""
    taken = {a.pos for a in sub.alleles}
    pos = next(p for p in range(SUB.start + 5000, SUB.end) if all(abs(p - q) > 20 for q in taken))
    ref = pysam.FastaFile(str(REF_FA)).fetch(CONTIG, pos, pos + 1)
    truth = tmp_path / "somatic.vcf.gz"
    with pysam.VariantFile(str(DATA / "truth.somatic.vcf.gz")) as src, \
            pysam.VariantFile(str(truth), "wz", header=src.header) as dst:
        records = [r for r in src if SUB.start <= r.pos - 1 < SUB.end]
        extra = dst.new_record(contig=CONTIG, start=pos, alleles=(ref, "A" if ref != "A" else "C"))
        for record in sorted(records + [extra], key=lambda r: r.pos):
            dst.write(record)
    pysam.tabix_index(str(truth), preset="vcf", force=True)
    summary = make_examples(str(REF_FA), str(DATA / "tumor.bam"), str(DATA / "normal.bam"), tmp_path / "ex.npz",
                            regions=[str(SUB)], truth_somatic=str(truth),
                            truth_germline=str(DATA / "truth.germline.vcf.gz"))
    assert summary["somatic_truth"] == len(records) + 1
    assert summary["somatic_truth_without_candidate"] == 1
    assert summary["somatic"] == len(records)


# ----------------------------------------------------------------------------- contig ends
@pytest.fixture(scope="module")
def edge_inputs(tmp_path_factory):
    """A 300 bp contig with 10 reads at each end, all carrying an SNV 3 bp from that end."""
    out = tmp_path_factory.mktemp("edge")
    rng = np.random.default_rng(0)
    length = 300
    seq = "".join(rng.choice(list("ACGT"), length))
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c", "LN": length}]}
    with pysam.AlignmentFile(str(out / "t.bam"), "wb", header=header) as bam:
        for k, start in enumerate([0] * 10 + [length - 60] * 10):
            read = list(seq[start:start + 60])
            for p in (3, length - 4):
                if start <= p < start + 60:
                    read[p - start] = "ACGT"[("ACGT".index(seq[p]) + 1) % 4]
            s = pysam.AlignedSegment(bam.header)
            s.query_name, s.reference_id, s.reference_start = f"r{k}", 0, start
            s.query_sequence, s.cigarstring, s.mapping_quality = "".join(read), "60M", 60
            s.query_qualities = pysam.qualitystring_to_array("I" * 60)
            s.flag = 0x10 if k % 2 else 0
            bam.write(s)
    pysam.index(str(out / "t.bam"))
    return out / "t.bam", seq


@pytest.mark.parametrize("region,pos", [((0, 150), 3), ((150, 300), 296)])
def test_candidates_near_contig_ends(edge_inputs, region, pos):
    path, seq = edge_inputs
    with pysam.AlignmentFile(str(path)) as bam:
        # ref_seq as the shard runner fetches it: clamped to the contig
        batch = make_shard_examples(bam, None, seq, 0, Region("c", *region), ExampleSettings())
    assert [a.pos for a in batch.alleles] == [pos]
    assert batch.tensors.shape == (1, ROWS, WIDTH, len(CHANNELS))
    assert (batch.tensors[0, TUMOR, HALF_WIDTH, CH["supports_allele"]] == 100).sum() == 10


# ----------------------------------------------------------------------------- alignment-ambiguity evidence
def _decoded(name: str, start: int, codes: np.ndarray) -> "DecodedRead":
    from genomeml.pileup.reads import DecodedRead
    return DecodedRead(name, start, codes, np.full(len(codes), 30, np.uint8), np.zeros(len(codes), np.int16),
                       [], 60, False, start)


def test_adjacent_mismatch_marks_reads_with_a_substitution_beside_the_allele():
    from genomeml.pileup.reads import DEL, ReadBlock
    from genomeml.somatic.examples import ADJACENT, _adjacent_mismatch
    ref = reference_codes("ACGTACGTACGTACGTACGTACGTACGTACGTA")     # 33 columns from 100
    deletion = Allele("c", 116, "CG", "C")                         # deletes column 117
    clean = ref.copy()
    clean[17] = DEL
    beside = clean.copy()
    beside[19] = 1 if ref[19] != 1 else 2                          # a substitution two columns after it
    far = clean.copy()
    far[17 + ADJACENT + 3] = 1 if ref[17 + ADJACENT + 3] != 1 else 2
    block = ReadBlock([_decoded("clean", 100, clean), _decoded("beside", 100, beside), _decoded("far", 100, far)])
    assert _adjacent_mismatch(block, np.arange(3), deletion, 100, ref).tolist() == [False, True, False]
    # an SNV's own column is not a mismatch beside it
    snv = Allele("c", 116, "A", "T")
    own = ref.copy()
    own[16] = 4 if ref[16] != 4 else 1
    assert _adjacent_mismatch(ReadBlock([_decoded("own", 100, own)]), np.arange(1), snv, 100, ref).tolist() == [False]


def test_nearby_indel_vaf_is_the_largest_other_indel_within_reach():
    from genomeml.pileup.candidates import AlleleCounts
    from genomeml.somatic.examples import NEARBY_INDEL, _NearbyIndels
    depth = np.full(100, 20, dtype=np.int64)
    candidate = Allele("c", 50, "AT", "A")
    counts = AlleleCounts("c", 0, 100, depth, np.zeros((100, 7, 2), np.int64), {
        candidate: np.array([1, 1]),                                     # the candidate itself: not counted
        Allele("c", 53, "G", "GAA"): np.array([5, 5]),                   # 10 of 20 reads, 3 bp away
        Allele("c", 45, "CA", "C"): np.array([2, 2]),
        Allele("c", 50 + NEARBY_INDEL + 1, "TA", "T"): np.array([20, 0]),  # out of reach
    })
    nearby = _NearbyIndels(counts)
    assert nearby.max_vaf(candidate) == pytest.approx(0.5)
    assert nearby.max_vaf(Allele("c", 5, "C", "T")) == 0.0


# ----------------------------------------------------------------------------- indel realignment
def test_realignment_adds_indel_carriers_and_leaves_snvs_and_candidates_alone(tmp_path):
    plain, _, _ = run_shard(REGION)
    realigned, _, _ = run_shard(REGION, settings=ExampleSettings(realign_indels=True))
    assert keys(realigned.alleles) == keys(plain.alleles)
    snv = [k for k, a in enumerate(plain.alleles) if a.is_snv]
    assert np.array_equal(realigned.tensors[snv], plain.tensors[snv])
    indel = [k for k, a in enumerate(plain.alleles) if a.is_indel]
    gained = [k for k in indel if realigned.tumor[k].alt > plain.tumor[k].alt]
    assert gained                                              # testdata has clipped indel carriers
    for k in indel:
        before, after = plain.tumor[k], realigned.tumor[k]
        assert after.alt >= before.alt and after.alt <= after.depth and after.depth >= before.depth
    k = gained[0]
    shown = (realigned.tensors[k, TUMOR, HALF_WIDTH, CH["supports_allele"]] == 100).sum()
    assert shown > (plain.tensors[k, TUMOR, HALF_WIDTH, CH["supports_allele"]] == 100).sum()
    # the setting travels with the examples, and mixed files are refused
    from genomeml.somatic.dataset import example_options
    assert realigned.options["indel_realignment"] and not plain.options["indel_realignment"]
    save_examples(tmp_path / "r.npz", realigned)
    save_examples(tmp_path / "p.npz", plain)
    assert example_options([tmp_path / "r.npz"])["indel_realignment"]
    assert not example_options([tmp_path / "p.npz"])["indel_realignment"]
    with pytest.raises(GenomemlError, match="indel realignment"):
        example_options([tmp_path / "r.npz", tmp_path / "p.npz"])


# ----------------------------------------------------------------------------- second-mate indels
def test_options_round_trip_and_default_off_for_older_cards():
    settings = ExampleSettings(realign_indels=True, second_mate_indels=True)
    assert ExampleSettings.from_options(settings.options()).options() == settings.options()
    assert ExampleSettings.from_options({"indel_realignment": True}).second_mate_indels is False
    assert example_info(settings.options())["second_mate_indels"] is True
    assert example_info()["second_mate_indels"] is False and example_info()["indel_realignment"] is False
    from genomeml.somatic.call import example_settings
    assert example_settings({"second_mate_indels": True}).second_mate_indels       # a card's option is obeyed


def test_second_mate_indels_change_only_indel_counts_and_travel_with_the_examples(tmp_path):
    plain, _, _ = run_shard(REGION)
    counted, _, _ = run_shard(REGION, settings=ExampleSettings(second_mate_indels=True))
    assert keys(counted.alleles) >= keys(plain.alleles)
    before = {a: (t.alt, t.depth) for a, t in zip(plain.alleles, plain.tumor)}
    gained = [a for a, t in zip(counted.alleles, counted.tumor) if a in before and t.alt > before[a][0]]
    assert gained and all(a.is_indel for a in gained)     # testdata's simulated pairs overlap at indels
    for a, t in zip(counted.alleles, counted.tumor):
        if a in before:
            assert t.depth == before[a][1] and t.alt >= before[a][0]
            if a.is_snv:
                assert t.alt == before[a][0]
    assert counted.options["second_mate_indels"] and not plain.options["second_mate_indels"]
    from genomeml.somatic.dataset import example_options
    save_examples(tmp_path / "m.npz", counted)
    save_examples(tmp_path / "p.npz", plain)
    assert example_options([tmp_path / "m.npz"]) == {"indel_realignment": False, "second_mate_indels": True,
                                                      "sample_error_rates": False}
    with pytest.raises(GenomemlError, match="second mate indels"):
        example_options([tmp_path / "p.npz", tmp_path / "m.npz"])


@pytest.mark.parametrize("cut", [100257, 100265, 100273])
def test_sharding_invariance_with_realignment(cut):
    """Two indel candidates 17 bp apart compete for realigned reads: cut between them, same examples."""
    settings = ExampleSettings(realign_indels=True)
    whole = run_shard(Region(CONTIG, 100000, 101000), settings=settings)[0]
    assert {100256, 100273} <= {a.pos for a in whole.alleles if a.is_indel}
    halves = [run_shard(Region(CONTIG, 100000, cut), settings=settings)[0],
              run_shard(Region(CONTIG, cut, 101000), settings=settings)[0]]
    _assert_same(_concat(halves), whole)


# ----------------------------------------------------------------------------- aligners' MAPQ scales
def _with_mapq(src: Path, dst: Path, mapq: int) -> Path:
    """A copy of ``src`` whose every read has MAPQ ``mapq`` (bowtie2 gives unique reads 42, bwa mem 60)."""
    with pysam.AlignmentFile(str(src)) as bam_in, pysam.AlignmentFile(str(dst), "wb", template=bam_in) as bam_out:
        for read in bam_in:
            read.mapping_quality = mapq
            bam_out.write(read)
    pysam.index(str(dst))
    return dst


def test_a_bowtie2_mapq_scale_gives_the_examples_of_the_training_scale(tmp_path, caplog):
    from genomeml.somatic.shards import iter_examples, prepare_inputs
    region = [f"{SUB.contig}:{SUB.start + 1}-{SUB.end}"]

    def examples(mapq: int) -> tuple[ExampleBatch, float]:
        tumor = _with_mapq(DATA / "tumor.bam", tmp_path / f"tumor{mapq}.bam", mapq)
        normal = _with_mapq(DATA / "normal.bam", tmp_path / f"normal{mapq}.bam", mapq)
        inputs = prepare_inputs(REF_FA, tumor, normal, region)
        batch = [b for _, b in iter_examples(inputs, ExampleSettings(), threads=1)][0]
        return batch, inputs.tumor_mapq_scale

    at60, scale60 = examples(60)
    at42, scale42 = examples(42)
    assert scale60 == 1.0 and scale42 == pytest.approx(60 / 42)
    assert "highest MAPQ is 42" in caplog.text
    assert len(at60) > 20 and keys(at42.alleles) == keys(at60.alleles)
    assert np.array_equal(at42.tensors, at60.tensors) and np.array_equal(at42.features, at60.features)
    # unscaled, the same reads would show the model lower mapping qualities than it was trained on
    with Reference(REF_FA) as ref:
        seq = ref.fetch(SUB.contig, SUB.start - FETCH_PAD, SUB.end + FETCH_PAD)
    with pysam.AlignmentFile(str(tmp_path / "tumor42.bam")) as tumor:
        with pysam.AlignmentFile(str(tmp_path / "normal42.bam")) as normal:
            raw = make_shard_examples(tumor, normal, seq, SUB.start - FETCH_PAD, SUB, ExampleSettings())
    assert not np.array_equal(raw.tensors, at60.tensors)
    assert raw.features[:, F["tumor_alt_mean_mapq"]].max() < at60.features[:, F["tumor_alt_mean_mapq"]].max()


def test_sample_error_rates_are_the_normals_whatever_the_regions(tmp_path, sub):
    """The run's rates (pileup.error_rates) end every example's features, estimated from the
    normal's fixed sample of reads: the same for a small region as for the whole run, so shards
    and region jobs agree; without the option the examples are as before."""
    from genomeml.pileup.error_rates import FEATURES as RATE_FEATURES
    from genomeml.somatic.shards import prepare_inputs, with_error_rates
    ref, tumor, normal = str(REF_FA), str(DATA / "tumor.bam"), str(DATA / "normal.bam")
    small = with_error_rates(prepare_inputs(ref, tumor, normal, ["chr20:115001-116000"]),
                             ExampleSettings(sample_error_rates=True))
    whole = with_error_rates(prepare_inputs(ref, tumor, normal, None), ExampleSettings(sample_error_rates=True))
    assert small.error_rates == whole.error_rates and small.error_rates.reads > 1000
    tumor_only = with_error_rates(prepare_inputs(ref, tumor, None, None), ExampleSettings(sample_error_rates=True))
    assert tumor_only.error_rates != whole.error_rates     # the tumor's own reads
    assert with_error_rates(prepare_inputs(ref, tumor, normal, None), ExampleSettings()).error_rates is None

    summary = make_examples(ref, tumor, normal, tmp_path / "r.npz", ["chr20:115001-125000"], sample_error_rates=True)
    data = load_examples([tmp_path / "r.npz"])
    n_plain = len(FEATURES)
    assert data["features"].shape == (summary["examples"], n_plain + len(RATE_FEATURES))
    assert np.array_equal(data["features"][:, n_plain:],
                          np.tile(whole.error_rates.features(), (summary["examples"], 1)))
    assert np.array_equal(data["features"][:, :n_plain], sub.features)   # the other features unchanged
    info = example_info({"sample_error_rates": True})
    assert info["features"] == list(FEATURES) + list(RATE_FEATURES) and info["sample_error_rates"] is True
    with pytest.raises(ValueError, match="not estimated"):
        run_shard(SUB, settings=ExampleSettings(sample_error_rates=True))
