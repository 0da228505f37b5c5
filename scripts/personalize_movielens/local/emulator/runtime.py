"""Personalize Runtime: GetRecommendations and GetPersonalizedRanking from a campaign's trained
solution version, and GetRecommendations from a recommender's model (its use case decides what
the request must give, `emulator/use_cases.py`).

The recipe type of the campaign's solution decides the operation, as the API reference says:
USER_PERSONALIZATION campaigns take a userId, RELATED_ITEMS campaigns an itemId, and "Campaigns
that are backed by a solution created using a recipe of type PERSONALIZED_RANKING use the
GetPersonalizedRanking API". Answers carry a score only where the guide says the recipe has one.

A trained model never changes, so each model keeps the item lists of its latest GetRecommendations
questions (user or item, numResults, the user's recorded events) as JSON text: a question asked
again is answered without scoring again, with a recommendationId of its own. A filtered question
is never cached: what a filter lets through changes with the data (imports, events).

Filters (filterArn, filterValues) apply at one point, `ranked`, after the model ranks and before
the list is cut to numResults, so every path that ranks through it (campaigns, recommenders,
batch inference jobs) is filtered.

Events recorded with PutEvents (`events.py`) change a user's next recommendations without
retraining where the guide says so (recording-events.html: "This does not require retraining the
model (unless you are using the SIMS or Popularity-Count recipes for custom solutions). Instead,
Amazon Personalize adds the new recorded event data to the user's history"): for the
User-Personalization and Personalized-Ranking recipes (and their v2), the model ranks with the
user's recorded events appended to their history; similar-items and popularity-count answer
from the trained model alone. A new event makes a new question, so no cached answer is stale.

metadataColumns (GetRecommendations, GetPersonalizedRanking) adds each item's `metadata`, its
Items row's asked columns as text, where the campaign's campaignConfig or the recommender's
recommenderConfig has enableMetadataWithRecommendations (getting-recommendations-with-
metadata.html: "If you configured your campaign or recommender to return metadata for
recommended items, you can specify the columns to include"); otherwise it is refused.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .errors import InvalidInput, not_found
from .events import recorded_events
from .filtering import Applied, applied_filter, group_schemas
from .filtering import rows as item_rows
from .service import Emulator
from .training import Model, Ranked, is_watch, recipe_name
from .use_cases import REAL_TIME, USE_CASES, answer

DEFAULT_RESULTS = 25
#: metadataColumns' one map key, and how many columns it may name (the API reference).
ITEMS_KEY = "ITEMS"
MAX_METADATA_COLUMNS = 10
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


class JsonText(str):
    """An answer already encoded as JSON: the server sends it as it is."""


class _Answers:
    """A model's latest unfiltered GetRecommendations item lists, as JSON text. A trained model
    never changes, so the same question always has the same answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: OrderedDict[tuple[str, ...], str] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> str | None:
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
            return text

    def put(self, key: tuple[str, ...], text: str) -> None:
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
    if not p.get("campaignArn"):
        raise InvalidInput("campaignArn is required.")
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


@dataclass(frozen=True)
class _Source:
    """What answers a GetRecommendations request: a campaign's or a recommender's model, how
    it ranks for the request, whether its answers show scores, and its dataset group (whose
    filters the request may name)."""

    model: Model
    rank: Callable[[int], Ranked]
    scored: bool
    #: The request's members that decide its answer (with numResults): the cache key.
    key: tuple[str, ...]
    dataset_group_arn: str
    #: Whether the campaign or recommender was created (or updated) with
    #: enableMetadataWithRecommendations, and its ARN (for the error when it was not).
    metadata_enabled: bool = False
    arn: str = ""


def _campaign_source(emu: Emulator, p: dict[str, Any]) -> _Source:
    """The campaign's model, with the user's recorded events where its recipe uses them."""
    model = _model(emu, p)
    if model.recipe_type == RANKING:
        raise InvalidInput(
            f"Campaign {p['campaignArn']} serves a solution of recipe type {RANKING} "
            f"({model.recipe}): rank items with GetPersonalizedRanking (userId, inputList)."
        )
    group = _dataset_group(emu, p)
    recent = []
    if p.get("userId") and model.recipe_type != "RELATED_ITEMS":
        recent = recent_items(emu, model, group, p["userId"])
    source = model_source(model, p, group, recent, "campaign")
    return replace(source, metadata_enabled=_campaign_metadata(emu, p), arn=p["campaignArn"])


def _campaign_metadata(emu: Emulator, p: dict[str, Any]) -> bool:
    with emu.store.lock:
        campaign = emu.store.get("campaign", p["campaignArn"])
        return _metadata_enabled(campaign.get("campaignConfig"))


