"""Summarise a `terraform show -json` plan for review, and refuse one that destroys data.

    python3 tools/plan_summary.py PLAN_JSON SUMMARY_MD [--allow-data-loss]

tools/tf-plan.sh runs this with the system python3 (`make plan` needs no venv), so it uses the
standard library only. It writes SUMMARY_MD (counts per action, the addresses, and a data-loss
section at the top when there is any) and prints the counts on one line.

A plan that deletes or replaces a resource holding data (DATA_TYPES: the dataset group, schemas,
datasets, the S3 bucket, and a customer KMS key, without which that data cannot be read) is
refused unless --allow-data-loss (ALLOW_DATA_LOSS=1 in tf-plan.sh and tf-apply.sh): one line per
such resource on stderr, each starting "Error: ", and exit code 1. The summary is
written either way, so the refused plan can be reviewed. A `forget` (a `removed` block with
`destroy = false`, Terraform >= 1.7) leaves the remote object alone and is not data loss.
An unreadable plan, or one in a shape this script does not know, is one "Error: " line and exit
code 1 too: a guard that cannot read the plan must not pass it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# Resource types whose deletion loses data nobody can recreate from the code: imported
# interactions and items, the uploaded files, batch output. What the loss means for each.
DATA_TYPES = {
    "awscc_personalize_dataset_group": (
        "dataset group",
        "its datasets and their imported data go with it; the delete fails while the tool's"
        " solutions and campaigns exist (`make clean-cloud` first)",
    ),
    "awscc_personalize_schema": (
        "schema",
        "the datasets built on it go with it, and their imported data: `make data` imports it"
        " again",
    ),
    "awscc_personalize_dataset": (
        "dataset",
        "its imported data is lost: import it again (`make data`)",
    ),
    "aws_s3_bucket": (
        "S3 bucket",
        "its objects (uploaded data, batch output) are deleted with it, or the delete fails"
        " while it is not empty and force_destroy is off",
    ),
    "aws_kms_key": (
        "KMS key",
        "what it encrypts (the bucket's objects, the dataset group's data) cannot be read once"
        " its deletion window ends (until then, `aws kms cancel-key-deletion`)",
    ),
}

# The columns of the summary, in order.
KINDS = ("create", "update", "replace", "delete", "forget")

# `change.actions` as `terraform show -json` writes them, mapped to a summary column. Replace is
# delete-then-create, or create-then-delete with create_before_destroy; create-then-forget
# replaces the object in the state but leaves the old one in place.
ACTIONS = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("forget",): "forget",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("create", "forget"): "replace",
}
IGNORED = {("no-op",), ("read",)}

# format_version major versions of the plan JSON this script reads (Terraform 0.12 to 1.x).
KNOWN_FORMATS = ("0", "1")


class PlanError(Exception):
    """The plan JSON cannot be read or has a shape this script does not know (one line)."""


@dataclass(frozen=True)
class Change:
    """One planned change of a managed resource instance."""

    address: str
    type: str
    kind: str
    destroys: bool
    replace_paths: tuple[str, ...] = ()
    deposed: str | None = None

    @property
    def loses_data(self) -> bool:
        return self.destroys and self.type in DATA_TYPES

    @property
    def label(self) -> str:
        return f"`{self.address}`" + (f" (deposed object {self.deposed})" if self.deposed else "")

    @property
    def forced_by(self) -> str:
        """ ", forced by `a`, `b`" when the plan names the attributes that force a replace."""
        if not self.replace_paths:
            return ""
        return ", forced by " + ", ".join(f"`{p}`" for p in self.replace_paths)


def render_path(steps: list) -> str:
    """A replace_paths entry (["tags", 0, "value"]) as an attribute path (tags[0].value)."""
    out = ""
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        elif isinstance(step, str):
            out += f".{step}" if out else step
        else:
            raise PlanError(f"replace_paths step {step!r} is neither an attribute nor an index")
    return out


def read_plan(path: Path) -> dict:
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read the plan JSON ({exc.strerror})") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(plan, dict):
        raise PlanError(f"{path}: not a `terraform show -json` plan (no JSON object)")
    return plan


def changes(plan: dict) -> list[Change]:
    """The managed-resource changes of a plan; reads and no-ops left out."""
    version = plan.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] not in KNOWN_FORMATS:
        raise PlanError(
            f"format_version {version!r} is not one this script reads"
            f" ({', '.join(v + '.x' for v in KNOWN_FORMATS)}): not `terraform show -json` output?"
        )
    result = []
    for i, rc in enumerate(plan.get("resource_changes") or []):
        where = f"resource_changes[{i}]"
        for key in ("address", "mode", "type"):
            if not isinstance(rc.get(key), str):
                raise PlanError(f"{where} has no {key!r}: not `terraform show -json` output")
        change = rc.get("change")
        actions = change.get("actions") if isinstance(change, dict) else None
        if not isinstance(actions, list):
            raise PlanError(f"{where} ({rc['address']}) has no change.actions")
        if rc["mode"] == "data" or tuple(actions) in IGNORED:
            continue
        kind = ACTIONS.get(tuple(actions))
        if kind is None:
            raise PlanError(f"{rc['address']}: unknown change.actions {actions}")
        paths = change.get("replace_paths") or []
        result.append(
            Change(
                address=rc["address"],
                type=rc["type"],
                kind=kind,
                destroys="delete" in actions,
                replace_paths=tuple(render_path(p) for p in paths),
                deposed=rc.get("deposed"),
            )
        )
    return result


def data_loss(planned: list[Change]) -> list[Change]:
    return [c for c in planned if c.loses_data]


def counts(planned: list[Change]) -> dict[str, int]:
    return {kind: sum(c.kind == kind for c in planned) for kind in KINDS}


def render(planned: list[Change], *, allowed: bool) -> str:
    """summary.md: the data-loss warning and section first, then the counts and addresses."""
    lost = data_loss(planned)
    lines = ["# Terraform plan", ""]
    if lost:
        noun = "resource that holds" if len(lost) == 1 else "resources that hold"
        verdict = (
            "`ALLOW_DATA_LOSS=1` was set: applying this plan destroys that data."
            if allowed
            else "`make plan` refused it and removed the saved plan. Plan again with"
            " `ALLOW_DATA_LOSS=1` only if the loss is intended."
        )
        lines += [
            "> [!CAUTION]",
            f"> **DATA LOSS**: this plan deletes or replaces {len(lost)} {noun} data. {verdict}",
            "",
            f"## Data loss ({len(lost)})",
            "",
        ]
        for c in lost:
            name, consequence = DATA_TYPES[c.type]
            lines.append(f"- **DATA LOSS** {c.kind} {name} {c.label}{c.forced_by}: {consequence}")
        lines.append("")
    tally = counts(planned)
    lines.append("| " + " | ".join(KINDS) + " |")
    lines.append("|" + " --- |" * len(KINDS))
    lines.append("| " + " | ".join(str(tally[k]) for k in KINDS) + " |")
    for kind in KINDS:
        of_kind = sorted((c for c in planned if c.kind == kind), key=lambda c: c.address)
        if not of_kind:
            continue
        lines += ["", f"## {kind} ({len(of_kind)})", ""]
        for c in of_kind:
            note = c.forced_by
            if c.kind == "replace" and not c.destroys:
                note += " (old object forgotten, not destroyed)"
            lines.append(f"- {c.label}{' **DATA LOSS**' if c.loses_data else ''}{note}")
    if not planned:
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def refusal(change: Change, summary: Path) -> str:
    """The one line that names a resource whose data the plan would destroy, and the rule."""
    name = DATA_TYPES[change.type][0]
    verb = "replaces" if change.kind == "replace" else "deletes"
    forced = f" (forced by {', '.join(change.replace_paths)})" if change.replace_paths else ""
    deposed = f" (deposed object {change.deposed})" if change.deposed else ""
    return (
        f"Error: {change.address}{deposed}: the plan {verb} this {name}{forced}, which destroys"
        f" its data; refused: review {summary}, and plan with ALLOW_DATA_LOSS=1 if intended."
    )


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--allow-data-loss"]
    allowed = len(args) != len(argv)
    if len(args) != 2:
        print(
            "Error: usage: plan_summary.py PLAN_JSON SUMMARY_MD [--allow-data-loss]",
            file=sys.stderr,
        )
        return 2
    plan_json, summary = Path(args[0]), Path(args[1])
    try:
        planned = changes(read_plan(plan_json))
    except PlanError as exc:
        message = str(exc)
        if not message.startswith(str(plan_json)):
            message = f"{plan_json}: {message}"
        print(f"Error: {message}", file=sys.stderr)
        return 1
    write_atomically(summary, render(planned, allowed=allowed))
    tally = counts(planned)
    print(", ".join(f"{n} to {kind}" for kind, n in tally.items()))
    lost = data_loss(planned)
    for change in lost:
        if allowed:
            print(
                f"Warning: {change.address}: data loss allowed by ALLOW_DATA_LOSS=1.",
                file=sys.stderr,
            )
        else:
            print(refusal(change, summary), file=sys.stderr)
    return 1 if lost and not allowed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
