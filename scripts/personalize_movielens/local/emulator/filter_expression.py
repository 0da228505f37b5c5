"""The filter expression language of Amazon Personalize: parse, check against a dataset group's
schemas, bind the request's filterValues, and evaluate on candidate items.

The rules are the developer guide's (creating-filter-expressions.html,
filter-expression-guidelines-requirements.html, multiple-expression-example.html):

    EXCLUDE|INCLUDE ItemID WHERE Items.F <op> <values> [AND|OR ...] [IF CurrentUser.F ... [AND ...]]
    [| another expression ...]

`IN`/`NOT IN` take a parenthesised list of quoted values, one `$PARAMETER` (not with `NOT IN`),
`*` (only for `Interactions.EVENT_TYPE`), or `CurrentItem.F`; `=, <, <=, >, >=, !=` test
numbers (a number, a `$PARAMETER` or `CurrentItem.F`). Conditions joined by AND/OR stay on the
dataset of the first; Interactions filter only on EVENT_TYPE; IF only once, at the end, on
CurrentUser, extended only with AND. Where the guide is silent (keyword case, precedence,
escapes) the choices are in docs/local-emulator.md's Filters section.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ...schemas import DatasetSchema

#: "The maximum number of distinct dataset fields for a filter, either in one expression or
#: across multiple expressions chained together, is 10." (guidelines page)
MAX_FIELDS_PER_FILTER = 10
#: "The maximum number of distinct dataset fields across all filters in a dataset group is 20."
MAX_FIELDS_PER_GROUP = 20
COMPARISONS = ("=", "<", "<=", ">", ">=", "!=")
IN, NOT_IN = "IN", "NOT IN"
NUMERIC_TYPES = frozenset({"int", "long", "float", "double"})
#: Where a field lives: Items and Interactions in WHERE, Users through CurrentUser, the requested
#: item's Items row through CurrentItem.
DATASET_OF = {
    "Items": "Items",
    "Interactions": "Interactions",
    "CurrentUser": "Users",
    "CurrentItem": "Items",
}
EVENT_TYPE = "EVENT_TYPE"
ALL_TYPES = "*"
#: Categorical values hold several categories separated by this (the guide's data format).
CATEGORY_SEPARATOR = "|"

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"[^"]*")
     |(?P<number>-?\d+(?:\.\d+)?(?![A-Za-z_]))
     |(?P<param>\$[A-Za-z0-9_]+)
     |(?P<op><=|>=|!=|=|<|>)
     |(?P<punct>[(),|*.])
     |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


class FilterExpressionError(ValueError):
    """The expression breaks a rule of the language; the message says which and where."""


@dataclass(frozen=True)
class Ref:
    """`Dataset.FIELD`: scope is Items, Interactions, CurrentUser or CurrentItem."""

    scope: str
    field: str

    @property
    def dataset(self) -> str:
        return DATASET_OF[self.scope]

    def __str__(self) -> str:
        return f"{self.scope}.{self.field}"


@dataclass(frozen=True)
class Condition:
    """`ref op rhs`: rhs is literal values, one placeholder, or another ref (CurrentItem)."""

    ref: Ref
    op: str
    values: tuple[str, ...] = ()
    param: str | None = None
    other: Ref | None = None


@dataclass(frozen=True)
class Expression:
    """One INCLUDE/EXCLUDE expression: WHERE conditions joined by AND/OR, optional IF."""

    action: str
    conditions: tuple[Condition, ...]
    #: "AND"/"OR" between conditions[i] and conditions[i + 1]
    joins: tuple[str, ...]
    user_conditions: tuple[Condition, ...] = ()

    @property
    def dataset(self) -> str:
        return self.conditions[0].ref.dataset

    @property
    def all_conditions(self) -> tuple[Condition, ...]:
        return self.conditions + self.user_conditions

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.param for c in self.all_conditions if c.param))


@dataclass(frozen=True)
class FilterExpression:
    """A whole filter: expressions chained with `|`."""

    expressions: tuple[Expression, ...]

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for e in self.expressions for p in e.params))

    @property
    def fields(self) -> frozenset[tuple[str, str]]:
        """Distinct dataset fields (dataset type, FIELD upper-cased) the filter reads."""
        refs = [
            r
            for e in self.expressions
            for c in e.all_conditions
            for r in (c.ref, c.other)
            if r is not None
        ]
        return frozenset((r.dataset, r.field.upper()) for r in refs)

    @property
    def uses_current_item(self) -> bool:
        return any(
            c.other is not None and c.other.scope == "CurrentItem"
            for e in self.expressions
            for c in e.conditions
        )

    def datasets(self) -> frozenset[str]:
        return frozenset(d for d, _ in self.fields)


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class _Tokens:
    items: list[tuple[str, str]]
    at: int = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def next(self, what: str) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterExpressionError(f"Expected {what} but the expression ended.")
        self.at += 1
        return token

    def word(self, *choices: str) -> str | None:
        """The next token if it is one of the keywords `choices` (any case), consumed."""
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in choices:
            self.at += 1
            return token[1].upper()
        return None

    def expect_word(self, *choices: str) -> str:
        kind, text = self.next(" or ".join(choices))
        if kind != "word" or text.upper() not in choices:
            raise FilterExpressionError(f"Expected {' or '.join(choices)}, found {text!r}.")
        return text.upper()

    def punct(self, char: str) -> bool:
        token = self.peek()
        if token and token[0] == "punct" and token[1] == char:
            self.at += 1
            return True
        return False


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            bad = text[position:].lstrip()[:20]
            raise FilterExpressionError(f"Invalid input symbol at {bad!r}.")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse(text: str) -> FilterExpression:
    """The filter expression, or FilterExpressionError naming the rule it breaks."""
    tokens = _Tokens(tokenize(text))
    if not tokens.items:
        raise FilterExpressionError("The filter expression is empty.")
    expressions = [_expression(tokens)]
    while tokens.punct("|"):
        expressions.append(_expression(tokens))
    if tokens.peek() is not None:
        extra = tokens.peek()
        assert extra is not None
        if extra[0] == "word" and extra[1].upper() == "IF":
            raise FilterExpressionError(
                "Use an IF condition only once, at the end of an expression."
            )
        raise FilterExpressionError(f"Unexpected {extra[1]!r}.")
    result = FilterExpression(tuple(expressions))
    if len(result.fields) > MAX_FIELDS_PER_FILTER:
        raise FilterExpressionError(
            f"The filter uses {len(result.fields)} distinct dataset fields; the maximum for a "
            f"filter is {MAX_FIELDS_PER_FILTER}."
        )
    return result


def _expression(tokens: _Tokens) -> Expression:
    action = tokens.expect_word("INCLUDE", "EXCLUDE")
    kind, target = tokens.next("ItemID")
    if kind != "word" or target.upper() != "ITEMID":
        if target.upper() in ("USERID", "ACTIONID"):
            raise FilterExpressionError(
                f"{target} filters (user segments, action recommendations) are not emulated; "
                "the local emulator filters item recommendations (ItemID)."
            )
        raise FilterExpressionError(f"Expected ItemID after {action}, found {target!r}.")
    tokens.expect_word("WHERE")
    conditions = [_condition(tokens, user=False)]
    joins: list[str] = []
    while (join := tokens.word("AND", "OR")) is not None:
        joins.append(join)
        conditions.append(_condition(tokens, user=False))
    user: list[Condition] = []
    if tokens.word("IF"):
        user.append(_condition(tokens, user=True))
        while (join := tokens.word("AND", "OR")) is not None:
            if join == "OR":
                raise FilterExpressionError("An IF condition can be extended only with AND.")
            user.append(_condition(tokens, user=True))
    expression = Expression(action, tuple(conditions), tuple(joins), tuple(user))
    _check_expression(expression)
    return expression


def _ref(tokens: _Tokens) -> Ref:
    kind, scope = tokens.next("Dataset.field")
    if kind != "word":
        raise FilterExpressionError(f"Expected Dataset.field, found {scope!r}.")
    if not tokens.punct("."):
        raise FilterExpressionError(f"Expected Dataset.field, found {scope!r} without a field.")
    kind, name = tokens.next("a field name")
    if kind != "word":
        raise FilterExpressionError(f"Expected a field name after {scope}., found {name!r}.")
    for known in DATASET_OF:
        if scope.upper() == known.upper():
            return Ref(known, name)
    if scope.upper() == "USERS":
        raise FilterExpressionError(
            f"Users.{name}: to filter items by the user, use IF CurrentUser.{name} at the end."
        )
    raise FilterExpressionError(
        f"Unknown dataset {scope!r}: use Items, Interactions, CurrentUser or CurrentItem."
    )


def _operator(tokens: _Tokens) -> str:
    if tokens.word("NOT"):
        tokens.expect_word("IN")
        return NOT_IN
    if tokens.word("IN"):
        return IN
    kind, text = tokens.next("an operator")
    if kind != "op":
        raise FilterExpressionError(f"Expected IN, NOT IN or {', '.join(COMPARISONS)}: {text!r}.")
    return text


def _condition(tokens: _Tokens, user: bool) -> Condition:
    ref = _ref(tokens)
    if user and ref.scope != "CurrentUser":
        raise FilterExpressionError(f"Use an IF condition only to check CurrentUser, not {ref}.")
    if not user and ref.scope == "CurrentUser":
        raise FilterExpressionError(f"Use {ref} only in an IF condition at the end.")
    if not user and ref.scope == "CurrentItem":
        raise FilterExpressionError(f"{ref} can only be compared with, after the operator.")
    op = _operator(tokens)
    if op in (IN, NOT_IN):
        return _in_condition(tokens, ref, op)
    kind, text = tokens.next("a value")
    if kind == "number":
        return Condition(ref, op, values=(text,))
    if kind == "param":
        return Condition(ref, op, param=text[1:])
    if kind == "word":
        tokens.at -= 1
        other = _ref(tokens)
        return _current_item(ref, op, other)
    raise FilterExpressionError(
        f"{ref} {op} {text}: comparison operators test numerical data (a number, a "
        "$PARAMETER or CurrentItem.field)."
    )


def _current_item(ref: Ref, op: str, other: Ref) -> Condition:
    if other.scope != "CurrentItem" or ref.scope != "Items":
        raise FilterExpressionError(
            f"{ref} {op} {other}: only an Items field can be compared with CurrentItem.field."
        )
    return Condition(ref, op, other=other)


def _in_condition(tokens: _Tokens, ref: Ref, op: str) -> Condition:
    if not tokens.punct("("):
        kind, text = tokens.next("(values)")
        if kind == "word":
            tokens.at -= 1
            return _current_item(ref, op, _ref(tokens))
        raise FilterExpressionError(f"{ref} {op}: expected a list of values in parentheses.")
    values: list[str] = []
    params: list[str] = []
    while True:
        kind, text = tokens.next("a value")
        if kind == "string":
            values.append(text[1:-1])
        elif kind == "number":
            values.append(text)
        elif kind == "param":
            params.append(text[1:])
        elif kind == "punct" and text == "*":
            values.append(ALL_TYPES)
        else:
            raise FilterExpressionError(f"{ref} {op}: {text!r} is not a quoted value.")
        if tokens.punct(")"):
            break
        if not tokens.punct(","):
            raise FilterExpressionError(f"{ref} {op}: expected , or ) in the list of values.")
    if params and op == NOT_IN:
        raise FilterExpressionError(
            f"Invalid input symbol: ${params[0]}. Placeholders are not allowed with NOT_IN "
            "operator."
        )
    if params and (values or len(params) > 1):
        raise FilterExpressionError(
            f"{ref} {op}: a $PARAMETER must be the only value in the parentheses."
        )
    if params:
        return Condition(ref, op, param=params[0])
    return Condition(ref, op, values=tuple(values))


def _check_expression(expression: Expression) -> None:
    first = expression.conditions[0].ref
    for condition in expression.conditions:
        if condition.ref.scope != first.scope:
            raise FilterExpressionError(
                f"{condition.ref}: conditions chained together using AND or OR can only affect "
                f"fields of the dataset used in the first condition ({first.scope}); chain "
                "expressions with | to filter on another dataset."
            )
    for condition in expression.all_conditions:
        ref = condition.ref
        is_event_type = ref.scope == "Interactions" and ref.field.upper() == EVENT_TYPE
        if ref.scope == "Interactions" and not is_event_type:
            raise FilterExpressionError(
                f"{ref}: filtering on interactions data is by event type only "
                "(Interactions.EVENT_TYPE)."
            )
        if is_event_type and condition.op not in (IN, NOT_IN):
            raise FilterExpressionError(f"{ref}: event types are matched with IN or NOT IN.")
        if ALL_TYPES in condition.values and not is_event_type:
            raise FilterExpressionError(
                f"{ref}: use * only for filter expressions that use the EVENT_TYPE field of an "
                "Interactions dataset."
            )


# --- checking against the dataset group ------------------------------------------------------


def resolve(expression: FilterExpression, schemas: Mapping[str, DatasetSchema]) -> FilterExpression:
    """The expression with each field spelt as in its dataset's schema (matched in any case).

    FilterExpressionError when a dataset is missing from the group, a field from its schema,
    a comparison is on a field that is not numeric, or a field is boolean."""

    def fix(ref: Ref | None, op: str) -> Ref | None:
        if ref is None:
            return None
        schema = schemas.get(ref.dataset)
        if schema is None:
            raise FilterExpressionError(f"{ref}: the dataset group has no {ref.dataset} dataset.")
        found = next((f for f in schema.fields if f.name.upper() == ref.field.upper()), None)
        if found is None:
            raise FilterExpressionError(
                f"{ref}: the {ref.dataset} schema has no field {ref.field} "
                f"(it has {', '.join(schema.field_names)})."
            )
        if found.avro_type == "boolean":
            raise FilterExpressionError(
                f"{ref}: filter expressions can't filter using values with a boolean type."
            )
        if op in COMPARISONS and found.avro_type not in NUMERIC_TYPES:
            raise FilterExpressionError(
                f"{ref} {op}: comparison operators test numerical data; {found.name} is "
                f"{found.avro_type}."
            )
        return replace(ref, field=found.name)

    def fixed(c: Condition) -> Condition:
        ref = fix(c.ref, c.op)
        assert ref is not None
        return replace(c, ref=ref, other=fix(c.other, c.op))

    return FilterExpression(
        tuple(
            replace(
                e,
                conditions=tuple(fixed(c) for c in e.conditions),
                user_conditions=tuple(fixed(c) for c in e.user_conditions),
            )
            for e in expression.expressions
        )
    )


# --- binding values and evaluating -----------------------------------------------------------


def parse_values(name: str, text: str) -> tuple[str, ...]:
    """A filterValues value: comma-separated values, each in double quotes as the API reference
    shows ("\\"comedy\\",\\"drama\\""); an unquoted value is taken as it stands."""
    values = []
    for raw in re.findall(r'\s*("[^"]*"|[^,]*)\s*(?:,|$)', text):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1]
        if raw:
            values.append(raw)
    if not values:
        raise FilterExpressionError(f"The filter value for {name} is empty.")
    return tuple(values)


@dataclass(frozen=True)
class Bound:
    """A filter with the request's values in place of its placeholders: the expressions that
    apply (an EXCLUDE expression whose placeholder has no value does not)."""

    expressions: tuple[Expression, ...]
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def needs(self) -> frozenset[tuple[str, str]]:
        return FilterExpression(self.expressions).fields


def bind(expression: FilterExpression, filter_values: Mapping[str, str]) -> Bound:
    """The request's filterValues bound to the placeholders (names case-sensitive).

    "For filter expressions that use an INCLUDE element to include items, you must provide
    values for all parameters that are defined in the expression. For filters with expressions
    that use an EXCLUDE element to exclude items, you can omit the filter-values. In this case,
    Amazon Personalize doesn't use that portion of the expression" (API reference)."""
    unknown = sorted(set(filter_values) - set(expression.params))
    if unknown:
        known = ", ".join(f"${p}" for p in expression.params) or "none"
        raise FilterExpressionError(
            f"The filter has no placeholder {', '.join('$' + u for u in unknown)} "
            f"(its placeholders: {known}; names are case sensitive)."
        )
    values = {name: parse_values(name, text) for name, text in filter_values.items()}
    applied = []
    for e in expression.expressions:
        missing = [p for p in e.params if p not in values]
        if missing and e.action == "INCLUDE":
            raise FilterExpressionError(
                f"Provide a value for ${missing[0]}: an INCLUDE expression needs values for all "
                "its parameters."
            )
        if not missing:
            applied.append(e)
    for e in applied:
        for c in e.all_conditions:
            if c.param and c.op in COMPARISONS:
                number(values[c.param], f"${c.param}")
    return Bound(tuple(applied), values)


