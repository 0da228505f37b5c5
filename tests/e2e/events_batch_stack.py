"""The stand-in stack with what the root stack adds for real-time events and batch output
(`enable_event_tracker`, `enable_batch_output`), for the end-to-end tests of `events` and `batch`
(a uniquely named helper module).

`local up` provisions neither yet, so this does it with boto3 as Terraform would: an event
tracker on the dataset group, the role and bucket policies rewritten with the batch output
prefix (local/policies.py, the documents tested against the modules' HCL), and an outputs file
of the contract's shape naming them.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from personalize_movielens.arns import arn_name
from personalize_movielens.local.policies import ROLE_POLICY_NAME, bucket_policy, role_policy

BATCH_OUTPUT_PREFIX = "personalize/batch-output/"


def events_batch_stack(stand_in: Any, tmp_path: Path, tracking_id: str | None = None) -> Path:
    """Outputs naming an ACTIVE event tracker (or `tracking_id` as given, for a tracker the
    service does not know) and the batch output prefix the role may write."""
    outputs = stand_in.outputs
    personalize = stand_in.client("personalize")
    tracker_arn = None
    if tracking_id is None:
        created = personalize.create_event_tracker(
            name="movielens-events", datasetGroupArn=outputs.dataset_group_arn
        )
        tracker_arn, tracking_id = created["eventTrackerArn"], created["trackingId"]
        deadline = time.monotonic() + 60
        while (
            personalize.describe_event_tracker(eventTrackerArn=tracker_arn)["eventTracker"][
                "status"
            ]
            != "ACTIVE"
        ):
            assert time.monotonic() < deadline, "event tracker not ACTIVE"
            time.sleep(0.01)
    account = outputs.personalize_role_arn.split(":")[4]
    stand_in.client("iam").put_role_policy(
        RoleName=arn_name(outputs.personalize_role_arn),
        PolicyName=ROLE_POLICY_NAME,
        PolicyDocument=json.dumps(
            role_policy(outputs.bucket_name, outputs.data_prefix, BATCH_OUTPUT_PREFIX)
        ),
    )
    stand_in.client("s3").put_bucket_policy(
        Bucket=outputs.bucket_name,
        Policy=json.dumps(
            bucket_policy(outputs.bucket_name, outputs.data_prefix, account, BATCH_OUTPUT_PREFIX)
        ),
    )
    stack = replace(
        outputs,
        event_tracker_arn=tracker_arn,
        event_tracking_id=tracking_id,
        batch_output_prefix=BATCH_OUTPUT_PREFIX,
    )
    path = tmp_path / "events-batch-outputs.json"
    path.write_text(json.dumps(stack.to_json()), encoding="utf-8")
    return path
