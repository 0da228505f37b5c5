"""Every pattern in botocore's models is checkable, including the tag pattern's Unicode classes.

The models are written for Java's regular expressions: tag keys and values are
`^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$` (letters, separators, numbers), which Python's re cannot
compile as it stands. Without translation every request with `tags` was a 500.
"""

from __future__ import annotations

import pytest

from personalize_movielens.local.emulator.errors import InvalidInput
from personalize_movielens.local.emulator.validation import _regex, service_model, validate

TAG_PATTERN = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"


def _patterns() -> set[str]:
    found = set()
    for service in ("personalize", "personalize-runtime"):
        model = service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern:
                found.add(pattern)
    return found


def test_every_pattern_in_the_models_compiles() -> None:
    patterns = _patterns()
    assert TAG_PATTERN in patterns  # the model still writes tags as the test expects
    for pattern in patterns:
        _regex(pattern)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Environment", True),
        ("cost-center: team/a=b+c@d_e.f", True),
        ("Umgebung Prüfung", True),  # \p{L} is every letter, not only A-Z
        ("日本 ١٢٣", True),  # CJK letters, Arabic-Indic digits (\p{N}), a space (\p{Z})
        ("\u00a0no-break", True),  # U+00A0 is a separator (Zs)
        ("", True),
        ("tab\there", False),  # a control character is not a separator
        ("a<b", False),
        ("semi;colon", False),
    ],
)
def test_the_tag_pattern_is_java_s(value: str, ok: bool) -> None:
    assert bool(_regex(TAG_PATTERN).fullmatch(value)) is ok


def test_a_request_with_tags_is_validated_not_a_crash() -> None:
    good = {"name": "g", "tags": [{"tagKey": "Umgebung", "tagValue": "Prüfung"}]}
    assert validate("personalize", "CreateDatasetGroup", good) == good
    bad = {"name": "g", "tags": [{"tagKey": "a<b", "tagValue": "v"}]}
    with pytest.raises(InvalidInput) as raised:
        validate("personalize", "CreateDatasetGroup", bad)
    assert raised.value.message.startswith("1 validation error detected: Value 'a<b' at ")
    assert "'tags.1.member.tagKey' failed to satisfy constraint" in raised.value.message
