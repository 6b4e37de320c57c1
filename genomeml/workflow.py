"""What the Snakemake workflow (Snakefile, workflows/rules/*.smk) needs from the library while
it is parsed: one-line config errors, the checked sample sheets, the shard plans and the
command-line options of each job. Rules only string these together; no logic lives only
in a rule.
"""

from __future__ import annotations

import re
import shlex
import sys
from typing import Mapping, Sequence

from genomeml.errors import GenomemlError
from genomeml.io.regions import Region


def fail(message: str) -> None:
    """Stop the workflow before any job runs, with the one-line error every genomeml command uses."""
    print(f"genomeml: error: {message}", file=sys.stderr)
    sys.exit(1)


def validation_message(text: str, source: str) -> str:
    """One line from the many that snakemake.utils.validate's WorkflowError holds.

    'Error validating config file. ValidationError: Additional properties are not allowed
    ('foo' was unexpected) ... On instance['somatic']: ...' becomes
    "SOURCE: somatic: Additional properties are not allowed ('foo' was unexpected)".
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = next((line.split("ValidationError: ", 1)[1] for line in lines if "ValidationError: " in line),
                   lines[-1] if lines else "invalid config")
    where = next((line for line in lines if line.startswith("On instance")), "")
    path = ".".join(re.findall(r"\[['\"]?([^\]'\"]+)['\"]?\]", where))
    return f"{source}: {path + ': ' if path else ''}{message}"


def config_source(configfiles: Sequence[object]) -> str:
    """The config file a user should look at: the last --configfile given (it wins), else the default."""
    files = [str(f) for f in configfiles]
    return files[-1] if files else "config"


def shard_ids(n: int) -> list[str]:
    """Zero-padded shard numbers: file names that sort in genome order."""
    return [f"{i:04d}" for i in range(n)]


def region_options(regions: Sequence[Region]) -> str:
    """``--regions`` options for a shard, quoted for the shell."""
    return " ".join(f"--regions {shlex.quote(str(r))}" for r in regions)


def optional(options: Mapping[str, object], names: Sequence[str]) -> str:
    """CLI options for the config keys that are set: {'min_somatic_prob': 0.9} -> '--min-somatic-prob 0.9'."""
    return " ".join(f"--{name.replace('_', '-')} {shlex.quote(str(options[name]))}"
                    for name in names if options.get(name) is not None)


def contig_shards(contigs: Mapping[str, int], size: int) -> list[list[str]]:
    """Whole contigs grouped, in assembly order, into shards of about ``size`` bp (a longer contig
    is a shard of its own): polishing output is per contig, so contigs are never cut."""
    if size <= 0:
        raise GenomemlError(f"shard size must be positive, got {size}")
    shards: list[list[str]] = []
    filled = 0
    for name, length in contigs.items():
        if not shards or filled + length > size:
            shards.append([])
            filled = 0
        shards[-1].append(name)
        filled += length
    return shards


def contig_lengths(fasta: str) -> dict[str, int]:
    from genomeml.io.reference import Reference
    with Reference(fasta) as ref:
        return dict(ref.contigs)
