# genomeml workflows: sharded somatic calling, polishing, model training, simulations.
#
#   snakemake --cores 2                                  # `all`: somatic (+ polish when enabled) on testdata
#   snakemake --cores 2 --configfile my.yaml             # your config instead of the default (not merged
#                                                        # with it: unset keys take the schema's defaults)
#   snakemake --profile workflows/profiles/slurm         # SLURM cluster
#   snakemake --profile workflows/profiles/kubernetes    # Kubernetes
#   snakemake --cores 2 train_somatic                    # retrain the shipped somatic model
#   snakemake --cores 2 train_polish                     # retrain the shipped polishing model
#
# Every rule calls a genomeml command; what the rules need at parse time (checked sample
# sheets, shard plans, options) comes from genomeml.workflow and the library.
import os

from snakemake.utils import validate

import genomeml.workflow as gw
from genomeml.errors import GenomemlError

# The default config runs on testdata/. A --configfile replaces it rather than extending it, so a
# user's config never inherits testdata's reference, regions or sample sheet by omission.
if not workflow.overwrite_configfiles:
    configfile: os.path.join(workflow.basedir, "workflows/config/config.yaml")

try:
    validate(config, os.path.join(workflow.basedir, "workflows/schemas/config.schema.yaml"))
except Exception as exc:   # snakemake's WorkflowError spans many lines; say it in one
    gw.fail(gw.validation_message(str(exc), gw.config_source(workflow.overwrite_configfiles or workflow.configfiles)))

OUT = config["outdir"]

wildcard_constraints:
    pair=r"[A-Za-z0-9][A-Za-z0-9._-]*",
    assembly=r"[A-Za-z0-9][A-Za-z0-9._-]*",
    shard=r"\d{4}",
    role="tumor|normal",
    set=r"sim\d+",
    name=r"[A-Za-z0-9][A-Za-z0-9._-]*",


include: "workflows/rules/align.smk"
include: "workflows/rules/somatic.smk"
include: "workflows/rules/polish.smk"
include: "workflows/rules/train.smk"
include: "workflows/rules/train_polish.smk"
include: "workflows/rules/simulate.smk"


rule all:
    default_target: True
    input:
        rules.somatic.input,
        rules.polish.input if config.get("polish", {}).get("enabled") else [],
