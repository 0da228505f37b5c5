"""docs/gitops.md says what the scripts, the Makefile and the CI workflow do.

Where the doc can be checked mechanically, it is: every environment variable the scripts read,
every error message they print, every file they write and every repository variable the
workflow reads is named in the doc; its summary example is what tools/plan_summary.py writes;
it does not claim that `make` puts `.venv/bin` on PATH (the Makefile deliberately does not).
Each check also runs on a broken doc or script to show that it fails.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from personalize_movielens.paths import project_root

ROOT = project_root()
DOC = ROOT / "docs" / "gitops.md"
SCRIPTS = [ROOT / "tools" / "tf-plan.sh", ROOT / "tools" / "tf-apply.sh"]
WORKFLOW = ROOT / "docs" / "ci" / "terraform.yml"
SUMMARY_EXAMPLE = Path(__file__).parent / "fixtures" / "plans" / "replace_schema.json"
# Read by bash itself, not settings of the scripts.
SHELL_VARIABLES = {"BASH_SOURCE", "PATH"}


def scripts_text() -> str:
    return "\n".join(path.read_text() for path in SCRIPTS)


def variables_read(script: str) -> set[str]:
    """Upper-case variables the scripts expand (`$NAME`, `${NAME:-...}`) and do not set."""
    read = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script))
    assigned = set(re.findall(r"^\s*(?:local\s+)?([A-Z][A-Z0-9_]*)=", script, re.M))
    return read - assigned - SHELL_VARIABLES


def undocumented_variables(doc: str, script: str) -> list[str]:
    return sorted(name for name in variables_read(script) if f"`{name}`" not in doc)


def error_messages(script: str) -> list[str]:
    """The text of each `die "..."` (continuation lines joined)."""
    joined = re.sub(r"\|\|\s*\n\s*", "|| ", script)
    return re.findall(r'\bdie "((?:[^"\\]|\\.)*)"', joined)


def message_pattern(message: str) -> re.Pattern:
    """A script's message as the doc lists it: each shell expansion stands for any text."""
    parts = re.split(r"\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*", message)
    return re.compile("^Error: " + ".+?".join(map(re.escape, parts)) + "$")


def listed_messages(doc: str) -> list[str]:
    block = re.search(r"```text\n(.*?)```", doc, re.S)
    return block.group(1).splitlines() if block else []


def unlisted_messages(doc: str, script: str) -> list[str]:
    listed = listed_messages(doc)
    return [
        m for m in error_messages(script) if not any(message_pattern(m).match(x) for x in listed)
    ]


def written_files(script: str) -> set[str]:
    """Files the scripts write or copy under DIR/plan/."""
    names = {n.rstrip(".") for n in re.findall(r'\$(?:plan|dir/plan)/([\w.]+)"', script)}
    return names - {"tfplan.json.tmp"}


def venv_path_claims(doc: str) -> list[str]:
    """Sentences saying that make (or the scripts) put .venv/bin on PATH, or first."""
    flat = " ".join(doc.split())
    verbs = r"(?:puts?|adds?|prepends?|places?)"
    claims = re.findall(rf"[^.]*\b{verbs}\s+`?\.venv/bin`?\s+(?:first|on|to|ahead)[^.]*", flat)
    return [c for c in claims if not re.search(rf"\b(?:not|never)\s+{verbs}\b|n't", c)]


def workflow_variables(workflow: str) -> set[str]:
    return set(re.findall(r"\bvars\.([A-Z][A-Z0-9_]*)", workflow))


def summary_example(doc: str) -> str:
    block = re.search(r"```markdown\n(.*?)```", doc, re.S)
    assert block, "no ```markdown example in the doc"
    return block.group(1)


