"""show-examples: one PNG per candidate at a site, drawn from the examples the calling model is given."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.pileup.encode import CHANNELS
from genomeml.somatic.examples import ROWS, WIDTH
from genomeml.somatic.show import GAP, SCALE, show_examples

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "testdata" / "somatic"
INDEL_SITE = "chr20:103332"   # C>CTT: realignment finds carriers the aligner soft-clipped


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _show(tmp_path: Path, name: str, model: str | None = None) -> list[Path]:
    prefix = str(tmp_path / f"{name}_")
    return [Path(p) for p in show_examples(str(DATA / "ref.fa"), str(DATA / "tumor.bam"), str(DATA / "normal.bam"),
                                           [INDEL_SITE], prefix, model)]


def test_one_png_per_candidate_with_every_channel(tmp_path):
    paths = _show(tmp_path, "plain")
    assert [p.name for p in paths] == ["plain_chr20_103332_C_CTT.png"]
    width, height = _png_size(paths[0])
    assert height == ROWS * SCALE
    assert width == len(CHANNELS) * WIDTH * SCALE + (len(CHANNELS) - 1) * GAP


def test_a_realigning_model_is_shown_realigned_examples(tmp_path):
    shipped = ROOT / "models" / "somatic_illumina_tn.keras"
    model = tmp_path / "realigning.keras"
    shutil.copy(shipped, model)
    card = json.loads(shipped.with_suffix(".json").read_text())
    model.with_suffix(".json").write_text(json.dumps({**card, "indel_realignment": True}))
    plain = _show(tmp_path, "plain")[0].read_bytes()
    assert _show(tmp_path, "shipped", "somatic-illumina-tn")[0].read_bytes() == plain
    assert _show(tmp_path, "realigned", str(model))[0].read_bytes() != plain


def test_a_missing_model_is_an_error(tmp_path):
    with pytest.raises(GenomemlError, match="model not found"):
        _show(tmp_path, "x", str(tmp_path / "nope.keras"))
