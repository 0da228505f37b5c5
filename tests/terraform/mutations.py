"""Seeded defects in a copy of the Terraform tree: proof that a check can fail.

A mutation test copies terraform/ to a temporary folder, applies one small, real defect by
replacing text that occurs exactly once, runs a check over the copy, and asserts that the
check reports the defect with the file and line where it was made.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tf_static import TF_DIR


@dataclass(frozen=True)
class Mutation:
    """Replace `old` by `new` in terraform/<file> (old must occur there exactly once)."""

    file: str
    old: str
    new: str

    def apply(self, tree: Path) -> str:
        """Apply to a copied tree; return 'terraform/<file>:<line>' of the change."""
        path = tree / self.file
        text = path.read_text(encoding="utf-8")
        count = text.count(self.old)
        if count != 1:
            raise AssertionError(f"{self.file}: {self.old!r} occurs {count} times, not once")
        path.write_text(text.replace(self.old, self.new), encoding="utf-8")
        line = text[: text.index(self.old)].count("\n") + 1
        # The defect's own line: the first line where the replacement differs.
        old_lines, new_lines = self.old.split("\n"), self.new.split("\n")
        pairs = zip(old_lines, new_lines, strict=False)
        offset = next((i for i, (a, b) in enumerate(pairs) if a != b), 0)
        return f"terraform/{self.file}:{line + offset}"


def line_of(tree: Path, file: str, text: str) -> str:
    """'terraform/<file>:<line>' of the first line holding text, in a (mutated) copy."""
    content = (tree / file).read_text(encoding="utf-8")
    if text not in content:
        raise AssertionError(f"{file}: {text!r} not found")
    return f"terraform/{file}:{content[: content.index(text)].count(chr(10)) + 1}"


def copy_tree(destination: Path) -> Path:
    """A copy of terraform/ (without working folders) at destination/terraform."""
    target = destination / "terraform"
    shutil.copytree(
        TF_DIR, target, ignore=shutil.ignore_patterns(".terraform", "plan", "*.tfstate*")
    )
    return target


def mutated(destination: Path, mutation: Mutation) -> tuple[Path, str]:
    """A mutated copy of the tree and the 'terraform/<file>:<line>' of the defect."""
    tree = copy_tree(destination)
    return tree, mutation.apply(tree)
