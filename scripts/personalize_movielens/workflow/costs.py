"""What billable actions roughly cost, so every create can say so before it happens.

Approximate on-demand prices of Amazon Personalize in us-east-1 as published on
https://aws.amazon.com/personalize/pricing/ (checked 2024-11; other regions cost more, tiers
drop with volume). They are for statements to the user, never for billing decisions.

Prices depend on the recipe: most custom recipes bill training by the training hour and
campaigns by the TPS-hour, but User-Personalization-v2 and Personalized-Ranking-v2 "use a
different pricing model than other recipes" (their recipe pages in the developer guide). This
tool does not carry those prices, so for them it says the price is unknown and points to the
pricing page rather than quote a number that would be wrong.
"""

from __future__ import annotations

from .naming import recipe_name

PRICES_AS_OF = "2024-11, us-east-1, first pricing tier"
PRICING_URL = "https://aws.amazon.com/personalize/pricing/"

#: USD per GB of data ingested by a dataset import job.
INGESTION_PER_GB = 0.05
#: USD per training hour (one hour of 4 vCPU / 8 GiB; Personalize may use several at once).
TRAINING_PER_HOUR = 0.24
#: USD per TPS-hour of real-time recommendations (first 20K TPS-hours a month).
CAMPAIGN_PER_TPS_HOUR = 0.20
#: USD per GB-month of S3 Standard storage (us-east-1, first 50 TB).
S3_STORAGE_PER_GB_MONTH = 0.023
#: Recipes with their own pricing model, whose prices this tool does not know.
OWN_PRICING_RECIPES = frozenset({"aws-user-personalization-v2", "aws-personalized-ranking-v2"})
#: Typical training hours billed for MovieLens 25M, where observed (other recipes: unknown).
TYPICAL_TRAINING_HOURS = {"aws-user-personalization": (2, 8)}


def prices_known(recipe: str) -> bool:
    """Whether the per-training-hour and per-TPS-hour prices above apply to `recipe`."""
    return recipe_name(recipe) not in OWN_PRICING_RECIPES


def unknown_price(recipe: str) -> str:
    return (
        f"price unknown to this tool: {recipe_name(recipe)} has its own pricing model, "
        f"not the per-training-hour / per-TPS-hour prices of other recipes; see {PRICING_URL}"
    )


def import_cost(size_bytes: int) -> str:
    """A sentence on the ingestion cost of importing `size_bytes`."""
    usd = INGESTION_PER_GB * size_bytes / 1e9
    return f"~${usd:.2f} ingestion (${INGESTION_PER_GB}/GB, approx., {PRICES_AS_OF})"


def storage_cost(size_bytes: int) -> str:
    """A sentence on what keeping `size_bytes` in S3 costs until it is deleted."""
    usd = S3_STORAGE_PER_GB_MONTH * size_bytes / 1e9
    return (
        f"~${usd:.3f}/month of S3 storage until deleted (${S3_STORAGE_PER_GB_MONTH}/GB-month, "
        "S3 Standard, us-east-1, approx.; `clean-cloud --data` deletes it)"
    )


def training_cost(recipe: str) -> str:
    """A sentence on the cost of one solution version of `recipe`."""
    if not prices_known(recipe):
        return unknown_price(recipe)
    text = f"billed ${TRAINING_PER_HOUR}/training hour"
    hours = TYPICAL_TRAINING_HOURS.get(recipe_name(recipe))
    if hours:
        low, high = hours
        text += (
            f", typically {low}-{high} training hours "
            f"(~${TRAINING_PER_HOUR * low:.2f}-${TRAINING_PER_HOUR * high:.2f}) for MovieLens 25M"
        )
    else:
        text += ", how many depends on the data"
    return f"{text} (approx., {PRICES_AS_OF})"


def campaign_hourly(min_tps: int, recipe: str) -> float | None:
    """USD per hour a campaign of `recipe` costs while it exists at its minimum TPS, or None
    when the recipe's price is unknown."""
    if not prices_known(recipe):
        return None
    return CAMPAIGN_PER_TPS_HOUR * max(1, min_tps)


