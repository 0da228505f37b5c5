"""A VIDEO_ON_DEMAND Domain dataset group on the stand-in, with synthetic Watch/Click data.

The schemas are the project's own (terraform/schemas/video_on_demand_*.json), created with
`domain`, as the Terraform stack creates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emu_helpers import csv_text, wait_status

from personalize_movielens.schemas import schema_path

VOD = "VIDEO_ON_DEMAND"
RECIPE = "arn:aws:personalize:::recipe/"
INTERACTIONS_HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"]
ITEMS_HEADER = ["ITEM_ID", "GENRES", "CREATION_TIMESTAMP", "YEAR"]
START = 1_600_000_000


def watch_and_click(users: int = 60, event: str = "Watch") -> list[tuple[Any, ...]]:
    """Users u00-u29 watch x-items, u30-u59 y-items (20 each), each missing two of theirs
    (u00 misses x00 and x01), and click three items of the other cluster. With 60 users:
    1080 `event` events and 180 Click events. In the latest tenth of the time span everyone
    clicks `new` (the item gaining popularity fastest); it was never seen before."""
    rows: list[tuple[Any, ...]] = []
    for u in range(users):
        mine, other = ("x", "y") if u < users // 2 else ("y", "x")
        missing = {u % 20, (u + 1) % 20}
        t = START + u * 100
        for k in range(20):
            if k not in missing:
                rows.append((f"u{u:02d}", f"{mine}{k:02d}", t, event))
                t += 1
        for k in range(3):
            rows.append((f"u{u:02d}", f"{other}{k:02d}", t, "Click"))
            t += 1
    latest = max(r[2] for r in rows)
    span = latest - START
    rows += [(f"u{u:02d}", "new", latest + span // 5 + u, "Click") for u in range(users)]
    return rows


def catalogue() -> list[tuple[Any, ...]]:
    items = [f"{c}{k:02d}" for c in "xy" for k in range(20)] + ["new"]
    return [(i, "Comedy" if i[0] == "x" else "Drama", START, 2000) for i in items]


@dataclass
class VodGroup:
    """A Domain dataset group with its Interactions and Items datasets (ACTIVE)."""

    arn: str
    datasets: dict[str, str]
    schemas: dict[str, str]


def create_vod_group(personalize: Any, name: str = "vod") -> VodGroup:
    group = personalize.create_dataset_group(name=name, domain=VOD)["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    datasets, schemas = {}, {}
    for dataset_type in ("Interactions", "Items"):
        text = schema_path(dataset_type, domain=VOD).read_text()
        schemas[dataset_type] = personalize.create_schema(
            name=f"{name}-{dataset_type.lower()}", schema=text, domain=VOD
        )["schemaArn"]
        arn = personalize.create_dataset(
            name=f"{name}-{dataset_type.lower()}",
            datasetGroupArn=group,
            datasetType=dataset_type,
            schemaArn=schemas[dataset_type],
        )["datasetArn"]
        wait_status(lambda a=arn: personalize.describe_dataset(datasetArn=a), "dataset")
        datasets[dataset_type] = arn
    return VodGroup(group, datasets, schemas)


def import_rows(
    personalize: Any,
    put_csv: Callable[[str, str], str],
    role_arn: str,
    dataset_arn: str,
    header: list[str],
    rows: list[tuple[Any, ...]],
    name: str,
) -> dict[str, Any]:
    """Import `rows` into the dataset and wait for the job's end; returns the job."""
    url = put_csv(f"{name}.csv", csv_text(header, rows))
    arn = personalize.create_dataset_import_job(
        jobName=name, datasetArn=dataset_arn, dataSource={"dataLocation": url}, roleArn=role_arn
    )["datasetImportJobArn"]
    return wait_status(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
        "datasetImportJob",
    )


def create_recommender(personalize: Any, group: str, name: str, use_case: str, **extra: Any) -> str:
    return personalize.create_recommender(
        name=name, datasetGroupArn=group, recipeArn=RECIPE + use_case, **extra
    )["recommenderArn"]


def wait_recommender(personalize: Any, arn: str, **kwargs: Any) -> dict[str, Any]:
    return wait_status(
        lambda: personalize.describe_recommender(recommenderArn=arn), "recommender", **kwargs
    )
