"""Plan-time checks (`precondition` blocks) refuse bad inputs, as Terraform itself evaluates them.

Terraform 1.0.3, the one these tests can run, has no preconditions (1.2 added them); tf_tree
rewrites each into a check Terraform evaluates per instance (see tf_tree's docstring), so a
refused input fails the evaluation with the error_message, named by the condition's file:line.
Each check rests on an outside source:

- filter names: AWS::Personalize::Filter's Name maxLength in the CloudFormation schema cfn-lint
  ships (awscc sends the name as is, so a longer one fails at apply, after the datasets exist);
- bundled schemas per dataset group: the developer guide's VIDEO_ON_DEMAND dataset pages, whose
  required fields the custom schemas lack, so CreateSchema with the domain refuses them:
  https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-interactions-dataset.html
  https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-items-dataset.html
  and whose Users requirements the bundled users schema meets, so both groups take it:
  https://docs.aws.amazon.com/personalize/latest/dg/VIDEO-ON-DEMAND-users-dataset.html
  https://docs.aws.amazon.com/personalize/latest/dg/user-dataset-requirements.html
- a domain with interactions_schema: the root stack's variables (the domain's Interactions
  schema is chosen by the domain; the variable would be ignored silently).

Seeded defects (a precondition weakened in a copy of the tree) show each refusal test fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cfn_schemas as cfn
import pytest
import tf_static as tf
import tf_tree
from mutations import Mutation, copy_tree, line_of, mutated

FILTER_NAME_MAX = int(cfn.schema("AWS::Personalize::Filter")["properties"]["Name"]["maxLength"])
GENRE_FILTER = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
ROOT_PREFIX = "movielens-"  # the root stack's default name_prefix, and the hyphen
GROUP = "modules/dataset-group"
OWN_SCHEMA = str(tf.TF_DIR / "schemas" / "video_on_demand_items.json")  # any .json path

#: The guide's words (URLs in the module docstring): what a VIDEO_ON_DEMAND schema must have.
GUIDE_INTERACTIONS = (
    "You must have an Item interactions dataset for all use cases and your schema must have the "
    "following fields: USER_ID (string) ITEM_ID string TIMESTAMP (long) EVENT_TYPE (string and "
    "depending on use case, Watch and Click event types)"
)
GUIDE_ITEMS = (
    "If you create an Items dataset, your schema must include the following fields: ITEM_ID "
    "GENRES (categorical string) CREATION_TIMESTAMP (in Unix epoch time format)"
)
GUIDE_VOD_USERS = (
    "If you create a Users dataset, your schema must include the following fields. USER_ID "
    "1 metadata field (categorical string or numerical)"
)
GUIDE_CUSTOM_USERS = (
    "Your Users schema must have minimum one metadata field ... At least one metadata field is "
    "required, and you can add up to 25 metadata fields."
)
#: VIDEO-ON-DEMAND-users-dataset.html: "A SUBSCRIPTION_MODEL field ... is an optional reserved
#: keyword and must have a type of string with categorical set to true."
VOD_USERS_RESERVED = {"SUBSCRIPTION_MODEL": True}
NUMERICAL = {"int", "long", "float", "double"}
VOD_REQUIRED = {
    "Interactions": {"USER_ID": False, "ITEM_ID": False, "TIMESTAMP": False, "EVENT_TYPE": False},
    "Items": {"ITEM_ID": False, "GENRES": True, "CREATION_TIMESTAMP": False},  # name: categorical
}


@dataclass(frozen=True)
class Case:
    """Inputs of a stack (directory under terraform/) and the precondition that must refuse them
    (None: they must pass), named by its file and a text of the condition's line."""

    directory: str
    variables: dict[str, Any]
    file: str | None = None
    condition: str = ""
    says: tuple[str, ...] = field(default=())


