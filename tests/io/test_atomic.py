"""io.atomic: outputs appear whole on success and not at all on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from genomeml.io.atomic import atomic_directory, atomic_file


@pytest.fixture()
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------------------- atomic_file
def test_atomic_file_success(tmp_path):
    final = tmp_path / "sub" / "dir" / "calls.vcf.gz"  # missing parents are created
    with atomic_file(final) as tmp:
        assert tmp.parent == final.parent and tmp != final
        assert tmp.name.endswith(".vcf.gz")  # tools that sniff the extension still work on the temporary name
        assert not final.exists()
        tmp.write_bytes(b"data")
    assert final.read_bytes() == b"data"
    assert [p.name for p in final.parent.iterdir()] == ["calls.vcf.gz"]


def test_atomic_file_failure_leaves_nothing(tmp_path):
    final = tmp_path / "metrics.json"
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_file(final, companions=(".tbi",)) as tmp:
            tmp.write_text("half")
            Path(str(tmp) + ".tbi").write_text("index")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_file_failure_keeps_previous_output(tmp_path):
    final = tmp_path / "metrics.json"
    final.write_text("old")
    with pytest.raises(KeyError):
        with atomic_file(final) as tmp:
            tmp.write_text("new")
            raise KeyError("x")
    assert final.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_atomic_file_replaces_previous_output(tmp_path):
    final = tmp_path / "metrics.json"
    final.write_text("old")
    with atomic_file(final) as tmp:
        tmp.write_text("new")
    assert final.read_text() == "new"


def test_atomic_file_moves_companions_with_the_file(tmp_path):
    final = tmp_path / "out.vcf.gz"
    Path(str(final) + ".tbi").write_text("stale index")
    with atomic_file(final, companions=(".tbi", ".csi")) as tmp:
        tmp.write_text("vcf")
        Path(str(tmp) + ".tbi").write_text("index")  # .csi never written: fine
    assert final.read_text() == "vcf"
    assert Path(str(final) + ".tbi").read_text() == "index"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.vcf.gz", "out.vcf.gz.tbi"]


def test_atomic_file_when_body_never_writes(tmp_path):
    """The temporary file exists from the start (mkstemp), so a body that writes nothing gives an empty file."""
    final = tmp_path / "empty.txt"
    with atomic_file(final):
        pass
    assert final.exists() and final.read_bytes() == b""


def test_atomic_file_follows_umask(tmp_path, umask_022):
    final = tmp_path / "metrics.json"
    with atomic_file(final) as tmp:
        tmp.write_text("{}")
    assert _mode(final) == 0o644


# ----------------------------------------------------------------------------- atomic_directory
def test_atomic_directory_success(tmp_path, umask_022):
    final = tmp_path / "parent" / "sim"
    with atomic_directory(final) as tmp:
        assert tmp.parent == final.parent and not final.exists()
        (tmp / "a.txt").write_text("a")
        (tmp / "nested").mkdir()
        (tmp / "nested" / "b.txt").write_text("b")
    assert (final / "a.txt").read_text() == "a" and (final / "nested" / "b.txt").read_text() == "b"
    assert [p.name for p in final.parent.iterdir()] == ["sim"]  # no temporary sibling left
    assert _mode(final) == 0o755  # not mkdtemp's 0700


def test_atomic_directory_failure_leaves_nothing(tmp_path):
    final = tmp_path / "sim"
    with pytest.raises(ValueError):
        with atomic_directory(final) as tmp:
            (tmp / "tumor.bam").write_text("partial")
            raise ValueError("simulation failed")
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_fills_existing_directory(tmp_path):
    final = tmp_path / "sim"
    final.mkdir()
    (final / "notes.txt").write_text("mine")
    (final / "tumor.bam").write_text("old")
    (final / "subdir").mkdir()
    (final / "subdir" / "old.txt").write_text("old")
    with atomic_directory(final) as tmp:
        (tmp / "tumor.bam").write_text("new")
        (tmp / "subdir").mkdir()
        (tmp / "subdir" / "new.txt").write_text("new")
    assert (final / "notes.txt").read_text() == "mine"   # the user's own files stay
    assert (final / "tumor.bam").read_text() == "new"    # outputs are replaced
    assert sorted(p.name for p in (final / "subdir").iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["sim"]


def test_atomic_directory_failure_keeps_existing_directory_as_is(tmp_path):
    final = tmp_path / "sim"
    final.mkdir()
    (final / "tumor.bam").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(final) as tmp:
            (tmp / "tumor.bam").write_text("new")
            (tmp / "normal.bam").write_text("new")
            raise RuntimeError("boom")
    assert sorted(p.name for p in final.iterdir()) == ["tumor.bam"]
    assert (final / "tumor.bam").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["sim"]
