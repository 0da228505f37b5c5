"""The rule table: each rule rests on the developer guide's words, fails on a broken file, and
means the same in `data prepare` and `data validate`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from personalize_movielens.data import fold as fold_module
from personalize_movielens.data import prepare as prepare_module
from personalize_movielens.data import rules
from personalize_movielens.data.figures import Figures
from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.validate import validate_file
from personalize_movielens.data.validate_files import validate_files
from personalize_movielens.errors import DataError
from personalize_movielens.schemas import load_schema
from personalize_movielens.timefmt import looks_like_milliseconds

GUIDE = "https://docs.aws.amazon.com/personalize/latest/dg/"
#: Rule -> (page of the Amazon Personalize developer guide, its words). Two bullets of the
#: format guidelines are quoted from the page's Chinese translation, the one the search at hand
#: returned whole; the English page lists the same bullets.
SOURCES: dict[str, tuple[str, str]] = {
    "non-empty-file": (
        "data-prep-formatting.html",
        "The first row of your CSV file must contain your column headers.",
    ),
    "utf8": (
        "frequently-asked-questions.html",
        "If your data includes any non-ASCII encoded characters, your CSV file must be encoded "
        "in UTF-8 format.",
    ),
    "header": (
        "frequently-asked-questions.html",
        "The column headers in your CSV file need to map to the schema to create the dataset. "
        "[...] Don't enclose headers in quotation marks (\").",
    ),
    "field-count": (
        "data-prep-formatting.html",
        "Your input data must be in a CSV (comma-separated values) file.",
    ),
    "one-record-per-line": (
        "https://docs.aws.amazon.com/zh_cn/personalize/latest/dg/data-prep-formatting.html",
        "CSV 文件中的每条记录必须都在单行中。",  # each record of the CSV file on a single line
    ),
    "types": (
        "https://docs.aws.amazon.com/zh_cn/personalize/latest/dg/data-prep-formatting.html",
        "每列中的数据类型必须映射到您的架构。",  # the data type in each column maps to the schema
    ),
    "required": (
        "item-dataset-requirements.html",
        "At minimum, you must provide an Item ID for each item (max length 256 characters). "
        "Depending on your schema, item metadata can include empty/null values.",
    ),
    "id-length": (
        "user-dataset-requirements.html",
        "At minimum, you must provide a User ID for each user (max length 256 characters).",
    ),
    "timestamp-seconds": (
        "frequently-asked-questions.html",
        "TIMESTAMP and CREATION_TIMESTAMP data must be in UNIX epoch time format.",
    ),
    "categorical-length": (
        "item-dataset-requirements.html",
        "Categorical values can have at most 1000 characters.",
    ),
    "min-interactions": (
        "domain-use-cases.html",
        "At minimum 1000 item interactions records from users interacting with items in your "
        "catalog.",
    ),
    "min-users-with-two": (
        "domain-use-cases.html",
        "At minimum 25 unique user IDs with at least two item interactions for each.",
    ),
    "vod-watch-events": (
        "VIDEO_ON_DEMAND-use-cases.html",
        "Required event types: At minimum, 1000 Watch events.",
    ),
}


def test_every_rule_rests_on_the_guide() -> None:
    assert list(SOURCES) == list(rules.RULES)
    for page, words in SOURCES.values():
        assert (page if page.startswith("https://") else GUIDE + page).endswith(".html")
        assert words


#: VIDEO_ON_DEMAND-use-cases.html, each use case's "Datasets used when training" and its
#: required events, as the guide words them (the guide's source, VIDEO_ON_DEMAND-use-cases.md).
VOD_GUIDE: dict[str, tuple[str, str]] = {
    "because-you-watched-x": (
        "Datasets used when training: Only Item interactions dataset (required)",
        "Required event types: At minimum, 1000 Watch events.",
    ),
    "more-like-x": (
        "Datasets used when training: Interactions (required) Items (required)",
        "Required number of events: At minimum, 1000 events of any type.",
    ),
    "most-popular": (
        "Datasets used when training: Only Item interactions dataset (required)",
        "Required event types: At minimum, 1000 Watch events.",
    ),
    "trending-now": (
        "Datasets used when training: Only Item interactions dataset (required)",
        "Required number of events: At minimum, 1000 events of any type.",
    ),
    "top-picks": (
        "Datasets used when training: Interactions (required) Items (optional) Users (optional)",
        "Required number of events: At minimum, 1000 events.",
    ),
}


def test_the_vod_use_cases_need_what_the_guide_says() -> None:
    """https://docs.aws.amazon.com/personalize/latest/dg/VIDEO_ON_DEMAND-use-cases.html"""
    assert set(rules.VOD_USE_CASES) == set(VOD_GUIDE)
    for name, needs in rules.VOD_USE_CASES.items():
        datasets, events = VOD_GUIDE[name]
        assert needs.recipe == f"aws-vod-{name}"
        assert needs.items_required == ("Items (required)" in datasets)
        assert str(needs.min_events) in re.findall(r"\d+", events)
        assert (needs.event_type == "Watch") == ("Watch events" in events)
    watch = rules.RULES["vod-watch-events"]
    for name, needs in rules.VOD_USE_CASES.items():  # the rule names the use cases it serves
        assert (name in watch.description) == (needs.event_type == "Watch")
    assert watch.domain == "VIDEO_ON_DEMAND"


