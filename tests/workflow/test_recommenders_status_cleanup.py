"""status lists the recommenders and what they bill; clean-cloud deletes them before anything
else (they bill while ACTIVE, and the dataset group cannot be deleted while they exist)."""

from __future__ import annotations

from rec_stubs import DSG, recommender, recommender_arn, stubbed

from personalize_movielens.workflow.cleanup import clean_cloud, plan_cleanup
from personalize_movielens.workflow.render import cleanup_lines, status_table
from personalize_movielens.workflow.status import fetch_status

TOP = "movielens-vod-top-picks"
MORE = "movielens-vod-more-like-x"
FOREIGN = "someone-elses"


def expect_group_and_datasets(stub) -> None:
    stub.personalize.add_response(
        "describe_dataset_group",
        {"datasetGroup": {"name": "movielens", "datasetGroupArn": DSG, "status": "ACTIVE"}},
        {"datasetGroupArn": DSG},
    )
    for dtype, arn in sorted(stub.ctx.outputs.dataset_arns.items()):
        stub.personalize.add_response(
            "describe_dataset",
            {"dataset": {"datasetArn": arn, "status": "ACTIVE", "datasetType": dtype}},
            {"datasetArn": arn},
        )
        stub.personalize.add_response(
            "list_dataset_import_jobs", {"datasetImportJobs": []}, {"datasetArn": arn}
        )
    stub.personalize.add_response("list_solutions", {"solutions": []}, {"datasetGroupArn": DSG})


def test_status_lists_recommenders_with_min_rps_and_hourly_billing() -> None:
    with stubbed() as stub:
        expect_group_and_datasets(stub)
        stub.listing(recommender(TOP, min_rps=2), recommender(MORE, "INACTIVE"))
        report = fetch_status(stub.ctx)
    assert [(r.name, r.status, r.min_rps) for r in report.recommenders] == [
        (TOP, "ACTIVE", 2),
        (MORE, "INACTIVE", 1),
    ]
    [line] = report.billing_now
    assert line.startswith(f"recommender {TOP}: at least 7,200 requests/hour (2 min RPS")
    rows = {
        cells[1]: cells
        for cells in zip(*(c.cells for c in status_table(report).columns), strict=True)
    }
    assert rows["vod-top-picks"][0] == "recommender"
    assert "bills >= 7,200 requests/hour" in rows["vod-top-picks"][3]
    assert report.to_json()["recommenders"][1]["billing"] is False


def test_status_of_a_custom_dataset_group_asks_for_no_recommenders() -> None:
    with stubbed(domain=None) as stub:
        expect_group_and_datasets(stub)  # no ListRecommenders stubbed: a call would fail
        assert fetch_status(stub.ctx).recommenders == []


def test_clean_cloud_deletes_recommenders_first_and_leaves_foreign_ones() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP), recommender(FOREIGN))
        stub.personalize.add_response("list_solutions", {"solutions": []}, {"datasetGroupArn": DSG})
        plan = plan_cleanup(stub.ctx)
        assert plan.describe() == [f"recommender {TOP} (ACTIVE)"]
        stub.personalize.add_response(
            "delete_recommender", {}, {"recommenderArn": recommender_arn(TOP)}
        )
        stub.describe(recommender(TOP, "DELETE IN_PROGRESS"))
        stub.personalize.add_client_error(
            "describe_recommender",
            "ResourceNotFoundException",
            expected_params={"recommenderArn": recommender_arn(TOP)},
        )
        report = clean_cloud(stub.ctx, plan)
    assert report.recommenders == [TOP]
    assert report.to_json()["deleted"]["recommenders"] == [TOP]
    assert [k.name for k in report.left_alone if k.kind == "recommender"] == [FOREIGN]
    assert cleanup_lines(report)[0] == "Deleted 1 recommender(s) made by this tool."


def test_dry_run_plans_the_recommender_deletion() -> None:
    with stubbed(dry_run=True) as stub:
        stub.listing(recommender(TOP))
        stub.personalize.add_response("list_solutions", {"solutions": []}, {"datasetGroupArn": DSG})
        report = clean_cloud(stub.ctx, plan_cleanup(stub.ctx, include_foreign=True))
    assert [(c.operation, c.params) for c in report.planned] == [
        ("DeleteRecommender", {"recommenderArn": recommender_arn(TOP)})
    ]
