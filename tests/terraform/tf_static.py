"""Offline checks of the Terraform code: parsing, documentation, provider schemas, policies.

Providers cannot be downloaded where `make test` runs, so `terraform validate` cannot run. These
functions do the part of its work that matters here, from the HCL alone, and return lists of
human-readable problems (empty when clean) so that tests can also feed them broken snippets.

HCL is parsed with python-hcl2's `hcl2` module, and converted to the layout these checks were
first written for (that of checkov's bc-python-hcl2, which installs a module of the same name):
every attribute value wrapped in a one-element list, nested blocks as lists of dicts,
expressions as strings such as "${var.x == None ? 1 : 0}". checkov now runs from its own
environment (.venv-checkov), so only python-hcl2 is in .venv; both layouts are still accepted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from personalize_movielens.paths import project_root

ROOT = project_root()
TF_DIR = ROOT / "terraform"
SCHEMAS_FILE = Path(__file__).with_name("provider_schemas.json")

_PYTHON_HCL2_LAYOUT = False  # set below, once hcl2 is probed
META_ARGUMENTS = frozenset({"count", "for_each", "depends_on", "provider", "lifecycle"})
_META_KEYS = ("__start_line__", "__end_line__")


# --- Parsing --------------------------------------------------------------------------------


def tf_files(root: Path = TF_DIR) -> list[Path]:
    """Every .tf file under root (not in .terraform/ working folders)."""
    return sorted(p for p in root.rglob("*.tf") if ".terraform" not in p.parts)


def parse_text(text: str) -> dict[str, Any]:
    """Parse HCL text into checkov's hcl2 layout (whichever hcl2 is installed); raises on error."""
    parsed = hcl2.loads(text)
    return from_python_hcl2(parsed) if _PYTHON_HCL2_LAYOUT else parsed


def _probe_layout() -> bool:
    """True when `hcl2` is python-hcl2 >= 7 (quoted strings, __is_block__ markers)."""
    return hcl2.loads('a = "b"\n').get("a") == '"b"'


def from_python_hcl2(node: dict[str, Any]) -> dict[str, Any]:
    """Convert python-hcl2 >= 7 output to the bc-python-hcl2 layout the checks read.

    pip installs both packages into the same `hcl2` folder; which one wins depends on install
    order, so the checks accept either.
    """
    return {
        key: [_labeled(item) for item in items]
        for key, items in node.items()
        if not key.startswith("__") and isinstance(items, list)
    }


def _labeled(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("__is_block__"):
        return _body(item)
    return {
        _unquote(k): _labeled(v) if isinstance(v, dict) else _value(v)
        for k, v in item.items()
        if not k.startswith("__")
    }


def _body(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("__"):
            continue
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) for v in value)
            and all(
                v.get("__is_block__") or all(isinstance(x, dict) for x in v.values()) for v in value
            )
        ):
            result[key] = [_labeled(v) for v in value]
        else:
            result[key] = [_value(value)]
    return result


def _value(value: Any) -> Any:
    if isinstance(value, str):
        if not value.startswith(('"', "${")):
            return "${" + value + "}"  # a bare expression such as `string`
        return _unquote(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _value(v) for k, v in value.items()}
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"')
    return text


_PYTHON_HCL2_LAYOUT = _probe_layout()


def parse_file(path: Path) -> dict[str, Any]:
    return parse_text(path.read_text(encoding="utf-8"))


def strip_meta(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in _META_KEYS}


def attr(body: dict[str, Any], name: str, default: Any = None) -> Any:
    """Value of attribute `name` in a block body (unwrapped), or default."""
    if name not in body:
        return default
    value = body[name]
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def is_block_list(value: Any) -> bool:
    """True when a body entry is one or more nested blocks (not an attribute)."""
    return (
        isinstance(value, list)
        and len(value) >= 1
        and all(isinstance(item, dict) and _looks_like_block(item) for item in value)
    )


def _looks_like_block(item: dict[str, Any]) -> bool:
    # A block's attributes are list-wrapped; an object literal's values are not.
    return all(isinstance(v, list) for v in strip_meta(item).values())


