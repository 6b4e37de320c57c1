"""Train the polishing Transformer from labeled windows and export it with its model card."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from genomeml import __version__
from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.models import card_path
from genomeml.polish.examples import load_polish_examples
from genomeml.polish.features import feature_info
from genomeml.polish.labels import IGNORE, draft_classes

log = logging.getLogger(__name__)

CHANGE_WEIGHT = 5.0    # columns where the truth differs from the draft are rare and what polishing is for


def column_weights(labels: np.ndarray, columns: np.ndarray) -> np.ndarray:
    weights = np.where(labels == IGNORE, 0.0, 1.0)
    weights[(labels != IGNORE) & (labels != draft_classes(columns))] = CHANGE_WEIGHT
    return weights.astype(np.float32)


def outcome(labels: np.ndarray, columns: np.ndarray, probs: np.ndarray, threshold: float) -> dict:
    """Column errors left after decoding at ``threshold``, against the draft's own errors."""
    draft = draft_classes(columns)
    valid = labels != IGNORE
    change = (probs.argmax(-1) != draft) & (probs.max(-1) >= threshold)
    final = np.where(change, probs.argmax(-1), draft)
    draft_wrong = valid & (draft != labels)
    return {"draft_errors": int(draft_wrong.sum()),
            "fixed": int((draft_wrong & (final == labels)).sum()),
            "introduced": int((valid & ~draft_wrong & (final != labels)).sum()),
            "left": int((valid & (final != labels)).sum())}


def choose_threshold(labels: np.ndarray, columns: np.ndarray, probs: np.ndarray) -> tuple[float, dict]:
    """The least change-happy threshold among those leaving the fewest column errors on validation windows.

    A new error costs twice a missed fix: a polisher must above all do no harm.
    """
    scores = {}
    for thr in np.round(np.arange(0.5, 0.995, 0.02), 2):
        result = outcome(labels, columns, probs, float(thr))
        scores[float(thr)] = {**result, "cost": result["draft_errors"] - result["fixed"] + 2 * result["introduced"]}
    best = min(scores, key=lambda t: (scores[t]["cost"], -t))
    return best, scores


def train_polish(train_files: Sequence[str], validation_files: Sequence[str], output: str | os.PathLike,
                 epochs: int = 10, batch_size: int = 64, seed: int = 1, learning_rate: float = 1e-3,
                 threads: int = 2, extra_card: dict | None = None) -> dict:
    """Fit the Transformer and write ``output`` (.keras) plus its card; returns the card."""
    output = Path(output)
    if output.suffix != ".keras":
        raise GenomemlError(f"{output}: model output must end in .keras")
    from genomeml.tf_import import deterministic_training
    tf, keras = deterministic_training(threads, seed)
    from genomeml.polish.model import build_model

    started = time.time()
    train = load_polish_examples(train_files)
    valid = load_polish_examples(validation_files) if validation_files else None
    if not len(train["labels"]):
        raise GenomemlError("no labeled training windows (make them with --truth)")
    y_t = np.where(train["labels"] == IGNORE, 0, train["labels"]).astype(np.int64)
    w_t = column_weights(train["labels"], train["columns"])
    log.info("training on %d windows", len(y_t))
    model = build_model()
    steps = int(np.ceil(len(y_t) / batch_size)) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    validation_data = None
    if valid is not None and len(valid["labels"]):
        y_v = np.where(valid["labels"] == IGNORE, 0, valid["labels"]).astype(np.int64)
        validation_data = ((valid["reads"], valid["columns"]), y_v, column_weights(valid["labels"], valid["columns"]))
    history = model.fit((train["reads"], train["columns"]), y_t, sample_weight=w_t, batch_size=batch_size,
                        epochs=epochs, shuffle=True, validation_data=validation_data,
                        verbose=2 if log.isEnabledFor(logging.INFO) else 0)
    metrics: dict = {"train_loss": round(float(history.history["loss"][-1]), 4)}
    polishing = {"min_probability": 0.5}
    if validation_data is not None:
        probs = model.predict(validation_data[0], batch_size=256, verbose=0)
        threshold, scores = choose_threshold(valid["labels"], valid["columns"], probs)
        polishing = {"min_probability": threshold}
        metrics["validation"] = {"windows": int(len(valid["labels"])), **scores[threshold]}
        metrics["validation_by_threshold"] = {str(t): s for t, s in scores.items()}
    card = {
        "task": "polish",
        "platform": "hifi",
        "model_version": __version__,
        "architecture": "per-read Conv2D 1x7 x2, masked mean over reads, 2-block Transformer encoder over columns",
        "parameters": int(model.count_params()),
        **feature_info(),
        "training": {"train_files": [Path(p).name for p in train_files],
                     "validation_files": [Path(p).name for p in validation_files],
                     "windows": int(len(y_t)), "epochs": epochs, "batch_size": batch_size,
                     "learning_rate": learning_rate, "change_weight": CHANGE_WEIGHT, "seed": seed,
                     "seconds": round(time.time() - started, 1), **(extra_card or {})},
        "metrics": metrics,
        "polishing": polishing,
    }
    with atomic_file(output) as tmp:
        model.save(tmp)
    with atomic_file(card_path(output)) as tmp:
        tmp.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return card
