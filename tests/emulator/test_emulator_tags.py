"""TagResource, UntagResource and ListTagsForResource, as the guide and the API reference say.

Terraform's awscc provider reads every resource's tags with ListTagsForResource, so creation
tags must show there, and the limits must be the service's.
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_status

from personalize_movielens.local.emulator.controlplane import tags
from personalize_movielens.local.emulator.validation import service_model

# personalize-managing-tags.html ("Guidelines and requirements")
MAX_TAGS_QUOTE = "Maximum number of tags per resource \u2013 50"
UNIQUE_QUOTE = (
    "For each associated resource, each tag key must be unique and it can have only one tag value."
)
RESERVED_QUOTE = "Your tag keys and tag values can't start with aws:"
# tagging-resources.html
TAGGABLE_QUOTE = (
    "Batch inference jobs, Batch segment jobs, Campaigns, Datasets, Dataset groups, "
    "Dataset import and export jobs, Event trackers, Filters, Recommenders, Solutions, "
    "Solution versions"
)
# The API reference (botocore's model) for the errors.
TOO_MANY_TAGS = "You have exceeded the maximum number of tags you can apply to this resource."
TOO_MANY_KEYS = "(50 tag keys per resource)"


def _doc(shape: str) -> str:
    return re.sub(r"<[^>]+>", "", service_model("personalize").shape_for(shape).documentation)


def _tags(n: int, start: int = 0) -> list[dict[str, str]]:
    return [{"tagKey": f"k{i}", "tagValue": f"v{i}"} for i in range(start, start + n)]


def _listed(personalize, arn: str) -> dict[str, str]:
    answer = personalize.list_tags_for_resource(resourceArn=arn)["tags"]
    return {t["tagKey"]: t["tagValue"] for t in answer}


def test_the_quoted_limits_are_the_models_and_the_modules() -> None:
    assert TOO_MANY_TAGS in _doc("TooManyTagsException")
    assert TOO_MANY_KEYS in _doc("TooManyTagKeysException")
    assert MAX_TAGS_QUOTE.endswith(str(tags.MAX_TAGS))
    assert '"Maximum number of tags per' in tags.__doc__
    assert UNIQUE_QUOTE.rstrip(".") in " ".join(tags.__doc__.split())
    assert RESERVED_QUOTE in " ".join(tags.__doc__.split())


def test_the_taggable_resources_are_the_guides_and_deletion_jobs() -> None:
    """The model (Create operations with `tags`) names what the guide lists, and data deletion
    jobs, whose CreateDataDeletionJob takes tags although the guide's list predates them."""
    fields = tags.taggable_arn_fields()
    guide = {
        "batchInferenceJobArn",
        "batchSegmentJobArn",
        "campaignArn",
        "datasetArn",
        "datasetGroupArn",
        "datasetImportJobArn",
        "datasetExportJobArn",
        "eventTrackerArn",
        "filterArn",
        "recommenderArn",
        "solutionArn",
        "solutionVersionArn",
    }
    assert len(TAGGABLE_QUOTE.split(", ")) == 11  # import and export jobs share one entry
    assert fields - guide == {"dataDeletionJobArn"}
    assert guide <= fields
    assert "schemaArn" not in fields


def test_creation_tags_are_listed(personalize) -> None:
    created = _tags(2)
    arn = personalize.create_dataset_group(name="tagged", tags=created)["datasetGroupArn"]
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == created
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=arn), "datasetGroup")
    assert _listed(personalize, arn) == {"k0": "v0", "k1": "v1"}


def test_tag_overwrites_a_key_and_untag_removes_keys(aws, personalize) -> None:
    arn = aws.outputs.dataset_arns["Interactions"]
    assert _listed(personalize, arn) == {}
    personalize.tag_resource(resourceArn=arn, tags=_tags(3))
    # "it can have only one tag value": a key tagged again takes the new value
    personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "k1", "tagValue": "new"}])
    assert _listed(personalize, arn) == {"k0": "v0", "k1": "new", "k2": "v2"}
    personalize.untag_resource(resourceArn=arn, tagKeys=["k0", "never-there"])
    assert _listed(personalize, arn) == {"k1": "new", "k2": "v2"}
    personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "empty", "tagValue": ""}])
    assert _listed(personalize, arn)["empty"] == ""


def test_fifty_tags_per_resource(aws, personalize) -> None:
    arn = aws.outputs.dataset_group_arn
    personalize.tag_resource(resourceArn=arn, tags=_tags(49))
    personalize.tag_resource(resourceArn=arn, tags=_tags(2, start=48))  # one new key: 50
    assert len(_listed(personalize, arn)) == 50
    with pytest.raises(ClientError) as exc:
        personalize.tag_resource(resourceArn=arn, tags=_tags(1, start=50))
    code, status, message = error_of(exc)
    assert (code, status) == ("TooManyTagsException", 400) and "50" in message
    assert len(_listed(personalize, arn)) == 50  # nothing was added
    with pytest.raises(ClientError) as exc:
        personalize.untag_resource(resourceArn=arn, tagKeys=[f"k{i}" for i in range(51)])
    assert error_of(exc)[:2] == ("TooManyTagKeysException", 400)
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_group(name="too-many", tags=_tags(51))
    assert error_of(exc)[0] == "TooManyTagsException"


@pytest.mark.parametrize(
    "bad",
    [
        [{"tagKey": "aws:owner", "tagValue": "x"}],
        [{"tagKey": "AWS:owner", "tagValue": "x"}],
        [{"tagKey": "owner", "tagValue": "aws:x"}],
        [{"tagKey": "twice", "tagValue": "a"}, {"tagKey": "twice", "tagValue": "b"}],
    ],
)
def test_reserved_and_repeated_keys_are_invalid(aws, personalize, bad) -> None:
    arn = aws.outputs.dataset_group_arn
    with pytest.raises(ClientError) as exc:
        personalize.tag_resource(resourceArn=arn, tags=bad)
    assert error_of(exc)[:2] == ("InvalidInputException", 400)
    assert _listed(personalize, arn) == {}


def test_unknown_arns_are_not_found_and_schemas_take_no_tags(aws, personalize) -> None:
    missing = aws.outputs.dataset_group_arn + "-nope"
    calls = [
        lambda: personalize.tag_resource(resourceArn=missing, tags=_tags(1)),
        lambda: personalize.untag_resource(resourceArn=missing, tagKeys=["k0"]),
        lambda: personalize.list_tags_for_resource(resourceArn=missing),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        code, status, message = error_of(exc)
        assert (code, status) == ("ResourceNotFoundException", 400) and missing in message
    with pytest.raises(ClientError) as exc:
        personalize.tag_resource(resourceArn=aws.outputs.schema_arns["Items"], tags=_tags(1))
    assert error_of(exc)[0] == "InvalidInputException"


def test_every_kind_of_resource_the_stand_in_has_takes_tags(aws, personalize, train) -> None:
    """Dataset group, datasets, import job, solution, solution version and campaign."""
    from emu_helpers import interactions

    solution_arn, version = train("tagme", rows=interactions(30, 40))
    job = personalize.list_dataset_import_jobs()["datasetImportJobs"][0]["datasetImportJobArn"]
    arns = [
        aws.outputs.dataset_group_arn,
        *aws.outputs.dataset_arns.values(),
        job,
        solution_arn,
        version["solutionVersionArn"],
    ]
    for arn in arns:
        personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "Team", "tagValue": "recs"}])
        assert _listed(personalize, arn) == {"Team": "recs"}, arn
