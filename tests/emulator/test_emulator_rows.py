"""Where imported rows live: Parquet files in the emulator's state directory, not its memory.

Each import job leaves one file per dataset (FULL replaces the dataset's files, INCREMENTAL adds
one); the files go with the dataset, with a reset, and with a new start of the emulator. Jobs
read their S3 objects with one GET each (moto reads a whole object for every ranged GET).
"""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
from emu_helpers import INTERACTIONS_HEADER, csv_text, interactions, wait_gone

from personalize_movielens.local.emulator import imports
from personalize_movielens.local.emulator.service import ROWS_DIR, SCRATCH_DIR, Emulator
from personalize_movielens.local.emulator.store import Store, scan
from personalize_movielens.local.standin import EMULATOR_DIR


def _rows_dir(aws) -> Path:
    return aws.state_dir / EMULATOR_DIR / ROWS_DIR


def _files(aws) -> list[Path]:
    return sorted(_rows_dir(aws).glob("*.parquet"))


def test_each_import_keeps_its_rows_as_a_parquet_file_until_the_dataset_goes(
    aws, personalize, put_csv, run_import
):
    first = interactions(3, 4)
    assert run_import(put_csv("a.csv", csv_text(INTERACTIONS_HEADER, first)))["status"] == "ACTIVE"
    [full] = _files(aws)
    frame = pl.read_parquet(full)
    assert frame.columns == INTERACTIONS_HEADER
    assert frame.schema["TIMESTAMP"] == pl.Int64  # typed as the schema says, not text
    assert frame.rows() == first

    more = [("late", "i999", 1_700_000_000)]
    job = run_import(put_csv("b.csv", csv_text(INTERACTIONS_HEADER, more)), mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    files = _files(aws)
    assert full in files and len(files) == 2
    assert scan([full, *(f for f in files if f != full)]).collect().rows() == first + more

    assert run_import(put_csv("c.csv", csv_text(INTERACTIONS_HEADER, more)))["status"] == "ACTIVE"
    [replaced] = _files(aws)
    assert replaced not in files and pl.read_parquet(replaced).rows() == more

    arn = aws.outputs.dataset_arns["Interactions"]
    personalize.delete_dataset(datasetArn=arn)
    wait_gone(lambda: personalize.describe_dataset(datasetArn=arn))
    assert _files(aws) == []
    assert list((aws.state_dir / EMULATOR_DIR / SCRATCH_DIR).iterdir()) == []


def test_a_failed_import_and_a_reset_leave_no_files(aws, put_csv, run_import):
    job = run_import(put_csv("bad.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,yesterday\n"))
    assert job["status"] == "CREATE FAILED"
    assert _files(aws) == []
    run_import(put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3))))
    assert len(_files(aws)) == 1
    aws.admin("POST", "/_emulator/reset")
    assert _files(aws) == []


def test_an_object_is_read_with_one_get(aws, tmp_path):
    """boto3's managed download splits objects above 8 MB into ranged GETs; moto would read
    the whole object for each of them."""
    s3 = aws.client("s3")
    key = aws.outputs.data_prefix + "big.bin"
    body = bytes(range(256)) * (40 * 1024 * 4)  # 40 MiB
    s3.put_object(Bucket=aws.outputs.bucket_name, Key=key, Body=body)
    log = Path(aws.state.moto.log)
    before = log.read_text(errors="replace")
    emu = Emulator(aws_endpoint=aws.endpoints.moto, state_dir=tmp_path)
    target = tmp_path / "big.bin"
    imports.download(emu, imports.Location(aws.outputs.bucket_name, key), key, target)
    assert target.read_bytes() == body
    requests = log.read_text(errors="replace")[len(before) :]
    assert requests.count(f"GET /{aws.outputs.bucket_name}/{key} ") == 1  # moto's access log


def test_the_emulator_starts_without_the_rows_of_a_previous_run(tmp_path):
    (tmp_path / ROWS_DIR).mkdir()
    (tmp_path / ROWS_DIR / "old.parquet").write_bytes(b"stale")
    (tmp_path / "keep.txt").write_text("not the emulator's")
    emu = Emulator(state_dir=tmp_path)
    assert list(emu.store.root.iterdir()) == []
    assert (tmp_path / "keep.txt").exists()


# --- the store's files, read while jobs replace them --------------------------------------------


def _write(store: Store, values: list[int]) -> Path:
    return store.sink(pl.LazyFrame({"USER_ID": [str(v) for v in values]}))


def test_a_file_being_read_stays_until_its_reader_is_done(tmp_path):
    store = Store(tmp_path)
    first = _write(store, [1, 2])
    store.put_rows("ds", first, append=False)
    with store.reading("ds", "nothing") as (rows, none):
        assert none is None
        store.put_rows("ds", _write(store, [3]), append=False)  # a FULL import meanwhile
        store.remove("dataset", "ds")  # and the dataset deleted
        assert first.exists()
        assert rows is not None and rows.collect()["USER_ID"].to_list() == ["1", "2"]
    assert not first.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_filtered_copy_replaces_only_a_file_still_held(tmp_path):
    store = Store(tmp_path)
    old, other = _write(store, [1]), _write(store, [2])
    store.put_rows("ds", old, append=False)
    store.put_rows("ds", other, append=True)
    copy = _write(store, [])
    assert store.replace_rows("ds", {old: copy}) == {old}
    assert store.data["ds"] == (copy, other) and not old.exists()
    late = _write(store, [])
    store.put_rows("ds", _write(store, [9]), append=False)
    assert store.replace_rows("ds", {copy: late}) == set()  # its original left meanwhile
    assert not late.exists() and not copy.exists()


def test_concurrent_readers_share_a_file(tmp_path):
    store = Store(tmp_path)
    file = _write(store, [1])
    store.put_rows("ds", file, append=False)
    inside, release = threading.Barrier(2), threading.Event()

    def reader() -> None:
        with store.holding("ds"):
            inside.wait()
            release.wait()

    thread = threading.Thread(target=reader)
    thread.start()
    with store.holding("ds"):
        inside.wait()
        store.remove("dataset", "ds")
    assert file.exists()  # the other reader still holds it
    release.set()
    thread.join()
    assert not file.exists()
