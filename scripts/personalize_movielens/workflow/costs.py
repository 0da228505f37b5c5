"""What billable actions roughly cost, so every create can say so before it happens.

Approximate on-demand prices of Amazon Personalize in us-east-1 as published on
https://aws.amazon.com/personalize/pricing/ (checked 2024-11; other regions cost more, tiers
drop with volume). They are for statements to the user, never for billing decisions.
"""

from __future__ import annotations

PRICES_AS_OF = "2024-11, us-east-1, first pricing tier"
PRICING_URL = "https://aws.amazon.com/personalize/pricing/"

#: USD per GB of data ingested by a dataset import job.
INGESTION_PER_GB = 0.05
#: USD per training hour (one hour of 4 vCPU / 8 GiB; Personalize may use several at once).
TRAINING_PER_HOUR = 0.24
#: USD per TPS-hour of real-time recommendations (first 20K TPS-hours a month).
CAMPAIGN_PER_TPS_HOUR = 0.20
#: Typical training hours billed for MovieLens 25M with user-personalization-v2 (observed range).
TYPICAL_TRAINING_HOURS = (2, 8)


def import_cost(size_bytes: int) -> str:
    """A sentence on the ingestion cost of importing `size_bytes`."""
    usd = INGESTION_PER_GB * size_bytes / 1e9
    return f"~${usd:.2f} ingestion (${INGESTION_PER_GB}/GB, approx., {PRICES_AS_OF})"


def training_cost() -> str:
    """A sentence on the cost of one solution version (training is billed by training hour)."""
    low, high = TYPICAL_TRAINING_HOURS
    return (
        f"billed ${TRAINING_PER_HOUR}/training hour, typically {low}-{high} training hours "
        f"(~${TRAINING_PER_HOUR * low:.2f}-${TRAINING_PER_HOUR * high:.2f}) for MovieLens 25M "
        f"(approx., {PRICES_AS_OF})"
    )


def campaign_hourly(min_tps: int) -> float:
    """USD per hour a campaign costs while it exists, at its minimum provisioned TPS."""
    return CAMPAIGN_PER_TPS_HOUR * max(1, min_tps)


def campaign_cost(min_tps: int) -> str:
    """A sentence on the running cost of a campaign: it bills every hour, used or not."""
    hourly = campaign_hourly(min_tps)
    return (
        f"~${hourly:.2f}/hour (~${hourly * 24 * 30:.0f}/month) while it exists, used or not "
        f"({min_tps} TPS x ${CAMPAIGN_PER_TPS_HOUR}/TPS-hour, approx., {PRICES_AS_OF}); "
        "delete it with `personalize-movielens clean-cloud`"
    )