#: Why the header rule wants the schema's order and not only its names: the schema formatting
#: requirements of the guide's page on schema JSON files (the English words as the guide's own
#: source, awsdocs/amazon-personalize-developer-guide, last had them; the page's translations
#: on docs.aws.amazon.com still list the same bullet).
HEADER_ORDER = (
    "how-it-works-dataset-schema.html",
    "The schema fields can appear in any order, but they must match the order of the "
    "corresponding column headers in your CSV file.",
)


def test_the_header_keeps_the_schemas_order_as_the_guide_says(tmp_path: Path) -> None:
    page, words = HEADER_ORDER
    assert (GUIDE + page).endswith(".html") and "must match the order" in words
    assert words in " ".join((rules.__doc__ or "").split())  # the rule cites the same words
    assert "in its order" in rules.RULES["header"].description
    schema = load_schema("Interactions")
    rows = "".join(f"u{u},i{m},{1_500_000_000 + m}\n" for u in range(30) for m in range(40))
    swapped = tmp_path / "swapped.csv"  # the schema's names, another order, values to match
    swapped.write_text("ITEM_ID,USER_ID,TIMESTAMP\n" + rows, encoding="utf-8")
    (violation,) = validate_file(swapped, schema, "Interactions").violations
    assert violation.rule == "header" and "order" in violation.message
    in_order = tmp_path / "in-order.csv"
    in_order.write_text(",".join(schema.field_names) + "\n" + rows, encoding="utf-8")
    assert validate_file(in_order, schema, "Interactions").ok


@pytest.mark.parametrize(
    ("rule", "number", "constant"),
    [
        ("id-length", 256, rules.MAX_ID_CHARS),
        ("required", 256, rules.MAX_ID_CHARS),
        ("categorical-length", 1000, rules.MAX_CATEGORICAL_CHARS),
        ("min-interactions", 1000, rules.MIN_INTERACTIONS),
        ("min-users-with-two", 25, rules.MIN_USERS_WITH_TWO),
        ("vod-watch-events", 1000, rules.MIN_WATCH_EVENTS),
    ],
)
def test_the_numbers_are_the_guides(rule: str, number: int, constant: int) -> None:
    assert str(number) in re.findall(r"\d+", SOURCES[rule][1])
    assert constant == number
    if rule != "required":
        assert str(number) in rules.RULES[rule].description


def test_milliseconds_are_told_from_seconds() -> None:
    assert not looks_like_milliseconds(1_574_327_703)  # ML-25M's last rating, in seconds
    assert looks_like_milliseconds(1_574_327_703_000)
    assert looks_like_milliseconds(10_000_000_001)  # 1970-04-26 in milliseconds


# --- each rule fails on a deliberately broken file ----------------------------------------------