def campaign_cost(min_tps: int, recipe: str) -> str:
    """A sentence on the running cost of a campaign: it bills every hour, used or not."""
    hourly = campaign_hourly(min_tps, recipe)
    delete = "delete it with `personalize-movielens clean-cloud`"
    if hourly is None:
        return f"bills every hour while it exists, used or not ({unknown_price(recipe)}); {delete}"
    return (
        f"~${hourly:.2f}/hour (~${hourly * 24 * 30:.0f}/month) while it exists, used or not "
        f"({min_tps} TPS x ${CAMPAIGN_PER_TPS_HOUR}/TPS-hour, approx., {PRICES_AS_OF}); {delete}"
    )


# --- Recommenders (VIDEO_ON_DEMAND domain) ---------------------------------------------------
#: Where the guide says what a recommender bills (creating-recommenders.html, "Minimum
#: recommendation requests per second and auto-scaling"): "Your bill is the greater of either
#: the minimum requests per hour (based on minRecommendationRequestsPerSecond) or the actual
#: number of requests." and "The default minRecommendationRequestsPerSecond is 1."
RECOMMENDER_PRICING_GUIDE = (
    "https://docs.aws.amazon.com/personalize/latest/dg/creating-recommenders.html"
    "#min-rrps-auto-scaling"
)
#: CreateRecommender's default minRecommendationRequestsPerSecond (the guide, above).
DEFAULT_MIN_RPS = 1
SECONDS_PER_HOUR = 3600


def recommender_hourly_requests(min_rps: int) -> int:
    """The requests a recommender bills per hour at least, while ACTIVE: minRPS x 3,600."""
    return max(1, min_rps) * SECONDS_PER_HOUR


def recommender_cost(min_rps: int) -> str:
    """A recommender's cost basis. The per-request price of domain recommenders is not carried
    by this tool (a number that would be wrong is worse than none), so it names the basis and
    points to the pricing page."""
    requests = recommender_hourly_requests(min_rps)
    return (
        f"bills every hour while ACTIVE for the greater of {requests:,} "
        f"requests ({min_rps} min RPS x 3,600) and the requests actually made, plus its training "
        f"and the automatic retraining every 7 days; per-request and training prices: "
        f"{PRICING_URL} (basis: {RECOMMENDER_PRICING_GUIDE}); `recommenders stop` pauses the "
        "billing, `clean-cloud` deletes it"
    )


# --- Real-time events and batch recommendations (`events`, `batch`) ---------------------------
#
# PutEvents is billed as data ingestion (the pricing page's "Data ingestion", per GB, for bulk
# imports and streamed events alike): the tool states the size of what it sends. A batch
# inference job is billed for what it computes, once, with no campaign running: the guide's
# getting-recommendations.html: "For batch recommendations, you don't need to create a
# campaign." The batch price itself is not carried: no stored copy of the pricing page could be
# found to check a figure against, so the tool says what the job computes and points to
# PRICING_URL rather than quote a precise-looking number (and for the v2 recipes, whose pricing
# model is their own, it says so as unknown_price() does).


def events_cost(payload_bytes: int) -> str:
    """A sentence on what sending `payload_bytes` of events with PutEvents costs."""
    usd = INGESTION_PER_GB * payload_bytes / 1e9
    return (
        f"~${usd:.4f} data ingestion for {payload_bytes:,} bytes of events "
        f"(${INGESTION_PER_GB}/GB, approx., {PRICES_AS_OF}; {PRICING_URL})"
    )


def batch_cost(users: int, recipe: str) -> str:
    """A sentence on a batch inference job of `recipe` for `users` users, beside what a
    campaign of the same recipe costs (or that its price is unknown)."""
    job = f"{users:,} recommendation lists, billed once for the job, with no campaign"
    if not prices_known(recipe):
        return f"{job}; {unknown_price(recipe)}"
    campaign_month = CAMPAIGN_PER_TPS_HOUR * 24 * 30
    return (
        f"{job} (price: {PRICING_URL}; this tool does not know the current batch price); "
        f"a campaign of {recipe_name(recipe)} instead bills every hour it exists, used "
        f"or not (${CAMPAIGN_PER_TPS_HOUR}/TPS-hour, ~${campaign_month:.0f}/month at 1 TPS, "
        f"approx., {PRICES_AS_OF})"
    )
