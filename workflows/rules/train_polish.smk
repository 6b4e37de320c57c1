# `snakemake train_polish`: the recipe of the shipped polishing model (genomeml train polish-recipe) as
# jobs: plan -> simulate assembly (one job per training/validation set) -> make-examples --polish (per set)
# -> train polish -> polish + evaluate assembly on each validation set -> Markdown model card. Same plan,
# seeds and library calls as the recipe, so the default train_polish section rebuilds models/polish_hifi.keras.
from genomeml.train.polish_recipe import assembly_options, polish_plan

TRAIN_POLISH = config.get("train_polish", {})
TRAIN_POLISH_DIR = f"{OUT}/train_polish"
if TRAIN_POLISH:
    _polish_train, _polish_valid = polish_plan(TRAIN_POLISH["simulations"], TRAIN_POLISH["validation_simulations"],
                                               TRAIN_POLISH["seed"])
else:
    _polish_train, _polish_valid = [], []
POLISH_PLANS = {p.name: p for p in _polish_train + _polish_valid}
POLISH_TRAIN_SETS = [p.name for p in _polish_train]
POLISH_VALIDATION_SETS = [p.name for p in _polish_valid]
POLISH_MODEL = f"{TRAIN_POLISH_DIR}/models/polish_hifi.keras"


rule train_polish:
    input:
        POLISH_MODEL,
        f"{TRAIN_POLISH_DIR}/models/polish_hifi.md",


rule train_polish_plan:
    output:
        f"{TRAIN_POLISH_DIR}/plan.json",
    params:
        options=lambda w: f"--simulations {TRAIN_POLISH['simulations']} --validation-simulations "
                          f"{TRAIN_POLISH['validation_simulations']} --seed {TRAIN_POLISH['seed']}",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/train_polish/plan.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/plan.tsv"
    shell:
        "genomeml train recipe-plan --task polish {params.options} --output {output:q} > {log} 2>&1"


rule train_polish_simulate:
    input:
        lambda w: [] if POLISH_PLANS[w.asmset].synthetic else [TRAIN_POLISH["source"]],
    output:
        temp(directory(f"{TRAIN_POLISH_DIR}/sims/{{asmset}}")),
    wildcard_constraints:
        asmset=r"asm\d+",
    params:
        options=lambda w: " ".join(shlex.quote(o) for o in assembly_options(POLISH_PLANS[w.asmset],
                                                                             TRAIN_POLISH["source"])),
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    log:
        f"{OUT}/logs/train_polish/simulate/{{asmset}}.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/simulate/{{asmset}}.tsv"
    shell:
        "genomeml -v simulate assembly {params.options} --out {output:q} > {log} 2>&1"


rule train_polish_examples:
    input:
        f"{TRAIN_POLISH_DIR}/sims/{{asmset}}",
    output:
        f"{TRAIN_POLISH_DIR}/examples/{{asmset}}.npz",
    wildcard_constraints:
        asmset=r"asm\d+",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        f"{OUT}/logs/train_polish/examples/{{asmset}}.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/examples/{{asmset}}.tsv"
    shell:
        "genomeml -v make-examples --polish --ref {input}/draft.fa --reads {input}/reads.bam "
        "--truth {input}/draft_errors.vcf.gz --threads 1 --output {output:q} > {log} 2>&1"


rule train_polish_model:
    input:
        plan=f"{TRAIN_POLISH_DIR}/plan.json",
        train=expand(f"{TRAIN_POLISH_DIR}/examples/{{asmset}}.npz", asmset=POLISH_TRAIN_SETS),
        validation=expand(f"{TRAIN_POLISH_DIR}/examples/{{asmset}}.npz", asmset=POLISH_VALIDATION_SETS),
    output:
        model=POLISH_MODEL,
        card=POLISH_MODEL.replace(".keras", ".json"),
    params:
        train=lambda w, input: " ".join(f"--examples {shlex.quote(f)}" for f in input.train),
        validation=lambda w, input: " ".join(f"--validation {shlex.quote(f)}" for f in input.validation),
        options=lambda w: f"--epochs {TRAIN_POLISH['epochs']} --seed {TRAIN_POLISH['seed']}",
    threads: TRAIN_POLISH.get("threads", 2)
    resources:
        mem_mb=16000,
        runtime=240,
    log:
        f"{OUT}/logs/train_polish/model.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/model.tsv"
    shell:
        "genomeml -v train polish {params.train} {params.validation} {params.options} --threads {threads} "
        "--card-extra {input.plan:q} --output {output.model:q} > {log} 2>&1"


rule train_polish_evaluate:
    input:
        sim=f"{TRAIN_POLISH_DIR}/sims/{{asmset}}",
        model=POLISH_MODEL,
    output:
        fasta=f"{TRAIN_POLISH_DIR}/evaluation/{{asmset}}.fa",
        metrics=f"{TRAIN_POLISH_DIR}/evaluation/{{asmset}}.json",
    wildcard_constraints:
        asmset=r"asm\d+",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        f"{OUT}/logs/train_polish/evaluate/{{asmset}}.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/evaluate/{{asmset}}.tsv"
    shell:
        "(genomeml -v polish --assembly {input.sim}/draft.fa --reads {input.sim}/reads.bam --model {input.model:q} "
        "--threads 1 --output {output.fasta:q} && "
        "genomeml evaluate assembly --truth {input.sim}/truth.fa --assembly {output.fasta:q} "
        "--draft {input.sim}/draft.fa --threads 1 --json {output.metrics:q}) > {log} 2>&1"


rule train_polish_card:
    input:
        model=POLISH_MODEL,
        evaluations=expand(f"{TRAIN_POLISH_DIR}/evaluation/{{asmset}}.json", asmset=POLISH_VALIDATION_SETS),
    output:
        f"{TRAIN_POLISH_DIR}/models/polish_hifi.md",
    params:
        evaluations=lambda w, input: " ".join(f"--evaluation {shlex.quote(f)}" for f in input.evaluations),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/train_polish/card.log",
    benchmark:
        f"{OUT}/benchmarks/train_polish/card.tsv"
    shell:
        "genomeml train card --model {input.model:q} {params.evaluations} --output {output:q} > {log} 2>&1"
