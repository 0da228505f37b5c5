"""Amazon Personalize's documented import rules, in one place for the writer and the validator.

Sources: the Personalize developer guide ("Preparing training data", "Interactions data",
"Service quotas"): UTF-8 CSV with a header that matches the schema's fields, one record per
line, IDs non-empty and at most 256 characters, TIMESTAMP in Unix epoch seconds, categorical
values at most 1000 characters, and at least 1000 interactions from at least 25 users with
two or more interactions each.
"""

from __future__ import annotations

import polars as pl

from ..errors import DataError
from ..schemas import DatasetSchema, SchemaField

MIN_INTERACTIONS = 1000
MIN_USERS_WITH_TWO = 25
MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
#: Epoch seconds stay below 10^10 until the year 2286; a millisecond timestamp of any date
#: after 1970-04-26 is above it. Anything larger is not seconds.
MAX_EPOCH_SECONDS = 10**10
#: Personalize's reserved ID columns (string, non-empty, <= 256 characters).
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID", "ACTION_ID"})
#: Separator of several values in one categorical field.
CATEGORICAL_SEPARATOR = "|"

#: Rule names, as violations and reports cite them.
RULE_DESCRIPTIONS: dict[str, str] = {
    "non-empty-file": "the file has a header line",
    "utf8": "the file is UTF-8",
    "header": "an unquoted header matching the schema's fields in order",
    "one-record-per-line": "one record per line (no line breaks inside fields)",
    "field-count": "every record has as many fields as the header",
    "types": "every value parses as its schema type",
    "required": "non-nullable fields are not empty",
    "id-length": f"IDs are non-empty and at most {MAX_ID_CHARS} characters",
    "timestamp-seconds": "TIMESTAMP is Unix epoch seconds (not milliseconds)",
    "categorical-length": f"categorical values are at most {MAX_CATEGORICAL_CHARS} characters",
    "min-interactions": f"at least {MIN_INTERACTIONS} interactions",
    "min-users-with-two": f"at least {MIN_USERS_WITH_TWO} users with two or more interactions",
}

_AVRO_TO_POLARS: dict[str, pl.DataType] = {
    "string": pl.String(),
    "long": pl.Int64(),
    "int": pl.Int32(),
    "float": pl.Float32(),
    "double": pl.Float64(),
    "boolean": pl.Boolean(),
}


def polars_dtype(field: SchemaField) -> pl.DataType:
    """The polars type a schema field is written and parsed as."""
    try:
        return _AVRO_TO_POLARS[field.avro_type]
    except KeyError:
        raise DataError(
            f"Field {field.name}: Avro type {field.avro_type!r} is not supported."
        ) from None


def polars_schema(schema: DatasetSchema) -> dict[str, pl.DataType]:
    """Column name -> polars type, in the schema's order."""
    return {f.name: polars_dtype(f) for f in schema.fields}


def looks_like_milliseconds(timestamp: int) -> bool:
    """A TIMESTAMP too large for epoch seconds (10^10 is the year 2286)."""
    return timestamp >= MAX_EPOCH_SECONDS