def plan_summary():
    spec = importlib.util.spec_from_file_location("plan_summary", ROOT / "tools/plan_summary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["plan_summary"] = module
    spec.loader.exec_module(module)
    return module


def render_summary(plan_json: Path) -> str:
    ps = plan_summary()
    return ps.render(ps.changes(json.loads(plan_json.read_text())), allowed=False)


def test_every_variable_the_scripts_read_is_documented() -> None:
    found = variables_read(scripts_text())
    assert {
        "TF_BACKEND_CONFIG",
        "TF_PLAN_LOCK",
        "TF_SKIP_CREDENTIALS_CHECK",
        "ALLOW_DATA_LOSS",
    } <= found
    assert undocumented_variables(DOC.read_text(), scripts_text()) == []


def test_every_error_message_is_in_the_doc() -> None:
    messages = error_messages(scripts_text())
    assert len(messages) >= 12, messages
    assert unlisted_messages(DOC.read_text(), scripts_text()) == []
    # The guard's refusal too, as tools/plan_summary.py writes it.
    ps = plan_summary()
    replace = ps.Change("ADDRESS", "awscc_personalize_schema", "replace", True, ("ATTRIBUTE",))
    assert ps.refusal(replace, Path("DIR/plan/summary.md")) in listed_messages(DOC.read_text())


def test_every_file_the_scripts_write_is_in_the_doc() -> None:
    written = written_files(scripts_text())
    assert {"tfplan", "tfplan.json", "summary.md", ".terraform.lock.hcl"} <= written
    doc = DOC.read_text()
    assert sorted(name for name in written if f"{name}`" not in doc) == []


def test_the_summary_example_is_what_the_script_writes() -> None:
    assert summary_example(DOC.read_text()) == render_summary(SUMMARY_EXAMPLE)


def test_the_doc_does_not_put_venv_bin_on_path() -> None:
    assert venv_path_claims(DOC.read_text()) == []
    # ... because the Makefile does not.
    makefile = (ROOT / "Makefile").read_text()
    assert not re.search(r"^\s*(export\s+)?PATH\s*[:+?]?=", makefile, re.M)
    assert "deliberately NOT put on PATH" in makefile


def test_every_repository_variable_of_the_workflow_is_documented() -> None:
    names = workflow_variables(WORKFLOW.read_text())
    assert {"TF_PLAN_ROLE_ARN", "TF_APPLY_ROLE_ARN", "AWS_REGION", "TF_BACKEND_HCL"} <= names
    doc = DOC.read_text()
    assert sorted(name for name in names if f"`{name}`" not in doc) == []


def test_the_make_targets_run_the_scripts_the_doc_names() -> None:
    makefile = (ROOT / "Makefile").read_text()
    doc = DOC.read_text()
    for target, script in (("plan", "tools/tf-plan.sh"), ("apply", "tools/tf-apply.sh")):
        recipe = re.search(rf"^{target}:.*\n\t(.*)", makefile, re.M).group(1)
        assert f"bash {script} $(TF_DIR)" in recipe
        assert f"`make {target}` (`{script} terraform`)" in doc


# The checks fail on a broken doc or script.


def test_a_variable_missing_from_the_doc_is_reported() -> None:
    doc = DOC.read_text().replace("`ALLOW_DATA_LOSS`", "the data-loss switch")
    assert undocumented_variables(doc, scripts_text()) == ["ALLOW_DATA_LOSS"]
    script = scripts_text() + '\n[[ -n "${TF_NEW_SETTING:-}" ]]\n'
    assert undocumented_variables(DOC.read_text(), script) == ["TF_NEW_SETTING"]


def test_a_message_missing_from_the_doc_is_reported() -> None:
    script = scripts_text() + '\ndie "the moon is in the wrong phase: $phase."\n'
    assert unlisted_messages(DOC.read_text(), script) == ["the moon is in the wrong phase: $phase."]
    doc = DOC.read_text().replace("plan again from this commit.", "plan again.")
    assert [m for m in unlisted_messages(doc, scripts_text())] == [
        "$planned_lock (the providers the plan was made with) differs from $lock: plan again "
        "from this commit."
    ]


def test_a_file_missing_from_the_doc_is_reported() -> None:
    script = scripts_text() + '\ncp x "$plan/providers.json"\n'
    assert "providers.json" in written_files(script)
    assert "providers.json`" not in DOC.read_text()


@pytest.mark.parametrize(
    "claim",
    [
        "`make` puts `.venv/bin` first, and its Terraform 1.0.3 serves the offline checks only.",
        "The Makefile adds .venv/bin to PATH.",
    ],
)
def test_a_venv_path_claim_is_reported(claim: str) -> None:
    assert venv_path_claims(DOC.read_text() + "\n" + claim + "\n")


def test_a_stale_summary_example_is_reported(tmp_path: Path) -> None:
    plan = json.loads(SUMMARY_EXAMPLE.read_text())
    plan["resource_changes"][0]["change"]["replace_paths"] = [["name"]]
    changed = tmp_path / "plan.json"
    changed.write_text(json.dumps(plan))
    assert summary_example(DOC.read_text()) != render_summary(changed)


def test_an_undocumented_repository_variable_is_reported() -> None:
    workflow = WORKFLOW.read_text() + "\n# ${{ vars.TF_STATE_BUCKET }}\n"
    names = workflow_variables(workflow)
    assert "TF_STATE_BUCKET" in names and "`TF_STATE_BUCKET`" not in DOC.read_text()
