"""Campaigns and the runtime: statuses, recommendations from the trained version, updates."""

from __future__ import annotations

from collections import Counter

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from emu_helpers import error_of, interactions, wait_gone, wait_status


def clusters() -> list[tuple[str, str, int]]:
    """Users u00-u29 watch x-items, u30-u59 y-items; user n misses items n and n+1 of theirs."""
    rows = []
    for u in range(60):
        prefix = "x" if u < 30 else "y"
        missing = {u % 20, (u + 1) % 20}
        items = [f"{prefix}{k:02d}" for k in range(20) if k not in missing]
        rows += [(f"u{u:02d}", item, 1_600_000_000 + u * 100 + t) for t, item in enumerate(items)]
    return rows


@pytest.fixture
def runtime(aws):
    return aws.client("personalize-runtime")


def test_user_personalization_recommends_unseen_neighbours(train, deploy, runtime):
    rows = clusters()
    _, version = train("personal", recipe="aws-user-personalization", rows=rows)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy("personal", version["solutionVersionArn"])
    answer = runtime.get_recommendations(campaignArn=campaign, userId="u00")
    items = [i["itemId"] for i in answer["itemList"]]
    seen = {item for user, item, _ in rows if user == "u00"}
    assert set(items[:2]) == {"x00", "x01"}  # the two x-items u00 has not seen
    assert not seen & set(items)
    assert len(items) == 40 - len(seen)  # fewer than 25 candidates remain
    assert answer["recommendationId"]
    scores = [i["score"] for i in answer["itemList"]]
    assert scores == sorted(scores, reverse=True)


def test_unknown_users_get_popular_items_and_num_results_is_honoured(train, deploy, runtime):
    rows = clusters()
    _, version = train("personal", recipe="aws-user-personalization-v2", rows=rows)
    campaign = deploy("personal", version["solutionVersionArn"])
    answer = runtime.get_recommendations(campaignArn=campaign, userId="stranger")
    items = [i["itemId"] for i in answer["itemList"]]
    counts = Counter(item for _, item, _ in rows)
    by_popularity = sorted(counts, key=lambda item: (-counts[item], item))
    assert items == by_popularity[:25]  # 25: the default numResults
    few = runtime.get_recommendations(campaignArn=campaign, userId="stranger", numResults=3)
    assert [i["itemId"] for i in few["itemList"]] == by_popularity[:3]
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(campaignArn=campaign, userId="u00", numResults=501)
    assert error_of(exc)[:2] == ("InvalidInputException", 400)
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(campaignArn=campaign, itemId="x00")
    assert error_of(exc)[0] == "InvalidInputException"


def test_popularity_count_serves_the_same_list_to_everyone(train, deploy, runtime):
    rows = interactions(30, 40) + [(f"fan{u:02d}", "star", 1) for u in range(40)]
    rows += [("u000", "star", 2)]
    _, version = train("popular", rows=rows)
    campaign = deploy("popular", version["solutionVersionArn"])
    for user in ("u000", "u001", "nobody"):
        top = runtime.get_recommendations(campaignArn=campaign, userId=user)["itemList"]
        assert top[0]["itemId"] == "star"  # popularity-count does not hide seen items
        assert "score" not in top[0]  # the guide: no scores for Popularity-Count


def test_similar_items_answers_by_item(train, deploy, runtime):
    _, version = train("similar", recipe="aws-similar-items", rows=clusters())
    campaign = deploy("similar", version["solutionVersionArn"])
    answer = runtime.get_recommendations(campaignArn=campaign, itemId="x05", numResults=19)
    assert {i["itemId"] for i in answer["itemList"]} == {f"x{k:02d}" for k in range(20)} - {"x05"}
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(campaignArn=campaign, userId="u00")
    assert error_of(exc)[0] == "InvalidInputException"


