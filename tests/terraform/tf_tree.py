"""Evaluate a whole stack with real Terraform, offline: every argument of every resource.

Why: the values a stack hands the providers are built by expressions (templates, for_each,
jsonencode(file(...)), conditionals, module inputs); reading them as text agrees with whatever
the author meant. Terraform evaluates all of that without any provider, so this module rewrites
a stack into a provider-less copy and lets Terraform 1.0.3 (from .venv) compute it:

- each `resource`/`data` block becomes a local holding an object of its arguments (nested blocks
  as lists of objects; `for_each` and `count` as for-expressions over the same collections),
  merged over its computed attributes, which hold "__unknown__:<address>" (or, for the data
  sources in KNOWN, a sample account, partition and region);
- references to resources and data sources become references to those locals, so outputs,
  module inputs and other resources see objects of the same shape;
- `module` calls point at the rewritten copies of their sources; variables lose their
  validations (an unknown ARN would fail them; tf_harness checks validations); `lifecycle`,
  `depends_on`, providers and `terraform` blocks are dropped;
- each `precondition` (a resource's or data source's `lifecycle`, an output's), which Terraform
  1.0 does not know, becomes a local that Terraform evaluates per instance: its condition, and
  when that is false a call that fails with the error_message (`PreconditionFailed`, naming the
  condition's file:line), as Terraform >= 1.2 refuses the plan; postconditions (they read
  `self`, known only after apply) are not checked;
- an output `harness__tree` carries every resource, data source and module.

The result is a list of `Instance`s: each resource or data source instance with its evaluated
arguments and the block it came from, so checks can name the file and line.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl_text
from hcl_text import Attribute, Block
from tf_harness import HarnessError, run_terraform
from tf_static import display_path, load_provider_schemas

UNKNOWN = "__unknown__"
META = frozenset({"for_each", "count", "depends_on", "provider", "lifecycle", "provisioner"})
#: Computed attributes of data sources that only exist in an account: sample values.
KNOWN = {
    ("aws_caller_identity", "account_id"): "111122223333",
    ("aws_partition", "partition"): "aws",
    ("aws_partition", "dns_suffix"): "amazonaws.com",
    ("aws_region", "region"): "us-east-1",
    ("aws_region", "name"): "us-east-1",
}


class TreeError(HarnessError):
    """Terraform refused the rewritten copy (message: its stderr, which names the file)."""


class PreconditionFailed(TreeError):
    """A precondition's condition is false: 'FILE:LINE: precondition failed: ERROR_MESSAGE'."""


#: What a failed precondition check makes Terraform print (tobool refuses the message).
_FAILED = re.compile(r'cannot\s+convert\s+"precondition\s+failed:\s+(.*?)"\s+to\s+bool', re.S)


@dataclass
class Instance:
    """One resource or data-source instance of an evaluated stack."""

    path: tuple[str, ...]  # module call names from the root, e.g. ("dataset_group",)
    kind: str  # "resource" or "data"
    type: str
    name: str
    key: str | int | None  # for_each key or count index
    values: dict[str, Any]
    directory: Path  # the module directory that declares it
    file: Path
    block: Block
    #: The module calls that lead here, outermost first: (file of the call, its block).
    callers: tuple[tuple[Path, Block], ...] = ()

    def origin(self, attribute: str) -> tuple[Path, int]:
        """File and line where an argument's value is written: when the block passes a module
        variable through (`name = var.name`), the caller's argument, up to the root."""
        item = self.block.attribute(attribute)
        if item is None:
            return self.file, self.block.line
        file, line = self.file, item.line
        expr = item.expr
        for call_file, call in reversed(self.callers):
            match = re.fullmatch(r"var\.([\w-]+)", expr.strip())
            argument = call.attribute(match.group(1)) if match else None
            if argument is None:
                break
            file, line, expr = call_file, argument.line, argument.expr
        return file, line

    @property
    def address(self) -> str:
        prefix = "".join(f"module.{name}." for name in self.path)
        kind = "data." if self.kind == "data" else ""
        index = "" if self.key is None else f"[{json.dumps(self.key)}]"
        return f"{prefix}{kind}{self.type}.{self.name}{index}"


