"""The names of what `data prepare` writes into its output directory.

A module of its own, with no heavy imports, so that readers of the prepared files (upload, the
catalog behind `recommend`) name them without loading polars.
"""

from __future__ import annotations

#: What Personalize imports: the Interactions and Items datasets.
INTERACTIONS_FILE = "interactions.csv"
ITEMS_FILE = "items.csv"
#: The Users dataset (USER_ID, GENDER, AGE, OCCUPATION), from releases with demographics only.
USERS_FILE = "users.csv"
#: ITEM_ID, TITLE, GENRES as MovieLens gives them, for showing recommendations. Not a dataset:
#: Personalize never sees it.
TITLES_FILE = "titles.csv"
TITLES_COLUMNS = ("ITEM_ID", "TITLE", "GENRES")
#: The figures and each rule's result for every dataset file, as JSON.
REPORT_FILE = "validation-report.json"
#: The newest interactions, held out of interactions.csv by `data prepare --hold-out`: what
#: `events replay` streams as PutEvents calls, so real-time events are new to the service.
#: Same columns as interactions.csv; not imported.
HELD_OUT_EVENTS_FILE = "held-out-events.csv"