def _metadata_enabled(config: dict[str, Any] | None) -> bool:
    return (config or {}).get("enableMetadataWithRecommendations") is True


def _metadata_columns(p: dict[str, Any]) -> list[str]:
    """The Items columns the request's metadataColumns asks for (none without it). The API
    reference: "The map key is ITEMS and the value is a list of column names from your Items
    dataset. The maximum number of columns you can provide is 10." """
    given: dict[str, list[str]] = p.get("metadataColumns") or {}
    for key in given:
        if key != ITEMS_KEY:
            raise InvalidInput(f"metadataColumns: the map key is {ITEMS_KEY}, not {key}.")
    columns = list(given.get(ITEMS_KEY) or [])
    if len(columns) > MAX_METADATA_COLUMNS:
        raise InvalidInput(
            f"metadataColumns: at most {MAX_METADATA_COLUMNS} columns, {len(columns)} given."
        )
    return columns


def with_metadata(
    emu: Emulator,
    entries: list[dict[str, Any]],
    columns: list[str],
    enabled: bool,
    arn: str,
    group_arn: str,
) -> list[dict[str, Any]]:
    """`entries` (itemList or personalizedRanking) with each item's `metadata`: the asked
    columns of its Items row, as text (an item without a row, or a null value, has none).
    Refused unless the campaign or recommender enabled metadata in recommendations and each
    column is a field of the dataset group's Items schema."""
    if not enabled:
        raise InvalidInput(
            f"metadataColumns needs metadata in recommendations: {arn} was not created or "
            "updated with enableMetadataWithRecommendations set to true."
        )
    datasets = group_schemas(emu, group_arn)
    if "Items" not in datasets:
        raise InvalidInput(f"metadataColumns: dataset group {group_arn} has no Items dataset.")
    fields = [f.name for f in datasets["Items"][1].fields]
    unknown = [column for column in columns if column not in fields]
    if unknown:
        raise InvalidInput(
            f"metadataColumns: {', '.join(unknown)} not in the Items schema "
            f"(its columns: {', '.join(fields)})."
        )
    needs = frozenset(("Items", column) for column in columns if column != "ITEM_ID")
    ids = [entry["itemId"] for entry in entries]
    found = item_rows(emu, datasets, needs, "Items", ids)
    for entry in entries:
        row = found.get(entry["itemId"])
        if row is not None:
            entry["metadata"] = {
                column: _text(row[column]) for column in columns if row[column] is not None
            }
    return entries


def _text(value: Any) -> str:
    """A metadata value as the API's string (ColumnValue)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def model_source(
    model: Model, p: dict[str, Any], group_arn: str, recent: list[str], what: str
) -> _Source:
    """A solution version's model answering `p`: USER_PERSONALIZATION recipes need userId,
    RELATED_ITEMS recipes need itemId; `recent` items join the user's history."""
    field = "itemId" if model.recipe_type == "RELATED_ITEMS" else "userId"
    if not p.get(field):
        raise InvalidInput(f"{field} is required for a {model.recipe} {what}.")
    key = str(p[field])

    def rank(n: int) -> Ranked:
        if field == "itemId":
            return list(model.related(key, n))
        return list(model.for_user(key, n, recent))

    return _Source(model, rank, model.shows_scores, (field, key, *recent), group_arn)


def _recommender_source(emu: Emulator, p: dict[str, Any]) -> _Source:
    """An ACTIVE recommender's model; its use case decides whether userId and itemId are
    required. How scores work: "Amazon Personalize doesn't show scores for domain
    recommenders"."""
    arn = p["recommenderArn"]
    with emu.store.lock:
        recommender = emu.store.find("recommender", arn)
        if recommender is None:
            raise not_found(arn)
        if recommender["status"] != "ACTIVE":
            raise InvalidInput(
                f"Recommender {arn} is in status {recommender['status']}, not ACTIVE."
            )
        model = emu.store.models.get(arn)
        group = str(recommender["datasetGroupArn"])
        metadata = _metadata_enabled(recommender.get("recommenderConfig"))
    if not isinstance(model, Model):
        raise not_found(arn)
    name = recipe_name(recommender["recipeArn"])
    use_case = USE_CASES[name]
    for field, need in (("userId", use_case.user_id), ("itemId", use_case.item_id)):
        if need == "required" and not p.get(field):
            raise InvalidInput(f"{field} is required for a recommender of use case {name}.")
    user, item = p.get("userId", ""), p.get("itemId", "")
    recent: list[str] = []
    watched: list[str] = []
    if user and use_case.answer != "list":  # the one list for everyone ignores the user
        events = recorded_events(emu, group, user)
        # Every recorded event joins a real-time use case's history; only Watch events are
        # left out (the automatic filter "based on ... `Watch` events").
        recent = [event.item_id for event in events] if name in REAL_TIME else []
        watched = [event.item_id for event in events if is_watch(event.event_type)]
    return _Source(
        model,
        lambda n: answer(use_case, model, user, item, n, recent, watched),
        False,
        ("r", user, item, *recent, "watched", *watched),
        group,
        metadata,
        arn,
    )


