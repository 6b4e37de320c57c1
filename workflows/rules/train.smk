# `snakemake train_somatic`: the recipe of the shipped somatic model (genomeml train somatic-recipe) as jobs:
# plan -> simulate (one job per training/validation set) -> make-examples (per set) -> train (one job per
# member CNN) -> average the members -> evaluate
# call-somatic on each validation set -> Markdown model card. Same plan, seeds and library calls as the
# recipe, so the default train section rebuilds models/somatic_illumina_tn.keras.
from genomeml.train.recipe import (MEMBERS, REALIGN_INDELS, SAMPLE_ERROR_RATES, SECOND_MATE_INDELS, example_regions,
                                   member_path, member_seeds, simulation_options, somatic_plan)

TRAIN = config.get("train", {})
TRAIN_DIR = f"{OUT}/train"
if TRAIN:
    _train_plan, _valid_plan = somatic_plan(TRAIN["simulations"], TRAIN["validation_simulations"], TRAIN["seed"])
else:
    _train_plan, _valid_plan = [], []
TRAIN_PLANS = {p.name: p for p in _train_plan + _valid_plan}
TRAIN_SETS = [p.name for p in _train_plan]
VALIDATION_SETS = [p.name for p in _valid_plan]
TRAIN_MODEL = f"{TRAIN_DIR}/models/somatic_illumina_tn.keras"
TRAIN_SEEDS = member_seeds(TRAIN["seed"], TRAIN.get("members", MEMBERS)) if TRAIN else []
TRAIN_MEMBER = str(member_path(TRAIN_DIR, "somatic_illumina_tn", "{seed}"))


rule train_somatic:
    input:
        TRAIN_MODEL,
        f"{TRAIN_DIR}/models/somatic_illumina_tn.md",


rule train_plan:
    output:
        f"{TRAIN_DIR}/plan.json",
    params:
        options=lambda w: f"--simulations {TRAIN['simulations']} --validation-simulations "
                          f"{TRAIN['validation_simulations']} --seed {TRAIN['seed']}",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/train/plan.log",
    benchmark:
        f"{OUT}/benchmarks/train/plan.tsv"
    shell:
        "genomeml train recipe-plan {params.options} --output {output:q} > {log} 2>&1"


rule train_simulate:
    input:
        lambda w: [] if TRAIN_PLANS[w.set].synthetic else [TRAIN["source"]],
    output:
        temp(directory(f"{TRAIN_DIR}/sims/{{set}}")),
    params:
        options=lambda w: " ".join(shlex.quote(o) for o in simulation_options(TRAIN_PLANS[w.set], TRAIN["source"])),
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    log:
        f"{OUT}/logs/train/simulate/{{set}}.log",
    benchmark:
        f"{OUT}/benchmarks/train/simulate/{{set}}.tsv"
    shell:
        "genomeml -v simulate somatic {params.options} --out {output:q} > {log} 2>&1"


rule train_examples:
    input:
        f"{TRAIN_DIR}/sims/{{set}}",
    output:
        f"{TRAIN_DIR}/examples/{{set}}.npz",
    params:
        regions=lambda w: " ".join(f"--regions {r}" for r in example_regions(TRAIN_PLANS[w.set])),
        seed=lambda w: TRAIN_PLANS[w.set].seed,
        counting=" ".join(flag for flag, on in (("--realign-indels", REALIGN_INDELS),
                                                ("--second-mate-indels", SECOND_MATE_INDELS),
                                                ("--sample-error-rates", SAMPLE_ERROR_RATES)) if on),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        f"{OUT}/logs/train/examples/{{set}}.log",
    benchmark:
        f"{OUT}/benchmarks/train/examples/{{set}}.tsv"
    shell:
        "genomeml -v make-examples --ref {input}/ref.fa --tumor {input}/tumor.bam --normal {input}/normal.bam "
        "{params.regions} --truth-somatic {input}/truth.somatic.vcf.gz --truth-germline {input}/truth.germline.vcf.gz "
        "--threads 1 --seed {params.seed} {params.counting} --output {output:q} > {log} 2>&1"