@dataclass
class Module:
    """The declarations of one Terraform module directory."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: list[str] = field(default_factory=list)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: Block address (`resource.TYPE.NAME`, `data.TYPE.NAME`, `module.NAME`, `variable.NAME`,
    #: `output.NAME`, `local.NAME`, `provider.NAME`) -> the file that declares it.
    origins: dict[str, Path] = field(default_factory=dict)


def load_module(directory: Path) -> Module:
    """Parse every .tf file directly in directory into one Module."""
    module = Module(path=directory)
    for path in sorted(directory.glob("*.tf")):
        module.files.append(path)
        add_parsed(module, parse_file(path), path)
    return module


def add_parsed(module: Module, parsed: dict[str, Any], path: Path | None = None) -> None:
    origin = path or module.path / "snippet.tf"
    for entry in parsed.get("variable", []):
        module.variables.update(entry)
        module.origins.update({f"variable.{name}": origin for name in entry})
    for entry in parsed.get("output", []):
        module.outputs.update(entry)
        module.origins.update({f"output.{name}": origin for name in entry})
    for entry in parsed.get("locals", []):
        module.locals.update(strip_meta(entry))
        module.origins.update({f"local.{name}": origin for name in strip_meta(entry)})
    for kind, target in (("resource", module.resources), ("data", module.data)):
        for entry in parsed.get(kind, []):
            for type_name, named in entry.items():
                for name, body in named.items():
                    target[(type_name, name)] = body
                    module.origins[f"{kind}.{type_name}.{name}"] = origin
    for entry in parsed.get("module", []):
        module.modules.update(entry)
        module.origins.update({f"module.{name}": origin for name in entry})
    for entry in parsed.get("provider", []):
        module.providers.extend(entry)
        module.origins.update({f"provider.{name}": origin for name in entry})
    module.terraform.extend(parsed.get("terraform", []))


# --- Locations: messages name the file and line ----------------------------------------------

_HEADERS = {
    "resource": r'^resource\s+"{0}"\s+"{1}"\s*\{{',
    "data": r'^data\s+"{0}"\s+"{1}"\s*\{{',
    "module": r'^module\s+"{0}"\s*\{{',
    "variable": r'^variable\s+"{0}"\s*\{{',
    "output": r'^output\s+"{0}"\s*\{{',
    "provider": r'^provider\s+"{0}"\s*\{{',
}


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the project when inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def block_lines(text: str, header: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of the top-level block whose header matches, or None."""
    match = re.search(header, text, re.M)
    if not match:
        return None
    depth, pos = 0, match.end() - 1
    while pos < len(text):
        depth += text[pos] == "{"
        depth -= text[pos] == "}"
        pos += 1
        if depth == 0:
            break
    return text.count("\n", 0, match.start()) + 1, text.count("\n", 0, pos) + 1


def locate(module: Module, address: str, attribute: str | None = None) -> str:
    """'file:line' of a block (by address, see Module.origins) or of one attribute inside it.

    `attribute` may be a dotted path into nested blocks (`lifecycle.ignore_changes`); the first
    line that sets or opens it within the block is given, else the block's own line.
    """
    path = module.origins.get(address)
    if path is None or not path.exists():
        return f"{display_path(path) if path else module.path.name}: {address}"
    text = path.read_text(encoding="utf-8")
    kind, _, rest = address.partition(".")
    lines = text.splitlines()
    if kind == "local":
        for number, line in enumerate(lines, 1):
            if re.match(rf"^\s*{re.escape(rest)}\s*=", line):
                return f"{display_path(path)}:{number}"
        return f"{display_path(path)}: {address}"
    labels = [re.escape(part) for part in rest.split(".", 1)]
    span = block_lines(text, _HEADERS[kind].format(*labels))
    if span is None:
        return f"{display_path(path)}: {address}"
    first, last = span
    if attribute:
        start = first
        for part in attribute.split("."):
            name = re.escape(part)
            pattern = re.compile(rf"^\s*(dynamic\s+\"{name}\"|{name})\s*[={{]")
            found = next((n for n in range(start, last + 1) if pattern.match(lines[n - 1])), None)
            if found is None:
                break
            start = found
        return f"{display_path(path)}:{start}"
    return f"{display_path(path)}:{first}"


def module_dirs(root: Path = TF_DIR) -> list[Path]:
    """Every directory under root that holds .tf files."""
    return sorted({p.parent for p in tf_files(root)})


# --- Variables and outputs ------------------------------------------------------------------

#: Variable names whose values have rules, so they need a validation block.
RULED_VARIABLE = re.compile(r"(^|_)(name|name_prefix|arn|region|prefix|datasets|domain|schema)$")


def check_documentation(module: Module) -> list[str]:
    """Every variable typed, described (and validated where it has rules); outputs described."""
    problems = []
    where = module.path.relative_to(ROOT) if module.path.is_relative_to(ROOT) else module.path
    for name, body in module.variables.items():
        if not attr(body, "type"):
            problems.append(f"{where}: variable {name} has no type")
        if not str(attr(body, "description", "")).strip():
            problems.append(f"{where}: variable {name} has no description")
        if RULED_VARIABLE.search(name) and not body.get("validation"):
            problems.append(f"{where}: variable {name} has rules but no validation block")
        for validation in body.get("validation", []):
            if not str(attr(validation, "error_message", "")).strip():
                problems.append(f"{where}: variable {name} has a validation without error_message")
    for name, body in module.outputs.items():
        if not str(attr(body, "description", "")).strip():
            problems.append(f"{where}: output {name} has no description")
        if "value" not in body:
            problems.append(f"{where}: output {name} has no value")
    return problems


# --- Provider-schema conformance -------------------------------------------------------------


