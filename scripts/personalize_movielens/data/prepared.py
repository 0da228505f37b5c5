"""Which domain a directory of prepared files was made for, read from its report, and the
refusal `upload` and `import` give files prepared for another domain than the stack's.

Light on purpose (no polars): the workflow commands read it. The domain is the `settings` of
validation-report.json, written by `data prepare`; a report from before settings existed was
always for a custom dataset group. A directory without a report (files made by other means)
is not checked: the import job's own schema check still is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .domains import domain_label, domain_option
from .layout import INTERACTIONS_FILE, REPORT_FILE


@dataclass(frozen=True)
class PreparedFor:
    """The domain a report says its files were prepared for (None: a custom dataset group)."""

    domain: str | None


def prepared_for(data_dir: Path) -> PreparedFor | None:
    """What the report in `data_dir` says; None when there is no report that can be read."""
    try:
        doc = json.loads((data_dir / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    settings = doc.get("settings") if isinstance(doc, dict) else None
    domain = settings.get("domain") if isinstance(settings, dict) else None
    return PreparedFor(domain if isinstance(domain, str) else None)


def check_prepared_domain(
    data_dir: Path, stack_domain: str | None, file: str | None = None
) -> None:
    """Refuse, in one line naming the file and both domains, files prepared for another domain
    than the stack's dataset group (`StackOutputs.domain`)."""
    found = prepared_for(data_dir)
    if found is None or found.domain == stack_domain:
        return
    prepared = found.domain
    path = data_dir / (file or INTERACTIONS_FILE)
    raise ConfigError(
        f"{path} was prepared for {domain_label(prepared)} ({domain_option(prepared)}, "
        f"{data_dir / REPORT_FILE}), but the stack's dataset group is "
        f"{domain_label(stack_domain)}.",
        hint=f"run `personalize-movielens data prepare` again with {domain_option(stack_domain)}, "
        "or use the stack the files were prepared for.",
    )
