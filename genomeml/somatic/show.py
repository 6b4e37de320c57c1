"""show-examples: a PNG of a candidate's tensor, one panel per channel, so a user can see why a call was made.

Panels are laid side by side; within a panel, row 0 is the reference, then tumor reads,
then (below a separator) normal reads. Positive values are red, negative blue, zero white.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.io.png import write_png
from genomeml.io.regions import parse_region
from genomeml.pileup.encode import CHANNELS
from genomeml.somatic.examples import ExampleSettings, TUMOR_ROWS
from genomeml.somatic.shards import iter_examples, prepare_inputs

SCALE = 4          # pixels per tensor cell
GAP = 6            # pixels between panels


def tensor_picture(tensor: np.ndarray) -> np.ndarray:
    """(rows, width, channels) int8 -> an RGB picture with one panel per channel."""
    rows, width, channels = tensor.shape
    values = np.clip(tensor.astype(np.float32) / 100.0, -1, 1)
    panels = []
    for c in range(channels):
        v = values[:, :, c]
        rgb = np.ones((rows, width, 3), dtype=np.float32)
        rgb[..., 1] -= np.abs(v)                      # white -> red (positive) or blue (negative)
        rgb[..., 2] -= np.clip(v, 0, 1)
        rgb[..., 0] -= np.clip(-v, 0, 1)
        rgb[[0, 1 + TUMOR_ROWS - 1], :, :] *= 0.9     # faint lines under the reference and tumor blocks
        panel = np.repeat(np.repeat((rgb * 255).astype(np.uint8), SCALE, axis=0), SCALE, axis=1)
        panels.append(panel)
        panels.append(np.full((rows * SCALE, GAP, 3), 200, dtype=np.uint8))
    return np.concatenate(panels[:-1], axis=1)


def _settings(model: str | None, tumor_only: bool) -> ExampleSettings:
    """Examples as the model that would call them sees them (its card); without a model to ask
    (no --model and no shipped model for the mode), the default examples."""
    from genomeml.models import resolve_model
    from genomeml.somatic.call import default_model, example_settings
    try:
        return example_settings(resolve_model(model or default_model(tumor_only)).card)
    except GenomemlError:
        if model is not None:
            raise
        return ExampleSettings()


def show_examples(reference: str, tumor: str, normal: str | None, sites: Sequence[str], output_prefix: str,
                  model: str | None = None) -> list[str]:
    """Write ``{output_prefix}{chr}_{pos}_{ref}_{alt}.png`` for every candidate at each site (chr:pos)."""
    inputs = prepare_inputs(reference, tumor, normal, [])
    settings = _settings(model, normal is None)
    written = []
    for site in sites:
        region = parse_region(site if "-" in site else f"{site}-{site.split(':')[-1]}", inputs.contigs)
        inputs.regions = [region]
        found = False
        for _, batch in iter_examples(inputs, settings, threads=1):
            for allele, tensor in zip(batch.alleles, batch.tensors):
                found = True
                path = f"{output_prefix}{allele.contig}_{allele.pos + 1}_{allele.ref}_{allele.alt}.png"
                with atomic_file(path) as tmp:
                    write_png(tmp, tensor_picture(tensor))
                written.append(path)
        if not found:
            raise GenomemlError(f"{site}: no candidate there (not enough reads carry a non-reference allele)")
    return written


def channel_legend() -> str:
    return "panels, left to right: " + ", ".join(CHANNELS)
