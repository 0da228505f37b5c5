"""Create-only properties that a variable can change must be handled, and say why.

In the CloudFormation resource schemas that awscc is generated from, some properties are
`createOnlyProperties`: a new value replaces the resource. For a Personalize dataset (and the
schema and dataset group it hangs from) a replacement deletes the imported data. So an awscc
argument that is create-only and whose expression can change with an input (a variable, a local
built from one, `each.value`, or an attribute of a resource that can itself be replaced that
way) must be either

- in `lifecycle { ignore_changes = [...] }` (set at creation, never changed by Terraform), or
- named in a comment in the same block, with the inputs it changes with, `# create-only:
  <attribute>(<input> ...)[, ...]: <why a replacement is what the user asks for>`, e.g.
  `# create-only: name(var.name), schema(each.value): ...`: an input added later that the
  comment does not name fails the check until someone says why it may replace the resource,

so that nobody changes it unaware. `each.key` and `count.index` are not inputs that change:
they are the instance's identity (a new key is a new instance, a removed one a deletion, which
the plan guard reports). Stale entries (an ignored or explained attribute that is not
create-only, or not set) are problems too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cfn_schemas as cfn
import hcl_text
from hcl_text import Attribute, Block
from tf_refs import ModuleText
from tf_static import display_path, module_dirs

_ANNOTATION = re.compile(r"^create-only:\s*((?:[a-z0-9_]+\([^)]*\)[,\s]*)+):\s*(.+)$")
_EXPLAINED = re.compile(r"([a-z0-9_]+)\(([^)]*)\)")
_DRIVER = re.compile(
    r"(?<![\w.\-])(var\.[\w-]+|local\.[\w-]+|each\.value|([a-z][a-z0-9_]*_[a-z0-9_]*)\.([\w-]+))"
)
MIN_REASON = 20


def _ignored(block: Block) -> tuple[set[str], int]:
    for lifecycle in block.blocks("lifecycle"):
        item = lifecycle.attribute("ignore_changes")
        if item is not None:
            return set(re.findall(r"[a-z_][a-z0-9_]*", hcl_text.code_of(item.expr))), item.line
    return set(), block.line


@dataclass
class _Explained:
    line: int
    inputs: set[str]
    reason: str


def _annotations(block: Block) -> dict[str, _Explained]:
    """Attributes explained by `# create-only: a(inputs), b(inputs): why`; the comment may go on
    over the following comment lines (a paragraph of consecutive ones)."""
    paragraphs: list[tuple[int, str]] = []
    previous = -1
    for line, text in block.comments:
        if paragraphs and line == previous + 1 and not text.startswith("create-only:"):
            first, joined = paragraphs[-1]
            paragraphs[-1] = (first, f"{joined} {text}")
        else:
            paragraphs.append((line, text))
        previous = line
    found: dict[str, _Explained] = {}
    for line, text in paragraphs:
        if match := _ANNOTATION.match(text):
            for name, inputs in _EXPLAINED.findall(match.group(1)):
                found[name] = _Explained(line, set(inputs.split()), match.group(2).strip())
    return found


class _Module:
    def __init__(self, module: ModuleText) -> None:
        self.module = module
        self.locals = {
            item.name: item.expr
            for _, block in module.of_type("locals")
            for item in block.body
            if isinstance(item, Attribute)
        }
        self.resources = {(b.labels[0], b.labels[1]): (p, b) for p, b in module.of_type("resource")}
        self._driven_locals: dict[str, list[str]] = {}
        self._replaceable: dict[tuple[str, str], list[str]] = {}

    def drivers(self, expr: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """The inputs through which an expression's value can change."""
        found: list[str] = []
        for match in _DRIVER.finditer(hcl_text.code_of(expr)):
            ref = match.group(1)
            if ref.startswith("var.") or ref == "each.value":
                found.append(ref)
            elif ref.startswith("local."):
                name = ref[6:]
                if name in self.locals and name not in seen and self.local_drivers(name, seen):
                    found.append(ref)
            elif (match.group(2), match.group(3)) in self.resources:
                key = (match.group(2), match.group(3))
                if key not in seen and self.replaceable(key, seen | {f"{key}"}):
                    found.append(f"{key[0]}.{key[1]}")
        return sorted(set(found))

    def local_drivers(self, name: str, seen: frozenset[str]) -> list[str]:
        if name not in self._driven_locals:
            self._driven_locals[name] = self.drivers(self.locals[name], seen | {name})
        return self._driven_locals[name]

    def replaceable(self, key: tuple[str, str], seen: frozenset[str]) -> list[str]:
        """Create-only arguments of a resource that inputs change and that are not ignored."""
        if key not in self._replaceable:
            _, block = self.resources[key]
            self._replaceable[key] = (
                []
                if not key[0].startswith("awscc_")
                else [
                    item.name
                    for item in create_only_arguments(key[0], block)
                    if item.name not in _ignored(block)[0] and self.drivers(item.expr, seen)
                ]
            )
        return self._replaceable[key]


