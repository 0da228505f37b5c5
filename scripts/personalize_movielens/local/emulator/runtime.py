"""Personalize Runtime: GetRecommendations from a campaign's trained solution version.

Answers carry a score only where the guide says the recipe has one.
"""

from __future__ import annotations

import uuid
from typing import Any

from .errors import InvalidInput, not_found
from .service import Emulator

DEFAULT_RESULTS = 25
MAX_RESULTS = 500


def get_recommendations(emu: Emulator, p: dict[str, Any]) -> dict[str, Any]:
    """USER_PERSONALIZATION recipes need userId, RELATED_ITEMS recipes need itemId."""
    if p.get("recommenderArn") and not p.get("campaignArn"):
        raise InvalidInput(
            "Recommenders (domain dataset groups) are not emulated; pass campaignArn."
        )
    if not p.get("campaignArn"):
        raise InvalidInput("campaignArn is required.")
    if p.get("filterArn"):
        raise InvalidInput("Filters are not supported by the local emulator.")
    arn = p["campaignArn"]
    with emu.store.lock:
        campaign = emu.store.find("campaign", arn)
        if campaign is None:
            raise not_found(arn)
        if campaign["status"] != "ACTIVE":
            raise InvalidInput(f"Campaign {arn} is in status {campaign['status']}, not ACTIVE.")
        model = emu.store.models.get(campaign["solutionVersionArn"])
    if model is None:
        raise not_found(campaign["solutionVersionArn"])
    count = p.get("numResults") or DEFAULT_RESULTS
    if count > MAX_RESULTS:
        raise InvalidInput(f"numResults must be at most {MAX_RESULTS}.")
    if model.recipe_type == "RELATED_ITEMS":
        if not p.get("itemId"):
            raise InvalidInput(f"itemId is required for a {model.recipe} campaign.")
        ranked = model.related(p["itemId"], count)
    else:
        if not p.get("userId"):
            raise InvalidInput(f"userId is required for a {model.recipe} campaign.")
        ranked = model.for_user(p["userId"], count)
    return {
        "itemList": [
            {"itemId": item, "score": round(float(score), 7)}
            if model.shows_scores
            else {"itemId": item}
            for item, score in ranked
        ],
        "recommendationId": f"RID-{uuid.uuid4()}",
    }
