"""clean-cloud on the stand-in: campaigns, training stopped, solutions, data; foreign left."""

from __future__ import annotations

from wf_helpers import deployed, imported

from personalize_movielens.workflow.cleanup import clean_cloud, plan_cleanup
from personalize_movielens.workflow.resources import list_campaigns, list_solutions, list_versions
from personalize_movielens.workflow.s3data import list_data_versions, list_incomplete_uploads
from personalize_movielens.workflow.training import train

FOREIGN = "someone-elses"


def foreign_solution(ctx) -> None:
    ctx.clients.personalize.create_solution(
        name=FOREIGN,
        datasetGroupArn=ctx.outputs.dataset_group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )


def test_cleanup_deletes_what_the_tool_made_and_reports_what_it_left(ctx, data_dir, slow):
    deployed(ctx, data_dir)
    foreign_solution(ctx)
    slow(20)
    train(ctx, wait=False)  # the default recipe, still training
    plan = plan_cleanup(ctx)
    assert [s["name"] for s in plan.foreign] == [FOREIGN]
    assert len(plan.campaigns) == 1 and len(plan.versions_to_stop) == 1
    report = clean_cloud(ctx, plan)
    assert [s["name"] for s in list_solutions(ctx)] == [FOREIGN]
    assert len(report.solutions) == 2 and len(report.stopped_versions) == 1
    assert [(k.kind, k.name) for k in report.left_alone] == [
        ("solution", FOREIGN),
        ("data", f"s3://{ctx.outputs.bucket_name}/{ctx.outputs.data_prefix}"),
    ]
    assert report.to_json()["left_alone"][0]["reason"].startswith("not created by this tool")
    assert list_data_versions(ctx)  # without --data the uploaded data stays


def test_a_rerun_goes_past_what_is_already_gone(ctx, data_dir) -> None:
    campaign = deployed(ctx, data_dir)
    plan = plan_cleanup(ctx)
    ctx.clients.personalize.delete_campaign(campaignArn=campaign.campaign_arn)  # meanwhile
    report = clean_cloud(ctx, plan)  # no error: what is gone already counts as deleted
    assert list_solutions(ctx) == [] and report.campaigns == [campaign.campaign_name]


def test_all_deletes_foreign_solutions_and_data_deletes_every_version_and_upload(ctx, data_dir):
    imported(ctx, data_dir)
    foreign_solution(ctx)
    s3, bucket = ctx.clients.s3, ctx.outputs.bucket_name
    key = ctx.outputs.data_prefix + "interactions-killed.csv"
    s3.create_multipart_upload(Bucket=bucket, Key=key)  # an upload that was killed
    report = clean_cloud(ctx, plan_cleanup(ctx, include_foreign=True, include_data=True))
    assert list_solutions(ctx) == [] and report.solutions == [FOREIGN]
    assert list_data_versions(ctx) == [] and list_incomplete_uploads(ctx) == []
    assert [u.key for u in report.aborted_uploads] == [key] and report.object_versions == 2
    assert report.left_alone == []


def test_dry_run_plans_the_deletes_in_order_and_deletes_nothing(make_ctx, data_dir) -> None:
    real = make_ctx()
    campaign = deployed(real, data_dir)
    ctx = make_ctx(dry_run=True)
    report = clean_cloud(ctx, plan_cleanup(ctx, include_data=True))
    ops = [c.operation for c in report.planned]
    assert ops == ["DeleteCampaign", "DeleteSolution", "DeleteObjects"]
    assert report.campaigns == [campaign.campaign_name]
    [solution] = list_solutions(real)
    assert list_campaigns(real, solution["solutionArn"]) and list_versions(
        real, solution["solutionArn"]
    )
    assert len(list_data_versions(real)) == 2
