"""Examples on disk: one compressed .npz per make-examples run, plus example_info.json beside it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.pileup.alleles import Allele
from genomeml.somatic.examples import OPTION_KEYS, ExampleBatch, example_info


def example_info_path(path: Path) -> Path:
    """The example_info.json written beside an examples file (EX.npz -> EX.example_info.json)."""
    return path.with_name(path.name[:-4] + ".example_info.json")


def save_examples(path: str | os.PathLike, batch: ExampleBatch) -> None:
    path = Path(path)
    if not path.name.endswith(".npz"):
        raise GenomemlError(f"{path}: examples output must end in .npz")
    arrays = {
        "tensors": batch.tensors, "features": batch.features,
        "labels": batch.labels if batch.labels is not None else np.full(len(batch), -1, np.int8),
        "contig": np.array([a.contig for a in batch.alleles], dtype=str),
        "pos": np.array([a.pos for a in batch.alleles], dtype=np.int64),
        "ref": np.array([a.ref for a in batch.alleles], dtype=str),
        "alt": np.array([a.alt for a in batch.alleles], dtype=str),
    }
    with atomic_file(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    with atomic_file(example_info_path(path)) as tmp:
        tmp.write_text(json.dumps({**example_info(batch.options), "n_examples": len(batch)},
                                  indent=2) + "\n")


def example_options(paths: Sequence[str | os.PathLike]) -> dict[str, bool]:
    """How the example files counted reads (indel realignment, second-mate indels); all must agree.

    A model learns the counts and rows these options give, so its card records them and
    call-somatic makes examples the same way. Files from before an option existed have it off.
    """
    found = {}
    for path in map(Path, paths):
        info_path = example_info_path(path)
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        found[path] = {key: bool(info.get(key, False)) for key in OPTION_KEYS}
    for key in OPTION_KEYS:
        if len({options[key] for options in found.values()}) > 1:
            with_it = sorted(str(p) for p, options in found.items() if options[key])
            raise GenomemlError(f"{with_it[0]}: made with {key.replace('_', ' ')}, other example files without it")
    return next(iter(found.values()), {key: False for key in OPTION_KEYS})


def load_examples(paths: Sequence[str | os.PathLike]) -> dict[str, np.ndarray]:
    """Concatenate example files, refusing any whose channel version differs from this code's.

    The tensors are written straight into one preallocated array: concatenating per-file parts
    would hold every tensor twice, and the recipe's training set is several GB of them.
    """
    expected = example_info()["channel_version"]
    paths = [Path(p) for p in paths]
    if not paths:
        raise GenomemlError("no example files given")
    sizes = []
    for path in paths:
        info_path = example_info_path(path)
        if not path.exists():
            raise GenomemlError(f"{path}: examples file not found")
        if info_path.exists():
            version = json.loads(info_path.read_text()).get("channel_version")
            if version != expected:
                raise GenomemlError(f"{path}: examples have channel version {version}, this genomeml makes {expected}")
        with np.load(path) as data:
            sizes.append(len(data["labels"]))
    tensors = None
    parts: dict[str, list[np.ndarray]] = {}
    offset = 0
    for path, size in zip(paths, sizes):
        with np.load(path) as data:
            block = data["tensors"]
            if tensors is None:
                tensors = np.empty((sum(sizes), *block.shape[1:]), dtype=block.dtype)
            if block.shape[0] != size or block.shape[1:] != tensors.shape[1:]:
                raise GenomemlError(f"{path}: tensors of shape {block.shape}, expected {size} of {tensors.shape[1:]}")
            tensors[offset:offset + size] = block
            offset += size
            for key in data.files:
                if key != "tensors":
                    parts.setdefault(key, []).append(data[key])
    return {"tensors": tensors, **{key: np.concatenate(value) for key, value in parts.items()}}


def alleles_of(data: dict[str, np.ndarray]) -> list[Allele]:
    return [Allele(str(c), int(p), str(r), str(a)) for c, p, r, a in
            zip(data["contig"], data["pos"], data["ref"], data["alt"])]