def _dataset_group(emu: Emulator, p: dict[str, Any]) -> str:
    """The dataset group of the request's campaign (through its solution version)."""
    with emu.store.lock:
        campaign = emu.store.get("campaign", p["campaignArn"])
        version = emu.store.get("solution_version", campaign["solutionVersionArn"])
        return str(version["datasetGroupArn"])


def ranked(
    rank: Callable[[int], Ranked], count: int, universe: int, applied: Applied | None = None
) -> Ranked:
    """The top `count` items of a ranking, the filter applied before the cut: the model ranks
    more items until `count` pass the filter or all `universe` items are ranked. Every
    GetRecommendations path (campaigns, recommenders) ranks through here."""
    if applied is None:
        return rank(count)
    asked = count
    while True:
        candidates = rank(asked)
        kept = applied.keep(candidates)
        if len(kept) >= count or len(candidates) < asked or asked >= universe:
            return kept[:count]
        asked = min(asked * 4, universe)


def _items(ranked: Ranked, scored: bool) -> list[dict[str, Any]]:
    """itemList entries: `{itemId, score}`, or `{itemId}` where there is no score to show."""
    return [
        {"itemId": item}
        if score is None or not scored
        else {"itemId": item, "score": round(score, 7)}
        for item, score in ranked
    ]


def recent_items(emu: Emulator, model: Model, group_arn: str, user_id: str) -> list[str]:
    """The items of the user's recorded events, oldest first, where the recipe uses them."""
    if model.recipe not in REALTIME_RECIPES:
        return []
    return [event.item_id for event in recorded_events(emu, group_arn, user_id)]


def item_list(emu: Emulator, source: _Source, p: dict[str, Any]) -> str:
    """A GetRecommendations itemList as JSON text, for the request parameters `p` (numResults,
    filterArn, filterValues): GetRecommendations and every line of a batch inference job answer
    through it."""
    count = p.get("numResults") or DEFAULT_RESULTS
    if count > MAX_RESULTS:
        raise InvalidInput(f"numResults must be at most {MAX_RESULTS}.")
    universe = len(source.model.items)
    applied = applied_filter(emu, p, source.dataset_group_arn, p.get("userId"), p.get("itemId"))
    if applied is not None:  # filtered answers follow new data: never cached
        return json.dumps(_items(ranked(source.rank, count, universe, applied), source.scored))
    key = (*source.key, str(count))
    answers = _answers(source.model)
    cached = answers.get(key)
    if cached is None:
        cached = json.dumps(_items(ranked(source.rank, count, universe), source.scored))
        answers.put(key, cached)
    return cached


def get_recommendations(emu: Emulator, p: dict[str, Any]) -> JsonText:
    """From a campaign (campaignArn) or a recommender (recommenderArn), never both; the same
    ranking and answer for either."""
    if p.get("campaignArn") and p.get("recommenderArn"):
        raise InvalidInput("Specify either campaignArn or recommenderArn, not both.")
    pick = _recommender_source if p.get("recommenderArn") else _campaign_source
    columns = _metadata_columns(p)
    source = pick(emu, p)
    items = item_list(emu, source, p)
    if columns:
        entries = with_metadata(
            emu,
            json.loads(items),
            columns,
            source.metadata_enabled,
            source.arn,
            source.dataset_group_arn,
        )
        items = json.dumps(entries)
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
    columns = _metadata_columns(p)
    group = _dataset_group(emu, p)
    recent = recent_items(emu, model, group, p["userId"])
    ranking = model.rank(p["userId"], items, recent)
    applied = applied_filter(emu, p, group, p["userId"], None)
    if applied is not None:
        ranking = applied.keep(ranking)
    entries = _items(ranking, scored=True)
    if columns:
        enabled = _campaign_metadata(emu, p)
        entries = with_metadata(emu, entries, columns, enabled, p["campaignArn"], group)
    return {"personalizedRanking": entries, "recommendationId": f"RID-{uuid.uuid4()}"}


#: Runtime operation -> its handler; server.py routes each by the URI in botocore's model.
HANDLERS: dict[str, Callable[[Emulator, dict[str, Any]], dict[str, Any] | JsonText]] = {
    "GetRecommendations": get_recommendations,
    "GetPersonalizedRanking": get_personalized_ranking,
}
