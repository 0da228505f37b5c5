"""Create in the stand-in what the root Terraform stack declares, through boto3 like Terraform.

Bucket (private, encrypted, versioned) and the role Personalize assumes, with the stack's policies
(`policies`, batch output on as the root stack's default), then the dataset group (custom or of a
domain), the schemas from `terraform/schemas/`, the Interactions and Items datasets (and Users,
as `enable_users_dataset` does), the default filters (`filter_defaults`, the files Terraform
reads) and an event tracker.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import CloudError
from ..filter_defaults import default_filters
from ..outputs import StackOutputs
from ..schemas import load_schema
from .policies import ROLE_POLICY_NAME, bucket_policy, role_policy, trust_policy

NAME = "personalize-movielens-local"
BUCKET = f"{NAME}-data"
DATA_PREFIX = "personalize/input/"
#: The root stack's batch_output_prefix default (enable_batch_output defaults to true there).
BATCH_OUTPUT_PREFIX = "personalize/output/"
ROLE = f"{NAME}-personalize"
DATASET_TYPES = ("Interactions", "Items")
#: The dataset the root stack adds with enable_users_dataset (off there by default, as here).
USERS = "Users"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass(frozen=True)
class Endpoints:
    """Where each AWS service of the stand-in answers."""

    moto: str
    personalize: str

    def for_service(self, service: str) -> str:
        return self.personalize if service.startswith("personalize") else self.moto


_SESSION_LOCK = threading.Lock()
_CLIENTS: dict[tuple[str, str, str], Any] = {}


def client(service: str, endpoints: Endpoints, region: str) -> Any:
    """A boto3 client of the stand-in, independent of the caller's environment (cached)."""
    from botocore.config import Config  # imported when first used, not at every CLI start

    key = (service, endpoints.for_service(service), region)
    with _SESSION_LOCK:
        if key not in _CLIENTS:
            _CLIENTS[key] = _session().client(
                service,
                region_name=region,
                endpoint_url=endpoints.for_service(service),
                config=Config(retries={"max_attempts": 3, "mode": "standard"}),
                **CREDENTIALS,
            )
        return _CLIENTS[key]


@functools.cache
def _session() -> Any:
    """One botocore session: its loader caches the service models across clients."""
    import boto3

    return boto3.session.Session()


def provision_aws(endpoints: Endpoints, region: str) -> tuple[str, str]:
    """Bucket and role in moto; returns (account_id, role_arn)."""
    account_id = client("sts", endpoints, region).get_caller_identity()["Account"]
    s3 = client("s3", endpoints, region)
    create: dict[str, Any] = {"Bucket": BUCKET}
    if region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)
    # Versioned like the Terraform bucket, so a plain delete leaves versions behind here too.
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    policy = bucket_policy(BUCKET, DATA_PREFIX, account_id, BATCH_OUTPUT_PREFIX)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    iam = client("iam", endpoints, region)
    role = iam.create_role(
        RoleName=ROLE,
        AssumeRolePolicyDocument=json.dumps(trust_policy(account_id, region)),
        Description="Role Amazon Personalize assumes to read the data bucket (local stand-in).",
    )["Role"]
    iam.put_role_policy(
        RoleName=ROLE,
        PolicyName=ROLE_POLICY_NAME,
        PolicyDocument=json.dumps(role_policy(BUCKET, DATA_PREFIX, BATCH_OUTPUT_PREFIX)),
    )
    return account_id, role["Arn"]


