"""Atomic writes: a failure leaves the previous file (or nothing) and no temporary behind."""

from pathlib import Path

import pytest

from personalize_movielens.atomic import atomic_path, atomic_paths, write_text_atomic


def test_atomic_path_renames_on_success(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.csv"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent
        tmp.write_text("a,b\n")
        assert not target.exists()
    assert target.read_text() == "a,b\n"
    assert list(target.parent.iterdir()) == [target]


def test_atomic_path_keeps_previous_version_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_paths_all_or_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    with pytest.raises(ValueError), atomic_paths([a, b]) as (ta, tb):
        ta.write_text("a")
        tb.write_text("b")
        raise ValueError("invalid")
    assert list(tmp_path.iterdir()) == []
    with atomic_paths([a, b]) as (ta, tb):
        ta.write_text("a")
        tb.write_text("b")
    assert (a.read_text(), b.read_text()) == ("a", "b")


def test_write_text_atomic_utf8(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    write_text_atomic(target, "Amélie (2001)")
    assert target.read_bytes() == "Amélie (2001)".encode()


def test_a_failure_removes_the_folders_made_for_the_output_only(tmp_path: Path) -> None:
    """--out-dir new/sub on bad input: neither new/ nor new/sub is left behind, an existing
    folder is kept."""
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / "new" / "sub" / "out.csv"
    with pytest.raises(ValueError), atomic_paths([target], own_folders=True) as (tmp,):
        tmp.write_text("half")
        raise ValueError("invalid")
    assert list(tmp_path.iterdir()) == [tmp_path / "kept"]
    assert list((tmp_path / "kept").iterdir()) == []


def test_folders_made_are_kept_unless_the_caller_owns_them(tmp_path: Path) -> None:
    """Another writer may have started in a folder made here: by default it stays."""
    target = tmp_path / "new" / "out.csv"
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("invalid")
    assert list(tmp_path.iterdir()) == [tmp_path / "new"]
    assert list((tmp_path / "new").iterdir()) == []
