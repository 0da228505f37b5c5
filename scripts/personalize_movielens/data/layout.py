"""The names of what `data prepare` writes into its output directory.

A module of its own, with no heavy imports, so that readers of the prepared files name them
without loading polars.
"""

from __future__ import annotations

#: What Personalize imports: the Interactions and Items datasets.
INTERACTIONS_FILE = "interactions.csv"
ITEMS_FILE = "items.csv"
#: The figures and each rule's result for every dataset file, as JSON.
REPORT_FILE = "validation-report.json"
