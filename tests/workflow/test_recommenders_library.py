"""recommenders create/stop/start/list and recommend --use-case, against botocore's model of
Personalize (Stubber: parameters and answers checked against the model)."""

from __future__ import annotations

import pytest
from rec_stubs import DSG, recommender, recommender_arn, stubbed

from personalize_movielens.errors import CloudError, ConfigError
from personalize_movielens.workflow.plan import PLANNED
from personalize_movielens.workflow.recommend import recommend
from personalize_movielens.workflow.recommenders import (
    DEFAULT_USE_CASES,
    USE_CASES,
    create_recommenders,
    list_all,
    start_recommenders,
    stop_recommenders,
)
from personalize_movielens.workflow.render import recommenders_table

TOP = "movielens-vod-top-picks"
MORE = "movielens-vod-more-like-x"


def expect_create(stub, name: str, min_rps: int = 1) -> None:
    case = name.removeprefix("movielens-vod-")
    stub.personalize.add_response(
        "create_recommender",
        {"recommenderArn": recommender_arn(name)},
        {
            "name": name,
            "datasetGroupArn": DSG,
            "recipeArn": f"arn:aws:personalize:::recipe/aws-vod-{case}",
            "recommenderConfig": {"minRecommendationRequestsPerSecond": min_rps},
        },
    )


def test_a_custom_dataset_group_is_told_what_to_set_in_terraform() -> None:
    # No stubbed answer: any call would fail the test.
    with stubbed(domain=None) as stub, pytest.raises(ConfigError) as info:
        create_recommenders(stub.ctx)
    line = info.value.one_line()
    assert "VIDEO_ON_DEMAND" in line and 'domain = "VIDEO_ON_DEMAND"' in line
    assert "\n" not in line


def test_create_states_the_cost_basis_then_waits_for_active(capsys) -> None:
    """The guide (creating-recommenders.html#min-rrps-auto-scaling): "Your bill is the greater
    of either the minimum requests per hour (based on minRecommendationRequestsPerSecond) or the
    actual number of requests." At the default of 1 per second that is 3,600 an hour."""
    with stubbed() as stub:
        stub.listing()
        expect_create(stub, TOP)
        expect_create(stub, MORE)
        stub.describe(recommender(TOP, "CREATE IN_PROGRESS"))
        stub.describe(recommender(TOP))
        stub.describe(recommender(MORE))
        result = create_recommenders(stub.ctx)
    assert [(r.use_case, r.status, r.action) for r in result.recommenders] == [
        ("top-picks", "ACTIVE", "created"),
        ("more-like-x", "ACTIVE", "created"),
    ]
    err = capsys.readouterr().err
    assert f"Creating recommender {TOP} (Top picks for you): bills every hour while ACTIVE" in err
    assert "greater of 3,600 requests (1 min RPS x 3,600)" in err
    assert result.recommenders[0].hourly_requests == 3600
    assert result.to_json()["recommenders"][0]["billed_requests_per_hour_at_least"] == 3600


def test_a_rerun_finds_its_recommenders_and_changes_nothing(capsys) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP), recommender(MORE))
        result = create_recommenders(stub.ctx)
    assert [r.action for r in result.recommenders] == ["unchanged", "unchanged"]
    assert "nothing to do" in capsys.readouterr().err


def test_a_rerun_without_min_rps_keeps_a_raised_recommender_as_it_is(capsys) -> None:
    """Without --min-rps an existing recommender is not touched: lowering it to the default
    would undo someone's choice, and the guide warns that a change of capacity brings "a short
    time delay while the capacity is increased that might cause loss of requests"
    (https://docs.aws.amazon.com/personalize/latest/dg/creating-recommenders.html
    #min-rrps-auto-scaling). The Stubber has no UpdateRecommender queued: one would fail."""
    with stubbed() as stub:
        stub.listing(recommender(TOP, min_rps=5), recommender(MORE, "INACTIVE", min_rps=2))
        result = create_recommenders(stub.ctx)
        stub.personalize.assert_no_pending_responses()
    assert [(r.action, r.min_rps) for r in result.recommenders] == [
        ("unchanged", 5),
        ("unchanged", 2),
    ]
    assert "at 5 min RPS; nothing to do (--min-rps changes it)" in capsys.readouterr().err


def test_a_new_recommender_without_min_rps_is_created_at_the_default_of_1() -> None:
    """The guide (same page): "The default minRecommendationRequestsPerSecond is 1"; sent as 1
    so that the cost basis stated is what is created (expect_create checks the request)."""
    with stubbed() as stub:
        stub.listing()
        expect_create(stub, TOP, min_rps=1)
        stub.describe(recommender(TOP))
        [row] = create_recommenders(stub.ctx, ["top-picks"], min_rps=None).recommenders
    assert (row.action, row.min_rps) == ("created", 1)


