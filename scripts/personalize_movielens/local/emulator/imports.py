"""Dataset import jobs: what the service does with the role, the bucket and the CSV files.

1. Assume the role: it must exist and its trust policy must let personalize.amazonaws.com call
   sts:AssumeRole (with aws:SourceAccount / aws:SourceArn conditions evaluated).
2. The role's policies (inline and attached) must allow s3:GetObject on each object and
   s3:ListBucket on the bucket; the bucket policy must allow the service principal the same.
3. Read the CSV (one object, or every .csv directly under a prefix ending in "/") and check it
   against the dataset's schema. Then FULL replaces the dataset's rows, INCREMENTAL appends.

The objects are read with one streaming GET each into the emulator's state directory, checked
there by the project's validator, and their rows kept as one Parquet file per job (`Store`).

Steps 1 and 2 (`check_access`) and the reading of CSV objects serve the other jobs that use S3
too: data deletion jobs read a CSV the same way, dataset export jobs write with s3:PutObject.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...arns import arn_name
from ...schemas import DatasetSchema, parse_schema
from . import csvcheck
from .policy import allowed, evaluate

if TYPE_CHECKING:
    from .service import Emulator

SERVICE_PRINCIPAL = "personalize.amazonaws.com"
ACCESS_DOC = "https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html"
PRIVILEGES = "Insufficient privileges for accessing data in S3."


class ImportFailure(Exception):
    """The job (an import, or another job that uses S3) fails with this message as its
    failureReason."""


@dataclass(frozen=True)
class Location:
    bucket: str
    key: str

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    @classmethod
    def parse(cls, url: str) -> Location:
        if not url.startswith("s3://"):
            raise ImportFailure(f"Only s3:// data locations can be imported, got {url}.")
        bucket, _, key = url[len("s3://") :].partition("/")
        if not bucket:
            raise ImportFailure(f"The data location {url} names no bucket.")
        return cls(bucket, key)


def role_documents(iam: Any, name: str) -> list[Any]:
    """The identity policies of a role: inline ones and the default version of attached ones."""
    documents = []
    for policy_name in iam.list_role_policies(RoleName=name).get("PolicyNames", []):
        documents.append(
            iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        )
    attached = iam.list_attached_role_policies(RoleName=name).get("AttachedPolicies", [])
    for entry in attached:
        policy = iam.get_policy(PolicyArn=entry["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=entry["PolicyArn"], VersionId=policy["DefaultVersionId"]
        )
        documents.append(version["PolicyVersion"]["Document"])
    return documents


Permission = tuple[str, str]  # (action, resource ARN)


def read_permissions(location: Location, keys: list[str]) -> list[Permission]:
    """What reading `keys` takes: s3:ListBucket on the bucket and s3:GetObject on each object."""
    bucket_arn = f"arn:aws:s3:::{location.bucket}"
    return [("s3:ListBucket", bucket_arn)] + [("s3:GetObject", f"{bucket_arn}/{k}") for k in keys]


def check_access(
    emu: Emulator,
    role_arn: str,
    job_arn: str,
    bucket: str,
    wanted: list[Permission],
    guide: str = ACCESS_DOC,
) -> None:
    """Raise ImportFailure unless the role and the bucket policy both allow Personalize each
    (action, resource) of `wanted` on `bucket`; `guide` is the page the message points to."""
    iam, s3 = emu.aws("iam"), emu.aws("s3")
    name = arn_name(role_arn)
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        raise ImportFailure(
            f"{PRIVILEGES} Amazon Personalize cannot assume role {role_arn}: it does not exist."
        ) from None
    context = {
        "aws:SourceAccount": emu.account_id,
        "aws:SourceArn": job_arn,
        "aws:SecureTransport": "true",
        "aws:PrincipalServiceName": SERVICE_PRINCIPAL,
    }
    trust = evaluate(
        [role.get("AssumeRolePolicyDocument", {})],
        "sts:AssumeRole",
        role_arn,
        context,
        principal={"Service": SERVICE_PRINCIPAL},
    )
    if trust != "Allow":
        raise ImportFailure(
            f"{PRIVILEGES} Amazon Personalize cannot assume role {role_arn}: its trust policy "
            f"does not allow {SERVICE_PRINCIPAL} to call sts:AssumeRole for {job_arn}."
        )
    identity = role_documents(iam, name)
    for action, resource in wanted:
        if not allowed(identity, action, resource, context):
            raise ImportFailure(
                f"{PRIVILEGES} Please look at {guide} and add {action} on {resource} "
                f"to the policies of role {role_arn}."
            )
    try:
        bucket_policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        bucket_policy = None
    for action, resource in wanted:
        if bucket_policy is None or not allowed(
            [bucket_policy], action, resource, context, principal={"Service": SERVICE_PRINCIPAL}
        ):
            where = f"{ACCESS_DOC}#attach-bucket-policy" if guide == ACCESS_DOC else guide
            raise ImportFailure(
                f"{PRIVILEGES} Please look at {where} and fix bucket "
                f"policy on {bucket} ({action} on {resource} is not allowed for "
                f"{SERVICE_PRINCIPAL})."
            )


def list_keys(emu: Emulator, location: Location) -> list[str]:
    """The object to import, or every .csv object directly under the prefix."""
    s3 = emu.aws("s3")
    try:
        if not location.is_prefix:
            s3.head_object(Bucket=location.bucket, Key=location.key)
            return [location.key]
        keys: list[str] = []
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=location.bucket, Prefix=location.key, Delimiter="/"):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".csv")]
    except s3.exceptions.ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
            raise ImportFailure(
                f"Input data not found at s3://{location.bucket}/{location.key}."
            ) from None
        raise
    if not keys:
        raise ImportFailure(f"No CSV files found under s3://{location.bucket}/{location.key}.")
    return sorted(keys)


#: Bytes read from a GET's body at a time.
DOWNLOAD_CHUNK = 1 << 20


def download(emu: Emulator, location: Location, key: str, path: Path) -> None:
    """The object's body streamed to `path` with one GET. (boto3's managed download would send
    ranged GETs in parallel, and moto reads the whole object for each range.)"""
    s3 = emu.aws("s3")
    try:
        body = s3.get_object(Bucket=location.bucket, Key=key)["Body"]
    except s3.exceptions.NoSuchKey:
        raise ImportFailure(f"Input data not found at s3://{location.bucket}/{key}.") from None
    with body, path.open("wb") as fh:
        for chunk in body.iter_chunks(DOWNLOAD_CHUNK):
            fh.write(chunk)


def read_data(
    emu: Emulator, location: Location, keys: list[str], schema: DatasetSchema, dataset_type: str
) -> Path:
    """Download and validate the objects (ImportFailure on the first bad file), then write
    their rows, typed by the schema, to one new Parquet file of the store."""
    with emu.scratch("import-") as tmp:
        paths = []
        for index, key in enumerate(keys):
            path = Path(tmp) / f"part-{index}.csv"
            download(emu, location, key, path)
            source = f"s3://{location.bucket}/{key}"
            found = csvcheck.problems(path, schema, dataset_type, source)
            if found:
                raise ImportFailure("Data does not match the schema. " + " ".join(found))
            paths.append(path)
        return emu.store.sink(csvcheck.scan(paths, schema))


def require_aws(emu: Emulator) -> None:
    """A job that uses S3 needs the moto server's endpoint."""
    if not emu.aws_endpoint:
        raise ImportFailure(
            "The emulator has no S3/IAM endpoint to read from; start it with --aws-endpoint "
            "(personalize-movielens local up does)."
        )


