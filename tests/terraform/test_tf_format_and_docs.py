"""Checks 1 and 2: terraform fmt style; every .tf parses; variables and outputs documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tf_docs
import tf_static as tf

from conftest import Evaluated


def test_terraform_binary_is_the_pinned_one() -> None:
    import subprocess

    out = subprocess.run(
        [str(tf.venv_bin("terraform")), "version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("Terraform v1.0.3")


def test_terraform_tree_is_fmt_clean() -> None:
    assert tf.fmt_problems(tf.TF_DIR) == []


def test_fmt_check_catches_misformatted_file(tmp_path: Path) -> None:
    (tmp_path / "ok.tf").write_text('variable "a" {\n  type = string\n}\n')
    (tmp_path / "bad.tf").write_text('variable "b" {\ntype=string\n}\n')
    problems = tf.fmt_problems(tmp_path)
    assert len(problems) == 1 and "bad.tf" in problems[0]


@pytest.mark.parametrize("path", tf.tf_files(), ids=lambda p: str(p.relative_to(tf.TF_DIR)))
def test_every_tf_file_parses(path: Path) -> None:
    parsed = tf.parse_file(path)
    assert parsed, f"{path} parsed to nothing"


def test_parser_rejects_broken_hcl() -> None:
    with pytest.raises(Exception):  # noqa: B017 - the parser raises lark errors of several types
        tf.parse_text('resource "aws_s3_bucket" "x" {\n  bucket = \n')


def test_expected_module_layout() -> None:
    dirs = {p.relative_to(tf.TF_DIR).as_posix() for p in tf.module_dirs()}
    assert {
        ".",
        "modules/data-bucket",
        "modules/personalize-role",
        "modules/dataset-group",
        "modules/deployer-policy",
        "examples/minimal",
        "examples/complete",
    } <= dirs
    for directory in dirs:
        names = {p.name for p in (tf.TF_DIR / directory).glob("*.tf")}
        assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= names, directory
    for module in (
        "modules/data-bucket",
        "modules/personalize-role",
        "modules/dataset-group",
        "modules/deployer-policy",
    ):
        assert (tf.TF_DIR / module / "README.md").is_file()
    assert (tf.TF_DIR / "README.md").is_file()


@pytest.mark.parametrize("directory", tf.module_dirs(), ids=lambda p: p.name)
def test_variables_and_outputs_are_documented(directory: Path) -> None:
    assert tf.check_documentation(tf.load_module(directory)) == []


def _module_from(text: str) -> tf.Module:
    module = tf.Module(path=Path("snippet"))
    tf.add_parsed(module, tf.parse_text(text))
    return module


def test_documentation_check_catches_each_defect() -> None:
    module = _module_from(
        """
