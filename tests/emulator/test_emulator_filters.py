"""Filters on the control plane, through boto3: CreateFilter's checks, statuses, listing, tags,
deletion, quotas. Each rule quotes the developer guide or the API reference."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_gone, wait_status
from filter_helpers import assert_answer_shape, create_filter

EXCLUDE_WATCHED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'
ONLY_GENRE = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"


@pytest.fixture
def group(aws: Any) -> str:
    """The stack's dataset group, with EVENT_TYPE in its Interactions schema."""
    return aws.reset(with_event_value=True).dataset_group_arn


def test_a_filter_moves_to_active_and_describes_as_the_model_says(personalize, group, slow):
    """filter-real-time.html: "To verify that the filter is active, use the DescribeFilter
    operation before you use the filter." The statuses are the emulator's common ones."""
    slow(20)
    answer = personalize.create_filter(
        name="watched", datasetGroupArn=group, filterExpression=EXCLUDE_WATCHED
    )
    assert_answer_shape(personalize, "CreateFilter", answer)
    seen: list[str] = []
    described = wait_status(
        lambda: personalize.describe_filter(filterArn=answer["filterArn"]), "filter", record=seen
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert described["filterExpression"] == EXCLUDE_WATCHED
    assert described["datasetGroupArn"] == group and described["name"] == "watched"
    assert_answer_shape(
        personalize, "DescribeFilter", personalize.describe_filter(filterArn=answer["filterArn"])
    )


def test_a_forced_failure_ends_create_failed_with_its_reason(aws, personalize, group):
    aws.set_faults(fail_filters=True, failure_reason="broken on purpose")
    described = create_filter(personalize, group, "doomed", EXCLUDE_WATCHED)
    assert described["status"] == "CREATE FAILED"
    assert described["failureReason"] == "broken on purpose"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        # troubleshooting.html: "Could not create filter. Invalid input symbol: $parameterName.
        # Placeholders are not allowed with NOT_IN operator."
        (
            "INCLUDE ItemID WHERE Items.GENRES NOT IN ($GENRE)",
            "Invalid input symbol: $GENRE. Placeholders are not allowed with NOT_IN operator.",
        ),
        # guidelines: "You can't use Item Interaction and Item datasets in one expression."
        (
            'EXCLUDE ItemID WHERE Items.GENRES IN ("Comedy") AND '
            'Interactions.EVENT_TYPE IN ("watch")',
            "can only affect fields of the dataset used in the first condition",
        ),
        # guidelines: "you can only filter based on event type"
        ("EXCLUDE ItemID WHERE Interactions.TIMESTAMP > 5", "by event type only"),
        # creating-filter-expressions: "Use * only for ... the EVENT_TYPE field"
        ("EXCLUDE ItemID WHERE Items.GENRES IN (*)", "use * only"),
        # "Use an IF condition only ... once at the end of an expression"
        (
            'EXCLUDE ItemID WHERE Items.GENRES IN ("x") IF CurrentUser.AGE > 1 '
            "IF CurrentUser.AGE < 9",
            "only once",
        ),
        # "Comparison operators: Use =, <, <=, >, >=, and != operators to test numerical data"
        ("INCLUDE ItemID WHERE Items.GENRES > 3", "comparison operators test numerical data"),
        # Dataset.field: the field must be one of the dataset's
        ("INCLUDE ItemID WHERE Items.PRICE <= $PRICE", "the Items schema has no field PRICE"),
        # CurrentUser needs a Users dataset
        (
            'EXCLUDE ItemID WHERE Items.GENRES IN ("x") IF CurrentUser.AGE = $AGE',
            "no Users dataset",
        ),
        ("EXCLUDE ItemID WHERE Items.GENRES IN (", "Expected a value"),
    ],
)
def test_a_malformed_expression_is_refused_with_its_reason(personalize, group, expression, reason):
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(name="bad", datasetGroupArn=group, filterExpression=expression)
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert message.startswith("Could not create filter. Invalid Expression:"), message
    assert reason in message, message
    assert personalize.list_filters(datasetGroupArn=group)["Filters"] == []


def test_fields_match_the_schema_in_any_case(personalize, group):
    """The AWS samples write `INTERACTIONS.event_type` (aws-samples/retail-demo-store); the
    filter keeps the expression as given."""
    text = 'EXCLUDE ItemID WHERE INTERACTIONS.event_type IN ("Watch")'
    described = create_filter(personalize, group, "lower", text)
    assert described["status"] == "ACTIVE" and described["filterExpression"] == text


def test_expression_length_is_the_models(personalize, group):
    """API reference, CreateFilter filterExpression: "Maximum length of 2500"."""
    model = personalize.meta.service_model.operation_model("CreateFilter")
    limit = model.input_shape.members["filterExpression"].metadata["max"]
    values = ", ".join(f'"g{i:05d}"' for i in range(400))
    text = f"EXCLUDE ItemID WHERE Items.GENRES IN ({values})"
    assert len(text) > limit == 2500
    import boto3
    from botocore.config import Config

    raw = boto3.client(
        "personalize",
        region_name=personalize.meta.region_name,
        endpoint_url=personalize.meta.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False),
    )
    with pytest.raises(ClientError) as exc:
        raw.create_filter(name="long", datasetGroupArn=group, filterExpression=text)
    assert error_of(exc)[0] == "InvalidInputException"


