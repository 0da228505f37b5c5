"""A small IAM policy evaluator: enough to decide what Personalize may do with a role and bucket.

Statements match on Effect, Action/NotAction and Resource/NotResource (with * and ? wildcards,
actions case-insensitive), Principal (service, AWS or "*"), and the common condition operators
(String*, Arn*, Bool, Null, with IfExists). An explicit Deny wins; otherwise an Allow is needed.
Not evaluated: permission boundaries, SCPs, session policies, policy variables.
"""

from __future__ import annotations

import fnmatch
import json
import urllib.parse
from collections.abc import Iterable
from typing import Any

Context = dict[str, str]


def parse_document(doc: Any) -> dict[str, Any]:
    """A policy document from boto3 (already a dict) or as text (JSON, maybe URL-encoded)."""
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, str):
        text = doc.strip()
        if not text.startswith("{"):
            text = urllib.parse.unquote(text)
        parsed = json.loads(text)
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _match_any(patterns: Iterable[str], value: str, ignore_case: bool) -> bool:
    for pattern in patterns:
        if ignore_case:
            if fnmatch.fnmatchcase(value.lower(), str(pattern).lower()):
                return True
        elif fnmatch.fnmatchcase(value, str(pattern)):
            return True
    return False


def _principal_matches(statement: dict[str, Any], principal: dict[str, str] | None) -> bool:
    if principal is None:  # identity policies have no Principal element
        return True
    if "NotPrincipal" in statement:
        return False
    wanted = statement.get("Principal")
    if wanted == "*":
        return True
    if not isinstance(wanted, dict):
        return False
    for kind, value in principal.items():
        entries = _as_list(wanted.get(kind))
        if "*" in entries or value in entries:
            return True
    return "*" in _as_list(wanted.get("AWS"))


def _condition_matches(conditions: dict[str, Any], context: Context) -> bool:
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, entries in conditions.items():
        base = operator.split(":")[-1]  # ForAnyValue:/ForAllValues: treated as single-valued
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        for key, expected in entries.items():
            values = [str(v) for v in _as_list(expected)]
            actual = lowered.get(key.lower())
            if base == "Null":
                wants_null = values[0].lower() == "true"
                if (actual is None) != wants_null:
                    return False
                continue
            negated = "Not" in base
            if actual is None:
                if if_exists or negated:
                    continue
                return False
            if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
                hit = actual in values
            elif base == "StringEqualsIgnoreCase" or base == "StringNotEqualsIgnoreCase":
                hit = actual.lower() in [v.lower() for v in values]
            elif base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
                hit = _match_any(values, actual, ignore_case=False)
            elif base == "Bool":
                hit = actual.lower() in [v.lower() for v in values]
            else:  # operators this evaluator does not know never match
                return False
            if hit == negated:
                return False
    return True


def evaluate(
    documents: Iterable[Any],
    action: str,
    resource: str,
    context: Context | None = None,
    principal: dict[str, str] | None = None,
) -> str | None:
    """ "Deny", "Allow" or None (no statement applies) for one request against the documents."""
    context = context or {}
    decision: str | None = None
    for raw in documents:
        doc = parse_document(raw)
        for statement in _as_list(doc.get("Statement")):
            if not _principal_matches(statement, principal):
                continue
            if "Action" in statement:
                if not _match_any(_as_list(statement["Action"]), action, ignore_case=True):
                    continue
            elif "NotAction" in statement:
                if _match_any(_as_list(statement["NotAction"]), action, ignore_case=True):
                    continue
            else:
                continue
            if "Resource" in statement:
                if not _match_any(_as_list(statement["Resource"]), resource, ignore_case=False):
                    continue
            elif "NotResource" in statement:
                if _match_any(_as_list(statement["NotResource"]), resource, ignore_case=False):
                    continue
            elif principal is None:  # identity policies need a Resource
                continue
            if not _condition_matches(statement.get("Condition") or {}, context):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            if statement.get("Effect") == "Allow":
                decision = "Allow"
    return decision


def allowed(*args: Any, **kwargs: Any) -> bool:
    return evaluate(*args, **kwargs) == "Allow"
