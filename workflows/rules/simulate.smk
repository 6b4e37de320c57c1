# `snakemake simulations`: truth-known data sets (config simulations), each scored against itself as a
# sanity check that the VCFs normalize and parse end to end.
SIMULATIONS = config.get("simulations", {})
SOMATIC_SIMS = SIMULATIONS.get("somatic", {})
ASSEMBLY_SIMS = SIMULATIONS.get("assembly", {})


rule simulations:
    input:
        expand(f"{OUT}/simulate/{{name}}/eval.json", name=SOMATIC_SIMS),
        expand(f"{OUT}/simulate/{{name}}/draft_eval.json", name=ASSEMBLY_SIMS),


rule simulate_somatic:
    output:
        directory(f"{OUT}/simulate/{{name}}/data"),
    params:
        options=lambda w: gw.optional(SOMATIC_SIMS[w.name], ["ref", "regions", "tumor_depth", "normal_depth",
                                                             "purity", "contamination", "platform", "seed"]),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/simulate_somatic/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/simulate_somatic/{{name}}.tsv"
    shell:
        "genomeml -v simulate somatic {params.options} --threads {threads} --out {output:q} > {log} 2>&1"


rule evaluate_somatic_truth:
    # the truth scored against itself: proves the VCFs normalize and parse end to end
    input:
        f"{OUT}/simulate/{{name}}/data",
    output:
        f"{OUT}/simulate/{{name}}/eval.json",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/evaluate_somatic_truth/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/evaluate_somatic_truth/{{name}}.tsv"
    shell:
        "genomeml evaluate somatic --truth {input}/truth.somatic.vcf.gz --calls {input}/truth.somatic.vcf.gz "
        "--ref {input}/ref.fa --json {output:q} > {log} 2>&1"


rule simulate_assembly:
    output:
        directory(f"{OUT}/simulate/{{name}}/asm"),
    params:
        options=lambda w: gw.optional(ASSEMBLY_SIMS[w.name], ["ref", "regions", "platform", "depth", "error_rate",
                                                              "seed"]),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/simulate_assembly/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/simulate_assembly/{{name}}.tsv"
    shell:
        "genomeml -v simulate assembly {params.options} --threads {threads} --out {output:q} > {log} 2>&1"


rule evaluate_draft:
    input:
        f"{OUT}/simulate/{{name}}/asm",
    output:
        f"{OUT}/simulate/{{name}}/draft_eval.json",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/evaluate_draft/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/evaluate_draft/{{name}}.tsv"
    shell:
        "genomeml evaluate assembly --truth {input}/truth.fa --assembly {input}/draft.fa --threads 1 "
        "--json {output:q} > {log} 2>&1"
