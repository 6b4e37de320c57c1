# FASTQ/FASTA reads -> sorted, indexed BAM (`genomeml align`), for sample-sheet entries that are not BAM/CRAM.

rule align_tumor_normal:
    input:
        ref=config["somatic"]["ref"],
        reads=lambda w: SOMATIC_READS[w.pair][w.role].files,
    output:
        bam=f"{OUT}/align/{{pair}}/{{role}}.bam",
        bai=f"{OUT}/align/{{pair}}/{{role}}.bam.bai",
    params:
        reads=lambda w, input: " ".join(f"--reads {r}" for r in input.reads),
        preset=config["somatic"]["align_preset"],
    threads: 4
    resources:
        mem_mb=8000,
        runtime=360,
    log:
        f"{OUT}/logs/align/{{pair}}.{{role}}.log",
    benchmark:
        f"{OUT}/benchmarks/align/{{pair}}.{{role}}.tsv"
    shell:
        "genomeml -v align --ref {input.ref:q} {params.reads} --sample {wildcards.pair}-{wildcards.role} "
        "--preset {params.preset} --threads {threads} --output {output.bam:q} > {log} 2>&1"


rule align_assembly_reads:
    input:
        ref=lambda w: ASSEMBLIES[w.assembly].draft,
        reads=lambda w: ASSEMBLIES[w.assembly].reads.files,
    output:
        bam=f"{OUT}/align/{{assembly}}/reads_to_draft.bam",
        bai=f"{OUT}/align/{{assembly}}/reads_to_draft.bam.bai",
    params:
        reads=lambda w, input: " ".join(f"--reads {r}" for r in input.reads),
        preset=config.get("polish", {}).get("align_preset", "map-hifi"),
    threads: 4
    resources:
        mem_mb=8000,
        runtime=360,
    log:
        f"{OUT}/logs/align/{{assembly}}.reads_to_draft.log",
    benchmark:
        f"{OUT}/benchmarks/align/{{assembly}}.reads_to_draft.tsv"
    shell:
        "genomeml -v align --ref {input.ref:q} {params.reads} --sample {wildcards.assembly} "
        "--preset {params.preset} --threads {threads} --output {output.bam:q} > {log} 2>&1"
