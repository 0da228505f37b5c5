"""Evaluate a module's locals with real Terraform, offline.

Why: the static checks read expressions as text, so a wrong value built in a local (a map where
awscc wants a list of {key, value} objects, a schema string that changes with whitespace) passes
them. Terraform itself evaluates locals without any provider: a config holding only the module's
variables, its `locals` blocks and one output per local can be `init`ed, `apply`ed and read with
`output -json` by Terraform 1.0.3 from .venv, with no download. Variable validations run too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tf_static import venv_bin


class HarnessError(RuntimeError):
    """Terraform refused the harness config or the inputs (message: its stderr)."""


def block_texts(text: str, keyword: str) -> list[str]:
    """Raw text of every top-level `keyword {...}` block (braces counted; HCL strings balance)."""
    blocks = []
    for match in re.finditer(rf"^{keyword}\s*{{", text, re.M):
        depth, pos = 0, match.end() - 1
        while True:
            char = text[pos]
            depth += char == "{"
            depth -= char == "}"
            pos += 1
            if depth == 0:
                break
        blocks.append(text[match.start() : pos])
    return blocks


def write_harness(module_dir: Path, names: list[str], work: Path) -> None:
    """A provider-less config: the module's variables and locals, one output per local name."""
    work.mkdir(parents=True, exist_ok=True)
    parts = [(module_dir / "variables.tf").read_text(encoding="utf-8")]
    for path in sorted(module_dir.glob("*.tf")):
        parts.extend(block_texts(path.read_text(encoding="utf-8"), "locals"))
    for name in names:
        parts.append(f'output "{name}" {{\n  value = local.{name}\n}}\n')
    (work / "main.tf").write_text("\n".join(parts), encoding="utf-8")


def run_terraform(args: list[str], work: Path, error: type[HarnessError] = HarnessError) -> str:
    """Run .venv's Terraform (1.0.3, no provider) in work; raise `error` with its stderr."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    result = subprocess.run(
        [str(venv_bin("terraform")), *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise error(f"terraform {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def evaluate_locals(
    module_dir: Path, names: list[str], variables: dict[str, Any], work: Path
) -> dict[str, Any]:
    """Values of the module's locals `names` for the given variable values (None when null)."""
    write_harness(module_dir, names, work)
    (work / "terraform.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
    if not (work / ".terraform").exists():
        run_terraform(["init", "-input=false", "-no-color"], work)
    run_terraform(["apply", "-auto-approve", "-input=false", "-no-color"], work)
    outputs = json.loads(run_terraform(["output", "-json", "-no-color"], work))
    # Terraform omits null outputs from `output -json`.
    return {name: outputs[name]["value"] if name in outputs else None for name in names}


def check_variables(module_dir: Path, variables: dict[str, Any], work: Path) -> None:
    """Run the module's variable validations on these values (HarnessError when one refuses)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "main.tf").write_text(
        (module_dir / "variables.tf").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (work / "terraform.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
    if not (work / ".terraform").exists():
        run_terraform(["init", "-input=false", "-no-color"], work)
    run_terraform(["apply", "-auto-approve", "-input=false", "-no-color"], work)
