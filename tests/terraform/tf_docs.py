"""Generate the Inputs/Outputs tables of the Terraform READMEs (terraform-docs style).

The tables sit between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in each README and
are generated from variables.tf/outputs.tf, never written by hand; a test fails when they are
stale. Regenerate with:

    .venv/bin/python tests/terraform/tf_docs.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import tf_static as tf

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"
DOCUMENTED = [
    tf.TF_DIR,
    tf.TF_DIR / "modules" / "data-bucket",
    tf.TF_DIR / "modules" / "personalize-role",
    tf.TF_DIR / "modules" / "dataset-group",
    tf.TF_DIR / "modules" / "deployer-policy",
]


def _expr(value: Any) -> str:
    if isinstance(value, str):
        match = re.fullmatch(r"\$\{(.*)\}", value, re.S)
        return match.group(1) if match else json.dumps(value)
    return json.dumps(value)


def _cell(text: str) -> str:
    return text.replace('\\"', '"').replace("|", "\\|").replace("\n", " ")


def tables(directory: Path) -> str:
    """The Markdown tables of one module's inputs and outputs."""
    module = tf.load_module(directory)
    lines = ["## Inputs", "", "| Name | Description | Type | Default | Required |"]
    lines.append("|------|-------------|------|---------|:--------:|")
    for name in sorted(module.variables):
        body = module.variables[name]
        has_default = "default" in body
        default = f"`{_cell(_expr(tf.attr(body, 'default')))}`" if has_default else "n/a"
        lines.append(
            f"| `{name}` | {_cell(str(tf.attr(body, 'description', '')))} "
            f"| `{_cell(_expr(tf.attr(body, 'type')))}` | {default} "
            f"| {'no' if has_default else 'yes'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for name in sorted(module.outputs):
        description = _cell(str(tf.attr(module.outputs[name], "description", "")))
        lines.append(f"| `{name}` | {description} |")
    return "\n".join(lines)


def render(readme: str, directory: Path) -> str:
    """The README text with its generated section replaced."""
    if BEGIN not in readme or END not in readme:
        raise ValueError(f"{directory}/README.md has no {BEGIN} ... {END} section")
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{tables(directory)}\n{END}{tail}"


def main() -> int:
    for directory in DOCUMENTED:
        path = directory / "README.md"
        text = path.read_text(encoding="utf-8")
        new = render(text, directory)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
