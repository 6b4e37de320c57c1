# Truth-known data: `genomeml simulate` then a sanity score with `genomeml evaluate`.

def _options(spec, names):
    """CLI options from a config entry: {'tumor_depth': 60} -> '--tumor-depth 60'."""
    return " ".join(f"--{key.replace('_', '-')} {spec[key]}" for key in names if key in spec)


rule simulate_somatic:
    output:
        directory(f"{OUT}/simulate/{{name}}/data"),
    params:
        options=lambda w: _options(config["simulations"]["somatic"][w.name],
                                   ["ref", "regions", "tumor_depth", "normal_depth", "purity",
                                    "contamination", "platform", "seed"]),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/simulate_somatic/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/simulate_somatic/{{name}}.tsv"
    shell:
        "genomeml -v simulate somatic {params.options} --out {output} > {log} 2>&1"


rule evaluate_somatic_truth:
    # the truth scored against itself: proves the VCFs normalize and parse end to end
    input:
        f"{OUT}/simulate/{{name}}/data",
    output:
        f"{OUT}/simulate/{{name}}/eval.json",
    log:
        f"{OUT}/logs/evaluate_somatic_truth/{{name}}.log",
    shell:
        "genomeml evaluate somatic --truth {input}/truth.somatic.vcf.gz --calls {input}/truth.somatic.vcf.gz "
        "--ref {input}/ref.fa --json {output} > {log} 2>&1"


rule simulate_assembly:
    output:
        directory(f"{OUT}/simulate/{{name}}/asm"),
    params:
        options=lambda w: _options(config["simulations"]["assembly"][w.name],
                                   ["ref", "regions", "platform", "depth", "error_rate", "seed"]),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/simulate_assembly/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/simulate_assembly/{{name}}.tsv"
    shell:
        "genomeml -v simulate assembly {params.options} --out {output} > {log} 2>&1"


rule evaluate_draft:
    input:
        f"{OUT}/simulate/{{name}}/asm",
    output:
        f"{OUT}/simulate/{{name}}/draft_eval.json",
    log:
        f"{OUT}/logs/evaluate_draft/{{name}}.log",
    shell:
        "genomeml evaluate assembly --truth {input}/truth.fa --assembly {input}/draft.fa --json {output} > {log} 2>&1"
