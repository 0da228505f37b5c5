"""A small evaluator for the HCL expressions this project's policies use, and a policy renderer.

It evaluates what `aws_iam_policy_document` data sources would produce, from the parsed HCL and
a set of variable values, without providers: references to variables and locals are evaluated;
references to other resources and data sources become known test values (`KNOWN`) or stay as
"${...}" text, so a rendered ARN reads like the real one. Supported: literals, strings with
interpolation, references with attribute/index/splat access, lists, object literals, `?:`,
`==`, `!=`, `!`, `&&`, `||`, and the functions in `FUNCTIONS`. Anything else raises
`EvalError`, so a policy written with a construct the renderer does not know fails the test
instead of passing unseen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf_static import Module, attr, block_lines, display_path, strip_meta

#: Values the checks use for data sources that only exist in a real account.
KNOWN = {
    "data.aws_caller_identity.current.account_id": "111122223333",
    "data.aws_partition.current.partition": "aws",
    "data.aws_region.current.region": "us-east-1",
}


class EvalError(ValueError):
    """An expression the evaluator does not support, or a reference it cannot resolve."""


@dataclass(frozen=True)
class Unknown:
    """A value only known after apply (e.g. a resource attribute): renders as ${ref}."""

    ref: str

    def __str__(self) -> str:
        return "${" + self.ref + "}"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>==|!=|&&|\|\||\[\*\]|[?:!,()\[\].{}=])
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.X,
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise EvalError(f"cannot parse expression at {text[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def split_template(text: str) -> list[tuple[bool, str]]:
    """Split a template string into (is_expression, text) parts, honouring nested braces."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    while True:
        start = text.find("${", pos)
        if start < 0:
            if pos < len(text):
                parts.append((False, text[pos:]))
            return parts
        if start > pos:
            parts.append((False, text[pos:start]))
        depth, i, quote = 1, start + 2, ""
        while i < len(text) and depth:
            char = text[i]
            if quote:
                if char == "\\":
                    i += 1
                elif char == quote:
                    quote = ""
            elif char in "\"'":
                quote = char
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            i += 1
        if depth:
            raise EvalError(f"unclosed interpolation in {text!r}")
        parts.append((True, text[start + 2 : i - 1]))
        pos = i


class Evaluator:
    """Evaluates expressions of one module with the given variable values."""

    def __init__(
        self,
        module: Module,
        variables: dict[str, Any] | None = None,
        known: dict[str, Any] | None = None,
    ) -> None:
        self.module = module
        self.variables = dict(variables or {})
        #: KNOWN plus values the caller supplies for other references (module outputs, ...).
        self.known = {**KNOWN, **(known or {})}
        for name in self.variables:
            if name not in module.variables:
                raise EvalError(f"{module.path.name} has no variable {name!r}")
        self._locals: dict[str, Any] = {}

    # -- values --------------------------------------------------------------------------
    def value(self, raw: Any) -> Any:
        """Evaluate a parsed attribute value (string template, list, dict or literal)."""
        if isinstance(raw, str):
            return self.template(raw)
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in strip_meta(raw).items()}
        return raw

    def template(self, text: str) -> Any:
        parts = split_template(text)
        if len(parts) == 1 and parts[0][0]:
            return self.expression(parts[0][1])
        return "".join(
            _to_text(self.expression(part)) if is_expr else part for is_expr, part in parts
        )

    def expression(self, text: str) -> Any:
        parser = _Parser(_tokenize(text), self)
        result = parser.conditional()
        if parser.pos != len(parser.tokens):
            raise EvalError(f"unexpected {parser.tokens[parser.pos][1]!r} in {text!r}")
        return result

    # -- references ----------------------------------------------------------------------
    def reference(self, parts: list[str]) -> Any:
        head = parts[0]
        if head == "var":
            name = parts[1]
            if name in self.variables:
                return self._walk(self.variables[name], parts[2:])
            if name not in self.module.variables:
                raise EvalError(f"undeclared variable var.{name}")
            body = self.module.variables[name]
            if "default" not in body:
                raise EvalError(f"variable {name} has no default and no value was given")
            return self._walk(self.value(attr(body, "default")), parts[2:])
        if head == "local":
            name = parts[1]
            if name not in self._locals:
                if name not in self.module.locals:
                    raise EvalError(f"undeclared local.{name}")
                self._locals[name] = self.value(attr(self.module.locals, name))
            return self._walk(self._locals[name], parts[2:])
        ref = ".".join(parts)
        if ref in self.known:
            return self.known[ref]
        if head == "path":
            return str(self.module.path)
        return Unknown(ref)

    def _walk(self, value: Any, rest: list[str]) -> Any:
        for part in rest:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit():
                value = value[int(part)]
            else:
                raise EvalError(f"cannot read {part!r} of {value!r}")
        return value


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise EvalError("null in a string template")
    if isinstance(value, list | dict):
        raise EvalError(f"cannot interpolate {value!r} into a string")
    return str(value)