rule train_member:
    input:
        plan=f"{TRAIN_DIR}/plan.json",
        train=expand(f"{TRAIN_DIR}/examples/{{set}}.npz", set=TRAIN_SETS),
        validation=expand(f"{TRAIN_DIR}/examples/{{set}}.npz", set=VALIDATION_SETS),
    output:
        model=TRAIN_MEMBER,
        card=TRAIN_MEMBER.replace(".keras", ".json"),
    params:
        train=lambda w, input: " ".join(f"--examples {shlex.quote(f)}" for f in input.train),
        validation=lambda w, input: " ".join(f"--validation {shlex.quote(f)}" for f in input.validation),
        options=lambda w: f"--epochs {TRAIN['epochs']} --seed {w.seed}",
    threads: TRAIN.get("threads", 2)
    resources:
        mem_mb=16000,
        runtime=240,
    log:
        f"{OUT}/logs/train/member{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/train/member{{seed}}.tsv"
    shell:
        "genomeml -v train somatic {params.train} {params.validation} {params.options} --threads {threads} "
        "--card-extra {input.plan:q} --output {output.model:q} > {log} 2>&1"


rule train_model:
    input:
        plan=f"{TRAIN_DIR}/plan.json",
        members=expand(TRAIN_MEMBER, seed=TRAIN_SEEDS),
        validation=expand(f"{TRAIN_DIR}/examples/{{set}}.npz", set=VALIDATION_SETS),
    output:
        model=TRAIN_MODEL,
        card=TRAIN_MODEL.replace(".keras", ".json"),
    params:
        members=lambda w, input: " ".join(f"--member {shlex.quote(f)}" for f in input.members),
        validation=lambda w, input: " ".join(f"--validation {shlex.quote(f)}" for f in input.validation),
    threads: TRAIN.get("threads", 2)
    resources:
        mem_mb=8000,
        runtime=30,
    log:
        f"{OUT}/logs/train/model.log",
    benchmark:
        f"{OUT}/benchmarks/train/model.tsv"
    shell:
        "genomeml -v train somatic-ensemble {params.members} {params.validation} --threads {threads} "
        "--card-extra {input.plan:q} --output {output.model:q} > {log} 2>&1"


rule train_evaluate:
    input:
        sim=f"{TRAIN_DIR}/sims/{{set}}",
        model=TRAIN_MODEL,
    output:
        calls=f"{TRAIN_DIR}/evaluation/{{set}}.vcf.gz",
        metrics=f"{TRAIN_DIR}/evaluation/{{set}}.json",
    params:
        regions=lambda w: " ".join(f"--regions {r}" for r in example_regions(TRAIN_PLANS[w.set])),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    log:
        f"{OUT}/logs/train/evaluate/{{set}}.log",
    benchmark:
        f"{OUT}/benchmarks/train/evaluate/{{set}}.tsv"
    shell:
        "(genomeml -v call-somatic --ref {input.sim}/ref.fa --tumor {input.sim}/tumor.bam "
        "--normal {input.sim}/normal.bam {params.regions} --model {input.model:q} --output {output.calls:q} && "
        "genomeml evaluate somatic --truth {input.sim}/truth.somatic.vcf.gz --calls {output.calls:q} "
        "--ref {input.sim}/ref.fa --germline {input.sim}/truth.germline.vcf.gz --json {output.metrics:q}) > {log} 2>&1"


rule train_card:
    input:
        model=TRAIN_MODEL,
        evaluations=expand(f"{TRAIN_DIR}/evaluation/{{set}}.json", set=VALIDATION_SETS),
    output:
        f"{TRAIN_DIR}/models/somatic_illumina_tn.md",
    params:
        evaluations=lambda w, input: " ".join(f"--evaluation {shlex.quote(f)}" for f in input.evaluations),
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/train/card.log",
    benchmark:
        f"{OUT}/benchmarks/train/card.tsv"
    shell:
        "genomeml train card --model {input.model:q} {params.evaluations} --output {output:q} > {log} 2>&1"
