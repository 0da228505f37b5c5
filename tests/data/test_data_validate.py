"""validate_file(): every documented import rule, each violation naming file, row and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.validate import validate_file
from personalize_movielens.data.validate_files import (
    infer_dataset_type,
    schema_for,
    validate_files,
)
from personalize_movielens.errors import DataError
from personalize_movielens.schemas import load_schema

INTERACTIONS = load_schema("Interactions")
ITEMS = load_schema("Items")
HEADER = "USER_ID,ITEM_ID,TIMESTAMP\n"


def _good_rows(n_users: int = 30, per_user: int = 40) -> str:
    return "".join(
        f"u{u},i{m},{1_500_000_000 + m}\n" for u in range(n_users) for m in range(per_user)
    )


def _write(tmp_path: Path, text: str | bytes, name: str = "interactions.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def _rules(result) -> set[str]:
    return {v.rule for v in result.violations}


def test_prepared_files_pass(synth_dir: Path, tmp_path: Path) -> None:
    out = prepare(synth_dir, tmp_path)
    inter = validate_file(out.interactions, INTERACTIONS, "Interactions")
    items = validate_file(out.items, ITEMS, "Items")
    assert inter.ok and items.ok, (inter.violations, items.violations)
    assert inter.figures is not None and items.figures is not None
    assert inter.figures.rows == 3000
    assert inter.figures.users_with_two is not None and inter.figures.users_with_two >= 25
    assert items.figures.rows == items.figures.items
    assert all(c.passed for c in inter.checks)


def test_good_file_has_figures(tmp_path: Path) -> None:
    result = validate_file(_write(tmp_path, HEADER + _good_rows()), INTERACTIONS, "Interactions")
    assert result.ok
    assert result.figures is not None
    assert (result.figures.rows, result.figures.lines) == (1200, 1201)
    assert (result.figures.users, result.figures.items) == (30, 40)
    assert result.figures.first_timestamp == 1_500_000_000
    assert result.report().to_json()["stats"]["users_with_2plus_interactions"] == 30


def test_empty_ids_are_not_counted_as_users_or_items(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + _good_rows() + ",,1500000000\n")
    figures = validate_file(path, INTERACTIONS, "Interactions").figures
    assert figures is not None
    assert (figures.rows, figures.users, figures.items) == (1201, 30, 40)
    assert figures.breaks["required"] == {"USER_ID": 1, "ITEM_ID": 1, "TIMESTAMP": 0}


@pytest.mark.parametrize(
    ("row_text", "rule", "field"),
    [
        (",i1,1500000000\n", "required", "USER_ID"),
        ('"",i1,1500000000\n', "required", "USER_ID"),
        (f"{'u' * 257},i1,1500000000\n", "id-length", "USER_ID"),
        ("u1,,1500000000\n", "required", "ITEM_ID"),
        ("u1,i1,soon\n", "types", "TIMESTAMP"),
        ("u1,i1,1500000000000\n", "timestamp-seconds", "TIMESTAMP"),
        ("u1,i1,\n", "required", "TIMESTAMP"),
        ('u1,i1,""\n', "required", "TIMESTAMP"),
    ],
    ids=[
        "empty-user",
        "quoted-empty-user",
        "long-user",
        "empty-item",
        "text-timestamp",
        "ms-timestamp",
        "no-timestamp",
        "quoted-empty-timestamp",
    ],
)
def test_row_rules_name_row_field_and_rule(
    tmp_path: Path, row_text: str, rule: str, field: str
) -> None:
    path = _write(tmp_path, HEADER + _good_rows() + row_text)
    result = validate_file(path, INTERACTIONS, "Interactions")
    assert not result.ok
    hits = [v for v in result.violations if v.rule == rule]
    assert hits, result.violations
    assert hits[0].row == 1201  # 1-based data row, header not counted
    assert hits[0].field == field
    assert hits[0].file == str(path)
    assert "\n" not in hits[0].message
    assert str(path) in str(hits[0]) and "row 1201" in str(hits[0])


def test_a_quoted_empty_id_is_no_id(tmp_path: Path) -> None:
    """polars reads `""` as an empty string, not null: it is still an empty ID, named by its row
    in the one-line error, and not counted as a user."""
    path = _write(tmp_path, HEADER + _good_rows() + '"",i1,1500000000\n')
    result = validate_file(path, INTERACTIONS, "Interactions")
    (violation,) = result.violations
    assert (violation.rule, violation.row, violation.field) == ("required", 1201, "USER_ID")
    error = result.error()
    assert error is not None
    assert error.one_line().startswith(f"{path} row 1201: [required] USER_ID is an empty quoted")
    assert "\n" not in error.one_line()
    assert result.figures is not None and result.figures.users == 30


def test_quoted_empty_optional_values_count_as_empty(tmp_path: Path) -> None:
    """An empty quoted GENRES or YEAR is an empty value (counted, allowed), not a bad YEAR."""
    text = 'ITEM_ID,GENRES,YEAR\n1,Comedy,1995\n2,"",""\n3,,\n"",Drama,2000\n'
    result = validate_file(_write(tmp_path, text, "items.csv"), ITEMS, "Items")
    assert {(v.rule, v.row, v.field) for v in result.violations} == {("required", 4, "ITEM_ID")}
    assert result.figures is not None
    assert result.figures.empty == {"GENRES": 2, "YEAR": 2}
    assert result.figures.items == 3


def test_millisecond_timestamp_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + _good_rows() + "u1,i1,1574327703000\n")
    (v,) = validate_file(path, INTERACTIONS, "Interactions").violations
    assert "milliseconds" in v.message


@pytest.mark.parametrize(
    "header",
    ['"USER_ID","ITEM_ID","TIMESTAMP"\n', "ITEM_ID,USER_ID,TIMESTAMP\n", "USER_ID,ITEM_ID\n"],
    ids=["quoted", "wrong-order", "missing-field"],
)
def test_header_must_match_schema(tmp_path: Path, header: str) -> None:
    result = validate_file(_write(tmp_path, header + _good_rows()), INTERACTIONS, "Interactions")
    assert _rules(result) == {"header"}
    assert result.violations[0].row is None


def test_not_utf8(tmp_path: Path) -> None:
    data = (HEADER + _good_rows()).encode() + b"u1,caf\xe9,1500000000\n"
    result = validate_file(_write(tmp_path, data), INTERACTIONS, "Interactions")
    assert _rules(result) == {"utf8"}
    assert "line 1202" in result.violations[0].message


def test_one_record_per_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + _good_rows() + 'u1,"i\n2",1500000000\n')
    result = validate_file(path, INTERACTIONS, "Interactions")
    assert "one-record-per-line" in _rules(result)


def test_ragged_line_is_a_field_count_violation(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + _good_rows() + "u1,i1,1500000000,extra\n")
    result = validate_file(path, INTERACTIONS, "Interactions")
    assert "field-count" in _rules(result)


def test_empty_file(tmp_path: Path) -> None:
    result = validate_file(_write(tmp_path, ""), INTERACTIONS, "Interactions")
    assert _rules(result) == {"non-empty-file"}


def test_minimums(tmp_path: Path) -> None:
    few = HEADER + _good_rows(n_users=10, per_user=10)
    result = validate_file(_write(tmp_path, few), INTERACTIONS, "Interactions")
    assert _rules(result) == {"min-interactions", "min-users-with-two"}
    one_each = HEADER + "".join(f"u{u},i1,1500000000\n" for u in range(1500))
    result = validate_file(_write(tmp_path, one_each), INTERACTIONS, "Interactions")
    assert _rules(result) == {"min-users-with-two"}


def test_items_rules(tmp_path: Path) -> None:
    text = (
        "ITEM_ID,GENRES,YEAR\n1,Comedy|Drama,1995\n2,,\n3,Action,nineteen\n4,x|"
        + "y" * 1001
        + ",2000\n"
    )
    result = validate_file(_write(tmp_path, text, "items.csv"), ITEMS, "Items")
    found = {(v.rule, v.row, v.field) for v in result.violations}
    assert found == {("types", 3, "YEAR"), ("categorical-length", 4, "GENRES")}


def test_event_value_types(tmp_path: Path) -> None:
    schema = load_schema("Interactions", with_event_value=True)
    rows = "".join(f"u{u},i{m},1500000000,rating,4.5\n" for u in range(30) for m in range(40))
    text = ",".join(schema.field_names) + "\n" + rows + "u1,i1,1500000000,rating,high\n"
    result = validate_file(_write(tmp_path, text), schema, "Interactions")
    assert {(v.rule, v.field) for v in result.violations} == {("types", "EVENT_VALUE")}


def test_examples_are_capped_but_counts_are_complete(tmp_path: Path) -> None:
    bad = "".join(f"u{u},i1,x\n" for u in range(50))
    result = validate_file(
        _write(tmp_path, HEADER + _good_rows() + bad), INTERACTIONS, "Interactions"
    )
    assert len([v for v in result.violations if v.rule == "types"]) == 5
    types = next(c for c in result.checks if c.rule == "types")
    assert not types.passed and "50 rows" in types.detail


def test_infer_type_from_header_then_name(tmp_path: Path) -> None:
    assert infer_dataset_type(_write(tmp_path, HEADER, "x.csv")) == ("Interactions", False)
    assert infer_dataset_type(_write(tmp_path, "ITEM_ID,GENRES,YEAR\n", "y.csv")) == (
        "Items",
        False,
    )
    assert infer_dataset_type(_write(tmp_path, "A,B\n", "my-items.csv"))[0] == "Items"
    with pytest.raises(DataError) as info:
        infer_dataset_type(_write(tmp_path, "A,B\n", "z.csv"))
    assert "--type" in info.value.one_line()


def test_the_type_given_is_used_and_the_header_picks_the_event_value_variant(
    tmp_path: Path,
) -> None:
    event = load_schema("Interactions", with_event_value=True)
    path = _write(tmp_path, ",".join(event.field_names) + "\n", "whatever.csv")
    assert schema_for(path, "Interactions") == ("Interactions", event)
    assert schema_for(path) == ("Interactions", event)
    items = _write(tmp_path, "ITEM_ID,GENRES,YEAR\n", "x.csv")
    assert schema_for(items, "Items") == ("Items", ITEMS)


def test_a_run_over_files_has_one_json_form_and_one_error(tmp_path: Path) -> None:
    good = _write(tmp_path, HEADER + _good_rows(), "good.csv")
    bad = _write(tmp_path, HEADER + _good_rows() + "u1,i1,1500000000000\n", "bad.csv")
    run = validate_files([good, bad], "Interactions")
    assert not run.ok
    assert [r.ok for r in run.results] == [True, False]
    doc = run.to_json()
    assert [d["file"] for d in doc] == ["good.csv", "bad.csv"]
    assert doc[0] == run.results[0].report().to_json() | {"violations": []}
    assert doc[1]["violations"][0] | {"message": ""} == {
        "rule": "timestamp-seconds",
        "row": 1201,
        "field": "TIMESTAMP",
        "message": "",
    }
    error = run.error()
    assert error is not None
    assert "row 1201" in error.one_line() and "divide by 1000" in error.one_line()
    assert validate_files([good], "Interactions").error() is None


def test_a_path_that_is_not_a_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        validate_files([tmp_path / "missing.csv"])