def wait_active(describe: Callable[[], Any], key: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll a describe call until ACTIVE; raise CloudError on a failed or stuck resource."""
    deadline = time.monotonic() + timeout
    while True:
        resource: dict[str, Any] = describe()[key]
        status = resource.get("status")
        if status == "ACTIVE":
            return resource
        if status and "FAILED" in status:
            raise CloudError(f"{key} failed: {resource.get('failureReason', status)}")
        if time.monotonic() > deadline:
            raise CloudError(
                f"{key} did not become ACTIVE within {timeout:.0f} s (status {status})."
            )
        time.sleep(0.02)


@dataclass(frozen=True)
class StackSettings:
    """The root stack's choices that `local up` mirrors (its variables of the same names)."""

    with_event_value: bool = False
    #: None for a custom dataset group, or the API's domain (VIDEO_ON_DEMAND).
    domain: str | None = None
    #: The default filters (`filters = null`), or none (`filters = {}`).
    filters: bool = True
    #: `enable_event_tracker`.
    event_tracker: bool = True
    #: `enable_users_dataset`: the Users dataset (schemas/users.json), custom or domain.
    users: bool = False

    @property
    def dataset_types(self) -> tuple[str, ...]:
        return DATASET_TYPES + ((USERS,) if self.users else ())


@dataclass(frozen=True)
class PersonalizeStack:
    """What the dataset-group module creates: the outputs it feeds."""

    dataset_group_arn: str
    dataset_arns: dict[str, str]
    schema_arns: dict[str, str]
    domain: str | None
    filter_arns: dict[str, str]
    event_tracker_arn: str | None
    event_tracking_id: str | None

    def outputs(self) -> dict[str, Any]:
        """The contract's outputs that come from these resources, by output name."""
        return {
            "dataset_group_arn": self.dataset_group_arn,
            "dataset_arns": self.dataset_arns,
            "schema_arns": self.schema_arns,
            "domain": self.domain,
            "filter_arns": self.filter_arns,
            "event_tracker_arn": self.event_tracker_arn,
            "event_tracking_id": self.event_tracking_id,
        }


def provision_personalize(
    endpoints: Endpoints, region: str, role_arn: str, settings: StackSettings
) -> PersonalizeStack:
    """Dataset group (of the settings' domain), schemas and datasets."""
    personalize = client("personalize", endpoints, region)
    domain_arg = {} if settings.domain is None else {"domain": settings.domain}
    group_arn = personalize.create_dataset_group(name=NAME, **domain_arg)["datasetGroupArn"]
    wait_active(
        lambda: personalize.describe_dataset_group(datasetGroupArn=group_arn), "datasetGroup"
    )
    schema_arns: dict[str, str] = {}
    dataset_arns: dict[str, str] = {}
    for dataset_type in settings.dataset_types:
        schema = load_schema(
            dataset_type, with_event_value=settings.with_event_value, domain=settings.domain
        )
        assert schema.path is not None
        text = json.dumps(json.loads(schema.path.read_text(encoding="utf-8")))
        schema_arns[dataset_type] = personalize.create_schema(
            name=f"{NAME}-{dataset_type.lower()}", schema=text, **domain_arg
        )["schemaArn"]
        dataset_arns[dataset_type] = personalize.create_dataset(
            name=f"{NAME}-{dataset_type.lower()}",
            schemaArn=schema_arns[dataset_type],
            datasetGroupArn=group_arn,
            datasetType=dataset_type,
        )["datasetArn"]
    for arn in dataset_arns.values():
        wait_active(functools.partial(personalize.describe_dataset, datasetArn=arn), "dataset")
    with_event_type = settings.domain is not None or settings.with_event_value
    filters = default_filters(settings.domain, with_items=True, with_event_type=with_event_type)
    if not settings.filters:
        filters = {}
    filter_arns = {
        short: personalize.create_filter(
            name=f"{NAME}-{short}", datasetGroupArn=group_arn, filterExpression=expression
        )["filterArn"]
        for short, expression in filters.items()
    }
    tracker: dict[str, str | None] = {"eventTrackerArn": None, "trackingId": None}
    if settings.event_tracker:
        tracker = personalize.create_event_tracker(name=f"{NAME}-events", datasetGroupArn=group_arn)
    for arn in filter_arns.values():
        wait_active(functools.partial(personalize.describe_filter, filterArn=arn), "filter")
    if tracker["eventTrackerArn"] is not None:
        wait_active(
            functools.partial(
                personalize.describe_event_tracker, eventTrackerArn=tracker["eventTrackerArn"]
            ),
            "eventTracker",
        )
    return PersonalizeStack(
        dataset_group_arn=group_arn,
        dataset_arns=dataset_arns,
        schema_arns=schema_arns,
        domain=settings.domain,
        filter_arns=filter_arns,
        event_tracker_arn=tracker["eventTrackerArn"],
        event_tracking_id=tracker["trackingId"],
    )


def provision(
    endpoints: Endpoints, region: str, settings: StackSettings | None = None
) -> StackOutputs:
    """Everything the root stack declares; returns its outputs (the contract's shape)."""
    settings = settings or StackSettings()
    _, role_arn = provision_aws(endpoints, region)
    stack = provision_personalize(endpoints, region, role_arn, settings)
    return StackOutputs(
        region=region,
        bucket_name=BUCKET,
        data_prefix=DATA_PREFIX,
        personalize_role_arn=role_arn,
        kms_key_arn=None,
        batch_output_prefix=BATCH_OUTPUT_PREFIX,
        **stack.outputs(),
    )
