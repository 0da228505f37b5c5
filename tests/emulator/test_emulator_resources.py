"""Dataset groups, schemas and datasets over boto3: statuses, listings, errors, deletion order."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_gone, wait_status

from personalize_movielens.schemas import schema_path

INTERACTIONS_SCHEMA = json.dumps(json.loads(schema_path("Interactions").read_text()))


def test_dataset_group_moves_through_create_and_delete_statuses(personalize, slow):
    slow(20)
    arn = personalize.create_dataset_group(name="statuses")["datasetGroupArn"]
    assert arn.endswith(":dataset-group/statuses")
    seen: list[str] = []
    group = wait_status(
        lambda: personalize.describe_dataset_group(datasetGroupArn=arn), "datasetGroup", record=seen
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert group["name"] == "statuses" and group["creationDateTime"] <= group["lastUpdatedDateTime"]
    personalize.delete_dataset_group(datasetGroupArn=arn)
    gone: list[str] = []
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=arn), record=gone)
    assert gone[0] == "DELETE PENDING" and set(gone) <= {"DELETE PENDING", "DELETE IN_PROGRESS"}


def test_names_are_unique_and_unknown_arns_are_not_found(personalize, aws):
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(name="personalize-movielens-local")
    code, status, message = error_of(exc)
    assert (code, status) == ("ResourceAlreadyExistsException", 400)
    assert aws.outputs.dataset_group_arn in message
    missing = aws.outputs.dataset_group_arn + "-nope"
    with pytest.raises(ClientError) as exc:
        personalize.describe_dataset_group(datasetGroupArn=missing)
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 400)
    with pytest.raises(ClientError) as exc:
        personalize.create_schema(name="personalize-movielens-local-items", schema="{}")
    assert error_of(exc)[0] in ("ResourceAlreadyExistsException", "InvalidInputException")


def test_requests_are_validated_against_the_service_model(personalize):
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(name="bad name!")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "Value 'bad name!' at 'name' failed to satisfy constraint" in message
    assert "regular expression pattern" in message
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(name="x" * 64)
    assert "length less than or equal to 63" in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(name="ok", domain="GAMES")
    assert "enum value set: [ECOMMERCE, VIDEO_ON_DEMAND]" in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(
            name="ok", kmsKeyArn="arn:aws:kms:us-east-1:123456789012:key/k"
        )
    assert "roleArn is required" in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:
        personalize.list_dataset_groups(maxResults=101)
    assert "less than or equal to 100" in error_of(exc)[2]


def test_a_required_member_missing_on_the_wire_is_invalid_input(aws):
    # botocore checks required members itself, so send the raw JSON 1.1 request.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        aws.endpoints.personalize + "/",
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": "AmazonPersonalize.CreateDatasetGroup",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request)
    body = json.loads(exc.value.read())
    assert exc.value.code == 400
    assert body["__type"] == "InvalidInputException"
    assert (
        "Value null at 'name' failed to satisfy constraint: Member must not be null"
        in (body["message"])
    )


def test_schemas_are_checked_listed_and_protected_while_in_use(personalize, aws):
    with pytest.raises(ClientError) as exc:
        personalize.create_schema(name="broken", schema='{"type": "record"}')
    assert error_of(exc)[0] == "InvalidInputException"
    arn = personalize.create_schema(name="spare", schema=INTERACTIONS_SCHEMA)["schemaArn"]
    described = personalize.describe_schema(schemaArn=arn)["schema"]
    assert json.loads(described["schema"]) == json.loads(INTERACTIONS_SCHEMA)
    names = {s["name"] for s in personalize.list_schemas()["schemas"]}
    assert {"spare", "personalize-movielens-local-interactions"} <= names
    in_use = aws.outputs.schema_arns["Interactions"]
    with pytest.raises(ClientError) as exc:
        personalize.delete_schema(schemaArn=in_use)
    code, _, message = error_of(exc)
    assert code == "ResourceInUseException" and aws.outputs.dataset_arns["Interactions"] in message
    personalize.delete_schema(schemaArn=arn)
    with pytest.raises(ClientError) as exc:
        personalize.describe_schema(schemaArn=arn)
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_datasets_need_an_active_group_a_fitting_schema_and_one_per_type(personalize, aws, slow):
    outputs = aws.outputs
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset(
            name="again",
            schemaArn=outputs.schema_arns["Interactions"],
            datasetGroupArn=outputs.dataset_group_arn,
            datasetType="Interactions",
        )
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    items_schema = outputs.schema_arns["Items"]
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset(
            name="users",
            schemaArn=items_schema,
            datasetGroupArn=outputs.dataset_group_arn,
            datasetType="Users",
        )
    assert error_of(exc)[0] == "InvalidInputException" and "USER_ID" in error_of(exc)[2]
    slow(5)
    group = personalize.create_dataset_group(name="young")["datasetGroupArn"]
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset(
            name="early", schemaArn=items_schema, datasetGroupArn=group, datasetType="Items"
        )
    assert error_of(exc)[0] == "ResourceInUseException"
    listed = personalize.list_datasets(datasetGroupArn=outputs.dataset_group_arn)["datasets"]
    assert {d["datasetType"] for d in listed} == {"Interactions", "Items"}
    assert all(d["status"] == "ACTIVE" for d in listed)


def test_a_dataset_group_with_datasets_cannot_be_deleted_until_they_are(personalize, aws):
    outputs = aws.outputs
    with pytest.raises(ClientError) as exc:
        personalize.delete_dataset_group(datasetGroupArn=outputs.dataset_group_arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    for arn in outputs.dataset_arns.values():
        personalize.delete_dataset(datasetArn=arn)
        with pytest.raises(ClientError) as exc:  # deleting twice: already DELETE PENDING
            personalize.delete_dataset(datasetArn=arn)
        assert error_of(exc)[0] == "ResourceInUseException"
    for arn in outputs.dataset_arns.values():
        wait_gone(lambda arn=arn: personalize.describe_dataset(datasetArn=arn))
    personalize.delete_dataset_group(datasetGroupArn=outputs.dataset_group_arn)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=outputs.dataset_group_arn))


def test_listings_page_with_next_tokens(personalize):
    for index in range(5):
        personalize.create_schema(name=f"paged-{index}", schema=INTERACTIONS_SCHEMA)
    names: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs = {"maxResults": 2} | ({"nextToken": token} if token else {})
        page = personalize.list_schemas(**kwargs)
        names += [s["name"] for s in page["schemas"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert pages == 4  # 7 schemas (5 + the stack's 2), 2 per page
    assert len(names) == len(set(names)) == 7
    paginated = personalize.get_paginator("list_schemas").paginate(PaginationConfig={"PageSize": 3})
    assert sum(len(p["schemas"]) for p in paginated) == 7
    with pytest.raises(ClientError) as exc:
        personalize.list_schemas(nextToken="not-a-token")
    assert error_of(exc)[0] == "InvalidNextTokenException"


def test_recipes_are_listed_and_described(personalize):
    recipes = {r["name"] for r in personalize.list_recipes()["recipes"]}
    assert {
        "aws-popularity-count",
        "aws-user-personalization",
        "aws-user-personalization-v2",
        "aws-similar-items",
    } <= recipes
    recipe = personalize.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-similar-items")
    assert recipe["recipe"]["recipeType"] == "RELATED_ITEMS"
    with pytest.raises(ClientError) as exc:
        personalize.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-nope")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_unimplemented_operations_say_so(personalize):
    with pytest.raises(ClientError) as exc:
        personalize.list_metric_attributions()
    code, status, message = error_of(exc)
    assert (
        code == "UnknownOperationException"
        and "ListMetricAttributions" in message
        and status == 400
    )


def test_every_error_status_follows_the_botocore_models():
    """Each modelled error is answered with the HTTP status botocore's model names (400 when it
    names none, as for the JSON control plane): the runtime's ResourceNotFoundException is 404."""
    import botocore.loaders

    from personalize_movielens.local.emulator import server
    from personalize_movielens.local.emulator.errors import ApiError

    loader = botocore.loaders.create_loader()
    for service, rest, statuses in (
        ("personalize", False, server.CONTROL_STATUSES),
        ("personalize-runtime", True, server.RUNTIME_STATUSES),
    ):
        shapes = loader.load_service_model(service, "service-2")["shapes"]
        for name, shape in shapes.items():
            if shape.get("exception"):
                expected = shape.get("error", {}).get("httpStatusCode", 400)
                answer = server._error(ApiError("m", code=name), rest, statuses)
                assert (name, answer.status_code) == (name, expected), service
    assert server.RUNTIME_STATUSES == {
        "ResourceNotFoundException": 404,
        "InvalidInputException": 400,
    }
