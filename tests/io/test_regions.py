"""io.regions: samtools-style region strings, BED files, merging and sharding."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.io.regions import (Region, merge_regions, parse_region, read_bed, resolve_regions, shard_regions,
                                 write_bed)

CONTIGS = {"chr1": 5000, "chr2": 3000, "HLA-A*01:01": 1200}


def test_region_is_zero_based_half_open_and_prints_one_based():
    region = Region("chr1", 0, 100)
    assert len(region) == 100 and str(region) == "chr1:1-100"
    assert sorted([Region("chr2", 0, 5), Region("chr1", 10, 20), Region("chr1", 0, 5)])[0] == Region("chr1", 0, 5)


@pytest.mark.parametrize("text, expected", [
    ("chr1", Region("chr1", 0, 5000)),
    ("chr1:1-100", Region("chr1", 0, 100)),
    ("chr1:101-200", Region("chr1", 100, 200)),
    ("chr1:1,001-2,000", Region("chr1", 1000, 2000)),
    ("chr1:100-100", Region("chr1", 99, 100)),    # one base
    ("chr1:4001", Region("chr1", 4000, 5000)),    # to the contig end
    ("chr1:4001-9999", Region("chr1", 4000, 5000)),  # end clipped, as samtools does
    ("  chr2:1-10 ", Region("chr2", 0, 10)),
    ("HLA-A*01:01", Region("HLA-A*01:01", 0, 1200)),  # a name with ':' is a whole contig
])
def test_parse_region(text, expected):
    region = parse_region(text, CONTIGS)
    assert region == expected
    if ":" in text.strip() and not text.startswith("HLA"):
        assert parse_region(str(region), CONTIGS) == region  # round trip


@pytest.mark.parametrize("text, message", [
    ("chrX:1-100", "contig 'chrX' is not in the reference"),
    ("chrX", "chrX"),
    ("chr1:0-100", "start must be >= 1"),
    ("chr1:200-100", "not after the end"),
    ("chr1:5001-6000", "beyond the end of chr1"),
    ("chr1:abc-def", "not in the reference"),
    ("chr1:-5", "not in the reference"),
])
def test_parse_region_errors(text, message):
    with pytest.raises(GenomemlError, match=message) as info:
        parse_region(text, CONTIGS)
    assert text in str(info.value)


def test_parse_region_on_contig_name_with_colon():
    assert parse_region("HLA-A*01:01:3-6", CONTIGS) == Region("HLA-A*01:01", 2, 6)


def _bed(tmp_path: Path, text: str, name: str = "r.bed") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_bed_skips_headers_and_merges(tmp_path):
    path = _bed(tmp_path, "track name=x\nbrowser position chr1\n# comment\n\n"
                          "chr2\t100\t200\tname\t0\t+\n"
                          "chr1\t0\t50\n"
                          "chr1\t40\t60\n"          # overlaps the previous one
                          "chr1\t60\t70\n"          # touches it
                          "chr1\t71\t80\n"          # does not
                          "chr2\t0\t10\r\n")        # Windows line end
    assert read_bed(path, CONTIGS) == [Region("chr2", 0, 10), Region("chr2", 100, 200),
                                       Region("chr1", 0, 70), Region("chr1", 71, 80)]


@pytest.mark.parametrize("line, message", [
    ("chr1\t10", "not a BED line"),
    ("chr1\tten\t20", "not a BED line"),
    ("chr1 10 20", "not a BED line"),                      # spaces, not tabs
    ("chrX\t10\t20", "contig 'chrX' is not in the reference"),
    ("chr1\t10\t5001", "outside chr1"),
    ("chr1\t-1\t20", "outside chr1"),
    ("chr1\t20\t20", "or empty"),
    ("chr1\t30\t20", "or empty"),
])
def test_read_bed_errors_name_file_and_line(tmp_path, line, message):
    path = _bed(tmp_path, "chr1\t0\t10\n# fine so far\n" + line + "\n")
    with pytest.raises(GenomemlError, match=message) as info:
        read_bed(path, CONTIGS)
    assert str(info.value).startswith(f"{path}:3:")


def test_read_bed_missing_file(tmp_path):
    with pytest.raises(GenomemlError, match="nope.bed: BED file not found"):
        read_bed(tmp_path / "nope.bed", CONTIGS)


def test_write_bed_round_trip(tmp_path):
    regions = [Region("chr1", 0, 10), Region("chr1", 20, 30), Region("chr2", 5, 6)]
    write_bed(tmp_path / "out.bed", regions)
    assert (tmp_path / "out.bed").read_text() == "chr1\t0\t10\nchr1\t20\t30\nchr2\t5\t6\n"
    assert read_bed(tmp_path / "out.bed", CONTIGS) == regions


def test_resolve_regions(tmp_path):
    assert resolve_regions(None, CONTIGS) == resolve_regions([], CONTIGS) == [
        Region("chr1", 0, 5000), Region("chr2", 0, 3000), Region("HLA-A*01:01", 0, 1200)]
    bed = _bed(tmp_path, "chr1\t50\t150\nchr2\t0\t100\n")
    plain = _bed(tmp_path, "chr2\t2000\t2100\n", name="targets.txt")  # an existing file without ':' is a BED too
    assert resolve_regions(["chr1:101-300", str(bed), str(plain), "chr1:1001-1100"], CONTIGS) == [
        Region("chr1", 50, 300), Region("chr1", 1000, 1100), Region("chr2", 0, 100), Region("chr2", 2000, 2100)]
    with pytest.raises(GenomemlError, match="missing.bed: BED file not found"):
        resolve_regions([str(tmp_path / "missing.bed")], CONTIGS)
    with pytest.raises(GenomemlError, match="chrX"):
        resolve_regions(["chr1:1-10", "chrX:1-10"], CONTIGS)


def test_resolve_regions_reads_gzipped_bed(tmp_path):
    path = tmp_path / "targets.bed.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("chr1\t0\t100\n")
    assert resolve_regions([str(path)], CONTIGS) == [Region("chr1", 0, 100)]


def test_merge_regions():
    assert merge_regions([]) == []
    regions = [Region("chr2", 50, 60), Region("chr1", 30, 40), Region("chr2", 0, 10), Region("chr1", 0, 30),
               Region("chr1", 5, 8), Region("chr2", 11, 20)]
    # contig order of first appearance, touching merged, a 1 bp gap kept
    assert merge_regions(regions) == [Region("chr2", 0, 10), Region("chr2", 11, 20), Region("chr2", 50, 60),
                                      Region("chr1", 0, 40)]


def test_merge_regions_accepts_a_generator():
    regions = [Region("chr1", 0, 10), Region("chr1", 5, 20)]
    assert merge_regions(r for r in regions) == [Region("chr1", 0, 20)]


def test_shard_regions():
    regions = [Region("chr1", 0, 25), Region("chr2", 100, 110)]
    shards = shard_regions(regions, 10)
    assert shards == [Region("chr1", 0, 10), Region("chr1", 10, 20), Region("chr1", 20, 25), Region("chr2", 100, 110)]
    assert sum(map(len, shards)) == sum(map(len, regions))
    assert shard_regions(regions, 1000) == regions
    assert len(shard_regions([Region("chr1", 0, 5000)], 1)) == 5000
    for size in (0, -5):
        with pytest.raises(GenomemlError, match="positive"):
            shard_regions(regions, size)


def test_describe_regions_depends_only_on_the_bases():
    from genomeml.io.regions import describe_regions
    pieces = [Region("chr2", 0, 100), Region("chr1", 1000, 2000), Region("chr1", 0, 1000)]
    assert describe_regions(pieces, CONTIGS) == "chr1:1-2000,chr2:1-100"
    assert describe_regions([Region("chr1", 0, 2000), Region("chr2", 0, 100)], CONTIGS) == "chr1:1-2000,chr2:1-100"


def test_describe_regions_round_trips_and_digests_long_lists():
    from genomeml.io.regions import MAX_LISTED_REGIONS, describe_regions, parse_region_description
    regions = [Region("chr1", 0, 10), Region("HLA-A*01:01", 5, 20)]
    text = describe_regions(regions, CONTIGS)
    assert parse_region_description(text, CONTIGS, "x.vcf") == regions
    many = [Region("chr1", 2 * i, 2 * i + 1) for i in range(MAX_LISTED_REGIONS + 1)]
    digest = describe_regions(many, CONTIGS)
    assert digest.startswith(f"{MAX_LISTED_REGIONS + 1} intervals, {MAX_LISTED_REGIONS + 1} bp, sha256:")
    assert digest != describe_regions(many[1:] + [Region("chr1", 4000, 4001)], CONTIGS)
    with pytest.raises(GenomemlError, match="x.vcf: regions are recorded only as a digest"):
        parse_region_description(digest, CONTIGS, "x.vcf")


def test_plan_shards_cuts_long_regions_and_groups_short_ones():
    from genomeml.io.regions import plan_shards
    regions = [Region("chr1", 0, 2500), Region("chr2", 0, 300), Region("chr2", 400, 700), Region("chr2", 800, 900)]
    shards = plan_shards(regions, 1000, max_regions=2)
    assert shards == [[Region("chr1", 0, 1000)], [Region("chr1", 1000, 2000)],
                      [Region("chr1", 2000, 2500), Region("chr2", 0, 300)],
                      [Region("chr2", 400, 700), Region("chr2", 800, 900)]]
    assert merge_regions(r for s in shards for r in s) == merge_regions(regions)   # every base exactly once
