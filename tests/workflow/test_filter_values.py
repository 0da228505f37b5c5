"""--filter NAME --filter-value KEY=VALUE: the filter of the stack, its values checked against
its expression (DescribeFilter) and quoted as GetRecommendations requires; with campaigns and
recommenders alike."""

from __future__ import annotations

import re

import botocore.session
import pytest
from rec_stubs import GENRE_FILTER, UNWATCHED_FILTER, recommender, recommender_arn, stubbed

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow import filters
from personalize_movielens.workflow.filters import placeholders, quote_values
from personalize_movielens.workflow.recommend import recommend

#: The guide's example, as the page writes it (https://docs.aws.amazon.com/personalize/latest/
#: dg/filter-real-time.html, "Applying a filter (AWS SDKs)"): "if your filter expression has a
#: `$GENRES` parameter, provide "GENRES" as the key, and a genre or genres, such as
#: `"\"Comedy"\"`, as the value. For multiple values, separate each value with a comma. For
#: example, `"\"comedy\",\"drama\",\"horror\""`."
GUIDE_EXAMPLE = r'"\"comedy\",\"drama\",\"horror\""'
GENRE_EXPRESSION = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
UNWATCHED_EXPRESSION = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")'
TOP = "movielens-vod-top-picks"


def unescaped(literal: str) -> str:
    """The string a Python/JSON literal of the guide stands for (`"\"a\""` -> `"a"`)."""
    assert literal.startswith('"') and literal.endswith('"')
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def test_values_are_quoted_as_the_api_reference_shows() -> None:
    """GetRecommendations' filterValues (API reference): "provide the parameter name (in
    matching case) as a key and the filter value(s) as the corresponding value. Separate
    multiple values for one parameter with a comma." Each value is a string in double quotes,
    as the guide's example above."""
    pairs = [("GENRES", "comedy"), ("GENRES", "drama"), ("GENRES", "horror")]
    values = quote_values("genres", "INCLUDE ItemID WHERE Items.GENRES IN ($GENRES)", pairs)
    assert values == {"GENRES": unescaped(GUIDE_EXAMPLE)}
    assert values == {"GENRES": '"comedy","drama","horror"'}


def test_a_number_compared_in_the_expression_is_passed_as_the_number() -> None:
    expression = "INCLUDE ItemID WHERE Items.YEAR >= $YEAR AND Items.GENRES IN ($GENRE)"
    assert placeholders(expression) == {"YEAR": "number", "GENRE": "string"}
    values = quote_values("f", expression, [("YEAR", "1990"), ("GENRE", "Drama")])
    assert values == {"YEAR": "1990", "GENRE": '"Drama"'}
    with pytest.raises(ConfigError, match=r"\$YEAR is compared as a number"):
        quote_values("f", expression, [("YEAR", "old"), ("GENRE", "Drama")])


def test_an_include_placeholder_without_a_value_is_one_line() -> None:
    """GetRecommendations: "For filter expressions that use an INCLUDE element to include items,
    you must provide values for all parameters that are defined in the expression. For filters
    with expressions that use an EXCLUDE element to exclude items, you can omit the
    filter-values." """
    with pytest.raises(ConfigError) as info:
        quote_values("genre", GENRE_EXPRESSION, [])
    assert "needs a value for $GENRE" in info.value.one_line()
    excluding = "EXCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
    assert quote_values("no-genre", excluding, []) is None


def test_an_unknown_filter_lists_the_stacks_filters() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        with pytest.raises(ConfigError) as info:
            recommend(stub.ctx, "42", use_case_name="top-picks", filter_name="comedy")
    line = info.value.one_line()
    assert "--filter comedy: unknown filter" in line and "genre, unwatched" in line


def test_a_value_for_a_filter_without_that_placeholder_is_one_line() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        stub.describe_filter(UNWATCHED_FILTER, UNWATCHED_EXPRESSION)
        with pytest.raises(ConfigError) as info:
            recommend(
                stub.ctx,
                "42",
                use_case_name="top-picks",
                filter_name="unwatched",
                filter_values=["GENRE=Comedy"],
            )
    line = info.value.one_line()
    assert "filter unwatched has no $GENRE placeholder (it has no placeholders" in line
    assert UNWATCHED_EXPRESSION in line


def test_a_malformed_filter_value_is_one_line_before_any_call() -> None:
    with stubbed() as stub, pytest.raises(ConfigError, match="expected KEY=VALUE"):
        recommend(
            stub.ctx, "42", use_case_name="top-picks", filter_name="genre", filter_values=["x"]
        )


def test_filter_value_without_filter_is_one_line() -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        with pytest.raises(ConfigError, match="--filter-value needs --filter"):
            recommend(stub.ctx, "42", use_case_name="top-picks", filter_values=["GENRE=Comedy"])