def _concat(*lists: Any) -> list[Any]:
    # An unknown list (e.g. a splat over a counted data source) stays one item, resolved later.
    result: list[Any] = []
    for items in lists:
        if isinstance(items, Unknown):
            result.append(items)
        else:
            result.extend(items)
    return result


def _distinct(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if item not in result:
            result.append(item)
    return result


FUNCTIONS = {
    "concat": _concat,
    "compact": lambda items: [i for i in items if i not in ("", None)],
    "lower": lambda text: text.lower(),
    "upper": lambda text: text.upper(),
    "coalesce": lambda *values: next(v for v in values if v not in ("", None)),
    "length": len,
    "contains": lambda items, item: item in items,
    "distinct": _distinct,
    "merge": lambda *maps: {k: v for m in maps for k, v in m.items()},
    "keys": lambda mapping: sorted(mapping),
    "sort": lambda items: sorted(items),
}


class _Parser:
    """Recursive descent over the tokens; evaluates while it parses."""

    def __init__(self, tokens: list[tuple[str, str]], evaluator: Evaluator) -> None:
        self.tokens = tokens
        self.pos = 0
        self.ev = evaluator
        # > 0 while parsing the branch of a conditional that is not taken: Terraform does not
        # evaluate it (e.g. lower(var.x) behind `var.x == null ? "" : ...`), so calls are skipped.
        self.skipping = 0

    def peek(self) -> str:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise EvalError("unexpected end of expression")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise EvalError(f"expected {expected!r}, got {token[1]!r}")
        self.pos += 1
        return token

    def conditional(self) -> Any:
        condition = self.logical()
        if self.peek() != "?":
            return condition
        self.take("?")
        if isinstance(condition, Unknown) and not self.skipping:
            raise EvalError(f"condition on an unknown value {condition}")
        taken = not isinstance(condition, Unknown) and bool(condition)
        when_true = self.branch(taken)
        self.take(":")
        when_false = self.branch(not taken)
        return when_true if taken else when_false

    def branch(self, taken: bool) -> Any:
        """One side of `?:`, parsed either way; evaluated only when taken."""
        if taken:
            return self.conditional()
        self.skipping += 1
        try:
            return self.conditional()
        finally:
            self.skipping -= 1

    def logical(self) -> Any:
        left = self.comparison()
        while self.peek() in ("&&", "||"):
            op = self.take()[1]
            right = self.comparison()
            left = (left and right) if op == "&&" else (left or right)
        return left

    def comparison(self) -> Any:
        left = self.unary()
        while self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                raise EvalError("comparison with an unknown value")
            left = (left == right) if op == "==" else (left != right)
        return left

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not self.unary()
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            if self.skipping:
                return None
            body = text[1:-1].encode().decode("unicode_escape")
            return self.ev.template(body)
        if text == "(":
            value = self.conditional()
            self.take(")")
            return value
        if text == "[":
            items = []
            while self.peek() != "]":
                items.append(self.conditional())
                if self.peek() == ",":
                    self.take(",")
            self.take("]")
            return items
        if text == "{":
            return self.object_literal()
        if kind != "name":
            raise EvalError(f"unexpected {text!r}")
        literal = {"true": True, "True": True, "false": False, "False": False}
        if text in literal:
            return literal[text]
        if text in ("null", "None"):
            return None
        if self.peek() == "(":
            return self.call(text)
        return self.traversal([text])

    def object_literal(self) -> dict[str, Any]:
        """`{ key = value, "key" = value }` (the opening brace already taken)."""
        result: dict[str, Any] = {}
        while self.peek() != "}":
            kind, key = self.take()
            if kind == "str":
                key = str(self.ev.template(key[1:-1]))
            elif kind != "name":
                raise EvalError(f"unexpected object key {key!r}")
            if self.peek() not in ("=", ":"):
                raise EvalError(f"expected = after object key {key!r}")
            self.take()
            result[key] = self.conditional()
            if self.peek() == ",":
                self.take(",")
        self.take("}")
        return result

    def call(self, name: str) -> Any:
        if name not in FUNCTIONS:
            raise EvalError(f"function {name}() is not supported by the evaluator")
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.conditional())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        if self.skipping:
            return None
        return FUNCTIONS[name](*args)

    def traversal(self, parts: list[str]) -> Any:
        splat_after: list[str] | None = None
        while self.peek() in (".", "[", "[*]"):
            token = self.take()[1]
            if token == ".":
                name = self.take()[1]
                (splat_after if splat_after is not None else parts).append(name)
            elif token == "[*]":
                splat_after = []
            else:
                index = self.conditional()
                self.take("]")
                parts.append(str(index))
        base = self.ev.reference(parts)
        if splat_after is None:
            return base
        if isinstance(base, Unknown):
            return Unknown(base.ref + "[*]." + ".".join(splat_after))
        items = base if isinstance(base, list) else [base]
        return [self.ev._walk(item, splat_after) for item in items]


