"""Solutions: ACTIVE at once, automatic training on by default, UpdateSolution.

Each test quotes the documentation it holds the emulator to.
"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_gone, wait_status

RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"


@pytest.fixture
def create(aws, personalize):
    """`create(name, **params)`: CreateSolution on the stack's dataset group; its ARN."""

    def run(name: str, **params) -> str:
        return personalize.create_solution(
            name=name, datasetGroupArn=aws.outputs.dataset_group_arn, recipeArn=RECIPE, **params
        )["solutionArn"]

    return run


def described(personalize, arn: str) -> dict:
    return personalize.describe_solution(solutionArn=arn)["solution"]


def test_automatic_training_is_on_unless_turned_off(personalize, create, slow) -> None:
    """CreateSolution, performAutoTraining
    (https://docs.aws.amazon.com/personalize/latest/dg/API_CreateSolution.html): "Whether the
    solution uses automatic training to create new solution versions (trained models). The
    default is True and the solution automatically creates new solution versions every 7 days.
    You can change the training frequency by specifying a schedulingExpression in the
    AutoTrainingConfig as part of solution configuration."

    The default is what the solution records; no AutoTrainingConfig is made up for it, and the
    emulator never trains on a schedule (docs/local-emulator.md), so no version appears."""
    default = described(personalize, create("by-default"))
    assert default["performAutoTraining"] is True
    assert "solutionConfig" not in default  # none was given: none is answered
    off = described(personalize, create("off", performAutoTraining=False))
    assert off["performAutoTraining"] is False
    weekly = {"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}}
    every_five = described(personalize, create("every-five", solutionConfig=weekly))
    assert (every_five["performAutoTraining"], every_five["solutionConfig"]) == (True, weekly)
    slow(100)
    time.sleep(0.1)  # ten status steps: nothing is trained without being asked
    for arn in (default["solutionArn"], every_five["solutionArn"]):
        assert personalize.list_solution_versions(solutionArn=arn)["solutionVersions"] == []


def test_the_schedule_is_one_to_thirty_days(personalize, create) -> None:
    """AutoTrainingConfig.schedulingExpression
    (https://docs.aws.amazon.com/personalize/latest/dg/API_AutoTrainingConfig.html): "Specify a
    rate expression in rate(value unit) format. For value, specify a number between 1 and 30.
    For unit, specify day or days. ... The default is every 7 days." Pattern: rate\\(\\d+ days?\\)
    (botocore's model checks the pattern; the emulator checks the range, for CreateSolution and
    UpdateSolution alike)."""
    for ok in ("rate(1 day)", "rate(30 days)"):
        config = {"autoTrainingConfig": {"schedulingExpression": ok}}
        create(f"ok-{ok[5:7].strip()}", solutionConfig=config)
    arn = create("to-update")
    for bad in ("rate(0 days)", "rate(31 days)", "rate(7 hours)"):
        config = {"autoTrainingConfig": {"schedulingExpression": bad}}
        with pytest.raises(ClientError) as exc:
            create("bad", solutionConfig=config)
        assert error_of(exc)[0] == "InvalidInputException", bad
        with pytest.raises(ClientError) as exc:
            personalize.update_solution(solutionArn=arn, solutionUpdateConfig=config)
        assert error_of(exc)[0] == "InvalidInputException", bad


def test_a_new_solution_is_active_at_once_and_trains_right_away(personalize, create, slow) -> None:
    """CreateSolutionVersion (https://docs.aws.amazon.com/personalize/latest/dg/
    API_CreateSolutionVersion.html): "A solution is created using the CreateSolution operation
    and must be in the ACTIVE state before calling CreateSolutionVersion." On the service a new
    solution is that at once: AWS's recorded notebook outputs (aws-samples/
    amazon-personalize-samples, commit 5a69fc41c0825ad0baa2fd3b6fb7dbff5182b9cd,
    next_steps/core_use_cases/user_segmentation/user_segmentation_example.ipynb) describe it
    'ACTIVE' one second after CreateSolution with creationDateTime == lastUpdatedDateTime, and
    22 of that repository's notebooks (getting_started/notebooks/
    1.Building_Your_First_Campaign.ipynb first) call CreateSolutionVersion right after
    CreateSolution, answered 200. Slow as a person could watch it, the stand-in agrees."""
    slow(1)  # a status step takes a second: a CREATE PENDING would be seen
    arn = create("at-once")
    solution = described(personalize, arn)
    assert solution["status"] == "ACTIVE"
    assert solution["creationDateTime"] == solution["lastUpdatedDateTime"]
    version = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    assert version.startswith(arn + "/")
    personalize.stop_solution_version_creation(solutionVersionArn=version)  # no data to train


def test_update_solution_moves_through_latest_solution_update(personalize, create, slow) -> None:
    """UpdateSolution (https://docs.aws.amazon.com/personalize/latest/dg/API_UpdateSolution.html):
    "A solution update can be in one of the following states: CREATE PENDING > CREATE
    IN_PROGRESS > ACTIVE -or- CREATE FAILED" and "To get the status of a solution update, call
    the DescribeSolution API operation and find the status in the latestSolutionUpdate."
    Updating a solution (https://docs.aws.amazon.com/personalize/latest/dg/
    updating-solution.html): "Solution updates can take a few minutes. While the update is in
    progress, you can create solution versions for the solution but you can't delete the
    solution. Until the update completes, the solution uses the previous configuration."
    """
    arn = create("updated", performAutoTraining=False)
    before = described(personalize, arn)
    assert "latestSolutionUpdate" not in before
    config = {"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}}
    slow(20)
    answer = personalize.update_solution(
        solutionArn=arn, performAutoTraining=True, solutionUpdateConfig=config
    )
    assert answer["solutionArn"] == arn
    during = described(personalize, arn)
    assert during["latestSolutionUpdate"]["status"] == "CREATE PENDING"
    # The previous configuration meanwhile; the solution itself stays ACTIVE.
    assert (during["status"], during["performAutoTraining"]) == ("ACTIVE", False)
    assert "solutionConfig" not in during
    with pytest.raises(ClientError) as exc:
        personalize.delete_solution(solutionArn=arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    with pytest.raises(ClientError) as exc:  # one update at a time (as UpdateCampaign)
        personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    assert error_of(exc)[0] == "ResourceInUseException"
    version = personalize.create_solution_version(solutionArn=arn)["solutionVersionArn"]
    personalize.stop_solution_version_creation(solutionVersionArn=version)
    seen = ["CREATE PENDING"]
    update = wait_status(
        lambda: {"update": described(personalize, arn)["latestSolutionUpdate"]},
        "update",
        record=seen,
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert update["solutionUpdateConfig"] == config and update["performAutoTraining"] is True
    assert update["creationDateTime"] < update["lastUpdatedDateTime"]
    after = described(personalize, arn)
    assert (after["performAutoTraining"], after["solutionConfig"]) == (True, config)
    assert after["lastUpdatedDateTime"] > before["lastUpdatedDateTime"]
    personalize.delete_solution(solutionArn=arn)
    wait_gone(lambda: personalize.describe_solution(solutionArn=arn))


def test_an_update_replaces_the_events_config_and_keeps_the_rest(personalize, create) -> None:
    """Updating a solution (https://docs.aws.amazon.com/personalize/latest/dg/
    updating-solution.html): "If the solution already has an events configuration specified,
    the new events config will replace the original one." Automatic training is left as it was
    when the update does not name it."""
    clicks = {"eventParametersList": [{"eventType": "click", "weight": 0.3}]}
    watches = {"eventParametersList": [{"eventType": "watch", "eventValueThreshold": 3.0}]}
    arn = create(
        "events",
        performAutoTraining=False,
        solutionConfig={"eventValueThreshold": "3.5", "eventsConfig": clicks},
    )
    personalize.update_solution(solutionArn=arn, solutionUpdateConfig={"eventsConfig": watches})
    wait_status(lambda: {"u": described(personalize, arn)["latestSolutionUpdate"]}, "u")
    solution = described(personalize, arn)
    assert solution["solutionConfig"] == {"eventValueThreshold": "3.5", "eventsConfig": watches}
    assert solution["performAutoTraining"] is False


def test_update_solution_refusals(personalize, create, aws) -> None:
    """UpdateSolution, performIncrementalUpdate: "This parameter is supported only for solutions
    that use the semantic-similarity recipe." (not a recipe the emulator trains). An unknown
    solution is not found; one being deleted is in use."""
    arn = create("refusals")
    with pytest.raises(ClientError) as exc:
        personalize.update_solution(solutionArn=arn, performIncrementalUpdate=True)
    assert error_of(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        personalize.create_solution(
            name="incremental",
            datasetGroupArn=aws.outputs.dataset_group_arn,
            recipeArn=RECIPE,
            performIncrementalUpdate=True,
        )
    assert error_of(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        personalize.update_solution(solutionArn=arn + "-nope", performAutoTraining=False)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    personalize.delete_solution(solutionArn=arn)
    with pytest.raises(ClientError) as exc:
        personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    assert error_of(exc)[0] in {"ResourceInUseException", "ResourceNotFoundException"}
