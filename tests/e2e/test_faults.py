"""Faults: throttling and 5xx injected by the emulator are retried; failed imports show why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import campaigns, import_jobs, solutions

from personalize_movielens.arns import arn_name
from personalize_movielens.errors import CloudError
from personalize_movielens.workflow import clients as clients_mod

pytestmark = pytest.mark.e2e


def count_retries(monkeypatch) -> list[int]:
    """Count the attempts botocore retried (throttled or 5xx answers) in the tool's clients."""
    seen = [0]
    real_get = clients_mod.Clients.get

    def get(self, service):
        new = service not in self._cache
        client = real_get(self, service)
        if new:

            def on_retry(response=None, **kwargs):
                if (
                    response
                    and response[1].get("ResponseMetadata", {}).get("HTTPStatusCode", 200) >= 429
                ):
                    seen[0] += 1

            client.meta.events.register("needs-retry", on_retry)
        return client

    monkeypatch.setattr(clients_mod.Clients, "get", get)
    return seen


def test_throttling_and_server_errors_are_retried(
    cli, fresh_stand_in, data_dir, monkeypatch
) -> None:
    retries = count_retries(monkeypatch)
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_RETRY_MODE", "standard")
    cli("upload", "--data-dir", str(data_dir))
    fresh_stand_in.set_faults(
        throttle_rate=0.3,
        error_rate=0.3,
        error_status=503,
        seed=11,
        # The creates and a few reads: enough to prove the retries, few enough to stay fast.
        operations=[
            "CreateDatasetImportJob",
            "ListSolutions",
            "CreateSolution",
            "CreateSolutionVersion",
            "GetSolutionMetrics",
        ],
    )
    cli("import", "--data-dir", str(data_dir))
    [trained] = json.loads(cli("train", "--json").stdout)["solutions"]
    fresh_stand_in.reset_faults()
    assert trained["status"] == "ACTIVE"
    assert retries[0] > 0
    assert {k: len(v) for k, v in import_jobs(fresh_stand_in).items()} == {
        "Interactions": 1,
        "Items": 1,
    }
    assert len(solutions(fresh_stand_in)) == 1


def test_import_failing_for_permissions_shows_the_reason(
    cli, fresh_stand_in, data_dir, tmp_path: Path
) -> None:
    cli("upload", "--data-dir", str(data_dir))
    outputs = json.loads(fresh_stand_in.outputs_file.read_text())
    outputs["personalize_role_arn"]["value"] = outputs["personalize_role_arn"]["value"] + "-missing"
    broken = tmp_path / "outputs-wrong-role.json"
    broken.write_text(json.dumps(outputs))
    result = cli("import", "--data-dir", str(data_dir), ok=False, outputs_file=str(broken))
    assert result.exit_code == 1
    assert isinstance(result.exception, CloudError)
    message = result.exception.one_line()
    assert "Insufficient privileges" in message and "role" in message
    assert "docs/operations.md" in message


def test_import_failing_for_data_shows_the_reason(cli, fresh_stand_in, data_dir) -> None:
    csv = data_dir / "interactions.csv"
    lines = csv.read_text().splitlines()
    user, item, _ = lines[5].split(",")
    lines[5] = f"{user},{item},yesterday"
    csv.write_text("\n".join(lines) + "\n")
    cli("upload", "--data-dir", str(data_dir))
    result = cli("import", "--data-dir", str(data_dir), ok=False)
    assert result.exit_code == 1
    message = result.exception.one_line()
    assert "CREATE FAILED" in message and "TIMESTAMP" in message
    assert "data validate" in message
    jobs = import_jobs(fresh_stand_in)["Interactions"]
    assert [j["status"] for j in jobs] == ["CREATE FAILED"]


def test_forced_training_failure_is_reported(cli, fresh_stand_in, data_dir) -> None:
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    fresh_stand_in.set_faults(
        fail_training=True, failure_reason="Training failed: not enough data."
    )
    result = cli("train", ok=False)
    fresh_stand_in.reset_faults()
    assert "not enough data" in result.exception.one_line()


def test_clean_cloud_deletes_a_campaign_that_failed_to_create(cli, fresh_stand_in, data_dir):
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    cli("train", "--recipe", "aws-popularity-count")
    fresh_stand_in.set_faults(fail_campaigns=True, failure_reason="No capacity.")
    failed = cli("deploy", "--recipe", "aws-popularity-count", ok=False)
    fresh_stand_in.reset_faults()
    assert "No capacity" in failed.exception.one_line()
    assert [c["status"] for c in campaigns(fresh_stand_in)] == ["CREATE FAILED"]
    cli("clean-cloud", "--yes")
    assert campaigns(fresh_stand_in) == [] and solutions(fresh_stand_in) == []


def clone_role(iam, source_name: str, new_name: str) -> None:
    """Create `new_name` with the trust and permissions of `source_name` (a late `apply`)."""
    role = iam.get_role(RoleName=source_name)["Role"]
    iam.create_role(
        RoleName=new_name, AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"])
    )
    for name in iam.list_role_policies(RoleName=source_name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=source_name, PolicyName=name)["PolicyDocument"]
        iam.put_role_policy(RoleName=new_name, PolicyName=name, PolicyDocument=json.dumps(doc))
    for attached in iam.list_attached_role_policies(RoleName=source_name)["AttachedPolicies"]:
        iam.attach_role_policy(RoleName=new_name, PolicyArn=attached["PolicyArn"])


def test_privileges_failure_while_the_role_propagates_is_retried(
    cli, fresh_stand_in, data_dir, tmp_path: Path, monkeypatch
) -> None:
    from personalize_movielens.cli import workflow as cli_workflow

    monkeypatch.setenv("PERSONALIZE_MOVIELENS_IAM_WINDOW", "30")
    cli("upload", "--data-dir", str(data_dir))
    role_arn = fresh_stand_in.outputs.personalize_role_arn
    source_name = arn_name(role_arn)
    late_name = f"{source_name}-late-{tmp_path.name[-6:]}"
    outputs = json.loads(fresh_stand_in.outputs_file.read_text())
    outputs["personalize_role_arn"]["value"] = role_arn.rsplit("/", 1)[0] + "/" + late_name
    late_outputs = tmp_path / "outputs-late-role.json"
    late_outputs.write_text(json.dumps(outputs))

    iam = fresh_stand_in.client("iam")
    real_context = cli_workflow._context

    def context(*args, **kwargs):
        ctx = real_context(*args, **kwargs)
        real_sleep = ctx.sleep

        def sleep(seconds: float) -> None:
            failed = any(
                j["status"] == "CREATE FAILED"
                for jobs in import_jobs(fresh_stand_in).values()
                for j in jobs
            )
            if failed and late_name not in [r["RoleName"] for r in iam.list_roles()["Roles"]]:
                clone_role(iam, source_name, late_name)  # IAM "propagates"
            real_sleep(seconds)

        ctx.sleep = sleep
        return ctx

    monkeypatch.setattr(cli_workflow, "_context", context)
    cli("import", "--data-dir", str(data_dir), outputs_file=str(late_outputs))
    jobs = import_jobs(fresh_stand_in)
    statuses = {dtype: [j["status"] for j in v] for dtype, v in jobs.items()}
    assert sorted(statuses["Interactions"]) == ["ACTIVE", "CREATE FAILED"]
    assert any(
        j["jobName"].endswith("-r2") and j["status"] == "ACTIVE" for j in jobs["Interactions"]
    )
