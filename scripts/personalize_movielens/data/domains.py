"""What `data prepare --domain video-on-demand` makes of MovieLens, decided in one place.

The developer guide asks of a VIDEO_ON_DEMAND Interactions dataset an "EVENT_TYPE (string and
depending on use case, Watch and Click event types)" (VIDEO-ON-DEMAND-interactions-dataset.html)
and of its Items a categorical GENRES and a CREATION_TIMESTAMP. MovieLens has ratings, a
genres column that may say "(no genres listed)", and no catalogue dates. Decisions
(docs/operations.md, "Preparing for the VIDEO_ON_DEMAND domain", says why):

- one interaction per rating: `Watch` at or above the watch threshold, `Click` below it;
- a movie's CREATION_TIMESTAMP is its first rating's time; a movie nobody rated gets the last
  rating's time (new to the catalogue when the data ends);
- a movie without genres keeps MovieLens's own words, "(no genres listed)", as its one genre.
"""

from __future__ import annotations

from ..errors import DataError
from ..outputs import DOMAINS
from .movielens import NO_GENRES

#: The guide's two VIDEO_ON_DEMAND event types, spelled as the guide spells them.
WATCH = "Watch"
CLICK = "Click"
#: Ratings at or above this are `Watch` events: AWS's VIDEO_ON_DEMAND sample on MovieLens keeps
#: "movies rated higher than 3 out of 5" as watched, which on MovieLens's half-star scale is 3.5.
DEFAULT_WATCH_THRESHOLD = 3.5
#: The one genre of a movie whose genres MovieLens does not list (GENRES may not be empty there).
GENRES_WHEN_NONE = NO_GENRES
#: `--domain` values: the API's names in lower case with hyphens (video-on-demand).
DOMAIN_OPTIONS: dict[str, str] = {d.lower().replace("_", "-"): d for d in sorted(DOMAINS)}
#: Light on purpose (no polars): `upload` and `import` read it through prepared.py.


def domain_from_option(value: str | None) -> str | None:
    """The API's domain name for a `--domain` value (either spelling); None for none (custom)."""
    if value is None:
        return None
    spelled = value.strip().lower().replace("_", "-")
    if spelled not in DOMAIN_OPTIONS:
        known = ", ".join(DOMAIN_OPTIONS)
        raise DataError(
            f"--domain {value!r} is not a domain this tool supports (known: {known}).",
            hint="leave --domain out for a custom dataset group.",
        )
    return DOMAIN_OPTIONS[spelled]


def domain_label(domain: str | None) -> str:
    """A domain as messages name it: the API's name, or what no domain means."""
    return f"the {domain} domain" if domain is not None else "custom (no domain)"


def domain_option(domain: str | None) -> str:
    """How `data prepare` is told a domain: `--domain video-on-demand`, or no --domain."""
    if domain is None:
        return "no --domain"
    return "--domain " + domain.lower().replace("_", "-")


def check_options(
    domain: str | None,
    with_event_value: bool,
    watch_threshold: float | None,
    hold_out: int,
) -> None:
    """Refuse combinations that mean nothing, before anything is read."""
    if domain is not None and with_event_value:
        raise DataError(
            f"--with-event-value writes the custom event-value schema; the {domain} "
            "Interactions schema has EVENT_TYPE (Watch or Click) and no EVENT_VALUE.",
            hint="leave out --with-event-value, or --domain.",
        )
    if domain is None and watch_threshold is not None:
        raise DataError(
            "--watch-threshold decides Watch or Click events, which only --domain "
            "video-on-demand writes.",
            hint="add --domain video-on-demand, or leave out --watch-threshold.",
        )
    if hold_out < 0:
        raise DataError(f"--hold-out {hold_out}: the number of interactions must be 0 or more.")