def fetch(
    emu: Emulator,
    url: str,
    role_arn: str,
    job_arn: str,
    schema: DatasetSchema,
    dataset_type: str,
) -> Path:
    """The rows of the CSV object(s) at `url`, read as the role and the bucket policy allow and
    checked against `schema` (ImportFailure naming what is wrong), as a new Parquet file of the
    store: the caller hands it to a dataset (`Store.put_rows`) or discards it."""
    require_aws(emu)
    location = Location.parse(url)
    keys = list_keys(emu, location)
    check_access(emu, role_arn, job_arn, location.bucket, read_permissions(location, keys))
    return read_data(emu, location, keys, schema, dataset_type)


def run(emu: Emulator, job: dict[str, Any]) -> None:
    """The body of an import job (called on a background thread)."""
    store = emu.store
    job_arn = job["datasetImportJobArn"]
    dataset = store.get("dataset", job["datasetArn"])
    schema_doc = store.get("schema", dataset["schemaArn"])
    schema = parse_schema(schema_doc["schema"], source=dataset["schemaArn"])
    forced = emu.faults.job_failure("imports")
    if forced:
        raise ImportFailure(forced)
    url = job["dataSource"]["dataLocation"]
    rows = fetch(emu, url, job["roleArn"], job_arn, schema, dataset["datasetType"])
    with store.lock:
        if store.find("dataset", dataset["datasetArn"]) is not dataset:
            store.discard([rows])  # deleted (or deleted and created again) meanwhile
            return
        store.put_rows(dataset["datasetArn"], rows, append=job.get("importMode") == "INCREMENTAL")