variable "untyped" {
  description = "Has no type."
}
variable "undescribed" {
  type = string
}
variable "kms_key_arn" {
  description = "An ARN without a validation."
  type        = string
}
variable "fine" {
  description = "Typed, described, no rules."
  type        = bool
}
output "bare" {
  value = 1
}
"""
    )
    problems = "\n".join(tf.check_documentation(module))
    assert "variable untyped has no type" in problems
    assert "variable undescribed has no description" in problems
    assert "variable kms_key_arn has rules but no validation" in problems
    assert "output bare has no description" in problems
    assert "fine" not in problems


@pytest.mark.parametrize("directory", tf.module_dirs(), ids=lambda p: p.name)
def test_versions_pin_terraform_and_providers(directory: Path) -> None:
    module = tf.load_module(directory)
    (block,) = module.terraform
    # 1.3: lifecycle preconditions (dataset-group) and optional() object attributes.
    assert tf.attr(block, "required_version") == ">= 1.3.0"
    providers = tf.attr(block, "required_providers")
    # The floor is the provider version the schema checks ran against (awscc < 1.106 lacks
    # `tags` on schemas and datasets); the ceiling keeps the next major out until checked.
    checked = {n: p["version"] for n, p in tf.load_provider_schemas()["providers"].items()}
    expected = {
        name: {
            "source": f"hashicorp/{name}",
            "version": f">= {version}, < {int(version.split('.')[0]) + 1}.0.0",
        }
        for name, version in checked.items()
    }
    assert providers, directory
    for name, spec in providers.items():
        if name.startswith("__"):
            continue
        value = spec[0] if isinstance(spec, list) else spec
        assert value == expected[name], (directory, name)
    # Every provider a module's resources use is declared there.
    used = {t.split("_", 1)[0] for t, _ in [*module.resources, *module.data]}
    assert used <= set(providers), directory


@pytest.mark.parametrize("directory", tf_docs.DOCUMENTED, ids=lambda p: p.name)
def test_readme_tables_are_generated_and_current(directory: Path) -> None:
    text = (directory / "README.md").read_text(encoding="utf-8")
    assert tf_docs.render(text, directory) == text, (
        f"{directory}/README.md is stale: run .venv/bin/python tests/terraform/tf_docs.py"
    )
    assert "```hcl" in text, "a README shows a usage example"


def test_stale_readme_is_detected(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "a" {\n  description = "New text."\n  type = string\n}\n'
    )
    stale = f"# m\n\n{tf_docs.BEGIN}\n| `a` | Old text. |\n{tf_docs.END}\n"
    rendered = tf_docs.render(stale, tmp_path)
    assert rendered != stale and "New text." in rendered and "Old text." not in rendered


def test_python_hcl2_layout_is_converted_to_the_checked_layout() -> None:
    # What python-hcl2 >= 7 returns (it and checkov's bc-python-hcl2 share the `hcl2` module).
    v8 = {
        "resource": [
            {
                '"aws_s3_bucket_versioning"': {
                    '"this"': {
                        "bucket": "${aws_s3_bucket.this.id}",
                        "versioning_configuration": [{"status": '"Enabled"', "__is_block__": True}],
                        "tags": {"Team": '"data"'},
                        "__is_block__": True,
                    }
                }
            }
        ],
        "variable": [{'"x"': {"type": "string", "default": None, "__is_block__": True}}],
        "__comments__": [{"value": "c"}],
    }
    assert tf.from_python_hcl2(v8) == {
        "resource": [
            {
                "aws_s3_bucket_versioning": {
                    "this": {
                        "bucket": ["${aws_s3_bucket.this.id}"],
                        "versioning_configuration": [{"status": ["Enabled"]}],
                        "tags": [{"Team": "data"}],
                    }
                }
            }
        ],
        "variable": [{"x": {"type": ["${string}"], "default": [None]}}],
    }


def test_tflint_config_enables_recommended_preset_and_pinned_aws_ruleset() -> None:
    config = tf.parse_file(tf.ROOT / ".tflint.hcl")
    plugins = {name: body for entry in config["plugin"] for name, body in entry.items()}
    assert tf.attr(plugins["terraform"], "enabled") is True
    assert tf.attr(plugins["terraform"], "preset") == "recommended"
    assert tf.attr(plugins["aws"], "enabled") is True
    assert tf.attr(plugins["aws"], "source") == "github.com/terraform-linters/tflint-ruleset-aws"
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(tf.attr(plugins["aws"], "version")))


def plan_file_problems(paths: list[Path]) -> list[str]:
    """Saved plans in the docs go to plan/tfplan, the git-ignored path the scripts use."""
    problems = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"-out=(\S+)", text):
            if target.strip("`'\"),") != "plan/tfplan":
                problems.append(f"{path.name}: plan saved to {target}, not plan/tfplan")
        for target in re.findall(r"terraform apply ([\w./-]*tfplan\w*)", text):
            if target != "plan/tfplan":
                problems.append(f"{path.name}: applies {target}, not plan/tfplan")
    return problems


def test_docs_save_plans_under_the_ignored_plan_folder(tmp_path: Path) -> None:
    docs = [*sorted(tf.TF_DIR.rglob("README.md")), tf.ROOT / "docs" / "gitops.md"]
    assert plan_file_problems(docs) == []
    ignored = (tf.ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "plan/" in ignored and "tfplan" in ignored
    seeded = tmp_path / "README.md"
    seeded.write_text("terraform plan -out=tfplan && terraform apply tfplan\n")
    assert len(plan_file_problems([seeded])) == 2


def test_the_readme_counts_the_resources_terraform_plans_with_the_defaults(
    evaluated: Evaluated,
) -> None:
    """The number `terraform plan` shows the reader, from Terraform's own evaluation."""
    text = (tf.TF_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(r"review: (\d+) resources to add with the defaults", text)
    assert match, "terraform/README.md states no resource count"
    resources = [i for i in evaluated("root-defaults") if i.kind == "resource"]
    assert int(match.group(1)) == len(resources), sorted(i.address for i in resources)