@dataclass
class _Declared:
    kind: str
    type: str
    name: str
    block: Block
    file: Path


def _local_name(kind: str, type_name: str, name: str) -> str:
    return f"{'r' if kind == 'resource' else 'd'}__{type_name}__{name}"


class _Module:
    """One module directory, parsed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.items: list[tuple[Path, Block]] = []
        for path in sorted(directory.glob("*.tf")):
            for item in hcl_text.parse(path.read_text(encoding="utf-8")):
                if isinstance(item, Block):
                    self.items.append((path, item))
        self.declared = {
            (block.type, block.labels[0], block.labels[1]): _Declared(
                block.type, block.labels[0], block.labels[1], block, path
            )
            for path, block in self.items
            if block.type in ("resource", "data")
        }

    def blocks(self, type_name: str) -> list[tuple[Path, Block]]:
        return [(p, b) for p, b in self.items if b.type == type_name]


_SOURCE_MARK = re.compile(r"# @src (\S+):(\d+)")


def _assign(name: str, expr: str, file: Path | None, line: int) -> str:
    """`name = expr`, its first line marked with the source file and line it was written at,
    so that an error Terraform reports on the copy can be traced back (see _run)."""
    first, newline, rest = expr.partition("\n")
    if file is None or "<<" in first:
        return f"{name} = {expr}"
    return f"{name} = {first}  # @src {file}:{line}{newline}{rest}"


class _Rewriter:
    """Rewrites one module's expressions for the provider-less copy."""

    def __init__(self, module: _Module) -> None:
        self.module = module
        self.file: Path | None = None  # the file of the block being rewritten
        resources = sorted({t for k, t, _ in module.declared if k == "resource"})
        data = sorted({t for k, t, _ in module.declared if k == "data"})
        self._resource = (
            re.compile(rf"(?<![\w.\-])({'|'.join(map(re.escape, resources))})\.([\w-]+)\b")
            if resources
            else None
        )
        self._data = (
            re.compile(rf"(?<![\w.\-])data\.({'|'.join(map(re.escape, data))})\.([\w-]+)\b")
            if data
            else None
        )

    def expr(self, text: str, renames: dict[str, str] | None = None) -> str:
        text = re.sub(r"(?<![\w.])path\.module\b", json.dumps(str(self.module.directory)), text)
        if self._data is not None:
            text = self._data.sub(lambda m: "local." + _local_name("data", *m.groups()), text)
        if self._resource is not None:
            text = self._resource.sub(
                lambda m: "local." + _local_name("resource", *m.groups()), text
            )
        for old, new in (renames or {}).items():
            text = re.sub(rf"(?<![\w.]){re.escape(old)}\b", new, text)
        return text

    def body(self, items: list[Attribute | Block], renames: dict[str, str]) -> str:
        """An object constructor holding the arguments and nested blocks of a body."""
        parts: list[str] = []
        blocks: dict[str, list[str]] = {}
        for item in items:
            if isinstance(item, Attribute):
                if item.name not in META:
                    expr = self.expr(item.expr, renames)
                    parts.append(_assign(item.name, expr, self.file, item.line))
            elif item.type == "dynamic":
                name = item.labels[0]
                iterator = item.attribute("iterator")
                symbol = iterator.expr if iterator else name
                source = item.attribute("for_each")
                content = item.blocks("content")
                inner = {
                    **renames,
                    f"{symbol}.key": f"{name}__key",
                    f"{symbol}.value": f"{name}__value",
                }
                if source is None or not content:
                    continue
                blocks.setdefault(name, []).append(
                    f"[for {name}__key, {name}__value in {self.expr(source.expr, renames)} : "
                    f"{self.body(content[0].body, inner)}]"
                )
            elif item.type not in META:
                blocks.setdefault(item.type, []).append(f"[{self.body(item.body, renames)}]")
        for name, lists in blocks.items():
            parts.append(
                f"{name} = concat({', '.join(lists)})" if len(lists) > 1 else f"{name} = {lists[0]}"
            )
        return "{\n" + "\n".join(parts) + "\n}"