def test_names_groups_and_the_quota_of_filters(personalize, group):
    """limits.html: "Total number of filters per dataset group." 30."""
    create_filter(personalize, group, "f00", EXCLUDE_WATCHED)
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(name="f00", datasetGroupArn=group, filterExpression=ONLY_GENRE)
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(
            name="lost", datasetGroupArn=group + "-nope", filterExpression=ONLY_GENRE
        )
    assert error_of(exc)[0] == "ResourceNotFoundException"
    for i in range(1, 30):
        personalize.create_filter(
            name=f"f{i:02d}", datasetGroupArn=group, filterExpression=ONLY_GENRE
        )
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(name="f30", datasetGroupArn=group, filterExpression=ONLY_GENRE)
    code, _, message = error_of(exc)
    assert code == "LimitExceededException" and "30" in message


def _wide_group(personalize: Any, name: str, fields: int) -> str:
    """A dataset group whose Items schema has `fields` numeric fields F00, F01, ..."""
    group = personalize.create_dataset_group(name=name)["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    schema = {
        "type": "record",
        "name": "Items",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "ITEM_ID", "type": "string"}]
        + [{"name": f"F{i:02d}", "type": "int"} for i in range(fields)],
        "version": "1.0",
    }
    schema_arn = personalize.create_schema(name=f"{name}-items", schema=json.dumps(schema))[
        "schemaArn"
    ]
    dataset = personalize.create_dataset(
        name=f"{name}-items", schemaArn=schema_arn, datasetGroupArn=group, datasetType="Items"
    )["datasetArn"]
    wait_status(lambda: personalize.describe_dataset(datasetArn=dataset), "dataset")
    return group


def test_distinct_fields_per_filter_and_per_group(personalize, group):
    """filter-expression-guidelines-requirements.html: "The maximum number of distinct dataset
    fields for a filter, either in one expression or across multiple expressions chained
    together, is 10. The maximum number of distinct dataset fields across all filters in a
    dataset group is 20." """
    wide = _wide_group(personalize, "wide", 25)

    def expression(fields: range) -> str:
        return " | ".join(f"EXCLUDE ItemID WHERE Items.F{i:02d} > 1" for i in fields)

    with pytest.raises(ClientError) as exc:
        personalize.create_filter(
            name="eleven", datasetGroupArn=wide, filterExpression=expression(range(11))
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "maximum for a filter is 10" in message
    assert create_filter(personalize, wide, "ten", expression(range(10)))["status"] == "ACTIVE"
    assert (
        create_filter(personalize, wide, "ten-more", expression(range(10, 20)))["status"]
        == "ACTIVE"
    )
    # a field already used does not count twice
    assert create_filter(personalize, wide, "again", expression(range(5, 15)))["status"] == "ACTIVE"
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(
            name="one-more", datasetGroupArn=wide, filterExpression=expression(range(20, 21))
        )
    code, _, message = error_of(exc)
    assert code == "LimitExceededException" and "21 distinct dataset fields" in message


def test_list_filters_by_group_with_pages(personalize, group):
    """API reference, ListFilters: datasetGroupArn, maxResults, nextToken; FilterSummary."""
    wide = _wide_group(personalize, "other", 1)
    for name in ("one", "two", "three"):
        create_filter(personalize, group, name, EXCLUDE_WATCHED)
    create_filter(personalize, wide, "elsewhere", "EXCLUDE ItemID WHERE Items.F00 > 3")
    first = personalize.list_filters(datasetGroupArn=group, maxResults=2)
    assert_answer_shape(personalize, "ListFilters", first)
    second = personalize.list_filters(
        datasetGroupArn=group, maxResults=2, nextToken=first["nextToken"]
    )
    names = [f["name"] for f in first["Filters"] + second["Filters"]]
    assert sorted(names) == ["one", "three", "two"] and "nextToken" not in second
    assert {f["status"] for f in first["Filters"]} == {"ACTIVE"}
    assert len(personalize.list_filters()["Filters"]) == 4


def test_tags_given_at_creation_are_listed(personalize, group):
    """API reference, CreateFilter: "tags: A list of tags to apply to the filter." """
    arn = personalize.create_filter(
        name="tagged",
        datasetGroupArn=group,
        filterExpression=EXCLUDE_WATCHED,
        tags=[{"tagKey": "team", "tagValue": "recs"}],
    )["filterArn"]
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "team", "tagValue": "recs"}
    ]
    with pytest.raises(ClientError) as exc:
        personalize.create_filter(
            name="reserved",
            datasetGroupArn=group,
            filterExpression=EXCLUDE_WATCHED,
            tags=[{"tagKey": "aws:x", "tagValue": "y"}],
        )
    assert error_of(exc)[0] == "InvalidInputException"


def test_delete_filter_and_the_dataset_group_it_belongs_to(aws, personalize, group):
    """API reference, DeleteDatasetGroup: "Before you delete a dataset group, you must delete
    ... All associated event trackers. All associated solutions. All datasets in the dataset
    group." Filters are not among them: they go with the group."""
    gone = create_filter(personalize, group, "gone", EXCLUDE_WATCHED)["filterArn"]
    assert personalize.delete_filter(filterArn=gone)["ResponseMetadata"]["HTTPStatusCode"] == 200
    wait_gone(lambda: personalize.describe_filter(filterArn=gone))
    kept = create_filter(personalize, group, "kept", EXCLUDE_WATCHED)["filterArn"]
    for arn in aws.outputs.dataset_arns.values():
        personalize.delete_dataset(datasetArn=arn)
        wait_gone(lambda arn=arn: personalize.describe_dataset(datasetArn=arn))
    personalize.delete_dataset_group(datasetGroupArn=group)
    wait_gone(lambda: personalize.describe_dataset_group(datasetGroupArn=group))
    with pytest.raises(ClientError) as exc:
        personalize.describe_filter(filterArn=kept)
    assert error_of(exc)[0] == "ResourceNotFoundException"