def number(values: tuple[str, ...], what: str) -> float:
    if len(values) != 1:
        raise FilterExpressionError(f"{what} takes one number, got {len(values)} values.")
    try:
        return float(values[0])
    except ValueError:
        raise FilterExpressionError(f"{what} must be a number, not {values[0]!r}.") from None


@dataclass(frozen=True)
class Facts:
    """What a filter reads for one request: each candidate item's Items row, the user's event
    types per item, the current user's Users row, the current item's Items row."""

    items: Mapping[str, Mapping[str, Any]]
    event_types: Mapping[str, frozenset[str]]
    user: Mapping[str, Any] | None = None
    current_item: Mapping[str, Any] | None = None
    categorical: frozenset[tuple[str, str]] = frozenset()


def keep(bound: Bound, items: Iterable[str], facts: Facts) -> list[str]:
    """The items the filter lets through, in their order (multiple-expression-example.html):
    the union of the INCLUDE results (all items when none applies) minus the union of the
    EXCLUDE results. An expression whose IF is false for the current user does not apply."""
    active = [e for e in bound.expressions if _user_holds(e, bound, facts)]
    includes = [e for e in active if e.action == "INCLUDE"]
    excludes = [e for e in active if e.action == "EXCLUDE"]
    tests = {id(e): _compile(e, bound, facts) for e in active}
    kept = []
    for item in items:
        if includes and not any(tests[id(e)](item) for e in includes):
            continue
        if any(tests[id(e)](item) for e in excludes):
            continue
        kept.append(item)
    return kept


