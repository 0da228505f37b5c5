"""What each environment holds: .venv has the boto3 users install; each target installs only
what it runs.

checkov 3.3.30 requires boto3==1.35.49. Installed into .venv, it held the whole environment, and
so the emulator's botocore model, at a 2024 boto3 while users install the current one. It now
lives in .venv-checkov; these tests keep it (and any other tool that pins boto3) out of .venv.
"""

from __future__ import annotations

import re
import subprocess
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import Specifier
from packaging.version import Version

from personalize_movielens.paths import project_root

ROOT = project_root()
PINNED_PACKAGES = ("boto3", "botocore", "s3transfer")


def _holds_back(spec: Specifier) -> bool:
    """== / === / ~= pin a version; < and <= below a major version hold a package back too.

    A ceiling at the next major (`<2.0a.0`, `<2`) is the usual guard against breaking
    changes and lets every 1.x release in.
    """
    if spec.operator in ("==", "===", "~="):
        return True
    if spec.operator in ("<", "<="):
        bound = Version(spec.version)
        return (bound.minor, bound.micro) != (0, 0)
    return False


def pinning_requirements(dists: list[tuple[str, list[str]]]) -> list[str]:
    """Requirements that pin boto3/botocore/s3transfer, as 'dist: requirement' lines.

    The family's own requirements on each other (boto3 on botocore) move with it and are left out.
    """
    problems = []
    for name, requirements in dists:
        if name.lower() in PINNED_PACKAGES:
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.name.lower() in PINNED_PACKAGES and any(
                _holds_back(spec) for spec in requirement.specifier
            ):
                problems.append(f"{name}: {text}")
    return problems


def installed() -> list[tuple[str, list[str]]]:
    return [(d.metadata["Name"], list(d.requires or [])) for d in metadata.distributions()]


def test_nothing_in_the_project_venv_pins_boto3() -> None:
    assert pinning_requirements(installed()) == []
    # checkov, which does pin it, is not in this environment.
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("checkov")


def test_pin_check_catches_checkov_and_an_upper_bound() -> None:
    seeded = [
        ("checkov", ["boto3==1.35.49", "termcolor"]),
        ("old-tool", ["botocore (<1.36)"]),
        ("fine", ["boto3>=1.35", "boto3!=1.36.0", "botocore<2.0a.0,>=1.37.4", "moto[server]>=5"]),
        ("extra-only", ["s3transfer<0.11; extra == 'crt'"]),
        ("boto3", ["botocore<1.45.0,>=1.44.8"]),
    ]
    assert pinning_requirements(seeded) == [
        "checkov: boto3==1.35.49",
        "old-tool: botocore (<1.36)",
        "extra-only: s3transfer<0.11; extra == 'crt'",
    ]


def _make_dry_run(target: str) -> str:
    """The commands `make TARGET` would run on a fresh clone (no venv yet)."""
    result = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), target, "VENV=/nonexistent/venv"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["demo", "data", "train", "deploy", "clean-cloud"])
def test_user_targets_install_only_the_package_and_the_stand_in(target: str) -> None:
    commands = _make_dry_run(target)
    assert "pip install --quiet -e '.[local]'" in commands
    assert "[dev]" not in commands
    assert "checkov" not in commands


def test_make_test_installs_the_dev_tools_and_checkov_apart() -> None:
    commands = _make_dry_run("test")
    assert "pip install --quiet -e '.[dev]'" in commands
    assert "-m venv .venv-checkov" in commands
    assert ".venv-checkov/bin/pip install --quiet -r tools/checkov-requirements.txt" in commands
    requirements = (ROOT / "tools" / "checkov-requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^checkov==\d", requirements, re.M)
