"""The Users dataset end to end through the CLI on the stand-in: upload, import, status, dry run;
and the two mismatches between the stack and the data, each said in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from e2e_helpers import import_jobs, objects

from personalize_movielens.errors import ConfigError
from personalize_movielens.schemas import load_schema
from personalize_movielens.workflow.manifest import read_manifest

pytestmark = pytest.mark.e2e

GENDERS, AGES = ("F", "M"), ("1", "18", "25", "35", "45", "50", "56")
OCCUPATIONS = ("writer", "programmer", "K-12 student", "other or not specified")


def write_users(data_dir: Path) -> Path:
    """A users.csv of the schema's columns for every user of the prepared interactions, as
    `data prepare` writes it for ML-1M and ML-100K."""
    lines = (data_dir / "interactions.csv").read_text(encoding="utf-8").splitlines()[1:]
    users = sorted({line.split(",")[0] for line in lines})
    header = load_schema("Users").field_names
    assert header == ["USER_ID", "GENDER", "AGE", "OCCUPATION"]
    rows = [
        f"{user},{GENDERS[i % 2]},{AGES[i % len(AGES)]},{OCCUPATIONS[i % len(OCCUPATIONS)]}"
        for i, user in enumerate(users)
    ]
    path = data_dir / "users.csv"
    path.write_text("\n".join([",".join(header), *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def users_stack(fresh_stand_in):
    """`local up --users`; the default stack again afterwards (the session's stand-in)."""
    fresh_stand_in.reset(users=True)
    yield fresh_stand_in
    fresh_stand_in.reset()


def test_users_upload_import_and_status(cli, users_stack, data_dir) -> None:
    fresh_stand_in = users_stack
    write_users(data_dir)
    cli("upload", "--data-dir", str(data_dir))
    users_key = read_manifest(data_dir)["Users"].key
    assert users_key in objects(fresh_stand_in) and users_key.endswith(".csv")

    dry = json.loads(cli("import", "--data-dir", str(data_dir), "--dry-run", "--json").stdout)
    creates = [c for c in dry["planned"] if c["operation"] == "CreateDatasetImportJob"]
    users_arn = fresh_stand_in.outputs.dataset_arns["Users"]
    assert [c["params"]["datasetArn"] for c in creates].count(users_arn) == 1
    assert import_jobs(fresh_stand_in)["Users"] == []  # the dry run created nothing

    report = json.loads(cli("import", "--data-dir", str(data_dir), "--json").stdout)
    assert {(j["dataset_type"], j["status"]) for j in report["jobs"]} == {
        ("Interactions", "ACTIVE"),
        ("Items", "ACTIVE"),
        ("Users", "ACTIVE"),
    }
    [job] = import_jobs(fresh_stand_in)["Users"]
    assert job["status"] == "ACTIVE"

    status = json.loads(cli("status", "--json").stdout)
    users = next(d for d in status["datasets"] if d["dataset_type"] == "Users")
    assert users["status"] == "ACTIVE" and users["latest_import"]["status"] == "ACTIVE"
    assert users["latest_import"]["name"] == job["jobName"]


def test_users_file_without_a_users_dataset_is_skipped_with_how_to_enable(
    cli, fresh_stand_in, data_dir
) -> None:
    path = write_users(data_dir)
    result = cli("upload", "--data-dir", str(data_dir))
    [line] = [line for line in result.output.splitlines() if str(path) in line]
    assert line.startswith(f"Skipping {path}: the stack has no Users dataset")
    assert "enable_users_dataset = true" in line and "local up --users" in line
    assert "Users" not in read_manifest(data_dir)
    assert len(objects(fresh_stand_in)) == 2
    cli("import", "--data-dir", str(data_dir))  # Interactions and Items, no error


def test_a_users_dataset_without_users_data_is_refused_before_any_import(
    cli, users_stack, data_dir
) -> None:
    """A release without demographics writes no users.csv: upload says so in one line, import
    refuses it (exit 1, one line) before creating any job."""
    fresh_stand_in = users_stack
    uploaded = cli("upload", "--data-dir", str(data_dir))
    assert f"No {data_dir / 'users.csv'}: the stack's Users dataset" in uploaded.output
    line = refused_line(cli("import", "--data-dir", str(data_dir), ok=False))
    assert line.startswith(f"{data_dir}: no users.csv, but the stack has a Users dataset")
    assert "1m and 100k" in line and "enable_users_dataset = false" in line
    assert all(jobs == [] for jobs in import_jobs(fresh_stand_in).values())

    write_users(data_dir)  # prepared again from a release with demographics, not uploaded yet
    line = refused_line(cli("import", "--data-dir", str(data_dir), ok=False))
    assert line.startswith(f"{data_dir / 'users.csv'}: not uploaded, and the stack has a Users")
    assert all(jobs == [] for jobs in import_jobs(fresh_stand_in).values())


def refused_line(result: Result) -> str:
    """The one line `main` prints after "Error: " for the command's domain error (exit 1)."""
    assert isinstance(result.exception, ConfigError), result.output
    line = result.exception.one_line()
    assert "\n" not in line
    return line