HEADER = "USER_ID,ITEM_ID,TIMESTAMP\n"
GOOD = "".join(f"u{u},i{m},{1_500_000_000 + m}\n" for u in range(30) for m in range(40))
ITEMS = "ITEM_ID,GENRES,YEAR\n1,Comedy,1995\n"
#: Rule -> (dataset type, file text) that breaks it and no rule before it.
BROKEN: dict[str, tuple[str, bytes]] = {
    "non-empty-file": ("Interactions", b""),
    "utf8": ("Interactions", (HEADER + GOOD).encode() + b"u1,caf\xe9,1500000000\n"),
    "header": ("Interactions", ('"USER_ID","ITEM_ID","TIMESTAMP"\n' + GOOD).encode()),
    "field-count": ("Interactions", (HEADER + GOOD + "u1,i1,1500000000,x\n").encode()),
    "one-record-per-line": ("Interactions", (HEADER + GOOD + 'u1,"i\n1",1500000000\n').encode()),
    "types": ("Items", (ITEMS + "2,Drama,soon\n").encode()),
    "required": ("Interactions", (HEADER + GOOD + "u1,,1500000000\n").encode()),
    "id-length": ("Interactions", (HEADER + GOOD + f"{'u' * 257},i1,1500000000\n").encode()),
    "timestamp-seconds": ("Interactions", (HEADER + GOOD + "u1,i1,1500000000000\n").encode()),
    "categorical-length": ("Items", (ITEMS + f"2,{'x' * 1001},1995\n").encode()),
    "min-interactions": (
        "Interactions",
        (
            HEADER + "".join(f"u{u},i{m},1500000000\n" for u in range(30) for m in range(30))
        ).encode(),
    ),
    "min-users-with-two": (
        "Interactions",
        (HEADER + "".join(f"u{n},i1,1500000000\n" for n in range(1200))).encode(),
    ),
    "vod-watch-events": (  # 1200 interactions, 999 of them Watch events
        "Interactions",
        (
            "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n"
            + "".join(
                f"u{u},i{m},{1_500_000_000 + m},{'Watch' if u * 40 + m < 999 else 'Click'}\n"
                for u in range(30)
                for m in range(40)
            )
        ).encode(),
    ),
}
#: The domain of the rules that hold for one domain's files only.
BROKEN_DOMAIN = {"vod-watch-events": "VIDEO_ON_DEMAND"}


def test_every_rule_has_a_broken_file() -> None:
    assert set(BROKEN) == set(rules.RULES)


@pytest.mark.parametrize("rule", list(BROKEN))
def test_each_rule_fails_on_its_broken_file(tmp_path: Path, rule: str) -> None:
    dataset_type, data = BROKEN[rule]
    domain = BROKEN_DOMAIN.get(rule)
    path = tmp_path / "file.csv"
    path.write_bytes(data)
    schema = load_schema(dataset_type, domain=domain)
    result = validate_file(path, schema, dataset_type, domain=domain)
    assert {v.rule for v in result.violations} == {rule}
    (check,) = [c for c in result.checks if not c.passed]
    assert check.rule == rule
    assert all("\n" not in v.message for v in result.violations)
    error = result.error()
    assert error is not None and error.hint == rules.RULES[rule].hint


def test_stray_lines_break_one_record_per_line_too() -> None:
    schema = load_schema("Interactions")
    figures = Figures(rows=1200, lines=1203, breaks={}, items=40, users=30, users_with_two=30)
    (check,) = [c for c in rules.evaluate(figures, schema) if not c.passed]
    assert check.rule == "one-record-per-line"
    assert check.detail == "1,203 lines for 1,200 records and a header"


# --- one meaning: prepare's report is validate's report on the files prepare wrote ------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"with_event_value": True},
        {"min_rating": 4.0},
        {"domain": "VIDEO_ON_DEMAND"},
        {"domain": "VIDEO_ON_DEMAND", "min_rating": 2.0, "watch_threshold": 4.0},
        {"domain": "VIDEO_ON_DEMAND", "hold_out": 200},
    ],
    ids=["plain", "with-event-value", "min-rating", "vod", "vod-min-rating", "vod-hold-out"],
)
def test_prepare_reports_what_validate_finds_in_its_files(
    synth_zip: Path, tmp_path: Path, options: dict[str, object]
) -> None:
    result = prepare(synth_zip, tmp_path, **options)  # type: ignore[arg-type]
    domain = options.get("domain")
    assert domain is None or isinstance(domain, str)
    validated = validate_files([result.interactions, result.items], domain=domain)
    if domain is not None:  # the domain's own rule was decided, the same way by both
        assert "vod-watch-events" in {c.rule for c in result.reports[0].checks}
    assert validated.ok
    assert result.reports == validated.reports()
    assert [r.to_json() for r in result.reports] == [
        {k: v for k, v in doc.items() if k != "violations"} for doc in validated.to_json()
    ]