def _computed_defaults(kind: str, type_name: str, name: str) -> str:
    """Object of the type's attributes that the configuration may not set: unknown or null."""
    provider = type_name.split("_", 1)[0]
    schemas = load_provider_schemas()["providers"].get(provider, {})
    schema = schemas.get("resources" if kind == "resource" else "data_sources", {}).get(type_name)
    if schema is None:
        return "{}"
    parts = []
    for attr, spec in schema["attributes"].items():
        if (type_name, attr) in KNOWN:
            value = json.dumps(KNOWN[(type_name, attr)])
        elif spec["computed"]:
            address = f"{'data.' if kind == 'data' else ''}{type_name}.{name}.{attr}"
            value = json.dumps(f"{UNKNOWN}:{address}")
        else:
            value = "null"
        if spec.get("syntax") == "block" or spec.get("kind") in ("list", "set", "map", "struct"):
            if not spec["computed"]:
                continue  # an unset block: referencing it is not something this code does
            value = json.dumps(f"{UNKNOWN}:{type_name}.{name}.{attr}")
        parts.append(f"{attr} = {value}")
    return "{\n" + "\n".join(parts) + "\n}"


def _instance_expr(rewriter: _Rewriter, declared: _Declared) -> str:
    block = declared.block
    defaults = _computed_defaults(declared.kind, declared.type, declared.name)
    for_each = block.attribute("for_each")
    count = block.attribute("count")
    if for_each is not None:
        renames = {"each.key": "each__key", "each.value": "each__value"}
        body = rewriter.body(block.body, renames)
        source = rewriter.expr(for_each.expr)
        return (
            f"{{ for each__key, each__value in {source} : each__key => merge({defaults}, {body}) }}"
        )
    if count is not None:
        body = rewriter.body(block.body, {"count.index": "count__index"})
        return (
            f"[for count__index in range({rewriter.expr(count.expr)}) : merge({defaults}, {body})]"
        )
    return f"merge({defaults}, {rewriter.body(block.body, {})})"


def _precondition_checks(
    rewriter: _Rewriter, name: str, block: Block, preconditions: list[Block]
) -> list[str]:
    """`locals` holding one check per precondition, over the block's for_each or count: true,
    or (condition false) tobool() of "precondition failed: <error_message>", which Terraform
    refuses with that text in its error."""
    checks = []
    for_each, count = block.attribute("for_each"), block.attribute("count")
    renames = (
        {"each.key": "each__key", "each.value": "each__value"}
        if for_each
        else {"count.index": "count__index"}
        if count
        else {}
    )
    for number, precondition in enumerate(preconditions):
        condition = precondition.attribute("condition")
        message = precondition.attribute("error_message")
        if condition is None or message is None:
            raise TreeError(f"{rewriter.file}:{precondition.line}: precondition without condition")
        cond = " ".join(rewriter.expr(condition.expr, renames).split())
        text = " ".join(rewriter.expr(message.expr, renames).split())
        check = f'tobool(({cond}) ? "true" : join("", ["precondition failed: ", {text}]))'
        if for_each:
            source = rewriter.expr(for_each.expr)
            check = f"{{ for each__key, each__value in {source} : each__key => {check} }}"
        elif count:
            check = f"[for count__index in range({rewriter.expr(count.expr)}) : {check}]"
        local = f"check__{name}__{number}"
        checks.append(f"locals {{\n{_assign(local, check, rewriter.file, condition.line)}\n}}")
    return checks


def _check_names(parts: list[str]) -> list[str]:
    return [m.group(1) for part in parts for m in re.finditer(r"^(check__\w+) = ", part, re.M)]


