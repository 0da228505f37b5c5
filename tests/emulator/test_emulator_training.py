"""Solutions and solution versions: statuses, stop, the training minimums, filters, metrics."""

from __future__ import annotations

import math

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, interactions, wait_gone, wait_status

RECIPE = "arn:aws:personalize:::recipe/"


def hand_made_history() -> list[tuple[str, str, int]]:
    """40 users x 50 interactions, built so that popularity-count's metrics follow by hand.

    Every user: 40 tail items of their own, then hot-04..hot-08, then (latest 5) hot-01,
    hot-02, hot-03 and two more items of their own. Hot items tie in popularity, so the
    ranking is hot-01..hot-08 by item ID, then tail items seen once.
    """
    rows = []
    for u in range(40):
        user = f"u{u:02d}"
        sequence = [f"t-{u:02d}-{k:02d}" for k in range(40)]
        sequence += [f"hot-{k:02d}" for k in range(4, 9)]
        sequence += ["hot-01", "hot-02", "hot-03", f"z-{u:02d}-1", f"z-{u:02d}-2"]
        rows += [(user, item, 1_600_000_000 + u * 100 + t) for t, item in enumerate(sequence)]
    return rows


def test_popularity_count_metrics_match_the_documented_method_by_hand(train, personalize):
    _, version = train("by-hand", rows=hand_made_history())
    assert version["status"] == "ACTIVE", version.get("failureReason")
    metrics = personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])
    metrics = metrics["metrics"]
    # 4 held-out users (10% of 40). Each: input = first 45 items, test = latest 5 (10% of 50):
    # hot-01, hot-02, hot-03 and two items nobody else saw. Everyone gets the same top 25:
    # hot-01..hot-08 then 17 tail items, so relevant items sit at ranks 1, 2 and 3.
    dcg = sum(1 / math.log2(rank + 1) for rank in (1, 2, 3))
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, 6))  # 5 relevant items
    expected = {
        "precision_at_5": 3 / 5,
        "precision_at_10": 3 / 10,
        "precision_at_25": 3 / 25,
        "mean_reciprocal_rank_at_25": 1.0,
        "normalized_discounted_cumulative_gain_at_5": dcg / ideal,
        "normalized_discounted_cumulative_gain_at_10": dcg / ideal,
        "normalized_discounted_cumulative_gain_at_25": dcg / ideal,
        # 25 distinct items recommended out of 8 hot + 40*40 tail + 40*2 own latest items
        "coverage": 25 / (8 + 1600 + 80),
    }
    assert set(metrics) == set(expected)
    for name, value in expected.items():
        assert metrics[name] == pytest.approx(value, abs=1e-4), name


def test_popularity_count_ranks_by_distinct_users(train, deploy, aws):
    """https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-popularity.html:
    "Popularity-Count recommends the most popular items based your interactions data. The most
    popular items are the items with the most interactions data from unique users. The recipe
    returns the same popular items for all users." One user's 300 plays of an item count once."""
    rows = interactions(30, 40) + [("u000", "binge", 1_700_000_000 + k) for k in range(300)]
    rows += [(f"fan{u:02d}", "shared", 1_700_000_000 + u) for u in range(35)]
    _, version = train("popular", rows=rows)
    campaign = deploy("popular", version["solutionVersionArn"])
    users: dict[str, set[str]] = {}
    for user, item, _ in rows:
        users.setdefault(item, set()).add(user)
    expected = sorted(users, key=lambda item: (-len(users[item]), item))
    runtime = aws.client("personalize-runtime")
    for user in ("u000", "fan01", "nobody"):
        answer = runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=500)
        assert [i["itemId"] for i in answer["itemList"]] == expected
    # 35 users make "shared" first; "binge", most played, ranks after every item of 2+ users
    assert expected[0] == "shared"
    assert expected.index("binge") == sum(len(fans) > 1 for fans in users.values())


def test_solution_and_version_statuses(aws, personalize, put_csv, run_import, slow):
    from emu_helpers import INTERACTIONS_HEADER, csv_text

    job = run_import(put_csv("rows.csv", csv_text(INTERACTIONS_HEADER, interactions(30, 40))))
    assert job["status"] == "ACTIVE"
    slow(20)
    solution = personalize.create_solution(
        name="watched",
        datasetGroupArn=aws.outputs.dataset_group_arn,
        recipeArn=RECIPE + "aws-user-personalization",
    )["solutionArn"]
    seen: list[str] = []
    wait_status(
        lambda: personalize.describe_solution(solutionArn=solution), "solution", record=seen
    )
    assert seen == ["ACTIVE"]  # at once, as the service (tests/emulator/test_emulator_solutions.py)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    assert arn.startswith(solution + "/")
    with pytest.raises(ClientError) as exc:  # one training at a time per solution
        personalize.create_solution_version(solutionArn=solution)
    assert error_of(exc)[0] == "ResourceInUseException"
    with pytest.raises(ClientError) as exc:
        personalize.get_solution_metrics(solutionVersionArn=arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    seen = []
    version = wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn),
        "solutionVersion",
        record=seen,
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert version["trainingMode"] == "FULL" and version["trainingHours"] >= 0
    described = personalize.describe_solution(solutionArn=solution)["solution"]
    assert described["latestSolutionVersion"]["solutionVersionArn"] == arn
    listed = personalize.list_solution_versions(solutionArn=solution)["solutionVersions"]
    assert [v["solutionVersionArn"] for v in listed] == [arn]
    solutions = personalize.list_solutions(datasetGroupArn=aws.outputs.dataset_group_arn)
    assert [s["solutionArn"] for s in solutions["solutions"]] == [solution]


