"""Train the somatic CNN from example files and export it with its model card."""

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
from genomeml.somatic.call import check_channels
from genomeml.somatic.dataset import example_options, load_examples
from genomeml.somatic.examples import FEATURES, LABELS, OPTION_KEYS, TUMOR_ROWS, example_info

log = logging.getLogger(__name__)

NORMAL_FEATURES = [i for i, name in enumerate(FEATURES) if name.startswith("normal_")]


def strip_normal(tensors: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a tumor-only run sees: no normal rows, no normal counts."""
    tensors = tensors.copy()
    features = features.copy()
    tensors[:, 1 + TUMOR_ROWS:] = 0
    features[:, NORMAL_FEATURES] = 0
    return tensors, features


def class_report(labels: np.ndarray, predicted: np.ndarray) -> dict:
    report = {}
    for k, name in enumerate(LABELS):
        tp = int(((predicted == k) & (labels == k)).sum())
        fp = int(((predicted == k) & (labels != k)).sum())
        fn = int(((predicted != k) & (labels == k)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[name] = {"n": int((labels == k).sum()), "precision": round(precision, 4),
                        "recall": round(recall, 4), "f1": round(f1, 4)}
    report["accuracy"] = round(float((labels == predicted).mean()), 4) if len(labels) else 0.0
    return report


def choose_threshold(labels: np.ndarray, probs: np.ndarray) -> tuple[float, dict]:
    """The PASS threshold on P(somatic) that maximizes somatic F1 on validation examples.

    Chosen on our own held-out simulations, never on benchmark data.
    """
    scores = {}
    for thr in np.round(np.arange(0.3, 0.96, 0.05), 2):
        called = (np.argmax(probs, axis=1) == 2) & (probs[:, 2] >= thr)
        truth = labels == 2
        tp = int((called & truth).sum())
        precision = tp / max(int(called.sum()), 1)
        recall = tp / max(int(truth.sum()), 1)
        scores[float(thr)] = round(2 * precision * recall / (precision + recall), 4) if tp else 0.0
    best = max(scores, key=lambda t: (scores[t], -abs(t - 0.5)))
    return best, scores


def snv_mask(features: np.ndarray) -> np.ndarray:
    """Which examples are SNVs (the rest are indels), from their feature rows."""
    return features[:, FEATURES.index("is_snv")] > 0.5


def choose_calling(labels: np.ndarray, probs: np.ndarray, features: np.ndarray) -> dict:
    """The card's "calling" entry: one PASS threshold for SNVs and one for indels, each the best for
    its own somatic F1 on the validation examples (a 2-read homopolymer indel and a 2-read SNV are
    not equally likely to be noise, so one cut need not suit both)."""
    is_snv = snv_mask(features)
    snv, snv_scores = choose_threshold(labels[is_snv], probs[is_snv])
    indel, indel_scores = choose_threshold(labels[~is_snv], probs[~is_snv])
    return {"min_somatic_probability": snv, "min_somatic_probability_indel": indel,
            "validation_somatic_f1_by_threshold": choose_threshold(labels, probs)[1],
            "validation_snv_f1_by_threshold": snv_scores, "validation_indel_f1_by_threshold": indel_scores}


def score_validation(model, valid: dict[str, np.ndarray], tumor_only: bool) -> tuple[dict, dict]:
    """The card's validation class report and its "calling" entry (thresholds chosen on ``valid``)."""
    x_v, f_v = (strip_normal(valid["tensors"], valid["features"]) if tumor_only
                else (valid["tensors"], valid["features"]))
    labels = valid["labels"].astype(np.int64)
    probs = model.predict((x_v, f_v), batch_size=512, verbose=0)
    return class_report(labels, np.argmax(probs, axis=1)), choose_calling(labels, probs, f_v)


def train_somatic(train_files: Sequence[str], validation_files: Sequence[str], output: str | os.PathLike,
                  tumor_only: bool = False, epochs: int = 12, batch_size: int = 128, seed: int = 1,
                  learning_rate: float = 2e-3, threads: int = 2, extra_card: dict | None = None) -> dict:
    """Fit the CNN and write ``output`` (.keras) plus its card; returns the card."""
    output = Path(output)
    if output.suffix != ".keras":
        raise GenomemlError(f"{output}: model output must end in .keras")
    from genomeml.tf_import import deterministic_training
    tf, keras = deterministic_training(threads, seed)
    from genomeml.somatic.model import build_model

    started = time.time()
    train = load_examples(train_files)
    valid = load_examples(validation_files) if validation_files else None
    for name, data in (("training", train), ("validation", valid)):
        if data is not None and (data["labels"] < 0).any():
            raise GenomemlError(f"{name} examples without labels (make them with --truth-somatic/--truth-germline)")
    x_t, f_t, y_t = train["tensors"], train["features"], train["labels"].astype(np.int64)
    if tumor_only:
        x_t, f_t = strip_normal(x_t, f_t)
    counts = np.bincount(y_t, minlength=len(LABELS))
    log.info("training on %d examples: %s", len(y_t), dict(zip(LABELS, counts.tolist())))
    if (counts == 0).any():
        raise GenomemlError(f"training examples lack a class: {dict(zip(LABELS, counts.tolist()))}")
    # balanced-ish: rarer classes weigh more, but not in full proportion (keeps precision on the common class)
    weights = (len(y_t) / (len(LABELS) * counts)) ** 0.5
    info = example_info(example_options([*train_files, *validation_files]))
    model = build_model(*info["shape"], len(info["features"]), info["tumor_rows"], info["normal_rows"],
                        n_classes=len(LABELS))
    steps = int(np.ceil(len(y_t) / batch_size)) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    from genomeml.train.batches import EpochLog, ShuffledBatches
    batches = ShuffledBatches(x_t, f_t, y_t, weights, batch_size, epochs, seed)
    progress = EpochLog(batches, log)
    model.fit(batches, epochs=1, callbacks=[progress], verbose=0)
    metrics = {"train_loss": round(progress.losses[-1], 4)}
    calling = {"min_somatic_probability": 0.5}
    if valid is not None:
        metrics["validation"], calling = score_validation(model, valid, tumor_only)
    card = {
        "model_version": f"{__version__}",
        "architecture": "read-set CNN (per-read Conv2D 1x5 x2, per-sample mean/max pooling, Conv1D x2, dense)",
        "parameters": int(model.count_params()),
        **info,
        "tumor_only": tumor_only,
        "training": {"train_files": [Path(p).name for p in train_files],
                     "validation_files": [Path(p).name for p in validation_files],
                     "examples": int(len(y_t)), "class_counts": dict(zip(LABELS, counts.tolist())),
                     "class_weights": [round(float(w), 4) for w in weights], "epochs": epochs,
                     "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
                     "seconds": round(time.time() - started, 1), **(extra_card or {})},
        "metrics": metrics,
        "calling": calling,
    }
    save_model(model, card, output)
    return card


def ensemble_somatic(member_paths: Sequence[str | os.PathLike], validation_files: Sequence[str],
                     output: str | os.PathLike, threads: int = 2, extra_card: dict | None = None) -> dict:
    """Average trained members into one model (.keras) and write its card; returns the card.

    The PASS thresholds are chosen again, for the mean, on the validation examples: a mean of
    probabilities is less extreme than each member, so the members' thresholds do not carry over.
    """
    output = Path(output)
    if output.suffix != ".keras":
        raise GenomemlError(f"{output}: model output must end in .keras")
    if not member_paths:
        raise GenomemlError("no member models given")
    if not validation_files:
        raise GenomemlError("an ensemble needs validation examples to choose its threshold")
    from genomeml.tf_import import deterministic_training
    _, keras = deterministic_training(threads, 0)
    from genomeml.somatic.model import average_models

    cards = []
    for path in member_paths:
        path = Path(path)
        if not path.exists() or not card_path(path).exists():
            raise GenomemlError(f"{path}: member model or its card (.json beside it) not found")
        card = json.loads(card_path(path).read_text())
        check_channels(card, path)
        cards.append(card)
    tumor_only = bool(cards[0].get("tumor_only"))
    if any(bool(c.get("tumor_only")) != tumor_only for c in cards):
        raise GenomemlError("members mix tumor-only and tumor-normal models")
    validation_options = example_options(validation_files)
    for key in OPTION_KEYS:
        used = {bool(c.get(key, False)) for c in cards}
        if len(used) > 1:
            raise GenomemlError(f"members mix models trained with and without {key.replace('_', ' ')}")
        if validation_options[key] != used.pop():
            raise GenomemlError(f"{validation_files[0]}: validation examples differ from the members in "
                                f"{key.replace('_', ' ')}")
    members = [keras.models.load_model(p, compile=False) for p in member_paths]
    info = example_info(cards[0])
    model = average_models(members, *info["shape"], len(info["features"]), info["tumor_rows"], info["normal_rows"])

    validation, calling = score_validation(model, load_examples(validation_files), tumor_only)
    first = cards[0]
    card = {
        **{k: v for k, v in first.items() if k not in ("training", "metrics", "calling")},
        "architecture": f"mean of {len(members)} {first['architecture']}",
        "parameters": int(model.count_params()),
        "members": [{"file": Path(p).name, "seed": c["training"]["seed"], "seconds": c["training"]["seconds"],
                     "metrics": c["metrics"]} for p, c in zip(member_paths, cards)],
        "training": {**{k: v for k, v in first["training"].items() if k not in ("seed", "seconds")},
                     "seeds": [c["training"]["seed"] for c in cards],
                     "seconds": round(sum(c["training"]["seconds"] for c in cards), 1),
                     "validation_files": [Path(p).name for p in validation_files], **(extra_card or {})},
        "metrics": {"validation": validation},
        "calling": calling,
    }
    save_model(model, card, output)
    return card


def save_model(model, card: dict, output: Path) -> None:
    """The model and its card beside it, each written whole or not at all."""
    with atomic_file(output) as tmp:   # the temporary name keeps the .keras suffix keras insists on
        model.save(tmp)
    with atomic_file(card_path(output)) as tmp:
        tmp.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