def _block_text(lines: list[str], block: Block, drop: tuple[str, ...]) -> str:
    """A block's source text without the nested blocks named in `drop`."""
    skip: set[int] = set()
    for item in block.body:
        if isinstance(item, Block) and item.type in drop:
            skip.update(range(item.line, item.end_line + 1))
    return "\n".join(lines[n - 1] for n in range(block.line, block.end_line + 1) if n not in skip)


class _Sources:
    """Where each module call's source is: a local path, or where `terraform get` put it."""

    def __init__(self, stack: Path) -> None:
        self.stack = stack
        record = stack / ".terraform" / "modules" / "modules.json"
        modules = (
            json.loads(record.read_text(encoding="utf-8"))["Modules"] if record.exists() else []
        )
        self.installed = {m["Key"]: (stack / m["Dir"]).resolve() for m in modules if m["Key"]}
        self.resolved: dict[tuple[Path, str], Path] = {}

    def child(self, directory: Path, block: Block, key: str) -> Path:
        name = block.labels[0]
        source = block.attribute("source")
        if source is None:
            raise TreeError(f"{directory}: module {name} has no source")
        target = json.loads(source.expr)
        if target.startswith("."):
            child = (directory / target).resolve()
        elif key in self.installed:
            child = self.installed[key]
        else:
            raise TreeError(f"{directory}: module {name} ({target}): run `terraform get` first")
        self.resolved[(directory, name)] = child
        return child


def _write_copy(
    directory: Path, work: Path, copies: dict[Path, Path], sources: _Sources, key: str = ""
) -> Path:
    """Write the provider-less copy of a module (and of the modules it calls) under work."""
    directory = directory.resolve()
    if directory in copies:
        return copies[directory]
    target = work / f"m{len(copies)}_{directory.name}"
    copies[directory] = target
    target.mkdir(parents=True)
    module = _Module(directory)
    rewriter = _Rewriter(module)
    parts: list[str] = []
    for path, block in module.blocks("variable"):
        lines = path.read_text(encoding="utf-8").split("\n")
        text = _block_text(lines, block, ("validation",))
        head, newline, rest = text.partition("\n")
        parts.append(f"{head}  # @src {path}:{block.line}{newline}{rest}")
    for path, block in module.blocks("locals"):
        body = "\n".join(
            _assign(item.name, rewriter.expr(item.expr), path, item.line)
            for item in block.body
            if isinstance(item, Attribute)
        )
        parts.append(f"locals {{\n{body}\n}}")
    for (kind, type_name, name), declared in module.declared.items():
        local = _local_name(kind, type_name, name)
        rewriter.file = declared.file
        parts.append(f"locals {{\n{local} = {_instance_expr(rewriter, declared)}\n}}")
        preconditions = [
            p for b in declared.block.blocks("lifecycle") for p in b.blocks("precondition")
        ]
        parts += _precondition_checks(rewriter, local, declared.block, preconditions)
    calls = []
    for path, block in module.blocks("module"):
        name = block.labels[0]
        child_dir = sources.child(directory, block, f"{key}.{name}" if key else name)
        child = _write_copy(child_dir, work, copies, sources, f"{key}.{name}" if key else name)
        arguments = [f'source = "../{child.name}"']
        for item in block.body:
            if isinstance(item, Attribute) and item.name not in {
                "source",
                "version",
                "providers",
                "depends_on",
            }:
                arguments.append(_assign(item.name, rewriter.expr(item.expr), path, item.line))
        parts.append(f'module "{name}" {{\n' + "\n".join(arguments) + "\n}")
        calls.append(name)
    for path, block in module.blocks("output"):
        rewriter.file = path
        name = f"output__{block.labels[0]}"
        parts += _precondition_checks(rewriter, name, block, block.blocks("precondition"))
        value = block.attribute("value")
        assigned = (
            _assign("value", rewriter.expr(value.expr), path, value.line)
            if value
            else "value = null"
        )
        parts.append(f'output "{block.labels[0]}" {{\n{assigned}\n}}')
    resources = ", ".join(
        f'"{t}.{n}" = local.{_local_name(k, t, n)}'
        for (k, t, n) in module.declared
        if k == "resource"
    )
    data = ", ".join(
        f'"{t}.{n}" = local.{_local_name(k, t, n)}' for (k, t, n) in module.declared if k == "data"
    )
    modules = ", ".join(f"{name} = module.{name}" for name in calls)
    checks = ", ".join(f"{name} = local.{name}" for name in _check_names(parts))
    parts.append(
        'output "harness__tree" {\nvalue = {\n'
        f"resources = {{ {resources} }}\ndata = {{ {data} }}\nmodules = {{ {modules} }}\n"
        f"checks = {{ {checks} }}\n}}\n}}"
    )
    (target / "main.tf").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return target