REFUSED = {
    "domain-with-interactions-schema": Case(
        ".",
        {"domain": "VIDEO_ON_DEMAND", "interactions_schema": "interactions_event_value"},
        "outputs.tf",
        '|| var.interactions_schema == "interactions"',
        ("leave interactions_schema unset",),
    ),
    "filter-name-too-long": Case(
        ".",
        {"filters": {"x" * (FILTER_NAME_MAX - len(ROOT_PREFIX) + 1): GENRE_FILTER}},
        f"{GROUP}/main.tf",
        'condition     = length("${var.name}-${each.key}")',
        (f"Filter name {ROOT_PREFIX}x", f"longer than Personalize's {FILTER_NAME_MAX} characters"),
    ),
    "custom-schema-in-video-on-demand-group": Case(
        GROUP,
        {"name": "g", "domain": "VIDEO_ON_DEMAND", "datasets": {"Interactions": "interactions"}},
        f"{GROUP}/main.tf",
        'condition     = can(regex("\\\\.json$", var.datasets[each.key]))',
        (
            "datasets.Interactions = interactions is not a bundled schema for the "
            "VIDEO_ON_DEMAND domain, which takes video_on_demand_interactions or "
            "video_on_demand_items",
        ),
    ),
    "custom-items-in-video-on-demand-group": Case(
        GROUP,
        {
            "name": "g",
            "domain": "VIDEO_ON_DEMAND",
            "datasets": {"Interactions": "video_on_demand_interactions", "Items": "items"},
        },
        f"{GROUP}/main.tf",
        'condition     = can(regex("\\\\.json$", var.datasets[each.key]))',
        ("datasets.Items = items is not a bundled schema for the VIDEO_ON_DEMAND domain",),
    ),
    "domain-schema-in-custom-group": Case(
        GROUP,
        {"name": "g", "datasets": {"Interactions": "video_on_demand_interactions"}},
        f"{GROUP}/main.tf",
        'condition     = can(regex("\\\\.json$", var.datasets[each.key]))',
        (
            "datasets.Interactions = video_on_demand_interactions is not a bundled schema for a "
            "custom dataset group, which takes interactions or interactions_event_value or items",
        ),
    ),
    "bundled-schema-in-ecommerce-group": Case(
        GROUP,
        {"name": "g", "domain": "ECOMMERCE", "datasets": {"Interactions": "interactions"}},
        f"{GROUP}/main.tf",
        'condition     = can(regex("\\\\.json$", var.datasets[each.key]))',
        ("the ECOMMERCE domain (none is bundled): give the path of a .json schema file",),
    ),
    "key-without-role": Case(
        GROUP,
        {
            "name": "g",
            "datasets": {"Interactions": "interactions"},
            "kms_key_arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
        },
        f"{GROUP}/main.tf",
        "condition     = var.kms_key_arn == null || var.role_arn != null",
        ("kms_key_arn needs role_arn",),
    ),
}

ACCEPTED = {
    "users-in-custom-group": Case(
        GROUP, {"name": "g", "datasets": {"Interactions": "interactions", "Users": "users"}}
    ),
    "users-in-video-on-demand-group": Case(
        GROUP,
        {
            "name": "g",
            "domain": "VIDEO_ON_DEMAND",
            "datasets": {"Interactions": "video_on_demand_interactions", "Users": "users"},
        },
    ),
    "filter-name-at-the-limit": Case(
        ".", {"filters": {"x" * (FILTER_NAME_MAX - len(ROOT_PREFIX)): GENRE_FILTER}}
    ),
    "custom-group-with-event-values": Case(
        GROUP,
        {"name": "g", "datasets": {"Interactions": "interactions_event_value", "Items": "items"}},
    ),
    "ecommerce-group-with-own-files": Case(
        GROUP, {"name": "g", "domain": "ECOMMERCE", "datasets": {"Interactions": OWN_SCHEMA}}
    ),
    "video-on-demand-group-with-an-own-file": Case(
        GROUP,
        {
            "name": "g",
            "domain": "VIDEO_ON_DEMAND",
            "datasets": {"Interactions": "video_on_demand_interactions", "Items": OWN_SCHEMA},
        },
    ),
}


