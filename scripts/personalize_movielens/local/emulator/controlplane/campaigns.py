"""Campaigns: an ACTIVE solution version served to the runtime (`emulator/runtime.py`).

UpdateCampaign keeps the campaign ACTIVE on its old version while `latestCampaignUpdate` moves
through its statuses; the campaign switches version when the update turns ACTIVE.
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import InUse
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    BUSY,
    PENDING,
    SETTLED,
    Resource,
    advance,
    advance_update,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)
from .solutions import active_version

#: What an update changes, copied to the campaign when the update turns ACTIVE.
_UPDATED = ("solutionVersionArn", "minProvisionedTPS", "campaignConfig")


@operation("CreateCampaign")
def create_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"campaign/{p['name']}")
    with emu.store.lock:
        active_version(emu, p["solutionVersionArn"])
        unique_name(emu, "campaign", arn)
        emu.store.add(
            "campaign",
            arn,
            {
                "name": p["name"],
                "campaignArn": arn,
                "solutionVersionArn": p["solutionVersionArn"],
                "minProvisionedTPS": p.get("minProvisionedTPS", 1),
                "campaignConfig": p.get("campaignConfig") or {},
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "campaign", arn, lambda _: emu.faults.job_failure("campaigns"))
    return {"campaignArn": arn}


@operation("DescribeCampaign")
def describe_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"campaign": public(emu.store.get("campaign", p["campaignArn"]))}


@operation("ListCampaigns")
def list_campaigns(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("campaign")
    if p.get("solutionArn"):
        emu.store.get("solution", p["solutionArn"])
        prefix = p["solutionArn"] + "/"
        items = [c for c in items if c["solutionVersionArn"].startswith(prefix)]
    return listing("ListCampaigns", items, p)


@operation("UpdateCampaign")
def update_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["campaignArn"]
    with emu.store.lock:
        campaign = emu.store.get("campaign", arn)
        require_status(campaign, arn, SETTLED, "campaign")
        if (campaign.get("latestCampaignUpdate") or {}).get("status") in BUSY:
            raise InUse(f"Campaign {arn} already has an update in progress.")
        version_arn = p.get("solutionVersionArn", campaign["solutionVersionArn"])
        active_version(emu, version_arn)
        stamp = time.time()
        update: Resource = {
            "solutionVersionArn": version_arn,
            "minProvisionedTPS": p.get("minProvisionedTPS", campaign["minProvisionedTPS"]),
            "campaignConfig": p.get("campaignConfig", campaign["campaignConfig"]),
            "status": PENDING,
            "creationDateTime": stamp,
            "lastUpdatedDateTime": stamp,
        }
        campaign["latestCampaignUpdate"] = update
        campaign["lastUpdatedDateTime"] = stamp
    advance_update(emu, "campaign", arn, "latestCampaignUpdate", update, _apply_update)
    return {"campaignArn": arn}


def _apply_update(campaign: Resource, update: Resource) -> None:
    """The update turned ACTIVE: the campaign switches to what it changes."""
    campaign.update({key: update[key] for key in _UPDATED})
    campaign["status"] = ACTIVE
    campaign.pop("failureReason", None)
    campaign["lastUpdatedDateTime"] = time.time()


@operation("DeleteCampaign")
def delete_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["campaignArn"]
    with emu.store.lock:
        campaign = emu.store.get("campaign", arn)
        require_status(campaign, arn, SETTLED, "campaign")
        delete(emu, "campaign", arn)
    return {}
