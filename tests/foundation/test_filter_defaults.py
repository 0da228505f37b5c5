"""The default filters: terraform/filters/*.json, the one source Terraform and `local up` read.

test_tf_outputs_contract.py checks that the root stack declares exactly these; here the
library's reading of the files and its refusals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personalize_movielens import filter_defaults
from personalize_movielens.errors import ConfigError
from personalize_movielens.filter_defaults import FILES, default_filters, filters_dir


def test_every_file_is_named_and_every_named_file_exists() -> None:
    assert {p.name for p in filters_dir().glob("*.json")} == set(FILES.values())


@pytest.mark.parametrize("domain", [None, "VIDEO_ON_DEMAND"])
def test_the_items_filter_needs_the_items_dataset(domain: str | None) -> None:
    with_items = default_filters(domain, with_items=True)
    without = default_filters(domain, with_items=False)
    assert set(with_items) == {"unwatched", "genre"}
    assert set(without) == {"unwatched"}
    assert without["unwatched"] == with_items["unwatched"]


@pytest.mark.parametrize("domain", [None, "VIDEO_ON_DEMAND"])
def test_the_event_type_filter_needs_event_type_in_the_interactions_schema(
    domain: str | None,
) -> None:
    """A filter names "dataset and field identifiers in dataset.field format" (the guide's
    filter-expressions.html): without EVENT_TYPE in the schema, no default names it."""
    without = default_filters(domain, with_items=True, with_event_type=False)
    assert set(without) == {"genre"}
    assert all("EVENT_TYPE" not in expression for expression in without.values())


def test_the_values_are_the_files(tmp_path: Path) -> None:
    raw = json.loads((filters_dir() / "video_on_demand.json").read_text(encoding="utf-8"))
    assert default_filters("VIDEO_ON_DEMAND", with_items=True) == raw


def test_an_unknown_domain_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="'ECOMMERCE' has no default filters"):
        default_filters("ECOMMERCE", with_items=True)


@pytest.mark.parametrize(
    ("content", "rule"),
    [("{not json", "cannot read"), ('["a"]', "must be an object"), ('{"a": 1}', "must be")],
)
def test_a_broken_file_is_refused_with_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, rule: str
) -> None:
    (tmp_path / "custom.json").write_text(content, encoding="utf-8")
    monkeypatch.setattr(filter_defaults, "filters_dir", lambda: tmp_path)
    with pytest.raises(ConfigError, match=rule) as refused:
        default_filters(None, with_items=True)
    assert str(tmp_path / "custom.json") in refused.value.message