# --- Policy documents -------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    principals: tuple[tuple[str, tuple[str, ...]], ...]
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]
    #: "file:line" of the `statement` block this came from (empty for hand-built statements).
    origin: str = ""

    def condition(self, variable: str) -> tuple[str, tuple[str, ...]] | None:
        """(test, values) of the condition on `variable`, or None."""
        for test, var, values in self.conditions:
            if var == variable:
                return test, values
        return None


_STATEMENT_LINE = re.compile(r"^\s*statement\s*\{")


def statement_lines(module: Module, name: str, base: Path | None = None) -> list[str]:
    """The "file:line" of each `statement` block of data.aws_iam_policy_document.NAME, in order.

    Paths are shown relative to `base` when given (a copy of the tree in a temporary folder),
    else as tf_static shows them (relative to the project).
    """
    path = module.origins.get(f"data.aws_iam_policy_document.{name}")
    if path is None or not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    span = block_lines(text, rf'^data\s+"aws_iam_policy_document"\s+"{re.escape(name)}"\s*\{{')
    if span is None:
        return []
    shown = path.relative_to(base).as_posix() if base and path.is_relative_to(base) else None
    shown = shown or display_path(path)
    lines = text.splitlines()
    first, last = span
    return [
        f"{shown}:{number}"
        for number in range(first + 1, last + 1)
        if _STATEMENT_LINE.match(lines[number - 1])
    ]