def test_a_new_min_rps_updates_the_recommender_and_says_the_new_basis(capsys) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        stub.personalize.add_response(
            "update_recommender",
            {"recommenderArn": recommender_arn(TOP)},
            {
                "recommenderArn": recommender_arn(TOP),
                "recommenderConfig": {"minRecommendationRequestsPerSecond": 3},
            },
        )
        update = {
            "status": "UPDATE IN_PROGRESS",
            "creationDateTime": recommender(TOP)["creationDateTime"],
        }
        stub.describe(recommender(TOP, latestRecommenderUpdate=update))
        stub.describe(recommender(TOP, min_rps=3))
        [row] = create_recommenders(stub.ctx, ["top-picks"], min_rps=3).recommenders
    assert (row.action, row.status, row.min_rps) == ("updated", "ACTIVE", 3)
    assert "greater of 10,800 requests" in capsys.readouterr().err


def test_a_failed_create_is_one_line_with_the_service_reason() -> None:
    with stubbed() as stub:
        stub.listing()
        expect_create(stub, TOP)
        stub.describe(
            recommender(TOP, "CREATE FAILED", failureReason="Not enough Watch events: 12 < 1000")
        )
        with pytest.raises(CloudError) as info:
            create_recommenders(stub.ctx, ["top-picks"])
    assert "CREATE FAILED" in str(info.value) and "Not enough Watch events" in str(info.value)


def test_an_unknown_use_case_names_the_choices() -> None:
    with stubbed() as stub, pytest.raises(ConfigError) as info:
        create_recommenders(stub.ctx, ["top-pics"])
    assert "top-pics" in str(info.value)
    assert all(name in str(info.value) for name in USE_CASES)


def test_dry_run_plans_each_create_and_waits_for_nothing() -> None:
    with stubbed(dry_run=True) as stub:
        stub.listing()
        result = create_recommenders(stub.ctx, DEFAULT_USE_CASES)
    assert [c.operation for c in result.planned] == ["CreateRecommender", "CreateRecommender"]
    assert {r.status for r in result.recommenders} == {PLANNED}
    assert result.recommenders[0].arn == recommender_arn(TOP)  # the ARN the service would give


def test_stop_all_stops_billing_and_waits_for_inactive(capsys) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP), recommender(MORE, "INACTIVE"))
        stub.personalize.add_response(
            "stop_recommender",
            {"recommenderArn": recommender_arn(TOP)},
            {"recommenderArn": recommender_arn(TOP)},
        )
        stub.describe(recommender(TOP, "STOP IN_PROGRESS"))
        stub.describe(recommender(TOP, "INACTIVE"))
        stub.describe(recommender(MORE, "INACTIVE"))
        result = stop_recommenders(stub.ctx, [], every=True)
    assert [(r.status, r.action) for r in result.recommenders] == [
        ("INACTIVE", "stopped"),
        ("INACTIVE", "unchanged"),
    ]
    assert not any(r.billing for r in result.recommenders)
    assert f"Stopping recommender {TOP} (stops its hourly billing)" in capsys.readouterr().err


def test_start_by_use_case_states_the_cost_and_waits_for_active(capsys) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP, "INACTIVE"))
        stub.personalize.add_response(
            "start_recommender",
            {"recommenderArn": recommender_arn(TOP)},
            {"recommenderArn": recommender_arn(TOP)},
        )
        stub.describe(recommender(TOP, "START IN_PROGRESS"))
        stub.describe(recommender(TOP))
        [row] = start_recommenders(stub.ctx, ["top-picks"]).recommenders
    assert (row.status, row.action) == ("ACTIVE", "started")
    assert "Starting recommender" in capsys.readouterr().err


def test_stop_and_start_take_use_cases_as_create_does(capsys) -> None:
    """`--use-case` selects as on create (short name or recipe); names and use cases together
    name each recommender once."""
    with stubbed() as stub:
        stub.listing(recommender(TOP), recommender(MORE))
        stub.personalize.add_response(
            "stop_recommender",
            {"recommenderArn": recommender_arn(TOP)},
            {"recommenderArn": recommender_arn(TOP)},
        )
        stub.describe(recommender(TOP, "INACTIVE"))
        result = stop_recommenders(stub.ctx, ["top-picks"], use_cases=["aws-vod-top-picks"])
        stub.personalize.assert_no_pending_responses()
    assert [(r.name, r.action) for r in result.recommenders] == [(TOP, "stopped")]


def test_an_unknown_use_case_on_stop_names_the_choices_before_any_call() -> None:
    with stubbed() as stub, pytest.raises(ConfigError) as info:  # no listing queued
        start_recommenders(stub.ctx, [], use_cases=["top-pics"])
    assert "--use-case top-pics: unknown" in info.value.one_line()


def test_stop_of_an_unknown_name_lists_the_recommenders() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        with pytest.raises(ConfigError) as info:
            stop_recommenders(stub.ctx, ["nope"])
    assert "nope" in str(info.value) and TOP in str(info.value)