def _values(facts: Facts, ref: Ref, row: Mapping[str, Any] | None) -> set[str]:
    """A field's value(s) as strings: categories split, numbers without a trailing .0."""
    if row is None or row.get(ref.field) is None:
        return set()
    value = row[ref.field]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if (ref.dataset, ref.field) in facts.categorical:
        return {v for v in text.split(CATEGORY_SEPARATOR) if v}
    return {text}


def _compare(op: str, left: float, right: float) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _test(c: Condition, bound: Bound, facts: Facts) -> Callable[[Mapping[str, Any] | None], bool]:
    """A condition on a row of its dataset (an Items row, or the current user's row)."""
    literal = bound.values[c.param] if c.param else c.values
    if c.op in COMPARISONS:
        if c.other is not None:
            right_row = facts.current_item
            right = None if right_row is None else right_row.get(c.other.field)
        else:
            right = number(literal, f"${c.param}" if c.param else str(c.ref))
        ref = c.ref

        def compares(row: Mapping[str, Any] | None) -> bool:
            left = None if row is None else row.get(ref.field)
            return left is not None and right is not None and _compare(c.op, left, right)

        return compares
    wanted = _values(facts, c.other, facts.current_item) if c.other else set(literal)

    def matches(row: Mapping[str, Any] | None) -> bool:
        found = bool(_values(facts, c.ref, row) & wanted)
        return found if c.op == IN else not found

    return matches