#: ratings.csv rows that MovieLens' own data never has but its format allows: IDs of 10^12 and
#: around the fold's dense limit (4,194,304), users with one or two ratings (some of which
#: --min-rating removes), ratings on both sides of 3.0 and at it, the first and last epoch
#: second Personalize takes (0 and 10^10 - 1) and a negative one, a movie of 10^12.
EDGE_RATINGS = (
    "1000000000000,1000000000000,4.5,1200000000\n"  # a user of 10^12, one rating
    "1000000000001,1,3.0,1200000001\n1000000000001,2,2.5,1200000002\n"  # two, one below 3
    "4194303,3,5.0,9999999999\n4194304,3,0.5,0\n4194304,4,3.5,-1\n"  # the dense limit
    "7,41,1.0,1200000003\n"  # an only rating below --min-rating 3.0 (movie 41: no genres)
    "-5,42,4.0,1200000004\n-5,43,4.0,1200000005\n"  # a negative user, movies without year
)
#: movies.csv with what the synthetic set has too little of: no genres (said three ways), no
#: year, a year out of range, non-ASCII titles and genres, quotes and commas, a movie of 10^12.
EDGE_MOVIES = (
    "movieId,title,genres\n"
    + "".join(f"{m},Movie {m} ({1950 + m}),Drama|Comedy\n" for m in range(1, 41))
    + "41,Nameless (1999),(no genres listed)\n"
    + '42,"Amélie (Fabuleux destin d\'Amélie Poulain, Le)",\n'
    + '43,"東京物語, ""Tokyo Story"" (1500)", \n'
    + '44,Cidade de Deus (2002),"Crime|Drama, Ação"\n'
    + "45,Città (2007-),Comédie|Drame\n"
    + "1000000000000,Zoë's Ünïcödé Film (2019) ,Sci-Fi\n"
)


@pytest.fixture
def edge_source(tmp_path: Path) -> Path:
    """A MovieLens directory of 30 users x 40 ratings plus EDGE_RATINGS, and EDGE_MOVIES."""
    source = tmp_path / "edge-src"
    source.mkdir()
    common = "".join(
        f"{u},{m},{(u + m) % 3 + 3.0},{1_200_000_000 + u * 1000 + m}\n"
        for u in range(1, 31)
        for m in range(1, 41)
    )
    header = "userId,movieId,rating,timestamp\n"
    (source / "ratings.csv").write_text(header + common + EDGE_RATINGS, encoding="utf-8")
    (source / "movies.csv").write_text(EDGE_MOVIES, encoding="utf-8")
    return source


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"with_event_value": True},
        {"min_rating": 3.0},
        {"min_rating": 3.0, "with_event_value": True},
    ],
    ids=["plain", "with-event-value", "min-rating", "min-rating-with-event-value"],
)
def test_prepare_reports_what_validate_finds_on_edge_data(
    edge_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, object]
) -> None:
    """Small batches, so the huge IDs' hashed counts are merged across batches too."""
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 100)
    monkeypatch.setattr(fold_module, "MERGE_EVERY", 3)
    result = prepare(edge_source, tmp_path / "out", **options)  # type: ignore[arg-type]
    validated = validate_files([result.interactions, result.items])
    assert validated.ok, validated.error()
    interactions, items = (r.figures for r in result.reports)
    assert interactions is not None and items is not None  # the edges were reached:
    assert (interactions.first_timestamp, interactions.last_timestamp) == (-1, 10**10 - 1)
    assert items.empty == {"GENRES": 3, "YEAR": 2}
    assert result.reports == validated.reports()
    assert [r.to_json() for r in result.reports] == [
        {k: v for k, v in doc.items() if k != "violations"} for doc in validated.to_json()
    ]


def test_prepare_stops_at_a_rule_as_the_table_explains_it(source_dir: Path, tmp_path: Path) -> None:
    ratings = source_dir / "ratings.csv"
    ratings.write_text(ratings.read_text() + "7,5,3.0,1574327703000\n")
    with pytest.raises(DataError) as info:
        prepare(source_dir, tmp_path / "out")
    rule = rules.RULES["timestamp-seconds"]
    assert f"breaks rule {rule.name} ({rule.description}): TIMESTAMP: 1 row." in info.value.message
    assert info.value.hint == rule.hint
