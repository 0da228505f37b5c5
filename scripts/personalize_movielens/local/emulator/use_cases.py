"""The VIDEO_ON_DEMAND use cases a recommender serves: what each trains on, what it needs, how
it answers.

From the developer guide's VIDEO_ON_DEMAND-use-cases.html: every use case needs 1000
interactions and 25 users with two or more; because-you-watched-x and most-popular need "At
minimum, 1000 `Watch` events"; more-like-x trains on "Interactions (required), Items
(required)". GetRecommendations requirements: userId and itemId "Required" for
because-you-watched-x and more-like-x; userId "Required", itemId "Not used" for most-popular and
top-picks; trending-now's userId is "Required only if you filter by CurrentUser or by items a
user has interacted with". How the emulator trains each (approximations, documented in
docs/local-emulator.md) is the `train` of each use case, from `emulator/training.py`.

What each leaves out on its own: for because-you-watched-x, more-like-x and top-picks the guide
says "Amazon Personalize automatically filters videos the user watched based on the userId that
you specify and `Watch` events", so those answers leave out the user's Watch items (imported
and recorded by PutEvents), never what they only clicked; for most-popular and trending-now it
says nothing, so their one list leaves out nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from . import training
from .training import Frame, Model, Ranked

VIDEO_ON_DEMAND = "VIDEO_ON_DEMAND"
#: The guide's minimum number of Watch events for the use cases that train on them.
MIN_WATCH_EVENTS = 1000
Need = Literal["required", "optional", "not used"]


@dataclass(frozen=True)
class UseCase:
    """One domain use case (its recipe name is the key of `USE_CASES`)."""

    domain: str
    user_id: Need
    item_id: Need
    #: Trains on Watch events only (and needs MIN_WATCH_EVENTS of them).
    watch_only: bool
    #: Needs imported Items.
    needs_items: bool
    train: Callable[[Frame], Model]
    #: How a request is answered: for its user, from its item, or one list for everyone.
    answer: Literal["user", "item", "list"]


def _user_model(frame: Frame) -> Model:
    """User-personalization over `frame`, keeping each user's Watch items apart: what the
    automatic filter leaves out."""
    return training.with_watched(training.fit(frame, "aws-user-personalization"), frame)


def _popular(frame: Frame) -> Model:
    return training.fit(frame, training.POPULARITY)


USE_CASES: dict[str, UseCase] = {
    # Item-to-item co-occurrence over Watch events; the user's Watch items left out.
    "aws-vod-because-you-watched-x": UseCase(
        VIDEO_ON_DEMAND, "required", "required", True, False, _user_model, "item"
    ),
    # Similar items (co-occurrence over every event); needs Items; the user's Watch items
    # left out.
    "aws-vod-more-like-x": UseCase(
        VIDEO_ON_DEMAND, "required", "required", False, True, _user_model, "item"
    ),
    # "videos that have been watched by the most users": distinct users of Watch events;
    # the same list for everyone, nothing left out.
    "aws-vod-most-popular": UseCase(
        VIDEO_ON_DEMAND, "required", "not used", True, False, _popular, "list"
    ),
    "aws-vod-trending-now": UseCase(
        VIDEO_ON_DEMAND, "optional", "not used", False, False, training.fit_trending, "list"
    ),
    # User-personalization over every event (recorded ones too), the user's Watch items left
    # out.
    "aws-vod-top-picks": UseCase(
        VIDEO_ON_DEMAND, "required", "not used", False, False, _user_model, "user"
    ),
}


#: Use cases whose answers follow the user's recorded events at once: getting-real-time-
#: recommendations.html, "If you use domain use cases or recipes that provide real-time
#: personalization, such as the Top picks for you use case or the User-Personalization recipe,
#: Amazon Personalize updates recommendations based on your user's most recent activity".
REAL_TIME = frozenset({"aws-vod-top-picks"})


def answer(
    use_case: UseCase,
    model: Model,
    user_id: str,
    item_id: str,
    n: int,
    recent: list[str] | None = None,
    recent_watched: list[str] | None = None,
) -> Ranked:
    """The ranked items of a GetRecommendations request (its needs already checked); `recent`,
    the items of the user's recorded events, join their history where the use case is
    real-time; `recent_watched`, those of their recorded Watch events, are left out with the
    Watch items the model holds."""
    ranked: list[tuple[str, float]]
    if use_case.answer == "item":
        ranked = model.related_unseen(item_id, user_id, n, recent_watched)
    elif use_case.answer == "user":
        ranked = model.for_user(user_id, n, recent, recent_watched)
    else:
        ranked = model.recommend([], n)
    return list(ranked)
