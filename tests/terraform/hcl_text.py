"""The structure of HCL source text: blocks, attributes and their lines, kept as source text.

python-hcl2 gives values but not where they are, and rewrites expressions. The checks that
must name a file and line, and the tree harness that rewrites a configuration into one that
Terraform can evaluate without providers, need the items as written. This reader knows what
`terraform fmt` output holds: one attribute per line (continued while brackets are open) or a
block `type "label" ... {` closed by its own `}`; strings, `${...}` templates, heredocs and
comments are skipped when counting brackets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_IDENT = r"[A-Za-z_][A-Za-z0-9_-]*"
_ATTR = re.compile(rf"^\s*({_IDENT})\s*=(?!=)\s*")
_BLOCK = re.compile(rf'^\s*({_IDENT})((?:\s+"[^"]*"|\s+{_IDENT})*)\s*\{{\s*$')
_ONE_LINE_BLOCK = re.compile(rf'^\s*({_IDENT})((?:\s+"[^"]*")*)\s*\{{(.*)\}}\s*$')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$")


class HclTextError(ValueError):
    """Text this reader cannot split into items (the message names the line)."""


@dataclass
class Attribute:
    name: str
    expr: str
    line: int


@dataclass
class Block:
    type: str
    labels: list[str]
    body: list[Attribute | Block]
    line: int
    end_line: int
    comments: list[tuple[int, str]] = field(default_factory=list)

    def attribute(self, name: str) -> Attribute | None:
        return next((i for i in self.body if isinstance(i, Attribute) and i.name == name), None)

    def blocks(self, type_name: str) -> list[Block]:
        return [i for i in self.body if isinstance(i, Block) and i.type == type_name]


def _characters(text: str, stack: list[str]) -> Iterator[tuple[str, bool]]:
    """Each character with whether it is literal (string text, quotes, template delimiters,
    comments) rather than code; `stack` tracks what is open (strings, `${`, brackets) and
    carries it from one line to the next."""
    i = 0
    while i < len(text):
        char = text[i]
        top = stack[-1] if stack else ""
        if top == '"':
            if char == "\\":
                yield from ((c, True) for c in text[i : i + 2])
                i += 2
                continue
            if text.startswith(("${", "%{"), i):
                stack.append("${")
                yield from ((c, True) for c in text[i : i + 2])
                i += 2
                continue
            if char == '"':
                stack.pop()
            yield char, char != "\n"
            i += 1
            continue
        if char == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            yield from ((c, True) for c in text[i:end])
            i = end
            continue
        literal = False
        if char == '"':
            stack.append('"')
            literal = True
        elif char in "([{":
            stack.append(char)
        elif char in ")]}" and stack:
            literal = stack.pop() == "${"  # the end of a template: back in its string
        yield char, literal
        i += 1


def _scan(line: str, stack: list[str]) -> None:
    """Track what is open after one line: strings, `${...}` templates and brackets."""
    for _ in _characters(line, stack):
        pass


def _statement_end(lines: list[str], start: int, first_col: int = 0) -> int:
    """Index of the last line of the attribute or block beginning on lines[start]."""
    stack: list[str] = []
    index = start
    while index < len(lines):
        text = lines[index][first_col:] if index == start else lines[index]
        _scan(text, stack)
        if (heredoc := _HEREDOC.search(text)) and not (stack and stack[-1] == '"'):
            marker = heredoc.group(1)
            index += 1
            while index < len(lines) and lines[index].strip() != marker:
                index += 1
        if not stack:
            return index
        index += 1
    raise HclTextError(f"line {start + 1}: unclosed expression or block")


def parse_body(lines: list[str], start: int, end: int, offset: int) -> list[Attribute | Block]:
    """Items of a body spanning lines[start:end] (0-based); `offset` makes lines 1-based."""
    items: list[Attribute | Block] = []
    index = start
    while index < end:
        text = lines[index]
        stripped = text.strip()
        if not stripped or stripped.startswith(("#", "//")):
            index += 1
            continue
        if stripped.startswith("/*"):
            while index < end and "*/" not in lines[index]:
                index += 1
            index += 1
            continue
        if match := _ATTR.match(text):
            last = _statement_end(lines, index, match.end())
            expr = "\n".join([text[match.end() :], *lines[index + 1 : last + 1]])
            items.append(Attribute(match.group(1), _strip_comment(expr).strip(), index + offset))
            index = last + 1
            continue
        if match := _BLOCK.match(text):
            last = _statement_end(lines, index)
            labels = re.findall(r'"([^"]*)"|(\S+)', match.group(2))
            block = Block(
                type=match.group(1),
                labels=[a or b for a, b in labels],
                body=parse_body(lines, index + 1, last, offset),
                line=index + offset,
                end_line=last + offset,
                comments=_comments(lines, index + 1, last, offset),
            )
            items.append(block)
            index = last + 1
            continue
        if match := _ONE_LINE_BLOCK.match(text):
            labels = re.findall(r'"([^"]*)"', match.group(2))
            inner = match.group(3).strip()
            body = parse_body([inner], 0, 1, index + offset) if inner else []
            items.append(Block(match.group(1), labels, body, index + offset, index + offset))
            index += 1
            continue
        raise HclTextError(f"line {index + offset}: cannot read {stripped[:60]!r}")
    return items


def _strip_comment(expr: str) -> str:
    """Drop a trailing `# ...` comment of each line of an expression (outside strings)."""
    kept = []
    for line in expr.split("\n"):
        cut = len(line)
        in_string = False
        for i, char in enumerate(line):
            if char == '"' and (i == 0 or line[i - 1] != "\\"):
                in_string = not in_string
            if not in_string and (char == "#" or line.startswith("//", i)):
                cut = i
                break
        kept.append(line[:cut].rstrip())
    return "\n".join(kept)


def _comments(lines: list[str], start: int, end: int, offset: int) -> list[tuple[int, str]]:
    return [
        (index + offset, lines[index].strip().lstrip("#/").strip())
        for index in range(start, end)
        if lines[index].strip().startswith(("#", "//"))
    ]


def parse(text: str) -> list[Attribute | Block]:
    """The top-level items of a .tf file."""
    lines = text.split("\n")
    return parse_body(lines, 0, len(lines), 1)


def code_of(expr: str) -> str:
    """The expression with the literal text of its strings blanked, templates kept.

    References are looked for in code and in `${...}`, never in what a string says
    ("the ARN of aws_s3_bucket.this" in a description is not a reference).
    """
    return "".join(" " if literal else char for char, literal in _characters(expr, []))


def walk_attributes(items: list[Attribute | Block]) -> list[tuple[list[Block], Attribute]]:
    """Every attribute under items, with the blocks that enclose it (outermost first)."""
    found: list[tuple[list[Block], Attribute]] = []

    def visit(body: list[Attribute | Block], parents: list[Block]) -> None:
        for item in body:
            if isinstance(item, Attribute):
                found.append((parents, item))
            else:
                visit(item.body, [*parents, item])

    visit(items, [])
    return found