def test_a_recommender_gets_the_filter_and_its_quoted_values(tmp_path) -> None:
    with stubbed() as stub:
        stub.listing(recommender(TOP))
        stub.describe_filter(GENRE_FILTER, GENRE_EXPRESSION)
        stub.runtime.add_response(
            "get_recommendations",
            {"itemList": [{"itemId": "5", "score": 0.9}]},
            {
                "recommenderArn": recommender_arn(TOP),
                "numResults": 1,
                "userId": "42",
                "filterArn": GENRE_FILTER,
                "filterValues": {"GENRE": '"Comedy","Drama"'},
            },
        )
        result = recommend(
            stub.ctx,
            "42",
            1,
            data_dir=tmp_path,
            use_case_name="top-picks",
            filter_name="genre",
            filter_values=["GENRE=Comedy", "GENRE=Drama"],
        )
    assert result.to_json()["filter"] == "genre"


def test_a_campaign_gets_the_filter_too(tmp_path) -> None:
    """The same filter on the campaign path: campaignArn with filterArn and no values for an
    EXCLUDE filter without placeholders."""
    solution = "arn:aws:personalize:eu-west-1:123456789012:solution/movielens-popularity-count"
    campaign = "arn:aws:personalize:eu-west-1:123456789012:campaign/movielens-popularity-count"
    with stubbed(domain=None) as stub:
        stub.personalize.add_response(
            "list_solutions",
            {"solutions": [{"name": "movielens-popularity-count", "solutionArn": solution}]},
            {"datasetGroupArn": stub.ctx.outputs.dataset_group_arn},
        )
        stub.personalize.add_response(
            "list_campaigns",
            {
                "campaigns": [
                    {
                        "name": "movielens-popularity-count",
                        "campaignArn": campaign,
                        "status": "ACTIVE",
                    }
                ]
            },
            {"solutionArn": solution},
        )
        stub.describe_filter(UNWATCHED_FILTER, UNWATCHED_EXPRESSION)
        stub.runtime.add_response(
            "get_recommendations",
            {"itemList": []},
            {
                "campaignArn": campaign,
                "numResults": 10,
                "userId": "42",
                "filterArn": UNWATCHED_FILTER,
            },
        )
        recommend(
            stub.ctx,
            "42",
            recipe="aws-popularity-count",
            data_dir=tmp_path,
            filter_name="unwatched",
        )


def model_limits() -> tuple[int, int]:
    """GetRecommendations' filterValues in the installed botocore model: (most keys, most
    characters of one value)."""
    model = botocore.session.get_session().get_service_model("personalize-runtime")
    shape = model.operation_model("GetRecommendations").input_shape.members["filterValues"]
    return shape.metadata["max"], shape.value.metadata["max"]


def test_the_tools_limits_are_the_models() -> None:
    assert model_limits() == (filters.MAX_FILTER_KEYS, filters.MAX_FILTER_VALUE_CHARS)


def test_a_value_longer_than_the_api_takes_is_one_line_before_any_call() -> None:
    """Without the check the service answers with a validation error that echoes the whole
    value. Nothing is queued: any call (ListRecommenders, DescribeFilter, GetRecommendations)
    would fail the test (batch recommend checks before any call too: test_batch.py)."""
    _, most = model_limits()
    with stubbed() as stub, pytest.raises(ConfigError) as info:
        recommend(
            stub.ctx,
            "42",
            use_case_name="top-picks",
            filter_name="genre",
            filter_values=["GENRE=" + "x" * (most + 100)],
        )
    line = info.value.one_line()
    assert f"--filter-value GENRE: {most + 100:,} characters" in line
    assert f"at most {most} per key" in line and "xxxx" not in line


def test_the_limit_applies_to_the_value_as_sent_quoted_and_joined() -> None:
    _, most = model_limits()
    fits = "x" * (most - 2)  # "x...x" with its quotes is exactly the limit
    assert quote_values("genre", GENRE_EXPRESSION, [("GENRE", fits)]) == {"GENRE": f'"{fits}"'}
    half = "x" * (most // 2)  # each fits; joined as "x..x","x..x" they do not
    sent = len(f'"{half}","{half}"')
    with pytest.raises(ConfigError, match=f"--filter-value GENRE: {sent:,} characters"):
        quote_values("genre", GENRE_EXPRESSION, [("GENRE", half), ("GENRE", half)])


def test_more_keys_than_the_api_takes_is_one_line() -> None:
    keys, _ = model_limits()
    pairs = [f"K{n}=v" for n in range(keys + 1)]
    with pytest.raises(ConfigError, match=f"{keys + 1} keys; the API takes at most {keys}"):
        filters.parse_pairs(pairs)
    assert len(filters.parse_pairs(pairs[:keys])) == keys
