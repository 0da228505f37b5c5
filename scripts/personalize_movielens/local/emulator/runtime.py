"""Personalize Runtime: GetRecommendations and GetPersonalizedRanking from a campaign's trained
solution version.

The recipe type of the campaign's solution decides the operation, as the API reference says:
USER_PERSONALIZATION campaigns take a userId, RELATED_ITEMS campaigns an itemId, and "Campaigns
that are backed by a solution created using a recipe of type PERSONALIZED_RANKING use the
GetPersonalizedRanking API". Answers carry a score only where the guide says the recipe has one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .errors import InvalidInput, not_found
from .service import Emulator
from .training import Model, Ranked

DEFAULT_RESULTS = 25
MAX_RESULTS = 500
#: The API reference on inputList: "the maximum is 500".
MAX_INPUT_ITEMS = 500
RANKING = "PERSONALIZED_RANKING"


def _model(emu: Emulator, p: dict[str, Any]) -> Model:
    """The model the request's ACTIVE campaign serves."""
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
    if not isinstance(model, Model):
        raise not_found(campaign["solutionVersionArn"])
    return model


def _items(ranked: Ranked, scored: bool) -> list[dict[str, Any]]:
    """itemList entries: `{itemId, score}`, or `{itemId}` where there is no score to show."""
    return [
        {"itemId": item}
        if score is None or not scored
        else {"itemId": item, "score": round(score, 7)}
        for item, score in ranked
    ]


def get_recommendations(emu: Emulator, p: dict[str, Any]) -> dict[str, Any]:
    """USER_PERSONALIZATION recipes need userId, RELATED_ITEMS recipes need itemId."""
    model = _model(emu, p)
    if model.recipe_type == RANKING:
        raise InvalidInput(
            f"Campaign {p['campaignArn']} serves a solution of recipe type {RANKING} "
            f"({model.recipe}): rank items with GetPersonalizedRanking (userId, inputList)."
        )
    count = p.get("numResults") or DEFAULT_RESULTS
    if count > MAX_RESULTS:
        raise InvalidInput(f"numResults must be at most {MAX_RESULTS}.")
    ranked: Ranked
    if model.recipe_type == "RELATED_ITEMS":
        if not p.get("itemId"):
            raise InvalidInput(f"itemId is required for a {model.recipe} campaign.")
        ranked = list(model.related(p["itemId"], count))
    else:
        if not p.get("userId"):
            raise InvalidInput(f"userId is required for a {model.recipe} campaign.")
        ranked = list(model.for_user(p["userId"], count))
    return {
        "itemList": _items(ranked, model.shows_scores),
        "recommendationId": f"RID-{uuid.uuid4()}",
    }


def get_personalized_ranking(emu: Emulator, p: dict[str, Any]) -> dict[str, Any]:
    """The user's ranking of inputList; items the model was not trained on come last, unscored."""
    model = _model(emu, p)
    if model.recipe_type != RANKING:
        raise InvalidInput(
            f"Campaign {p['campaignArn']} serves a solution of recipe type {model.recipe_type} "
            f"({model.recipe}); GetPersonalizedRanking needs a campaign whose solution was "
            f"created with a recipe of type {RANKING}."
        )
    if not p.get("userId"):
        raise InvalidInput("userId is required.")
    items = p.get("inputList") or []
    if len(items) > MAX_INPUT_ITEMS:
        raise InvalidInput(f"inputList must hold at most {MAX_INPUT_ITEMS} items.")
    return {
        "personalizedRanking": _items(model.rank(p["userId"], items), scored=True),
        "recommendationId": f"RID-{uuid.uuid4()}",
    }


#: Runtime operation -> its handler; server.py routes each by the URI in botocore's model.
HANDLERS: dict[str, Callable[[Emulator, dict[str, Any]], dict[str, Any]]] = {
    "GetRecommendations": get_recommendations,
    "GetPersonalizedRanking": get_personalized_ranking,
}
