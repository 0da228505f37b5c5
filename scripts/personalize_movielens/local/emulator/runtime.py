"""Personalize Runtime: GetRecommendations and GetPersonalizedRanking from a campaign's trained
solution version.

The recipe type of the campaign's solution decides the operation, as the API reference says:
USER_PERSONALIZATION campaigns take a userId, RELATED_ITEMS campaigns an itemId, and "Campaigns
that are backed by a solution created using a recipe of type PERSONALIZED_RANKING use the
GetPersonalizedRanking API". Answers carry a score only where the guide says the recipe has one.

A trained model never changes, so each model keeps the item lists of its latest GetRecommendations
questions (user or item, numResults, the user's recorded events) as JSON text: a question asked
again is answered without scoring again, with a recommendationId of its own.

Events recorded with PutEvents (`events.py`) change a user's next recommendations without
retraining where the guide says so (recording-events.html: "This does not require retraining the
model (unless you are using the SIMS or Popularity-Count recipes for custom solutions). Instead,
Amazon Personalize adds the new recorded event data to the user's history"): for the
User-Personalization and Personalized-Ranking recipes (and their v2), the model ranks with the
user's recorded events appended to their history; similar-items and popularity-count answer
from the trained model alone. A new event makes a new question, so no cached answer is stale.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .errors import InvalidInput, not_found
from .events import recorded_events
from .service import Emulator
from .training import Model, Ranked

DEFAULT_RESULTS = 25
MAX_RESULTS = 500
#: The API reference on inputList: "the maximum is 500".
MAX_INPUT_ITEMS = 500
RANKING = "PERSONALIZED_RANKING"
#: GetRecommendations answers kept per model (the most recently asked): about 1 KB each.
CACHED_ANSWERS = 4096
#: Recipes that use recorded events at once ("real-time personalization"), as listed in
#: recording-events.html#recorded-events-influence-recommendations.
REALTIME_RECIPES = frozenset(
    {
        "aws-user-personalization",
        "aws-user-personalization-v2",
        "aws-personalized-ranking",
        "aws-personalized-ranking-v2",
    }
)
#: A question: (userId or itemId, its value, numResults, the user's recorded items).
Question = tuple[str, str, int, tuple[str, ...]]


class JsonText(str):
    """An answer already encoded as JSON: the server sends it as it is."""


class _Answers:
    """A model's latest GetRecommendations item lists, as JSON text. A trained model never
    changes (filters are refused), so the same question always has the same answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: OrderedDict[Question, str] = OrderedDict()

    def get(self, key: Question) -> str | None:
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
            return text

    def put(self, key: Question, text: str) -> None:
        with self._lock:
            self._texts[key] = text
            if len(self._texts) > CACHED_ANSWERS:
                self._texts.popitem(last=False)


_ANSWERS: weakref.WeakKeyDictionary[Model, _Answers] = weakref.WeakKeyDictionary()
_ANSWERS_LOCK = threading.Lock()


def _answers(model: Model) -> _Answers:
    with _ANSWERS_LOCK:
        answers = _ANSWERS.get(model)
        if answers is None:
            answers = _ANSWERS[model] = _Answers()
        return answers


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


def campaign_group(emu: Emulator, campaign_arn: str) -> str | None:
    """The dataset group of the campaign's solution (None if it is gone meanwhile)."""
    with emu.store.lock:
        campaign = emu.store.find("campaign", campaign_arn)
        version = campaign and emu.store.find("solution_version", campaign["solutionVersionArn"])
        solution = version and emu.store.find("solution", version["solutionArn"])
        return solution["datasetGroupArn"] if solution else None


def recent_items(emu: Emulator, model: Model, group_arn: str | None, user_id: str) -> list[str]:
    """The items of the user's recorded events, oldest first, where the recipe uses them."""
    if model.recipe not in REALTIME_RECIPES or not group_arn:
        return []
    return [event.item_id for event in recorded_events(emu, group_arn, user_id)]


def item_list(model: Model, p: dict[str, Any], recent: list[str] | None = None) -> str:
    """A GetRecommendations itemList as JSON text, for the request parameters `p` (userId or
    itemId, numResults) and the user's `recent` items: GetRecommendations and every line of a
    batch inference job answer through it."""
    count = p.get("numResults") or DEFAULT_RESULTS
    if count > MAX_RESULTS:
        raise InvalidInput(f"numResults must be at most {MAX_RESULTS}.")
    field = "itemId" if model.recipe_type == "RELATED_ITEMS" else "userId"
    if not p.get(field):
        raise InvalidInput(f"{field} is required for a {model.recipe} solution.")
    key: Question = (field, p[field], count, tuple(recent or ()))
    answers = _answers(model)
    items = answers.get(key)
    if items is None:
        ranked: Ranked
        if field == "itemId":
            ranked = list(model.related(p["itemId"], count))
        else:
            ranked = list(model.for_user(p["userId"], count, recent))
        items = json.dumps(_items(ranked, model.shows_scores))
        answers.put(key, items)
    return items


def get_recommendations(emu: Emulator, p: dict[str, Any]) -> JsonText:
    """USER_PERSONALIZATION recipes need userId, RELATED_ITEMS recipes need itemId."""
    model = _model(emu, p)
    if model.recipe_type == RANKING:
        raise InvalidInput(
            f"Campaign {p['campaignArn']} serves a solution of recipe type {RANKING} "
            f"({model.recipe}): rank items with GetPersonalizedRanking (userId, inputList)."
        )
    recent = []
    if p.get("userId") and model.recipe_type != "RELATED_ITEMS":
        recent = recent_items(emu, model, campaign_group(emu, p["campaignArn"]), p["userId"])
    items = item_list(model, p, recent)
    recommendation = json.dumps(f"RID-{uuid.uuid4()}")
    return JsonText(f'{{"itemList": {items}, "recommendationId": {recommendation}}}')


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
    recent = recent_items(emu, model, campaign_group(emu, p["campaignArn"]), p["userId"])
    return {
        "personalizedRanking": _items(model.rank(p["userId"], items, recent), scored=True),
        "recommendationId": f"RID-{uuid.uuid4()}",
    }


#: Runtime operation -> its handler; server.py routes each by the URI in botocore's model.
HANDLERS: dict[str, Callable[[Emulator, dict[str, Any]], dict[str, Any] | JsonText]] = {
    "GetRecommendations": get_recommendations,
    "GetPersonalizedRanking": get_personalized_ranking,
}
