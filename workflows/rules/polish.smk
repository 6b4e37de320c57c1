# Sharded polishing: each draft cut into shards of polish.shard_size bp (pieces of contigs, short
# contigs grouped), one `genomeml polish --regions` job per shard (a window belongs to the shard holding
# its first disagreeing position), merged by `genomeml merge-polish`, which concatenates the shards'
# edits and applies them to the draft: the same FASTA and edits VCF as one polish run.
from genomeml.io.regions import plan_shards, resolve_regions, sort_regions
from genomeml.io.samplesheet import read_assemblies


def polish_shards(draft, size):
    contigs = gw.contig_lengths(draft)
    return plan_shards(sort_regions(resolve_regions(None, contigs), contigs), size)


POLISH = config.get("polish", {"samples": None, "shard_size": 5000000, "threads": 2})
ASSEMBLIES = {}
POLISH_SHARDS = {}
if POLISH.get("samples"):
    try:
        ASSEMBLIES = {a.name: a for a in read_assemblies(POLISH["samples"])}
        POLISH_SHARDS = {name: polish_shards(a.draft, POLISH["shard_size"]) for name, a in ASSEMBLIES.items()}
    except GenomemlError as exc:
        gw.fail(str(exc))


def assembly_reads(assembly):
    reads = ASSEMBLIES[assembly].reads
    return reads.files[0] if reads.aligned else f"{OUT}/align/{assembly}/reads_to_draft.bam"


def polish_shard_ids(assembly):
    return gw.shard_ids(len(POLISH_SHARDS[assembly]))


rule polish:
    input:
        expand(f"{OUT}/polish/{{assembly}}.fa", assembly=ASSEMBLIES),
        expand(f"{OUT}/polish/{{assembly}}.edits.vcf.gz", assembly=ASSEMBLIES),


rule polish_shard:
    input:
        draft=lambda w: ASSEMBLIES[w.assembly].draft,
        reads=lambda w: assembly_reads(w.assembly),
    output:
        fasta=temp(f"{OUT}/polish/{{assembly}}/shards/{{shard}}.fa"),
        fai=temp(f"{OUT}/polish/{{assembly}}/shards/{{shard}}.fa.fai"),
        vcf=f"{OUT}/polish/{{assembly}}/shards/{{shard}}.edits.vcf.gz",
    params:
        regions=lambda w: gw.region_options(POLISH_SHARDS[w.assembly][int(w.shard)]),
        options=gw.optional(POLISH, ["model"]),
    threads: POLISH.get("threads", 2)
    resources:
        mem_mb=8000,
        runtime=240,
    log:
        f"{OUT}/logs/polish/{{assembly}}/{{shard}}.log",
    benchmark:
        f"{OUT}/benchmarks/polish/{{assembly}}/{{shard}}.tsv"
    shell:
        "genomeml -v polish --assembly {input.draft:q} --reads {input.reads:q} {params.regions} {params.options} "
        "--threads {threads} --output {output.fasta:q} --vcf {output.vcf:q} > {log} 2>&1"


rule merge_polish:
    input:
        draft=lambda w: ASSEMBLIES[w.assembly].draft,
        vcf=lambda w: expand(f"{OUT}/polish/{w.assembly}/shards/{{shard}}.edits.vcf.gz",
                             shard=polish_shard_ids(w.assembly)),
    output:
        fasta=f"{OUT}/polish/{{assembly}}.fa",
        fai=f"{OUT}/polish/{{assembly}}.fa.fai",
        vcf=f"{OUT}/polish/{{assembly}}.edits.vcf.gz",
    params:
        vcf=lambda w, input: " ".join(f"--edits {shlex.quote(f)}" for f in input.vcf),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/merge_polish/{{assembly}}.log",
    benchmark:
        f"{OUT}/benchmarks/merge_polish/{{assembly}}.tsv"
    shell:
        "genomeml -v merge-polish --assembly {input.draft:q} {params.vcf} "
        "--output {output.fasta:q} --vcf {output.vcf:q} > {log} 2>&1"
