#!/usr/bin/env python
"""Somatic F1 of models on labeled examples, per variant type: how two models are compared on
validation simulations that neither was trained on (never on benchmark data).

    python benchmarks/somatic/validation_f1.py --model A.keras --model B.keras EX.npz ...

For each model: SNV, indel and combined somatic F1 at the card's thresholds, and at the
thresholds best for these examples (each type its own), with TP/FP/FN. ``--long-from L`` also
splits the indels at L bp (from the indel_length feature) at the same thresholds, and scores
everything but the long ones, so a model trained on a long-indel tail is judged on both sides.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from genomeml.models import card_path
from genomeml.somatic.call import call_settings
from genomeml.somatic.dataset import load_examples
from genomeml.somatic.examples import FEATURES
from genomeml.tf_import import deterministic_training
from genomeml.train.somatic import choose_calling, snv_mask


def counts(labels: np.ndarray, probs: np.ndarray, keep: np.ndarray, threshold: float) -> np.ndarray:
    called = (np.argmax(probs, axis=1) == 2) & (probs[:, 2] >= threshold) & keep
    truth = (labels == 2) & keep
    tp = int((called & truth).sum())
    return np.array([tp, int(called.sum()) - tp, int(truth.sum()) - tp])


def f1(tp_fp_fn: np.ndarray) -> float:
    tp, fp, fn = (int(x) for x in tp_fp_fn)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(labels: np.ndarray, probs: np.ndarray, is_snv: np.ndarray, snv: float, indel: float,
          is_long: np.ndarray | None = None) -> dict:
    parts = {"snv": counts(labels, probs, is_snv, snv), "indel": counts(labels, probs, ~is_snv, indel)}
    parts["all"] = parts["snv"] + parts["indel"]
    if is_long is not None:
        parts["indel_short"] = counts(labels, probs, ~is_snv & ~is_long, indel)
        parts["indel_long"] = counts(labels, probs, ~is_snv & is_long, indel)
        parts["all_but_long"] = parts["snv"] + parts["indel_short"]
    return {k: {"f1": round(f1(v), 4), "tp_fp_fn": v.tolist()} for k, v in parts.items()} | \
        {"thresholds": {"snv": snv, "indel": indel}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--long-from", type=int,
                    help="also score the indels of at least this many bp (at most 20) on their own")
    ap.add_argument("examples", nargs="+")
    args = ap.parse_args()
    _, keras = deterministic_training(2, 0)
    import genomeml.somatic.model  # noqa: F401  (registers the custom layers)
    data = load_examples(args.examples)
    labels, is_snv = data["labels"].astype(np.int64), snv_mask(data["features"])
    report = {"examples": len(labels), "somatic": {"snv": int(((labels == 2) & is_snv).sum()),
                                                    "indel": int(((labels == 2) & ~is_snv).sum())}}
    is_long = None
    if args.long_from is not None:   # the feature is min(length, 20) / 20
        length = np.rint(data["features"][:, FEATURES.index("indel_length")] * 20)
        is_long = ~is_snv & (length >= args.long_from)
        report["somatic"]["indel_long"] = int(((labels == 2) & is_long).sum())
    for path in args.model:
        probs = keras.models.load_model(path, compile=False).predict((data["tensors"], data["features"]),
                                                                     batch_size=512, verbose=0)
        card = call_settings(json.loads(card_path(Path(path)).read_text()))   # as call-somatic reads the card
        best = choose_calling(labels, probs, data["features"])
        report[path] = {
            "card": score(labels, probs, is_snv, card.min_somatic_probability, card.indel_threshold, is_long),
            "best": score(labels, probs, is_snv, best["min_somatic_probability"],
                          best["min_somatic_probability_indel"], is_long)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
