# genomeml workflows. Run from the repository root:
#   snakemake --cores 2                      # default config (workflows/config/config.yaml)
#   snakemake --cores 2 --configfile my.yaml
from snakemake.utils import validate

configfile: "workflows/config/config.yaml"
validate(config, "workflows/schemas/config.schema.yaml")

OUT = config["outdir"]

include: "workflows/rules/simulate.smk"

rule all:
    input:
        expand(f"{OUT}/simulate/{{name}}/eval.json", name=config["simulations"]["somatic"]),
        expand(f"{OUT}/simulate/{{name}}/draft_eval.json", name=config["simulations"]["assembly"]),
