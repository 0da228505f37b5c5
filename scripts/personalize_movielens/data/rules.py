"""Amazon Personalize's documented import rules: the one table every check is made from.

Each rule has a name (what reports and violations cite), a description (what must hold), a hint
(what to do when it does not) and a way to explain a violation. Every rule is decided on one
`Figures` object, whichever pass made it: `data prepare` folds its streamed batches into one,
`data validate` makes one from its pass over a CSV. So a file gets the same report from both.

Sources (the developer guide, quoted in tests/data/test_data_rules.py): "Preparing and
importing bulk data" (a CSV whose unquoted header maps to the schema, one record per line,
values of the schema's types, TIMESTAMP in UNIX epoch time, UTF-8); the dataset schema
requirements (an ID for every record, of at most 256 characters; categorical values of at most
1000 characters); "Service quotas" (1000 interactions, 25 users with two or more each). A
domain's own minimums (VIDEO_ON_DEMAND-use-cases.html: 1000 Watch events for two use cases) are
rules of that domain only: `evaluate` applies them when it is given the domain.

The header rule wants the schema's names in the schema's order, because the guide's schema
formatting requirements (how-it-works-dataset-schema.html) say: "The schema fields can appear in
any order, but they must match the order of the corresponding column headers in your CSV file."
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from ..errors import DataError
from ..results import JsonValue
from ..schemas import DatasetSchema, SchemaField
from ..timefmt import MAX_EPOCH_SECONDS
from .domains import WATCH
from .wording import row_count

if TYPE_CHECKING:  # figures.py imports this module; the type is only named here
    from .figures import Figures

MIN_INTERACTIONS = 1000
MIN_USERS_WITH_TWO = 25
MIN_WATCH_EVENTS = 1000
MAX_ID_CHARS = 256
MAX_CATEGORICAL_CHARS = 1000
#: Personalize's reserved ID columns (string, required, <= 256 characters).
ID_FIELDS = frozenset({"USER_ID", "ITEM_ID", "ACTION_ID"})
#: Reserved columns that hold a UNIX epoch time.
EPOCH_FIELDS = frozenset({"TIMESTAMP", "CREATION_TIMESTAMP"})
#: Separator of several values in one categorical field.
CATEGORICAL_SEPARATOR = "|"

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


@dataclass(frozen=True)
class RuleCheck:
    """One rule's result on one file, and the figure or example that shows it."""

    rule: str
    passed: bool
    detail: str = ""

    @property
    def description(self) -> str:
        return RULES[self.rule].description if self.rule in RULES else self.rule

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "detail": self.detail,
            "description": self.description,
        }


@dataclass(frozen=True)
class Rule:
    """A rule on the file's structure (bytes, header, quoting). A file that breaks one cannot be
    read into figures, so a file that has figures keeps it; only the validator's byte and parse
    passes ever see it broken, and they say where."""

    name: str
    description: str
    hint: str
    #: What a passing check shows (the header shows itself).
    shows: Callable[[DatasetSchema], str] = field(default=lambda schema: "", repr=False)
    #: The domain whose files alone this rule applies to; None: every file.
    domain: str | None = None

    def check(self, figures: Figures, schema: DatasetSchema) -> RuleCheck | None:
        """This rule's result on a file with these figures; None when it does not apply."""
        return RuleCheck(self.name, True, self.shows(schema))


def _text(test: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr, SchemaField], pl.Expr]:
    """A test on a text column that does not depend on the field's type."""
    return lambda col, _field: test(col)


@dataclass(frozen=True)
class ValueRule(Rule):
    """A rule on each value of the fields it applies to: counted per field, explained per value."""

    applies: Callable[[SchemaField], bool] = field(default=lambda f: True, repr=False)
    #: True on CSV values (text) that break the rule.
    on_text: Callable[[pl.Expr, SchemaField], pl.Expr] = field(
        default=_text(lambda col: pl.lit(False)), repr=False
    )
    #: The same on a typed, non-text column; None when such a value cannot break the rule.
    on_typed: Callable[[pl.Expr], pl.Expr] | None = field(default=None, repr=False)
    #: One broken value (None when empty) -> one line.
    explain: Callable[[SchemaField, str | None], str] = field(
        default=lambda f, value: f"{f.name}: {value!r}", repr=False
    )

    def breaks_text(self, fld: SchemaField) -> pl.Expr:
        """True on the rows whose value of `fld`, read as text, breaks this rule."""
        return self.on_text(pl.col(fld.name), fld).fill_null(False)

    def breaks(self, fld: SchemaField, dtype: pl.DataType) -> pl.Expr | None:
        """True on the rows whose value of `fld` (a column of `dtype`) breaks this rule; None
        when no value of that type can."""
        if dtype == pl.String:
            return self.breaks_text(fld)
        return None if self.on_typed is None else self.on_typed(pl.col(fld.name)).fill_null(False)

    def failing(self, figures: Figures, schema: DatasetSchema) -> list[tuple[str, int]]:
        """(field, rows breaking this rule), for the fields where it is broken."""
        counts = figures.breaks.get(self.name, {})
        return [(f.name, n) for f in schema.fields if self.applies(f) and (n := counts.get(f.name))]

    def check(self, figures: Figures, schema: DatasetSchema) -> RuleCheck | None:
        if not any(self.applies(f) for f in schema.fields):
            return None
        bad = self.failing(figures, schema)
        return RuleCheck(self.name, not bad, "; ".join(f"{f}: {row_count(n)}" for f, n in bad))