def _event_test(c: Condition, bound: Bound, facts: Facts) -> Callable[[str], bool]:
    """The user's interactions with the item, by event type; "Amazon Personalize ignores case
    only when matching event types"."""
    literal = bound.values[c.param] if c.param else c.values
    wanted = {v.lower() for v in literal}
    every = ALL_TYPES in wanted

    def matches(item: str) -> bool:
        types = {t.lower() for t in facts.event_types.get(item, ())}
        if c.op == IN:
            return bool(types) and (every or bool(types & wanted))
        return not every and bool(types - wanted)

    return matches


def _compile(e: Expression, bound: Bound, facts: Facts) -> Callable[[str], bool]:
    """The expression's WHERE part as a test of an item: OR of AND-groups (AND binds first)."""
    if e.dataset == "Interactions":
        tests = [_event_test(c, bound, facts) for c in e.conditions]
    else:
        row_tests = [_test(c, bound, facts) for c in e.conditions]
        tests = [lambda item, t=t: t(facts.items.get(item)) for t in row_tests]  # type: ignore[misc]
    groups: list[list[Callable[[str], bool]]] = [[tests[0]]]
    for join, test in zip(e.joins, tests[1:], strict=True):
        if join == "OR":
            groups.append([test])
        else:
            groups[-1].append(test)
    return lambda item: any(all(t(item) for t in group) for group in groups)


def _user_holds(e: Expression, bound: Bound, facts: Facts) -> bool:
    return all(_test(c, bound, facts)(facts.user) for c in e.user_conditions)
