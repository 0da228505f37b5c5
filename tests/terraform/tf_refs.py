"""References resolve, module calls fit their modules, modules configure no provider.

What `terraform validate` would say about names, from the source text: every `var.x`,
`local.x`, `module.x.output`, `TYPE.NAME.attribute` and `data.TYPE.NAME.attribute` names
something declared (attributes against the pinned provider schemas); `each` only where
`for_each` is set and `count.index` only where `count` is; every module call passes only
variables its module declares and all the required ones; a module that is called by another
configures no provider (providers belong to the root, or `providers = {}` can no longer pass
them). Each problem is one line naming the file and line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl_text
from hcl_text import Attribute, Block
from tf_static import display_path, load_provider_schemas, module_dirs

_NOT_RESOURCES = {"var", "local", "module", "data", "each", "count", "path", "self", "terraform"}
_REF = re.compile(r"(?<![\w.\-])([a-z][a-z0-9_]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])+)")
_FOR_SYMBOLS = re.compile(r"\bfor\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\b")


@dataclass
class ModuleText:
    """A module directory read as source: its top-level blocks and where they are."""

    directory: Path
    blocks: list[tuple[Path, Block]] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path) -> ModuleText:
        module = cls(directory)
        for path in sorted(directory.glob("*.tf")):
            for item in hcl_text.parse(path.read_text(encoding="utf-8")):
                if isinstance(item, Block):
                    module.blocks.append((path, item))
        return module

    def of_type(self, type_name: str) -> list[tuple[Path, Block]]:
        return [(p, b) for p, b in self.blocks if b.type == type_name]

    def names(self, type_name: str) -> set[str]:
        return {b.labels[0] for _, b in self.of_type(type_name) if b.labels}

    def locals(self) -> set[str]:
        return {
            item.name
            for _, block in self.of_type("locals")
            for item in block.body
            if isinstance(item, Attribute)
        }

    def declared(self, kind: str) -> set[tuple[str, str]]:
        return {(b.labels[0], b.labels[1]) for _, b in self.of_type(kind) if len(b.labels) == 2}

    def required_variables(self) -> set[str]:
        return {b.labels[0] for _, b in self.of_type("variable") if b.attribute("default") is None}


def _segments(rest: str) -> list[str]:
    """'.a[0].b[*].c' -> ['a', '[0]', 'b', '[*]', 'c']"""
    return [a or b for a, b in re.findall(r"\.([A-Za-z_][\w-]*)|(\[[^\]]*\])", rest)]


def _attributes_after_index(parts: list[str]) -> str | None:
    """The first attribute name after the instance selector (index or splat), if any."""
    rest = [p for p in parts if not p.startswith("[")]
    return rest[0] if rest else None


class _Checker:
    def __init__(self, tf_dir: Path, schemas: dict[str, Any]) -> None:
        self.tf_dir = tf_dir
        self.schemas = schemas["providers"]
        self.modules = {d: ModuleText.load(d) for d in module_dirs(tf_dir)}
        self.problems: list[str] = []

    def say(self, path: Path, line: int, message: str) -> None:
        self.problems.append(f"{display_path(path)}:{line}: {message}")

    def schema(self, kind: str, type_name: str) -> dict[str, Any] | None:
        provider = self.schemas.get(type_name.split("_", 1)[0])
        if provider is None:
            return None
        return provider["resources" if kind == "resource" else "data_sources"].get(type_name)

    def callee(self, directory: Path, block: Block) -> ModuleText | None:
        source = block.attribute("source")
        if source is None:
            return None
        try:
            target = json.loads(source.expr)
        except json.JSONDecodeError:
            return None
        if not isinstance(target, str) or not target.startswith("."):
            return None
        path = (directory / target).resolve()
        return self.modules.get(path) or (ModuleText.load(path) if path.is_dir() else None)

    # -- references ----------------------------------------------------------------------

    def check_module(self, module: ModuleText) -> None:
        variables = module.names("variable")
        local_names = module.locals()
        resources = module.declared("resource")
        data = module.declared("data")
        calls = {b.labels[0]: b for _, b in module.of_type("module")}
        for path, block in module.blocks:
            for parents, attribute in hcl_text.walk_attributes([block]):
                has_for_each = any(
                    p.attribute("for_each") is not None or p.type == "dynamic" for p in parents
                )
                has_count = any(p.attribute("count") is not None for p in parents)
                if block.type == "variable" and attribute.name != "default":
                    continue  # types and validations refer to var.<self> only
                self.check_expression(
                    path,
                    attribute,
                    variables,
                    local_names,
                    resources,
                    data,
                    calls,
                    module,
                    has_for_each,
                    has_count,
                )

    def check_expression(
        self,
        path: Path,
        attribute: Attribute,
        variables: set[str],
        local_names: set[str],
        resources: set[tuple[str, str]],
        data: set[tuple[str, str]],
        calls: dict[str, Block],
        module: ModuleText,
        has_for_each: bool,
        has_count: bool,
    ) -> None:
        code = hcl_text.code_of(attribute.expr)
        symbols = {s for pair in _FOR_SYMBOLS.findall(code) for s in pair if s}
        for offset, line_text in enumerate(code.split("\n")):
            line = attribute.line + offset
            for match in _REF.finditer(line_text):
                head, parts = match.group(1), _segments(match.group(2))
                if head in symbols or not parts:
                    continue
                ref = match.group(0)
                if head == "var" and parts[0] not in variables:
                    self.say(path, line, f"{ref}: no variable {parts[0]!r} is declared")
                elif head == "local" and parts[0] not in local_names:
                    self.say(path, line, f"{ref}: no local {parts[0]!r} is declared")
                elif head == "each" and not has_for_each:
                    self.say(path, line, f"{ref}: each is only set in a block with for_each")
                elif head == "count" and not has_count:
                    self.say(path, line, f"{ref}: count is only set in a block with count")
                elif head == "module":
                    self.check_module_reference(path, line, ref, parts, calls, module)
                elif head == "data" and len(parts) >= 2:
                    self.check_resource_reference(
                        path, line, ref, "data", parts[0], parts[1:], data
                    )
                elif head not in _NOT_RESOURCES and "_" in head:
                    self.check_resource_reference(
                        path, line, ref, "resource", head, parts, resources
                    )

    def check_module_reference(
        self,
        path: Path,
        line: int,
        ref: str,
        parts: list[str],
        calls: dict[str, Block],
        module: ModuleText,
    ) -> None:
        name = parts[0]
        if name not in calls:
            self.say(path, line, f"{ref}: no module {name!r} is called here")
            return
        output = _attributes_after_index(parts[1:])
        callee = self.callee(module.directory, calls[name])
        if output and callee is not None and output not in callee.names("output"):
            self.say(path, line, f"{ref}: module {name} has no output {output!r}")

    def check_resource_reference(
        self,
        path: Path,
        line: int,
        ref: str,
        kind: str,
        type_name: str,
        parts: list[str],
        declared: set[tuple[str, str]],
    ) -> None:
        if not parts or parts[0].startswith("["):
            return
        name = parts[0]
        label = f"{'data.' if kind == 'data' else ''}{type_name}.{name}"
        if (type_name, name) not in declared:
            self.say(path, line, f"{ref}: {label} is not declared in this module")
            return
        attribute = _attributes_after_index(parts[1:])
        schema = self.schema(kind, type_name)
        if attribute and schema is not None and attribute not in schema["attributes"]:
            self.say(path, line, f"{ref}: {type_name} has no attribute {attribute!r}")

    # -- module calls and providers ------------------------------------------------------

    def check_calls(self, module: ModuleText) -> set[Path]:
        """Module calls fit their modules; returns the directories called."""
        called: set[Path] = set()
        meta = {"source", "version", "providers", "depends_on", "count", "for_each"}
        for path, block in module.of_type("module"):
            callee = self.callee(module.directory, block)
            name = block.labels[0]
            if callee is None:
                source = block.attribute("source")
                if source is not None and json.loads(source.expr).startswith("."):
                    self.say(
                        path, block.line, f"module {name}: source {source.expr} has no .tf files"
                    )
                continue
            called.add(callee.directory)
            declared = callee.names("variable")
            passed = {
                i.name: i for i in block.body if isinstance(i, Attribute) and i.name not in meta
            }
            for arg, item in sorted(passed.items()):
                if arg not in declared:
                    where = display_path(callee.directory)
                    self.say(path, item.line, f"module {name}: {where} has no variable {arg!r}")
            for required in sorted(callee.required_variables() - set(passed)):
                self.say(
                    path, block.line, f"module {name}: required variable {required!r} is not set"
                )
        return called

    def check_providers(self, module: ModuleText) -> None:
        for path, block in module.of_type("provider"):
            self.say(
                path,
                block.line,
                f'provider "{block.labels[0]}" is configured in a module: modules inherit their '
                "providers from the caller (configure them in the root, or pass providers = {})",
            )


def check_tree(tf_dir: Path, schemas: dict[str, Any] | None = None) -> list[str]:
    """Every reference, module call and provider block under tf_dir, as file:line problems."""
    checker = _Checker(tf_dir, schemas or load_provider_schemas())
    called: set[Path] = set()
    for module in checker.modules.values():
        checker.check_module(module)
        called |= checker.check_calls(module)
    for directory, module in checker.modules.items():
        if directory in called or "modules" in directory.relative_to(tf_dir).parts:
            checker.check_providers(module)
    return sorted(set(checker.problems))