def test_campaign_statuses_update_and_delete(aws, personalize, train, runtime, slow):
    rows = clusters()
    solution, popular = train("popular", rows=rows)
    _, personal = train("personal", recipe="aws-user-personalization")
    slow(20)
    campaign = personalize.create_campaign(
        name="live", solutionVersionArn=popular["solutionVersionArn"], minProvisionedTPS=1
    )["campaignArn"]
    with pytest.raises(ClientError) as exc:  # not ACTIVE yet
        runtime.get_recommendations(campaignArn=campaign, userId="u00")
    assert error_of(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        personalize.update_campaign(campaignArn=campaign)
    assert error_of(exc)[0] == "ResourceInUseException"
    seen: list[str] = []
    wait_status(
        lambda: personalize.describe_campaign(campaignArn=campaign), "campaign", record=seen
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    before = runtime.get_recommendations(campaignArn=campaign, userId="u00")["itemList"]
    counts = Counter(item for _, item, _ in rows)
    top = min(counts, key=lambda item: (-counts[item], item))
    assert before[0]["itemId"] == top  # popularity-count serves it although u00 saw it:
    assert ("u00", top) in {(user, item) for user, item, _ in rows}
    personalize.update_campaign(
        campaignArn=campaign, solutionVersionArn=personal["solutionVersionArn"]
    )
    with pytest.raises(ClientError) as exc:  # one update at a time
        personalize.update_campaign(campaignArn=campaign)
    assert error_of(exc)[0] == "ResourceInUseException"
    described = personalize.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["status"] == "ACTIVE"  # keeps serving the old version meanwhile
    assert described["solutionVersionArn"] == popular["solutionVersionArn"]
    update = wait_status(
        lambda: {
            "u": personalize.describe_campaign(campaignArn=campaign)["campaign"][
                "latestCampaignUpdate"
            ]
        },
        "u",
    )
    assert update["solutionVersionArn"] == personal["solutionVersionArn"]
    described = personalize.describe_campaign(campaignArn=campaign)["campaign"]
    assert described["solutionVersionArn"] == personal["solutionVersionArn"]
    after = runtime.get_recommendations(campaignArn=campaign, userId="u00")["itemList"]
    assert {i["itemId"] for i in after[:2]} == {"x00", "x01"}
    listed = personalize.list_campaigns(solutionArn=solution)["campaigns"]
    assert listed == []  # the campaign now serves the other solution
    assert [c["campaignArn"] for c in personalize.list_campaigns()["campaigns"]] == [campaign]
    personalize.delete_campaign(campaignArn=campaign)
    gone: list[str] = []
    wait_gone(lambda: personalize.describe_campaign(campaignArn=campaign), record=gone)
    assert gone[0] == "DELETE PENDING"
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(campaignArn=campaign, userId="u00")
    assert error_of(exc)[:2] == ("ResourceNotFoundException", 404)  # the runtime model says 404


def test_campaigns_need_an_active_version_and_unique_names(aws, personalize, train, deploy):
    _, failed = train("nodata")
    with pytest.raises(ClientError) as exc:
        personalize.create_campaign(name="c", solutionVersionArn=failed["solutionVersionArn"])
    assert error_of(exc)[0] == "ResourceInUseException"
    _, version = train("ok", rows=interactions(30, 40))
    deploy("c", version["solutionVersionArn"])
    with pytest.raises(ClientError) as exc:
        personalize.create_campaign(name="c", solutionVersionArn=version["solutionVersionArn"])
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"


def test_forced_campaign_failure_then_update_recovers(personalize, train, stand_in_faults):
    _, version = train("ok", rows=interactions(30, 40))
    stand_in_faults(fail_campaigns=True)
    arn = personalize.create_campaign(
        name="flaky", solutionVersionArn=version["solutionVersionArn"]
    )["campaignArn"]
    campaign = wait_status(lambda: personalize.describe_campaign(campaignArn=arn), "campaign")
    assert campaign["status"] == "CREATE FAILED" and campaign["failureReason"]
    stand_in_faults()  # all off
    personalize.update_campaign(campaignArn=arn, solutionVersionArn=version["solutionVersionArn"])
    wait_status(
        lambda: {
            "u": personalize.describe_campaign(campaignArn=arn)["campaign"]["latestCampaignUpdate"]
        },
        "u",
    )
    assert personalize.describe_campaign(campaignArn=arn)["campaign"]["status"] == "ACTIVE"


#: List operation -> (the Describe operation, the ARN member it takes, the key of its answer).
LISTINGS = {
    "ListDatasetGroups": ("DescribeDatasetGroup", "datasetGroupArn", "datasetGroup"),
    "ListSchemas": ("DescribeSchema", "schemaArn", "schema"),
    "ListDatasets": ("DescribeDataset", "datasetArn", "dataset"),
    "ListDatasetImportJobs": (
        "DescribeDatasetImportJob",
        "datasetImportJobArn",
        "datasetImportJob",
    ),
    "ListSolutions": ("DescribeSolution", "solutionArn", "solution"),
    "ListSolutionVersions": ("DescribeSolutionVersion", "solutionVersionArn", "solutionVersion"),
    "ListCampaigns": ("DescribeCampaign", "campaignArn", "campaign"),
    "ListRecipes": ("DescribeRecipe", "recipeArn", "recipe"),
}


def test_list_summaries_are_the_described_resources_cut_to_the_models_shape(
    train, deploy, personalize
):
    """Each List* item holds what Describe says of the resource, in the members of the summary
    shape that botocore's model gives that list (recipeArn for solutions, importMode, ...)."""
    _, version = train("listed", rows=clusters())
    deploy("listed", version["solutionVersionArn"])
    model = personalize.meta.service_model
    for operation, (describe, arn_member, key) in LISTINGS.items():
        output = model.operation_model(operation).output_shape
        list_key = next(n for n, s in output.members.items() if s.type_name == "list")
        described_shape = model.operation_model(describe).output_shape.members[key]
        # in both shapes (RecipeSummary has a domain, Recipe none: test_emulator_recipes.py)
        members = set(output.members[list_key].member.members) & set(described_shape.members)
        items = getattr(personalize, xform_name(operation))()[list_key]
        assert items, operation
        for item in items:
            described = getattr(personalize, xform_name(describe))(
                **{arn_member: item[arn_member]}
            )[key]
            expected = {m: described[m] for m in members if m in described}
            assert set(item) <= set(output.members[list_key].member.members), operation
            assert {m: v for m, v in item.items() if m in members} == expected, operation
