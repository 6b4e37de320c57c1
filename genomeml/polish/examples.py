"""make-examples --polish: windows (labeled from the truth edits when training) saved as .npz.

Beside each file, ``<name>.example_info.json`` records the feature version and
shapes, so training refuses files made with other features.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.io.reference import Reference
from genomeml.polish.features import CandidateSettings, Windows, feature_info
from genomeml.polish.labels import IGNORE, DraftTruth, label_windows
from genomeml.polish.polish import CHUNK, iter_windows, prepare_inputs


def info_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name.removesuffix(".npz") + ".example_info.json")


def make_polish_examples(assembly: str, reads: str, output: str, truth_vcf: str | None = None,
                         regions: Sequence[str] = (), threads: int = 1) -> dict:
    """Write every window of the draft (with labels when ``truth_vcf`` is given); returns counts."""
    if not str(output).endswith(".npz"):
        raise GenomemlError(f"{output}: examples output must end in .npz")
    inputs = prepare_inputs(assembly, reads, regions)
    truth = DraftTruth.from_vcf(truth_vcf) if truth_vcf else None
    empty = Windows.empty("")      # each list starts with a zero-length array, so no windows still concatenates
    parts: dict[str, list[np.ndarray]] = {
        "reads": [empty.reads], "columns": [empty.columns], "labels": [np.zeros(empty.column_pos.shape, np.int8)],
        "spans": [empty.spans], "cores": [empty.cores], "contig": [np.zeros(0, np.int32)]}
    contig_ids = {name: i for i, name in enumerate(inputs.contigs)}
    with Reference(assembly) as ref:
        cache = ("", "")
        for shard, windows in iter_windows(inputs, CandidateSettings(), threads, CHUNK):
            if not len(windows):
                continue
            if truth is not None:
                if cache[0] != shard.contig:
                    cache = (shard.contig, ref.fetch(shard.contig))
                labels = label_windows(windows, cache[1], truth)
            else:
                labels = np.full(windows.column_pos.shape, IGNORE, np.int8)
            for key, value in (("reads", windows.reads), ("columns", windows.columns), ("labels", labels),
                               ("spans", windows.spans), ("cores", windows.cores),
                               ("contig", np.full(len(windows), contig_ids[shard.contig], np.int32))):
                parts[key].append(value)
    arrays = {key: np.concatenate(values) for key, values in parts.items()}
    labeled = int((arrays["labels"] != IGNORE).any(axis=1).sum())
    with atomic_file(output) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, contig_names=np.array(list(inputs.contigs)), **arrays)
    summary = {**feature_info(), "windows": int(len(arrays["reads"])), "labeled_windows": labeled,
               "truth": Path(truth_vcf).name if truth_vcf else None}
    with atomic_file(info_path(output)) as tmp:
        tmp.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def load_polish_examples(paths: Sequence[str | os.PathLike]) -> dict[str, np.ndarray]:
    """Labeled windows of several files, checked against this genomeml's features."""
    info = feature_info()
    keys = ("reads", "columns", "labels")
    out: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for path in paths:
        meta_file = info_path(path)
        if not meta_file.exists():
            raise GenomemlError(f"{path}: {meta_file.name} not found beside the examples")
        meta = json.loads(meta_file.read_text())
        if meta.get("feature_version") != info["feature_version"]:
            raise GenomemlError(f"{path}: examples have features {meta.get('feature_version')}, "
                                f"this genomeml uses {info['feature_version']}; remake them")
        try:
            with np.load(path) as data:
                labeled = (data["labels"] != IGNORE).any(axis=1)
                for key in keys:
                    out[key].append(data[key][labeled])
        except (OSError, KeyError, ValueError) as exc:
            raise GenomemlError(f"{path}: not a genomeml polish examples file ({exc})") from None
    return {k: np.concatenate(v) for k, v in out.items()}