def test_dry_run_plans_stop_and_start() -> None:
    with stubbed(dry_run=True) as stub:
        stub.listing(recommender(TOP))
        stopped = stop_recommenders(stub.ctx, ["top-picks"])
        stub.listing(recommender(MORE, "INACTIVE"))
        started = start_recommenders(stub.ctx, [MORE])
    assert [c.operation for c in stopped.planned] == ["StopRecommender"]
    assert [c.operation for c in started.planned] == ["StopRecommender", "StartRecommender"]
    assert started.recommenders[0].status == PLANNED


def test_list_renders_status_min_rps_and_hourly_billing() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP, min_rps=2), recommender(MORE, "INACTIVE"))
        result = list_all(stub.ctx)
    table = recommenders_table(result)
    details = list(table.columns[3].cells)
    assert details[0] == "top-picks, 2 min RPS, bills >= 7,200 requests/hour"
    assert details[1] == "more-like-x, 1 min RPS"
    assert [r["status"] for r in result.to_json()["recommenders"]] == ["ACTIVE", "INACTIVE"]


# --- recommend --use-case -------------------------------------------------------------------


def test_the_guide_decides_which_of_user_and_item_each_use_case_needs() -> None:
    """VIDEO_ON_DEMAND use cases (https://docs.aws.amazon.com/personalize/latest/dg/
    VIDEO_ON_DEMAND-use-cases.html), "GetRecommendations API requirements": Because you watched
    X: "userId: Required itemId: Required"; More like X: "userId: Required itemId: Required";
    Most popular: "userId: Required itemId: Not used"; Trending now: "userId: Required only if
    you filter by CurrentUser or by items a user has interacted with itemId: Not used"; Top
    picks for you: "userId: Required itemId: Not used"."""
    assert {n: (c.user_id, c.item_id) for n, c in USE_CASES.items()} == {
        "because-you-watched-x": ("required", "required"),
        "more-like-x": ("required", "required"),
        "most-popular": ("required", "not used"),
        "trending-now": ("optional", "not used"),
        "top-picks": ("required", "not used"),
    }


@pytest.mark.parametrize(
    ("use_case", "user", "item", "says"),
    [
        ("more-like-x", "42", None, "needs --item-id ITEM"),
        ("because-you-watched-x", None, "1", "needs USER_ID"),
        ("top-picks", "42", "1", "takes no --item-id"),
        ("top-picks", None, None, "needs USER_ID"),
    ],
)
def test_a_wrong_combination_of_user_and_item_is_one_line(use_case, user, item, says) -> None:
    with stubbed() as stub, pytest.raises(ConfigError) as info:  # refused before any call
        recommend(stub.ctx, user, use_case_name=use_case, item_id=item)
    assert says in info.value.one_line() and "\n" not in info.value.one_line()


def test_item_based_use_case_asks_the_recommender_with_user_and_item(tmp_path) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP), recommender(MORE))
        stub.runtime.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "2", "score": 0.5}, {"itemId": "3", "score": 0.25}]},
            {
                "recommenderArn": recommender_arn(MORE),
                "numResults": 2,
                "userId": "42",
                "itemId": "1",
            },
        )
        result = recommend(
            stub.ctx, "42", 2, data_dir=tmp_path, use_case_name="more-like-x", item_id="1"
        )
    assert [r.item_id for r in result.items] == ["2", "3"]
    assert result.to_json()["item_id"] == "1" and result.to_json()["user_id"] == "42"
    assert result.title == "Similar to item 1 for user 42 (more-like-x)"


def test_trending_now_needs_no_user(tmp_path) -> None:
    trending = "movielens-vod-trending-now"
    with stubbed() as stub:
        stub.listing(recommender(trending))
        stub.runtime.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "7"}]},
            {"recommenderArn": recommender_arn(trending), "numResults": 1},
        )
        result = recommend(stub.ctx, None, 1, data_dir=tmp_path, use_case_name="trending-now")
    assert result.to_json()["use_case"] == "trending-now"


def test_a_use_case_without_a_recommender_names_the_ones_created() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        stub.listing(recommender(TOP))
        with pytest.raises(ConfigError) as info:
            recommend(stub.ctx, "42", use_case_name="most-popular")
    line = info.value.one_line()
    assert "No recommender for --use-case most-popular (created: top-picks)" in line
    assert "recommenders create --use-case most-popular" in line


def test_a_stopped_recommender_says_how_to_start_it() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP, "INACTIVE"))
        with pytest.raises(ConfigError) as info:
            recommend(stub.ctx, "42", use_case_name="top-picks")
    assert f"recommenders start {TOP}" in info.value.one_line()


def test_dry_run_plans_the_request_the_recommender_bills(tmp_path) -> None:
    with stubbed(dry_run=True) as stub:
        stub.listing(recommender(TOP))
        result = recommend(stub.ctx, "42", 3, data_dir=tmp_path, use_case_name="top-picks")
    [call] = result.planned
    assert (call.service, call.operation) == ("personalize-runtime", "GetRecommendations")
    assert call.params == {"recommenderArn": recommender_arn(TOP), "numResults": 3, "userId": "42"}