def create_only_arguments(type_name: str, block: Block) -> list[Attribute]:
    properties = {cfn.snake(p) for p in cfn.create_only(cfn.schema(cfn.cfn_type_for(type_name)))}
    return [i for i in block.body if isinstance(i, Attribute) and i.name in properties]


def check_module(module: ModuleText) -> list[str]:
    helper = _Module(module)
    problems = []
    for (type_name, name), (path, block) in helper.resources.items():
        if not type_name.startswith("awscc_"):
            continue
        cfn_type = cfn.cfn_type_for(type_name)
        where = display_path(path)
        ignored, ignored_line = _ignored(block)
        explained = _annotations(block)
        create_only = {i.name: i for i in create_only_arguments(type_name, block)}
        for attribute, item in create_only.items():
            drivers = helper.drivers(item.expr)
            if not drivers or attribute in ignored:
                continue
            if attribute in explained:
                note = explained[attribute]
                if len(note.reason) < MIN_REASON:
                    problems.append(
                        f"{where}:{note.line}: create-only {attribute}: say more of why"
                    )
                unexplained = sorted(set(drivers) - note.inputs)
                if unexplained:
                    problems.append(
                        f"{where}:{item.line}: {type_name}.{name}.{attribute} now also changes "
                        f"with {', '.join(unexplained)}, which its create-only comment (line "
                        f"{note.line}) does not name: say why that may replace the resource"
                    )
                for stale in sorted(note.inputs - set(drivers)):
                    problems.append(
                        f"{where}:{note.line}: create-only {attribute}({stale}): {stale} no longer "
                        "feeds it"
                    )
                continue
            problems.append(
                f"{where}:{item.line}: {type_name}.{name}.{attribute} is create-only in {cfn_type} "
                f"(a new value replaces the resource) and changes with {', '.join(drivers)}: "
                f"add it to lifecycle.ignore_changes, or say why a replacement is wanted in a "
                f"'# create-only: {attribute}({' '.join(drivers)}): <why>' comment in the block"
            )
        for attribute in sorted(ignored - set(create_only)):
            if not any(isinstance(i, Attribute) and i.name == attribute for i in block.body):
                problems.append(
                    f"{where}:{ignored_line}: {type_name}.{name}: ignore_changes names "
                    f"{attribute!r}, which the block does not set"
                )
        for attribute, note in sorted(explained.items()):
            if attribute not in create_only:
                problems.append(
                    f"{where}:{note.line}: {type_name}.{name}: the create-only comment names "
                    f"{attribute!r}, which is not a create-only argument set in this block"
                )
    return problems


def check_tree(tf_dir: Path) -> list[str]:
    return sorted(p for d in module_dirs(tf_dir) for p in check_module(ModuleText.load(d)))