def _run(args: list[str], cwd: Path) -> str:
    """Run Terraform on the copy; an error is prefixed with the source file:line it concerns
    (the `# @src` mark Terraform quotes in its snippet), as the checks' messages are."""
    try:
        return run_terraform(args, cwd, TreeError)
    except TreeError as error:
        mark = _SOURCE_MARK.search(str(error))
        if mark is None:
            raise
        where = f"{display_path(Path(mark.group(1)))}:{mark.group(2)}"
        failed = _FAILED.search(str(error))
        if failed:
            # Terraform wraps the message at 78 columns and quotes it as Go does (%q).
            message = " ".join(failed.group(1).split()).replace('\\"', '"')
            raise PreconditionFailed(f"{where}: precondition failed: {message}") from None
        raise TreeError(f"{where}: {error}") from None


def evaluate(stack: Path, variables: dict[str, Any], work: Path) -> list[Instance]:
    """Every resource and data-source instance of the stack, with its evaluated arguments.

    Local module sources are read where they are; others (a Git ref, the registry) where
    `terraform get` in the stack installed them (.terraform/modules/modules.json).
    """
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    copies: dict[Path, Path] = {}
    sources = _Sources(stack.resolve())
    root = _write_copy(stack, work, copies, sources)
    (root / "terraform.tfvars.json").write_text(json.dumps(variables), encoding="utf-8")
    _run(["init", "-input=false", "-no-color"], root)
    _run(["apply", "-auto-approve", "-input=false", "-no-color"], root)
    tree = json.loads(_run(["output", "-json", "-no-color", "harness__tree"], root))
    return _instances(tree, stack.resolve(), (), (), sources)


def _instances(
    tree: dict[str, Any],
    directory: Path,
    path: tuple[str, ...],
    callers: tuple[tuple[Path, Block], ...],
    sources: _Sources,
) -> list[Instance]:
    module = _Module(directory)
    found: list[Instance] = []
    for section, kind in (("resources", "resource"), ("data", "data")):
        for address, value in (tree.get(section) or {}).items():
            type_name, name = address.split(".", 1)
            declared = module.declared[(kind, type_name, name)]
            if declared.block.attribute("for_each") is not None:
                keyed: list[tuple[str | int | None, Any]] = list((value or {}).items())
            elif declared.block.attribute("count") is not None:
                keyed = list(enumerate(value or []))
            else:
                keyed = [(None, value)]
            for key, values in keyed:
                found.append(
                    Instance(
                        path,
                        kind,
                        type_name,
                        name,
                        key,
                        values,
                        directory,
                        declared.file,
                        declared.block,
                        callers,
                    )
                )
    calls = {b.labels[0]: (p, b) for p, b in module.blocks("module")}
    for name, value in (tree.get("modules") or {}).items():
        child = sources.resolved[(directory, name)]
        instances = value if isinstance(value, list) else [value]
        for instance in instances:
            found.extend(
                _instances(
                    instance["harness__tree"],
                    child,
                    (*path, name),
                    (*callers, calls[name]),
                    sources,
                )
            )
    return found
