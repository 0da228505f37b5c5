"""The Users dataset on the stand-in: `local up --users` provisions it, and its imports follow the
developer guide's Users rules, checked by the same validator as the other datasets.

The guide's words, quoted where they are relied on:

- https://docs.aws.amazon.com/personalize/latest/dg/user-dataset-requirements.html
- https://docs.aws.amazon.com/personalize/latest/dg/custom-datasets-and-schemas.html
- https://docs.aws.amazon.com/personalize/latest/dg/how-it-works-dataset-schema.html
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from botocore.exceptions import ClientError
from emu_helpers import csv_text, error_of, wait_status

from personalize_movielens.local.emulator.service import ROWS_DIR
from personalize_movielens.local.standin import EMULATOR_DIR
from personalize_movielens.schemas import load_schema

USERS_HEADER = ["USER_ID", "GENDER", "AGE", "OCCUPATION"]
USERS = [("u001", "F", "1", "K-12 student"), ("u002", "M", "56", "writer|artist")]
GUIDE_MINIMUM = (
    "At minimum, you must provide a User ID for each user (max length 256 characters). ... Your "
    "Users schema must have minimum one metadata field"
)
GUIDE_CATEGORICAL = (
    "Categorical values can have at most 1000 characters. If you have a user with a categorical "
    "value with more than 1000 characters, your dataset import job will fail."
)
GUIDE_METADATA = (
    "At least one metadata field is required, and you can add up to 25 metadata fields."
)
GUIDE_HEADER = (
    "The schema fields can appear in any order, but they must match the order of the "
    "corresponding column headers in your CSV file."
)


@pytest.fixture
def users_stack(aws):
    """The stand-in provisioned as `local up --users` does (enable_users_dataset); the default
    stack again afterwards, for tests of the session's stand-in that do not reset it."""
    aws.reset(users=True)
    yield aws
    aws.reset()


def test_local_up_users_provisions_the_users_dataset(users_stack, personalize) -> None:
    arn = users_stack.outputs.dataset_arns["Users"]
    dataset = personalize.describe_dataset(datasetArn=arn)["dataset"]
    assert (dataset["datasetType"], dataset["status"]) == ("Users", "ACTIVE")
    schema = personalize.describe_schema(schemaArn=dataset["schemaArn"])["schema"]
    assert [f["name"] for f in json.loads(schema["schema"])["fields"]] == USERS_HEADER
    assert set(users_stack.outputs.schema_arns) == {"Interactions", "Items", "Users"}


def test_the_default_stack_has_no_users_dataset(aws) -> None:
    """The root stack's enable_users_dataset is false by default; so is `local up`."""
    assert set(aws.outputs.dataset_arns) == {"Interactions", "Items"}


def test_a_users_csv_imports_and_its_rows_are_kept(users_stack, put_csv, run_import) -> None:
    assert load_schema("Users").field_names == USERS_HEADER
    job = run_import(put_csv("users.csv", csv_text(USERS_HEADER, USERS)), dataset_type="Users")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    [rows] = sorted((users_stack.state_dir / EMULATOR_DIR / ROWS_DIR).glob("*.parquet"))
    frame = pl.read_parquet(rows)
    assert frame.columns == USERS_HEADER and frame.rows() == USERS


@pytest.mark.parametrize(
    ("name", "text", "rule"),
    [
        ("header.csv", "USER,GENDER,AGE,OCCUPATION\nu1,F,1,writer\n", "[header]"),
        ("order.csv", "USER_ID,AGE,GENDER,OCCUPATION\nu1,1,F,writer\n", "[header]"),
        ("no-id.csv", "GENDER,AGE,OCCUPATION\nF,1,writer\n", "[header]"),
        ("empty-id.csv", "USER_ID,GENDER,AGE,OCCUPATION\n,F,1,writer\n", "[required]"),
        ("long-id.csv", f"USER_ID,GENDER,AGE,OCCUPATION\n{'u' * 257},F,1,x\n", "[id-length]"),
        (
            "long-category.csv",
            f"USER_ID,GENDER,AGE,OCCUPATION\nu1,F,1,{'x' * 1001}\n",
            "[categorical-length]",
        ),
        ("short.csv", "USER_ID,GENDER,AGE,OCCUPATION\nu1,F,1\n", "OCCUPATION is empty"),
    ],
)
def test_a_users_csv_that_breaks_a_rule_fails_with_the_rule(
    users_stack, put_csv, run_import, name: str, text: str, rule: str
) -> None:
    """The Users file gets the rules every dataset file gets (one validator): the header the
    schema's order, a User ID of at most 256 characters in every record, categories of at
    most 1000 characters."""
    assert "max length 256 characters" in GUIDE_MINIMUM
    assert "at most 1000 characters" in GUIDE_CATEGORICAL and "must match the order" in GUIDE_HEADER
    job = run_import(put_csv(name, text), dataset_type="Users")
    assert job["status"] == "CREATE FAILED"
    reason = job["failureReason"]
    assert reason.startswith("Data does not match the schema.") and name in reason
    assert rule in reason, reason


def _group_with_schema(personalize, name: str, fields: list[dict]) -> tuple[str, str]:
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    text = json.dumps(
        {"type": "record", "name": "Users", "namespace": "x", "fields": fields, "version": "1.0"}
    )
    return group, personalize.create_schema(name=name, schema=text)["schemaArn"]


USER_ID = {"name": "USER_ID", "type": "string"}


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ([USER_ID], "at least 1 metadata field (categorical string or numerical)"),
        ([USER_ID, {"name": "BIO", "type": "string"}], "at least 1 metadata field"),
        (
            [USER_ID] + [{"name": f"F{i}", "type": "int"} for i in range(26)],
            "26 metadata fields (at most 25)",
        ),
    ],
)
def test_a_users_schema_without_fit_metadata_is_refused(
    aws, personalize, fields: list[dict], says: str
) -> None:
    """custom-datasets-and-schemas.html lists for Users "USER_ID (string)" and "1 metadata
    field (categorical string or numerical)"; user-dataset-requirements.html: GUIDE_METADATA."""
    assert "up to 25 metadata fields" in GUIDE_METADATA
    group, schema = _group_with_schema(personalize, f"users-rule-{len(fields)}", fields)
    with pytest.raises(ClientError) as refused:
        personalize.create_dataset(
            name="users", schemaArn=schema, datasetGroupArn=group, datasetType="Users"
        )
    code, status, message = error_of(refused)
    assert (code, status) == ("InvalidInputException", 400)
    assert says in message


def test_the_projects_users_schema_suits_a_video_on_demand_group(users_stack, personalize) -> None:
    """The same users.json in a VIDEO_ON_DEMAND group: CreateSchema with the domain checks it
    against the domain's Users requirements (USER_ID and one categorical or numerical field)."""
    users_stack.reset(domain="VIDEO_ON_DEMAND", users=True)
    arn = users_stack.outputs.dataset_arns["Users"]
    assert personalize.describe_dataset(datasetArn=arn)["dataset"]["status"] == "ACTIVE"