def load_provider_schemas(path: Path = SCHEMAS_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _schema_for(schemas: dict[str, Any], kind: str, type_name: str) -> dict[str, Any] | None:
    provider = schemas["providers"].get(type_name.split("_", 1)[0])
    if provider is None:
        return None
    return provider["resources" if kind == "resource" else "data_sources"].get(type_name)


def check_conformance(module: Module, schemas: dict[str, Any]) -> list[str]:
    """Every resource/data type exists; its arguments and blocks exist; required ones are set."""
    problems: list[str] = []
    for kind, declared in (("resource", module.resources), ("data", module.data)):
        for (type_name, name), body in declared.items():
            label = f"{module.path.name}: {'data.' if kind == 'data' else ''}{type_name}.{name}"
            schema = _schema_for(schemas, kind, type_name)
            if schema is None:
                problems.append(
                    f"{label}: {kind} type {type_name} is not in the pinned provider schemas"
                )
                continue
            problems.extend(_check_body(label, strip_meta(body), schema, top=True))
    return problems


def _check_body(label: str, body: dict[str, Any], schema: dict[str, Any], top: bool) -> list[str]:
    problems: list[str] = []
    attributes = schema["attributes"]
    present: set[str] = set()
    entries = list(body.items())
    # dynamic "x" { content { ... } } stands for blocks named x.
    for dynamic in body.get("dynamic", []) if "dynamic" not in attributes else []:
        for block_name, spec in dynamic.items():
            content = spec.get("content", [{}])
            entries.append((block_name, content))
    for key, value in entries:
        if key == "dynamic" and "dynamic" not in attributes:
            continue
        if top and key in META_ARGUMENTS:
            continue
        spec = attributes.get(key)
        if spec is None:
            problems.append(f"{label}: unsupported argument or block {key!r}")
            continue
        present.add(key)
        if spec["computed"] and not spec["optional"] and not spec["required"]:
            problems.append(f"{label}: {key!r} is read-only (computed) and cannot be set")
            continue
        nested = spec.get("nested")
        as_block = is_block_list(value)
        if nested is not None and spec["syntax"] == "block":
            if not as_block:
                problems.append(f"{label}: {key!r} is a block: write {key} {{ ... }}")
                continue
            for index, block in enumerate(value):
                problems.extend(
                    _check_body(f"{label}.{key}[{index}]", strip_meta(block), nested, top=False)
                )
        elif as_block and any(strip_meta(block) for block in value):
            problems.append(f"{label}: {key!r} is an attribute: write {key} = ...")
        elif nested is not None and len(value) == 1 and isinstance(value[0], dict):
            problems.extend(_check_object(f"{label}.{key}", value[0], nested))
    for key, spec in attributes.items():
        if spec["required"] and key not in present:
            problems.append(f"{label}: required argument {key!r} is not set")
    return problems


def _check_object(label: str, value: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """An object literal given to a nested attribute: keys exist, required keys set."""
    problems = []
    attributes = schema["attributes"]
    for key in strip_meta(value):
        if key not in attributes:
            problems.append(f"{label}: unsupported attribute {key!r}")
    for key, spec in attributes.items():
        if spec["required"] and key not in value:
            problems.append(f"{label}: required attribute {key!r} is not set")
    return problems


# --- Tools: terraform fmt and checkov ---------------------------------------------------------


def venv_bin(name: str) -> Path:
    """A tool installed next to the running Python (the project's .venv/bin)."""
    import sys

    return Path(sys.executable).parent / name


def fmt_problems(directory: Path) -> list[str]:
    """Files that `terraform fmt -check -recursive` would rewrite (Terraform 1.0.3 from .venv)."""
    import subprocess

    result = subprocess.run(
        [str(venv_bin("terraform")), "fmt", "-check", "-recursive", "-list=true", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode not in (0, 3):
        return [f"terraform fmt failed ({result.returncode}): {result.stderr.strip()}"]
    files = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode == 3 and not files:
        return ["terraform fmt -check reported a difference without naming a file"]
    return [f"{name}: not in terraform fmt style" for name in files]


#: checkov runs from its own environment (`make setup`): it pins boto3, which .venv must not.
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def run_checkov(directory: Path) -> dict[str, Any]:
    """checkov's JSON report for a Terraform directory (offline: --skip-download)."""
    import os
    import subprocess

    if not CHECKOV.exists():
        raise RuntimeError(f"{CHECKOV} is missing: run `make setup`")
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"},
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed ({result.returncode}): {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    terraform = [r for r in reports if r.get("check_type") == "terraform"]
    if not terraform:
        # checkov prints a bare summary when there is nothing to scan.
        raise RuntimeError(f"checkov produced no terraform report: {result.stdout[:500]}")
    return terraform[0]


_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


def checkov_skip_problems(files: list[Path]) -> list[str]:
    """Inline checkov skips must name a check and give a reason."""
    problems = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _SKIP.search(line)
            if match and len((match.group(2) or "").strip()) < 10:
                problems.append(
                    f"{path.name}:{number}: checkov skip {match.group(1)} has no reason"
                )
    return problems