def test_stopping_a_version_while_pending_or_in_progress(aws, personalize, train, slow):
    solution, first = train("stoppable", rows=interactions(30, 40))
    with pytest.raises(ClientError) as exc:  # ACTIVE versions cannot be stopped
        personalize.stop_solution_version_creation(solutionVersionArn=first["solutionVersionArn"])
    assert error_of(exc)[0] == "ResourceInUseException"
    slow(10)
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    personalize.stop_solution_version_creation(solutionVersionArn=arn)
    stopped = personalize.describe_solution_version(solutionVersionArn=arn)["solutionVersion"]
    assert stopped["status"] == "CREATE STOPPED"
    arn = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn),
        "solutionVersion",
        until=("CREATE IN_PROGRESS",),
    )
    personalize.stop_solution_version_creation(solutionVersionArn=arn)
    seen: list[str] = []
    wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn),
        "solutionVersion",
        until=("CREATE STOPPED",),
        record=seen,
    )
    assert seen == ["CREATE STOPPING", "CREATE STOPPED"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (interactions(30, 40)[:999], "at least 1000 interactions"),
        # 24 users with 42 interactions each, then 992 users with one: 1000+ but only 24 with 2+
        (interactions(24, 42) + [(f"solo{n}", "i000", 1) for n in range(992)], "at least 25"),
    ],
)
def test_training_minimums(train, rows, expected):
    _, version = train("too-small", rows=rows)
    assert version["status"] == "CREATE FAILED"
    assert expected in version["failureReason"]


def test_no_interactions_means_no_training(train):
    _, version = train("empty")
    assert version["status"] == "CREATE FAILED"
    assert "no imported interactions" in version["failureReason"]


def test_event_value_threshold_and_event_type_filter_before_the_minimums(aws, train):
    aws.reset(with_event_value=True)
    header = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
    rows = [
        (user, item, ts, "watch" if n % 12 == 0 else "click", 5.0 if n % 2 else 1.0)
        for n, (user, item, ts) in enumerate(interactions(30, 40))
    ]  # 1200 rows: 600 with value 5, 100 watches
    _, version = train(
        "low", rows=rows, header=header, solutionConfig={"eventValueThreshold": "0.5"}
    )
    assert version["status"] == "ACTIVE", version.get("failureReason")
    _, version = train("high", solutionConfig={"eventValueThreshold": "3"})
    assert version["status"] == "CREATE FAILED" and "found 600" in version["failureReason"]
    _, version = train("watch", eventType="watch")
    assert version["status"] == "CREATE FAILED" and "found 100" in version["failureReason"]


def test_threshold_needs_an_event_value_field(train):
    _, version = train(
        "no-field", rows=interactions(30, 40), solutionConfig={"eventValueThreshold": "1"}
    )
    assert version["status"] == "CREATE FAILED" and "EVENT_VALUE" in version["failureReason"]


def test_recipes_and_options_the_emulator_refuses(aws, personalize):
    """Recipes the service has but the emulator does not train: test_emulator_recipes.py."""
    group = aws.outputs.dataset_group_arn
    cases = [
        ({"recipeArn": RECIPE + "aws-unknown"}, "ResourceNotFoundException"),
        ({"performAutoML": True}, "InvalidInputException"),
        ({}, "InvalidInputException"),
    ]
    for extra, code in cases:
        with pytest.raises(ClientError) as exc:
            personalize.create_solution(name="refused", datasetGroupArn=group, **extra)
        assert error_of(exc)[0] == code, extra


def test_update_training_mode_rules(personalize, train):
    solution, _ = train("pop", rows=interactions(30, 40))
    with pytest.raises(ClientError) as exc:
        personalize.create_solution_version(solutionArn=solution, trainingMode="UPDATE")
    assert error_of(exc)[0] == "InvalidInputException"
    solution, _ = train("personal-v2", recipe="aws-user-personalization-v2")
    with pytest.raises(ClientError) as exc:  # only User-Personalization (v1) and HRNN-Coldstart
        personalize.create_solution_version(solutionArn=solution, trainingMode="UPDATE")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "aws-user-personalization-v2" in message and "User-Personalization recipe" in message
    solution, _ = train("personal", recipe="aws-user-personalization")
    arn = personalize.create_solution_version(solutionArn=solution, trainingMode="UPDATE")[
        "solutionVersionArn"
    ]
    version = wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=arn), "solutionVersion"
    )
    assert (version["status"], version["trainingMode"]) == ("ACTIVE", "UPDATE")


def test_forced_training_failure(train, stand_in_faults):
    stand_in_faults(fail_training=True)
    _, version = train("doomed", rows=interactions(30, 40))
    assert version["status"] == "CREATE FAILED" and "Injected" in version["failureReason"]


def test_deletion_order_for_solutions(aws, personalize, train, deploy):
    solution, version = train("in-use", rows=interactions(30, 40))
    campaign = deploy("in-use", version["solutionVersionArn"])
    with pytest.raises(ClientError) as exc:
        personalize.delete_solution(solutionArn=solution)
    assert error_of(exc)[0] == "ResourceInUseException" and campaign in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:
        personalize.delete_dataset_group(datasetGroupArn=aws.outputs.dataset_group_arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    personalize.delete_campaign(campaignArn=campaign)
    wait_gone(lambda: personalize.describe_campaign(campaignArn=campaign))
    personalize.delete_solution(solutionArn=solution)
    wait_gone(lambda: personalize.describe_solution(solutionArn=solution))
    with pytest.raises(ClientError) as exc:
        personalize.describe_solution_version(solutionVersionArn=version["solutionVersionArn"])
    assert error_of(exc)[0] == "ResourceNotFoundException"
