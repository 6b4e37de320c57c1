# Sharded somatic calling: the genome (config somatic.regions) cut into shards of somatic.shard_size bp,
# one `genomeml call-somatic` job per shard and pair, merged by `genomeml merge-calls` into one sorted,
# bgzipped, indexed VCF per pair -- the same bytes as one call-somatic run over somatic.regions.
import shlex

from genomeml.io.samplesheet import read_pairs
from genomeml.somatic.shards import plan_call_shards

SOMATIC = config["somatic"]
try:
    PAIRS = {pair.name: pair for pair in read_pairs(SOMATIC["samples"])}
    SOMATIC_READS = {name: {"tumor": pair.tumor, "normal": pair.normal} for name, pair in PAIRS.items()}
    SOMATIC_SHARDS = plan_call_shards(SOMATIC["ref"], SOMATIC["regions"], SOMATIC["shard_size"])
except GenomemlError as exc:
    gw.fail(str(exc))
SOMATIC_SHARD_IDS = gw.shard_ids(len(SOMATIC_SHARDS))


def alignments(pair, role):
    """The BAM/CRAM of a pair's sample: as listed, or aligned from its FASTQ by align_tumor_normal."""
    reads = SOMATIC_READS[pair][role]
    return reads.files[0] if reads.aligned else f"{OUT}/align/{pair}/{role}.bam"


def alignment_index(pair, role):
    path = alignments(pair, role)
    return [i for i in (path + ".bai", path + ".csi", path + ".crai", path[:-4] + ".bai")
            if os.path.exists(i)][:1] or [path + ".bai"]


rule somatic:
    input:
        expand(f"{OUT}/somatic/{{pair}}.vcf.gz", pair=PAIRS),


rule call_somatic_shard:
    input:
        ref=SOMATIC["ref"],
        tumor=lambda w: alignments(w.pair, "tumor"),
        tumor_index=lambda w: alignment_index(w.pair, "tumor"),
        normal=lambda w: alignments(w.pair, "normal"),
        normal_index=lambda w: alignment_index(w.pair, "normal"),
    output:
        vcf=f"{OUT}/somatic/{{pair}}/shards/{{shard}}.vcf.gz",
        tbi=f"{OUT}/somatic/{{pair}}/shards/{{shard}}.vcf.gz.tbi",
    params:
        regions=lambda w: gw.region_options(SOMATIC_SHARDS[int(w.shard)]),
        options=gw.optional(SOMATIC, ["model", "min_somatic_prob", "min_somatic_prob_indel"]),
    threads: SOMATIC["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
    log:
        f"{OUT}/logs/call_somatic/{{pair}}/{{shard}}.log",
    benchmark:
        f"{OUT}/benchmarks/call_somatic/{{pair}}/{{shard}}.tsv"
    shell:
        "genomeml -v call-somatic --ref {input.ref:q} --tumor {input.tumor:q} --normal {input.normal:q} "
        "{params.regions} {params.options} --threads {threads} --output {output.vcf:q} > {log} 2>&1"


rule merge_somatic:
    input:
        vcfs=expand(f"{OUT}/somatic/{{{{pair}}}}/shards/{{shard}}.vcf.gz", shard=SOMATIC_SHARD_IDS),
    output:
        vcf=f"{OUT}/somatic/{{pair}}.vcf.gz",
        tbi=f"{OUT}/somatic/{{pair}}.vcf.gz.tbi",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    log:
        f"{OUT}/logs/merge_somatic/{{pair}}.log",
    benchmark:
        f"{OUT}/benchmarks/merge_somatic/{{pair}}.tsv"
    shell:
        "genomeml -v merge-calls --output {output.vcf:q} {input.vcfs:q} > {log} 2>&1"
