"""call_variants: the somatic CNN over example batches (tensors + count features)."""

from __future__ import annotations

from pathlib import Path

from genomeml.predictor import BATCH_SIZE, Predictor as _Predictor


class Predictor(_Predictor):
    def __init__(self, model_path: Path, batch_size: int = BATCH_SIZE):
        super().__init__(model_path, ["genomeml.somatic.model"], n_outputs=3, batch_size=batch_size)