class PolicyRenderer:
    """Renders a module's aws_iam_policy_document data sources to statements.

    Each statement records where its `statement` block is (`Statement.origin`, "file:line"),
    so that checks can name it; `base` makes those paths relative to a folder (a copy of the
    tree in a temporary folder) instead of the project.
    """

    def __init__(
        self,
        module: Module,
        variables: dict[str, Any] | None = None,
        base: Path | None = None,
        known: dict[str, Any] | None = None,
    ) -> None:
        self.ev = Evaluator(module, variables, known)
        self.module = module
        self.base = base
        self._cache: dict[str, list[list[Statement]]] = {}

    def instances(self, name: str) -> list[list[Statement]]:
        """Statements of each instance of the document (zero or more, by its count)."""
        if name not in self._cache:
            body = self.module.data.get(("aws_iam_policy_document", name))
            if body is None:
                raise EvalError(f"no data.aws_iam_policy_document.{name}")
            count = self.ev.value(attr(body, "count", 1))
            self._cache[name] = [self._render(name, body) for _ in range(int(count))]
        return self._cache[name]

    def render(self, name: str, index: int = 0) -> list[Statement]:
        instances = self.instances(name)
        return instances[index] if instances else []

    def _render(self, name: str, body: dict[str, Any]) -> list[Statement]:
        statements: list[Statement] = []
        for raw in self.ev.value(attr(body, "source_policy_documents", [])) or []:
            statements.extend(self._resolve_doc(raw))
        origins = statement_lines(self.module, name, self.base)
        for index, block in enumerate(body.get("statement", [])):
            origin = origins[index] if index < len(origins) else ""
            statements.append(self._statement(block, origin))
        for key in ("override_policy_documents", "source_json", "override_json"):
            if key in body:
                raise EvalError(f"{key} is not supported by the renderer")
        return statements

    def _resolve_doc(self, raw: Any) -> list[Statement]:
        if isinstance(raw, list):
            return [s for item in raw for s in self._resolve_doc(item)]
        match = isinstance(raw, Unknown) and re.fullmatch(
            r"data\.aws_iam_policy_document\.(\w+)(\[\*\]|\.\d+)?\.json", raw.ref
        )
        if not match:
            raise EvalError(f"source document {raw!r} is not a local policy document")
        name, selector = match.group(1), match.group(2) or ""
        instances = self.instances(name)
        if selector == "[*]":
            return [s for statements in instances for s in statements]
        return instances[int(selector[1:]) if selector else 0]

    def _statement(self, block: dict[str, Any], origin: str = "") -> Statement:
        def strings(key: str) -> tuple[str, ...]:
            value = self.ev.value(attr(block, key, []))
            return tuple(str(v) for v in value)

        principals = tuple(
            (
                str(self.ev.value(attr(p, "type"))),
                tuple(map(str, self.ev.value(attr(p, "identifiers")))),
            )
            for p in block.get("principals", [])
        )
        conditions = tuple(
            (
                str(self.ev.value(attr(c, "test"))),
                str(self.ev.value(attr(c, "variable"))),
                tuple(map(str, self.ev.value(attr(c, "values")))),
            )
            for c in block.get("condition", [])
        ) + self._dynamic_conditions(block)
        for key in ("not_actions", "not_resources", "not_principals"):
            if key in block:
                raise EvalError(f"{key} is not supported by the renderer")
        return Statement(
            sid=str(self.ev.value(attr(block, "sid", ""))),
            effect=str(self.ev.value(attr(block, "effect", "Allow"))),
            actions=strings("actions"),
            resources=strings("resources"),
            principals=principals,
            conditions=conditions,
            origin=origin,
        )

    def _dynamic_conditions(
        self, block: dict[str, Any]
    ) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """`dynamic "condition"` blocks: one condition per for_each item (condition.value)."""
        found = []
        for dynamic in block.get("dynamic", []):
            for name, spec in dynamic.items():
                if name != "condition":
                    raise EvalError(f'dynamic "{name}" is not supported by the renderer')
                if "iterator" in spec:
                    raise EvalError("a dynamic block's iterator is not supported by the renderer")
                items = self.ev.value(attr(spec, "for_each"))
                if isinstance(items, Unknown | dict):
                    raise EvalError(f"dynamic condition over {items!r}: give a known list")
                (content,) = spec.get("content", [{}])
                for key, item in enumerate(items):
                    self.ev.known.update({"condition.value": item, "condition.key": key})
                    try:
                        found.append(
                            (
                                str(self.ev.value(attr(content, "test"))),
                                str(self.ev.value(attr(content, "variable"))),
                                tuple(map(str, self.ev.value(attr(content, "values")))),
                            )
                        )
                    finally:
                        self.ev.known.pop("condition.value")
                        self.ev.known.pop("condition.key")
        return tuple(found)


def as_json(statements: list[Statement]) -> str:
    """The statements as a readable JSON string (for assertion messages)."""
    return json.dumps([s.__dict__ for s in statements], indent=1, default=list)