@dataclass(frozen=True)
class LineRule(ValueRule):
    """One record per line: no value holds a line break, and the file's lines are its records
    and the header (a line the CSV parser did not read as a record breaks it too)."""

    def check(self, figures: Figures, schema: DatasetSchema) -> RuleCheck | None:
        result = super().check(figures, schema)
        if result is not None and result.passed and figures.lines != figures.rows + 1:
            return RuleCheck(self.name, False, self.explain_lines(figures))
        return result

    @staticmethod
    def explain_lines(figures: Figures) -> str:
        return f"{figures.lines:,} lines for {figures.rows:,} records and a header"


@dataclass(frozen=True)
class MinimumRule(Rule):
    """A minimum on a whole Interactions file (the service enforces it when a model trains)."""

    figure: Callable[[Figures], int | None] = field(default=lambda f: None, repr=False)
    minimum: int = 0
    unit: str = ""

    def check(self, figures: Figures, schema: DatasetSchema) -> RuleCheck | None:
        value = self.figure(figures)
        if value is None:  # not an Interactions file
            return None
        return RuleCheck(self.name, value >= self.minimum, f"{value:,} {self.unit}")

    def explain(self, value: int) -> str:
        return f"{value:,} {self.unit}; Personalize needs at least {self.minimum:,}"


def is_empty(col: pl.Expr) -> pl.Expr:
    """True on empty values: null (an unquoted empty field), or an empty string where the column
    is text (a quoted one, `""`, which the CSV parser reads as "", not null)."""
    return col.is_null() | (col.cast(pl.String) == "")


def _parse_fails(col: pl.Expr, fld: SchemaField) -> pl.Expr:
    """A value that is there (empty ones are the required rule's) but is not of the type."""
    dtype = polars_dtype(fld)
    if dtype == pl.Boolean():
        parsed = col.str.to_lowercase().replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    else:
        parsed = col.str.strip_chars().cast(dtype, strict=False)
    return ~is_empty(col) & parsed.is_null()


def _explain_empty(fld: SchemaField, value: str | None) -> str:
    what = 'an empty quoted string ("")' if value == "" else "empty"
    needs = "an ID must not be empty" if fld.name in ID_FIELDS else "the schema does not allow null"
    return f"{fld.name} is {what} but {needs}"


def _longest_category(col: pl.Expr) -> pl.Expr:
    return col.str.split(CATEGORICAL_SEPARATOR).list.eval(pl.element().str.len_chars()).list.max()


def _shown(value: str | None) -> str:
    return repr(value if value is None or len(value) <= 60 else value[:60] + "...")


@dataclass(frozen=True)
class UseCaseNeeds:
    """What one use case of a domain needs of the data (quoted in tests/data/test_data_rules.py)."""

    recipe: str
    #: Events it needs at least, counting only `event_type` (None: events of any type).
    min_events: int
    event_type: str | None
    items_required: bool


#: VIDEO_ON_DEMAND-use-cases.html, use case by use case ("Datasets used when training",
#: "Required event types" / "Required number of events"). Every use case also needs the
#: minimums of all (1000 interactions, 25 users with two or more), which are rules for every file.
VOD_USE_CASES: dict[str, UseCaseNeeds] = {
    "because-you-watched-x": UseCaseNeeds("aws-vod-because-you-watched-x", 1000, WATCH, False),
    "more-like-x": UseCaseNeeds("aws-vod-more-like-x", 1000, None, True),
    "most-popular": UseCaseNeeds("aws-vod-most-popular", 1000, WATCH, False),
    "trending-now": UseCaseNeeds("aws-vod-trending-now", 1000, None, False),
    "top-picks": UseCaseNeeds("aws-vod-top-picks", 1000, None, False),
}
_NEED_WATCH = [name for name, needs in VOD_USE_CASES.items() if needs.event_type == WATCH]

_MINIMUM_HINT = "use more interactions (with `data prepare`: a lower --min-rating, or more data)."