def refusal_problems(tree: Path, case: Case, work: Path) -> list[str]:
    """What is wrong with how the stack in `tree` treats the case's inputs ([] when right)."""
    try:
        tf_tree.evaluate(tree / case.directory, case.variables, work)
    except tf_tree.PreconditionFailed as error:
        if case.file is None:
            return [f"{case.variables} refused: {error}"]
        where = line_of(tree, case.file, case.condition)
        expected = f"{where}: precondition failed: "
        text = str(error).replace(str(tree.parent) + "/", "")
        if not text.startswith(expected) or not all(s in text for s in case.says):
            return [f"refused, but not by {where} saying {case.says}: {text}"]
        return []
    if case.file is None:
        return []
    where = line_of(tree, case.file, case.condition)
    return [f"{case.variables} accepted: the precondition at {where} should refuse them"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of terraform/, so that errors name terraform/<file>:<line> as in mutated copies."""
    return copy_tree(tmp_path_factory.mktemp("preconditions"))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_bad_input_is_refused_with_its_message(tree: Path, name: str, tmp_path: Path) -> None:
    assert refusal_problems(tree, REFUSED[name], tmp_path / "work") == []


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_a_good_input_passes(tree: Path, name: str, tmp_path: Path) -> None:
    assert refusal_problems(tree, ACCEPTED[name], tmp_path / "work") == []


def _fields(name: str) -> dict[str, bool]:
    """A bundled schema's fields: name -> categorical."""
    schema = json.loads((tf.TF_DIR / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
    return {f["name"]: bool(f.get("categorical")) for f in schema["fields"]}


def _missing(name: str, dataset_type: str) -> set[str]:
    fields = _fields(name)
    return {
        required
        for required, categorical in VOD_REQUIRED[dataset_type].items()
        if required not in fields or (categorical and not fields[required])
    }


def test_the_refused_schemas_lack_what_the_guide_requires_of_a_domain_schema() -> None:
    """The guide's required fields are what the quotes say; the domain's bundled schemas have
    them, and the custom ones the module refuses for a VIDEO_ON_DEMAND group do not."""
    for required in VOD_REQUIRED["Interactions"]:
        assert required in GUIDE_INTERACTIONS
    assert "GENRES (categorical string)" in GUIDE_ITEMS and "CREATION_TIMESTAMP" in GUIDE_ITEMS
    assert _missing("video_on_demand_interactions", "Interactions") == set()
    assert _missing("video_on_demand_items", "Items") == set()
    assert _missing("interactions", "Interactions") == {"EVENT_TYPE"}
    assert _missing("items", "Items") == {"CREATION_TIMESTAMP"}


def users_schema_problems(schema: dict[str, Any]) -> list[str]:
    """What keeps an Avro schema from being a Users schema of either kind of dataset group, by
    the guide's words above ([] when it is one)."""
    fields = {f["name"]: f for f in schema["fields"]}
    problems = [] if fields.get("USER_ID", {}).get("type") == "string" else ["no USER_ID string"]
    metadata = [f for n, f in fields.items() if n != "USER_ID"]
    fit = [
        f
        for f in metadata
        if (f["type"] == "string" and f.get("categorical")) or f["type"] in NUMERICAL
    ]
    if not fit:
        problems.append("no categorical string or numerical metadata field")
    if len(metadata) > 25:
        problems.append(f"{len(metadata)} metadata fields (at most 25)")
    for reserved, categorical in VOD_USERS_RESERVED.items():
        if reserved in fields and bool(fields[reserved].get("categorical")) != categorical:
            problems.append(f"{reserved} must be a categorical string")
    return problems


def _schema(name: str) -> dict[str, Any]:
    text = (tf.TF_DIR / "schemas" / f"{name}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_the_users_schema_is_what_the_guide_asks_of_both_groups() -> None:
    """users.json (USER_ID; GENDER, AGE, OCCUPATION categorical) meets the VIDEO_ON_DEMAND
    Users requirements and the custom ones, so the module accepts it in both groups (above)."""
    assert "USER_ID 1 metadata field (categorical string or numerical)" in GUIDE_VOD_USERS
    assert "up to 25 metadata fields" in GUIDE_CUSTOM_USERS
    assert users_schema_problems(_schema("users")) == []
    assert _fields("users") == {"USER_ID": False, "GENDER": True, "AGE": True, "OCCUPATION": True}


@pytest.mark.parametrize(
    ("keep", "problem"),
    [
        (1, "no categorical string or numerical metadata field"),  # USER_ID alone
        (27, "26 metadata fields (at most 25)"),
    ],
)
def test_the_users_rule_fails_on_a_broken_copy(keep: int, problem: str) -> None:
    """Seeded defects of users.json: cut to USER_ID, or padded to 26 metadata fields; and a
    GENDER that is not categorical (a textual string) no longer counts as metadata."""
    schema = _schema("users")
    padding = [{"name": f"F{i}", "type": "int"} for i in range(30)]
    schema["fields"] = (schema["fields"] + padding)[:keep]
    assert problem in users_schema_problems(schema)
    textual = _schema("users")
    textual["fields"] = [f for f in textual["fields"] if f["name"] in ("USER_ID", "GENDER")]
    textual["fields"][1] = {"name": "GENDER", "type": "string", "textual": True}
    assert users_schema_problems(textual) == ["no categorical string or numerical metadata field"]


@pytest.mark.parametrize("name", ["users-in-custom-group", "users-in-video-on-demand-group"])
def test_users_left_out_of_a_groups_list_is_refused(name: str, tmp_path: Path) -> None:
    """Seeded defect: the group's bundled list without users; the accepted case then fails."""
    group = "custom          = [" if "custom" in name else "VIDEO_ON_DEMAND = ["
    old = '"users"]'
    text = (tf.TF_DIR / GROUP / "main.tf").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if group in line)
    mutation = Mutation(f"{GROUP}/main.tf", line, line.replace(f", {old}", "]"))
    copy, _ = mutated(tmp_path, mutation)
    problems = refusal_problems(copy, ACCEPTED[name], tmp_path / "work")
    assert len(problems) == 1 and "refused" in problems[0], problems
    assert "datasets.Users = users is not a bundled schema" in problems[0]


# --- Seeded defects -------------------------------------------------------------------------

SEEDED = {
    "domain-with-interactions-schema": Mutation(
        "outputs.tf",
        "condition     = var.domain == null ||",
        "condition     = true ||",
    ),
    "filter-name-too-long": Mutation(
        f"{GROUP}/main.tf", '-${each.key}") <= 63', '-${each.key}") <= 64'
    ),
    "domain-schema-in-custom-group": Mutation(
        f"{GROUP}/main.tf",
        "custom          = [",
        'custom          = ["video_on_demand_interactions", ',
    ),
    "custom-items-in-video-on-demand-group": Mutation(
        f"{GROUP}/main.tf",
        'VIDEO_ON_DEMAND = ["video_on_demand_interactions", "video_on_demand_items", "users"]',
        'VIDEO_ON_DEMAND = ["video_on_demand_interactions", "video_on_demand_items", "users", '
        '"items"]',
    ),
    "bundled-schema-in-ecommerce-group": Mutation(
        f"{GROUP}/main.tf", "ECOMMERCE       = []", 'ECOMMERCE       = ["interactions"]'
    ),
}


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_a_weakened_precondition_fails_the_refusal_test(name: str, tmp_path: Path) -> None:
    case = REFUSED[name]
    copy, where = mutated(tmp_path, SEEDED[name])
    problems = refusal_problems(copy, case, tmp_path / "work")
    assert len(problems) == 1 and "accepted" in problems[0], problems
    assert line_of(copy, str(case.file), case.condition) in problems[0]
    assert where.startswith(f"terraform/{case.file}:")
