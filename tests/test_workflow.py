"""genomeml.workflow: what the Snakefile computes through the library at parse time."""

from __future__ import annotations

from genomeml.io.regions import Region
from genomeml.workflow import contig_shards, optional, region_options, shard_ids, validation_message

SNAKEMAKE_ERROR = """Error validating config file.
ValidationError: Additional properties are not allowed ('shard_sise' was unexpected)

Failed validating 'additionalProperties' in schema['properties']['somatic']:
    {'type': 'object'}

On instance['somatic']:
    {'samples': 'x.tsv', 'shard_sise': 5}"""


def test_validation_message_is_one_line_with_the_key_path():
    assert validation_message(SNAKEMAKE_ERROR, "my.yaml") == \
        "my.yaml: somatic: Additional properties are not allowed ('shard_sise' was unexpected)"
    assert validation_message("Error validating config file.\nValidationError: 'x' is not of type 'integer'\n"
                              "On instance['somatic']['shard_size']:\n    'x'", "c.yaml") == \
        "c.yaml: somatic.shard_size: 'x' is not of type 'integer'"


def test_contig_shards_keep_contigs_whole_and_in_order():
    contigs = {"a": 600, "b": 300, "c": 2000, "d": 100, "e": 50}
    assert contig_shards(contigs, 1000) == [["a", "b"], ["c"], ["d", "e"]]


def test_options_are_shell_quoted():
    assert region_options([Region("chr1", 0, 10), Region("HLA-A*01:01", 0, 5)]) == \
        "--regions chr1:1-10 --regions 'HLA-A*01:01:1-5'"
    assert optional({"model": "my model.keras", "min_somatic_prob": None}, ["model", "min_somatic_prob"]) == \
        "--model 'my model.keras'"
    assert shard_ids(3) == ["0000", "0001", "0002"]