#: Every rule, in the order reports list them.
TABLE: tuple[Rule, ...] = (
    Rule(
        "non-empty-file",
        "the file has a header line",
        "write the header line, then one record per line.",
    ),
    Rule(
        "utf8",
        "the file is UTF-8",
        "save the file as UTF-8 (without a byte-order mark).",
    ),
    Rule(  # names and order: the guide's words are in this module's docstring
        "header",
        "the first line is the schema's field names, in its order, not quoted",
        "write the schema's field names, unquoted and comma-separated, in the schema's order, "
        "on the first line.",
        shows=lambda schema: ",".join(schema.field_names),
    ),
    Rule(
        "field-count",
        "every record has as many fields as the header",
        'quote values that hold a comma ("a, b") and give every record every field.',
    ),
    LineRule(
        "one-record-per-line",
        "one record per line (no line breaks inside values)",
        "remove line breaks from values.",
        applies=lambda f: True,
        on_text=_text(lambda col: col.str.contains("\n", literal=True)),
        explain=lambda f, v: f"{f.name} contains a line break (a quoted field spans lines)",
    ),
    ValueRule(
        "types",
        "every value is of its field's schema type",
        "write each value as its schema type (numbers as digits, booleans as true or false).",
        applies=lambda f: polars_dtype(f) != pl.String(),
        on_text=_parse_fails,
        explain=lambda f, v: f"{f.name} {_shown(v)} is not a valid {f.avro_type}",
    ),
    ValueRule(
        "required",
        'every field the schema does not allow to be null has a value, not empty and not "" '
        "(IDs and TIMESTAMP too)",
        "fill in the empty values or leave those records out.",
        applies=lambda f: not f.nullable,
        on_text=_text(is_empty),
        on_typed=lambda col: col.is_null(),
        explain=_explain_empty,
    ),
    ValueRule(
        "id-length",
        f"IDs are at most {MAX_ID_CHARS} characters",
        f"map longer IDs to shorter ones ({MAX_ID_CHARS} characters at most).",
        applies=lambda f: f.name in ID_FIELDS,
        # No on_typed: a typed ID is an integer, of 20 characters at most.
        on_text=_text(lambda col: col.str.len_chars() > MAX_ID_CHARS),
        explain=lambda f, v: f"{f.name} has {len(v or '')} characters (at most {MAX_ID_CHARS})",
    ),
    ValueRule(
        "timestamp-seconds",
        "TIMESTAMP is in Unix epoch seconds, not milliseconds",
        "convert timestamps to seconds (divide by 1000).",
        applies=lambda f: f.name in EPOCH_FIELDS,
        on_text=_text(lambda col: col.cast(pl.Int64, strict=False) >= MAX_EPOCH_SECONDS),
        on_typed=lambda col: col >= MAX_EPOCH_SECONDS,
        explain=lambda f, v: (
            f"{f.name} {v} is not epoch seconds: it looks like milliseconds "
            f"(must be below {MAX_EPOCH_SECONDS}); divide by 1000"
        ),
    ),
    ValueRule(
        "categorical-length",
        f"categorical values are at most {MAX_CATEGORICAL_CHARS} characters",
        f"shorten the categories to {MAX_CATEGORICAL_CHARS} characters at most.",
        applies=lambda f: f.categorical,
        on_text=_text(lambda col: _longest_category(col) > MAX_CATEGORICAL_CHARS),
        explain=lambda f, v: f"{f.name} has a value over {MAX_CATEGORICAL_CHARS} characters",
    ),
    MinimumRule(
        "min-interactions",
        f"at least {MIN_INTERACTIONS} interactions",
        _MINIMUM_HINT,
        figure=lambda f: f.rows if f.users is not None else None,
        minimum=MIN_INTERACTIONS,
        unit="interactions",
    ),
    MinimumRule(
        "min-users-with-two",
        f"at least {MIN_USERS_WITH_TWO} users with two or more interactions",
        _MINIMUM_HINT,
        figure=lambda f: f.users_with_two,
        minimum=MIN_USERS_WITH_TWO,
        unit="users with two or more interactions",
    ),
    MinimumRule(
        "vod-watch-events",
        f"at least {MIN_WATCH_EVENTS} {WATCH} events (the {' and '.join(_NEED_WATCH)} use cases "
        "need them)",
        "lower --watch-threshold (more ratings become Watch events), or use more data.",
        figure=lambda f: None if f.event_types is None else f.event_types.get(WATCH, 0),
        minimum=MIN_WATCH_EVENTS,
        unit="Watch events",
        domain="VIDEO_ON_DEMAND",
    ),
)
#: The table by rule name.
RULES: dict[str, Rule] = {rule.name: rule for rule in TABLE}


def value_checks(schema: DatasetSchema) -> list[tuple[ValueRule, SchemaField]]:
    """Every (value rule, field) pair that applies to `schema`: what both passes count."""
    return [
        (rule, fld)
        for rule in TABLE
        if isinstance(rule, ValueRule)
        for fld in schema.fields
        if rule.applies(fld)
    ]


def applies_to(rule: Rule, domain: str | None) -> bool:
    """Whether `rule` holds for files of `domain` (None: a custom dataset group's)."""
    return rule.domain is None or rule.domain == domain


def evaluate(figures: Figures, schema: DatasetSchema, domain: str | None = None) -> list[RuleCheck]:
    """Every rule's result on a file with these figures (of `domain`), in the table's order."""
    return [
        check
        for rule in TABLE
        if applies_to(rule, domain) and (check := rule.check(figures, schema)) is not None
    ]
