"""Domain dataset groups on the stand-in, through boto3: the domain's schema rules, datasets of
the group's domain only, custom resources still allowed.

https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-datasets-and-schemas.html
https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-items-dataset.html
https://docs.aws.amazon.com/personalize/latest/dg/create-domain-dataset-group.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_status
from vod_helpers import (
    INTERACTIONS_HEADER,
    RECIPE,
    VOD,
    create_vod_group,
    import_rows,
    watch_and_click,
)

from personalize_movielens.schemas import schema_path


def schema(*fields: dict[str, Any], name: str = "Interactions") -> str:
    return json.dumps({"type": "record", "name": name, "fields": list(fields), "version": "1.0"})


USER = {"name": "USER_ID", "type": "string"}
ITEM = {"name": "ITEM_ID", "type": "string"}
TIME = {"name": "TIMESTAMP", "type": "long"}
EVENT = {"name": "EVENT_TYPE", "type": "string"}


def test_describe_and_list_show_the_domain(personalize):
    arn = personalize.create_dataset_group(name="vod", domain=VOD)["datasetGroupArn"]
    group = wait_status(
        lambda: personalize.describe_dataset_group(datasetGroupArn=arn), "datasetGroup"
    )
    assert group["domain"] == VOD
    listed = personalize.list_dataset_groups()["datasetGroups"]
    assert next(g for g in listed if g["datasetGroupArn"] == arn)["domain"] == VOD


@pytest.mark.parametrize(
    ("fields", "name", "reason"),
    [
        # "your schema must have the following fields: USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE"
        ((USER, ITEM, TIME), "Interactions", "lacks required field EVENT_TYPE"),
        (
            (USER, ITEM, {"name": "TIMESTAMP", "type": "int"}, EVENT),
            "Interactions",
            "field TIMESTAMP must be of type long",
        ),
        # Reserved keywords: "you must define the fields as their required data type"
        (
            (USER, ITEM, TIME, EVENT, {"name": "EVENT_VALUE", "type": "string"}),
            "Interactions",
            "field EVENT_VALUE must be of type float",
        ),
        # "reserved string fields can't be categorical"
        (
            (
                USER,
                ITEM,
                TIME,
                EVENT,
                {"name": "IMPRESSION", "type": ["null", "string"], "categorical": True},
            ),
            "Interactions",
            "field IMPRESSION must be of type string",
        ),
        # Items: "GENRES (categorical string)"; "Reserved categorical string fields must have
        # categorical set to true"
        (
            (
                ITEM,
                {"name": "GENRES", "type": "string"},
                {"name": "CREATION_TIMESTAMP", "type": "long"},
            ),
            "Items",
            "field GENRES must be of type categorical string",
        ),
        (
            (ITEM, {"name": "GENRES", "type": "string", "categorical": True}),
            "Items",
            "lacks required field CREATION_TIMESTAMP",
        ),
    ],
)
def test_domain_schemas_are_checked_against_the_domain(personalize, fields, name, reason):
    with pytest.raises(ClientError) as exc:
        personalize.create_schema(name="s", schema=schema(*fields, name=name), domain=VOD)
    code, _, message = error_of(exc)
    assert code == "InvalidInputException"
    assert reason in message and f"{VOD} {name}" in message
    # Without a domain the same document is a valid custom schema (the rules are the domain's).
    if name == "Interactions":
        personalize.create_schema(name="custom", schema=schema(*fields, name=name))


def test_the_projects_vod_schemas_are_valid(personalize):
    for dataset_type in ("Interactions", "Items"):
        text = schema_path(dataset_type, domain=VOD).read_text()
        arn = personalize.create_schema(name=dataset_type, schema=text, domain=VOD)["schemaArn"]
        assert personalize.describe_schema(schemaArn=arn)["schema"]["domain"] == VOD


def test_datasets_take_schemas_of_the_groups_domain(aws, personalize):
    group = create_vod_group(personalize)
    custom_schema = aws.outputs.schema_arns["Interactions"]
    with pytest.raises(ClientError) as exc:  # a custom schema in a Domain dataset group
        personalize.create_dataset(
            name="d",
            datasetGroupArn=group.arn,
            datasetType="Interactions",
            schemaArn=custom_schema,
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "Domain dataset group" in message
    with pytest.raises(ClientError) as exc:  # a domain schema in a Custom dataset group
        personalize.create_dataset(
            name="d",
            datasetGroupArn=aws.outputs.dataset_group_arn,
            datasetType="Items",
            schemaArn=group.schemas["Items"],
        )
    assert error_of(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:  # an Items schema for an Interactions dataset
        personalize.create_dataset(
            name="d",
            datasetGroupArn=group.arn,
            datasetType="Users",
            schemaArn=group.schemas["Items"],
        )
    assert error_of(exc)[0] == "InvalidInputException"


def test_no_action_datasets_in_a_domain_group(personalize):
    """ "You can't create next best action resources, including Actions and Action
    Interactions datasets, in a domain dataset group.\""""
    group = create_vod_group(personalize)
    text = json.dumps(
        {
            "type": "record",
            "name": "Actions",
            "fields": [{"name": "ACTION_ID", "type": "string"}],
            "version": "1.0",
        }
    )
    arn = personalize.create_schema(name="actions", schema=text)["schemaArn"]
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset(
            name="a", datasetGroupArn=group.arn, datasetType="Actions", schemaArn=arn
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "Domain dataset group" in message


def test_imports_and_custom_solutions_work_in_a_domain_group(aws, personalize, put_csv):
    """ "You can still add custom resources, such as solutions and solution versions trained for
    custom use cases" (create-domain-dataset-group.html)."""
    group = create_vod_group(personalize)
    job = import_rows(
        personalize,
        put_csv,
        aws.outputs.personalize_role_arn,
        group.datasets["Interactions"],
        INTERACTIONS_HEADER,
        watch_and_click(),
        "vod",
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")
    solution = personalize.create_solution(
        name="custom", datasetGroupArn=group.arn, recipeArn=RECIPE + "aws-similar-items"
    )["solutionArn"]
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    version = wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn), "solutionVersion"
    )
    assert version["status"] == "ACTIVE", version.get("failureReason")
