"""The filter expression language, in process: every example of the developer guide parses,
broken expressions are refused with the rule they break, and evaluation follows the guide.

Pages: https://docs.aws.amazon.com/personalize/latest/dg/item-recommendation-filter-examples.html,
multiple-expression-example.html, creating-filter-expressions.html,
filter-expression-guidelines-requirements.html, filter-expressions.html.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from personalize_movielens.local.emulator import filter_expression as fx
from personalize_movielens.local.emulator import history
from personalize_movielens.local.emulator.service import Emulator

#: item-recommendation-filter-examples.html and multiple-expression-example.html, verbatim.
GUIDE_EXAMPLES = [
    "EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($EVENT_TYPE)",
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
    'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")',
    "EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE",
    'EXCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("shoe") AND Items.CATEGORY_L2 NOT IN ("boot")',
    "INCLUDE ItemID WHERE Items.PRICE <= $PRICE",
    "INCLUDE ItemID WHERE Items.CREATION_TIMESTAMP < $DATE",
    "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE)",
    "INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.CREATION_TIMESTAMP > $DATE",
    "EXCLUDE ItemID WHERE Items.GENRE IN ($GENRE) IF CurrentUser.AGE = $AGE",
    'INCLUDE ItemID WHERE Items.CATEGORY_L1 IN ("watch") AND Items.CATEGORY_L2 IN ("luxury") '
    "IF CurrentUser.AGE > 18",
    "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY) | "
    'INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("favorite")',
    "INCLUDE ItemID WHERE Items.GENRE IN ($GENRE) | "
    'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click", "stream")',
]


@pytest.mark.parametrize("text", GUIDE_EXAMPLES)
def test_every_example_of_the_guide_parses(text):
    parsed = fx.parse(text)
    assert [e.action for e in parsed.expressions] == [part.split()[0] for part in text.split(" | ")]
    assert set(parsed.params) == set(re.findall(r"\$([A-Za-z0-9_]+)", text))


def test_placeholders_and_fields_are_read():
    parsed = fx.parse(GUIDE_EXAMPLES[10])
    assert parsed.params == ("GENRE", "AGE")
    assert parsed.fields == {("Items", "GENRE"), ("Users", "AGE")}
    assert fx.parse(GUIDE_EXAMPLES[4]).uses_current_item


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("INCLUDE ItemID WHERE Items.GENRE NOT IN ($GENRE)", "not allowed with NOT_IN"),
        (
            'EXCLUDE ItemID WHERE Items.G IN ("a") OR Interactions.EVENT_TYPE IN ("b")',
            "first condition",
        ),
        ("EXCLUDE ItemID WHERE Interactions.EVENT_VALUE > 3", "by event type only"),
        ("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE = 3", "IN or NOT IN"),
        ("EXCLUDE ItemID WHERE Items.G IN (*)", "use * only"),
        (
            'EXCLUDE ItemID WHERE Items.G IN ("a") IF CurrentUser.A > 1 OR CurrentUser.B > 1',
            "only with AND",
        ),
        (
            'EXCLUDE ItemID WHERE Items.G IN ("a") IF CurrentUser.A > 1 IF CurrentUser.B > 1',
            "only once",
        ),
        ('EXCLUDE ItemID WHERE Items.G IN ("a") IF Items.A > 1', "only to check CurrentUser"),
        ("EXCLUDE ItemID WHERE CurrentUser.A > 1", "only in an IF condition"),
        ("EXCLUDE ItemID WHERE Users.A > 1", "IF CurrentUser.A"),
        ('EXCLUDE ItemID WHERE Items.P > "3"', "numerical data"),
        ('EXCLUDE ItemID WHERE Items.G IN ($A, "b")', "only value"),
        ("EXCLUDE UserID WHERE Users.A > 1", "not emulated"),
        ('EXCLUDE ItemID WHERE Items.G IN ("a"', "expected , or )"),
        ('EXCLUDE ItemID Items.G IN ("a")', "Expected WHERE"),
        ('EXCLUDE ItemID WHERE Items.G IN ("a") |', "Expected INCLUDE or EXCLUDE"),
        ("EXCLUDE ItemID WHERE Items.G ~ 1", "Invalid input symbol"),
        ("", "empty"),
        (
            " | ".join(f"EXCLUDE ItemID WHERE Items.F{i} > 1" for i in range(11)),
            "maximum for a filter is 10",
        ),
    ],
)
def test_a_broken_expression_names_the_rule(text, reason):
    with pytest.raises(fx.FilterExpressionError) as exc:
        fx.parse(text)
    assert reason in str(exc.value)


def test_keywords_and_dataset_names_in_any_case_placeholders_as_written():
    parsed = fx.parse("exclude itemid where INTERACTIONS.event_type in ($Kind)")
    assert parsed.expressions[0].action == "EXCLUDE" and parsed.params == ("Kind",)
    with pytest.raises(fx.FilterExpressionError, match=r"\$kind"):
        fx.bind(parsed, {"kind": '"watch"'})


def test_values_are_quoted_and_comma_separated():
    """API reference: "Separate multiple values for one parameter with a comma"."""
    assert fx.parse_values("G", '"Comedy","Drama"') == ("Comedy", "Drama")
    assert fx.parse_values("G", '"Sci-Fi, Space" , "War"') == ("Sci-Fi, Space", "War")
    assert fx.parse_values("Y", "2000") == ("2000",)
    with pytest.raises(fx.FilterExpressionError):
        fx.parse_values("G", "  ")


def facts(**extra):
    items = {
        "a": {"G": "Comedy|Drama", "Y": 1990},
        "b": {"G": "Drama", "Y": 2001},
        "c": {"G": "Horror", "Y": 2010},
        "d": None,
    }
    base = dict(
        items={k: v for k, v in items.items() if v},
        event_types={"a": frozenset({"Watch"}), "c": frozenset({"click"})},
        categorical=frozenset({("Items", "G")}),
    )
    base.update(extra)
    return fx.Facts(**base)


def run(text, values=None, **extra):
    bound = fx.bind(fx.parse(text), values or {})
    return fx.keep(bound, ["a", "b", "c", "d"], facts(**extra))


def test_evaluation_follows_the_guide():
    assert run('INCLUDE ItemID WHERE Items.G IN ("Drama")') == ["a", "b"]  # a category of several
    assert run('EXCLUDE ItemID WHERE Items.G IN ("Drama")') == ["c", "d"]
    assert run("INCLUDE ItemID WHERE Items.Y >= $Y", {"Y": "2001"}) == ["b", "c"]
    assert run("INCLUDE ItemID WHERE Items.Y != 2001") == ["a", "c"]
    # "Amazon Personalize ignores case only when matching event types"
    assert run('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("WATCH")') == ["b", "c", "d"]
    assert run('INCLUDE ItemID WHERE Items.G IN ("drama")') == []
    assert run('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")') == ["b", "d"]
    # AND binds before OR
    text = 'INCLUDE ItemID WHERE Items.G IN ("Horror") OR Items.G IN ("Drama") AND Items.Y > 2000'
    assert run(text) == ["b", "c"]
    # "Include A | Exclude B is equal to Include result from A - result from B"
    chained = (
        'INCLUDE ItemID WHERE Items.G IN ("Drama") | '
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'
    )
    assert run(chained) == ["b"]
    # "Include A | Include B is equal to Include result from A or result from B"
    both = 'INCLUDE ItemID WHERE Items.G IN ("Horror") | INCLUDE ItemID WHERE Items.Y < 2000'
    assert run(both) == ["a", "c"]


def test_if_current_user_decides_whether_the_expression_applies():
    text = 'EXCLUDE ItemID WHERE Items.G IN ("Horror") IF CurrentUser.AGE < 18'
    assert run(text, user={"AGE": 12}) == ["a", "b", "d"]
    assert run(text, user={"AGE": 40}) == ["a", "b", "c", "d"]
    assert run(text) == ["a", "b", "c", "d"]  # a user without a Users row


def test_current_item():
    text = "INCLUDE ItemID WHERE Items.Y < CurrentItem.Y AND Items.G IN CurrentItem.G"
    assert run(text, current_item={"G": "Drama|War", "Y": 2005}) == ["a", "b"]


def test_placeholders_bind_as_the_api_reference_says():
    """ "For filter expressions that use an INCLUDE element ... you must provide values for all
    parameters ... For filters with expressions that use an EXCLUDE element ... you can omit
    the filter-values. In this case, Amazon Personalize doesn't use that portion." """
    include = fx.parse("INCLUDE ItemID WHERE Items.G IN ($G)")
    with pytest.raises(fx.FilterExpressionError, match=r"Provide a value for \$G"):
        fx.bind(include, {})
    chained = fx.parse("INCLUDE ItemID WHERE Items.Y > 1 | EXCLUDE ItemID WHERE Items.G IN ($G)")
    assert [e.action for e in fx.bind(chained, {}).expressions] == ["INCLUDE"]
    with pytest.raises(fx.FilterExpressionError, match="must be a number"):
        fx.bind(fx.parse("INCLUDE ItemID WHERE Items.Y > $Y"), {"Y": '"old"'})
    with pytest.raises(fx.FilterExpressionError, match="no placeholder"):
        fx.bind(fx.parse('INCLUDE ItemID WHERE Items.G IN ("a")'), {"G": '"a"'})


def test_only_the_latest_100_interactions_per_event_type_count(tmp_path: Path):
    """filter-expressions.html: "Amazon Personalize considers up to 100 of the most recent
    interactions per user per event type." """
    emu = Emulator(state_dir=tmp_path)
    rows = [("u1", f"c{i:03d}", 1000 + i, "click") for i in range(101)]
    rows += [("u1", "old-watch", 1, "watch"), ("u2", "c000", 5000, "watch")]
    frame = pl.DataFrame(
        rows, schema=["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"], orient="row"
    )
    emu.store.add(
        "dataset",
        "ds",
        {"datasetArn": "ds", "datasetGroupArn": "g", "datasetType": "Interactions"},
    )
    emu.store.put_rows("ds", emu.store.sink(frame.lazy()), append=False)
    seen = history.event_types_by_item(emu, "g", "u1")
    assert "c000" not in seen  # the 101st most recent click
    assert seen["c001"] == frozenset({"click"}) and seen["old-watch"] == frozenset({"watch"})
    assert len(seen) == 101
    assert history.event_types_by_item(emu, "other-group", "u1") == {}
