"""Datasets and dataset import jobs: one dataset per type per group, imports that run for real.

The import job's work (the role, the bucket policy, the CSV rules, FULL or INCREMENTAL) is in
`emulator/imports.py`; here are the rules of the API around it. The API has no
DeleteDatasetImportJob: jobs go with their dataset.
"""

from __future__ import annotations

from typing import Any

from ....schemas import DATASET_TYPES
from .. import imports
from ..errors import InUse, InvalidInput, LimitExceeded
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    BUSY,
    PENDING,
    SETTLED,
    Resource,
    advance,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)
from .schemas import domain_problems, parse_avro, users_metadata_problems

MAX_RUNNING_IMPORTS = 5
#: create-domain-dataset-group.html: "You can't create next best action resources, including
#: Actions and Action Interactions datasets, in a domain dataset group."
NOT_IN_DOMAIN_GROUPS = ("Actions", "Action_Interactions")
#: Fields each dataset type's schema must have (the service rejects other schemas).
REQUIRED_FIELDS = {
    "Interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP"),
    "Items": ("ITEM_ID",),
    "Users": ("USER_ID",),
    "Actions": ("ACTION_ID",),
    "Action_Interactions": ("USER_ID", "ACTION_ID", "TIMESTAMP"),
}


def _dataset_type(raw: str) -> str:
    """The type as the service spells it (the request's case does not matter)."""
    for known in DATASET_TYPES:
        if raw.lower() == known.lower():
            return known
    raise InvalidInput(
        f"Value '{raw}' at 'datasetType' is not valid; use one of {', '.join(DATASET_TYPES)}."
    )


# --- datasets --------------------------------------------------------------------------------


@operation("CreateDataset")
def create_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    dataset_type = _dataset_type(p["datasetType"])
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        schema_doc = emu.store.get("schema", p["schemaArn"])
        require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        schema = parse_avro(schema_doc["schema"])
        missing = [f for f in REQUIRED_FIELDS[dataset_type] if not schema.has(f)]
        if missing:
            raise InvalidInput(
                f"Schema {p['schemaArn']} lacks required field(s) {', '.join(missing)} "
                f"for a {dataset_type} dataset."
            )
        metadata = users_metadata_problems(schema) if dataset_type == "Users" else []
        if metadata:
            raise InvalidInput(
                f"Schema {p['schemaArn']} is not a valid Users schema: {'; '.join(metadata)}."
            )
        _check_domain(group, schema_doc, dataset_type)
        arn = emu.arn(region, f"dataset/{group['name']}/{dataset_type.upper()}")
        unique_name(emu, "dataset", arn)
        emu.store.add(
            "dataset",
            arn,
            {
                "name": p["name"],
                "datasetArn": arn,
                "datasetGroupArn": p["datasetGroupArn"],
                "datasetType": dataset_type,
                "schemaArn": p["schemaArn"],
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "dataset", arn)
    return {"datasetArn": arn}


def _check_domain(group: Resource, schema_doc: Resource, dataset_type: str) -> None:
    """A Domain dataset group takes schemas of its domain only (CreateSchema: "specify the
    domain you chose when you created the Domain dataset group"), each fit for the type."""
    domain, schema_domain = group.get("domain"), schema_doc.get("domain")
    if domain and dataset_type in NOT_IN_DOMAIN_GROUPS:
        raise InvalidInput(
            f"A {dataset_type} dataset cannot be created in a Domain dataset group: next best "
            "action resources are for Custom dataset groups only."
        )
    if domain != schema_domain:
        raise InvalidInput(
            f"Schema {schema_doc['schemaArn']} is for "
            f"{f'the {schema_domain} domain' if schema_domain else 'Custom dataset groups'} "
            f"but dataset group {group['datasetGroupArn']} is "
            f"{f'a {domain} Domain dataset group' if domain else 'a Custom dataset group'}."
        )
    problems = domain_problems(schema_doc["schema"], domain, dataset_type) if domain else []
    if problems:
        raise InvalidInput(
            f"Schema {schema_doc['schemaArn']} is not a valid {domain} {dataset_type} schema: "
            f"{'; '.join(problems)}."
        )


@operation("DescribeDataset")
def describe_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"dataset": public(emu.store.get("dataset", p["datasetArn"]))}


@operation("ListDatasets")
def list_datasets(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("dataset")
    if p.get("datasetGroupArn"):
        emu.store.get("dataset_group", p["datasetGroupArn"])
        items = [d for d in items if d["datasetGroupArn"] == p["datasetGroupArn"]]
    return listing("ListDatasets", items, p)


@operation("DeleteDataset")
def delete_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["datasetArn"]
    with emu.store.lock:
        dataset = emu.store.get("dataset", arn)
        require_status(dataset, arn, SETTLED, "dataset")
        running = [j["datasetImportJobArn"] for j in _import_jobs(emu, arn) if j["status"] in BUSY]
        if running:
            raise InUse(f"Dataset {arn} has import job(s) in progress: {', '.join(running)}.")
        delete(emu, "dataset", arn, also=lambda: _forget_import_jobs(emu, arn))
    return {}


# --- dataset import jobs ---------------------------------------------------------------------


def _import_jobs(emu: Emulator, dataset_arn: str) -> list[Resource]:
    return [j for j in emu.store.all("dataset_import_job") if j["datasetArn"] == dataset_arn]


def _forget_import_jobs(emu: Emulator, dataset_arn: str) -> None:
    for job in _import_jobs(emu, dataset_arn):
        emu.store.remove("dataset_import_job", job["datasetImportJobArn"])


@operation("CreateDatasetImportJob")
def create_dataset_import_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"dataset-import-job/{p['jobName']}")
    with emu.store.lock:
        dataset = emu.store.get("dataset", p["datasetArn"])
        require_status(dataset, p["datasetArn"], {ACTIVE}, "dataset")
        unique_name(emu, "dataset_import_job", arn)
        running = [j for j in emu.store.all("dataset_import_job") if j["status"] in BUSY]
        if len(running) >= MAX_RUNNING_IMPORTS:
            raise LimitExceeded(
                f"You have reached the limit of {MAX_RUNNING_IMPORTS} dataset import jobs "
                "that are pending or in progress. Wait for one to finish and try again."
            )
        emu.store.add(
            "dataset_import_job",
            arn,
            {
                "jobName": p["jobName"],
                "datasetImportJobArn": arn,
                "datasetArn": p["datasetArn"],
                "dataSource": p["dataSource"],
                "roleArn": p["roleArn"],
                "status": PENDING,
                "importMode": p.get("importMode", "FULL"),
                "publishAttributionMetricsToS3": p.get("publishAttributionMetricsToS3", False),
                "_tags": p.get("tags", []),
            },
        )

    def work(job: Resource) -> None:
        imports.run(emu, job)

    advance(emu, "dataset_import_job", arn, work)
    return {"datasetImportJobArn": arn}


@operation("DescribeDatasetImportJob")
def describe_dataset_import_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    job = emu.store.get("dataset_import_job", p["datasetImportJobArn"])
    return {"datasetImportJob": public(job)}


@operation("ListDatasetImportJobs")
def list_dataset_import_jobs(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("dataset_import_job")
    if p.get("datasetArn"):
        items = _import_jobs(emu, p["datasetArn"])
    return listing("ListDatasetImportJobs", items, p)
