"""users.dat (1m) and u.user (100k) -> the Users dataset: USER_ID, GENDER, AGE, OCCUPATION.

AGE is made to agree: ML-1M's bucket (100k's exact age is put in the same buckets). OCCUPATION
is kept in each release's own words: 1m's codes become its README's names as written ("K-12
student"), 100k's are u.occupation's (all lower case; u.user's values are lower-cased to match).
The two lists differ anyway ("educator" and "academic/educator"), so they are never mapped onto
each other.
"""

from __future__ import annotations

import polars as pl

from ..errors import DataError
from ..schemas import DatasetSchema
from . import rules
from .formats import decode, split_fields

#: ML-1M README: "Age is chosen from the following ranges: 1: "Under 18", 18: "18-24", ...".
AGE_BUCKETS: dict[int, str] = {
    1: "Under 18",
    18: "18-24",
    25: "25-34",
    35: "35-44",
    45: "45-49",
    50: "50-55",
    56: "56+",
}
#: ML-1M README: "Occupation is chosen from the following choices: 0: "other" or not
#: specified, 1: "academic/educator", ...".
OCCUPATIONS_1M: tuple[str, ...] = (
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
)
#: README (both): "Gender is denoted by a "M" for male and "F" for female".
GENDERS = ("M", "F")
USERS_FIELDS = ("USER_ID", "GENDER", "AGE", "OCCUPATION")


def age_bucket(age: int) -> str:
    """An exact age in ML-1M's bucket: the bucket whose lower bound is the highest at or below
    it (17 -> "Under 18", 18 -> "18-24", 60 -> "56+")."""
    return AGE_BUCKETS[max((low for low in AGE_BUCKETS if low <= age), default=1)]


def _number(value: str, what: str, source: str, line: int) -> int:
    if not (value.isascii() and value.isdigit()):
        raise DataError(f"{source}: line {line}: {what} {value[:40]!r} is not a number.")
    return int(value)


def _gender(value: str, source: str, line: int) -> str:
    if value not in GENDERS:
        raise DataError(f"{source}: line {line}: gender {value[:20]!r} is not M or F.")
    return value


def users_dat(text: str, source: str) -> list[tuple[str, str, str, str]]:
    """users.dat: UserID::Gender::Age::Occupation::Zip-code, the codes by their names."""
    rows = []
    form = "UserID::Gender::Age::Occupation::Zip-code"
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line:
            continue
        user, gender, age, occupation, _zip = split_fields(line, "::", 5, source, number, form)
        age_code = _number(age, "age", source, number)
        if age_code not in AGE_BUCKETS:
            known = ", ".join(map(str, AGE_BUCKETS))
            raise DataError(f"{source}: line {number}: age {age!r} is not one of {known}.")
        code = _number(occupation, "occupation", source, number)
        if code >= len(OCCUPATIONS_1M):
            raise DataError(
                f"{source}: line {number}: occupation {occupation!r} is not a code 0-"
                f"{len(OCCUPATIONS_1M) - 1}."
            )
        user_id = str(_number(user, "user id", source, number))
        rows.append(
            (
                user_id,
                _gender(gender, source, number),
                AGE_BUCKETS[age_code],
                OCCUPATIONS_1M[code],
            )
        )
    return rows


def users_uuser(text: str, source: str) -> list[tuple[str, str, str, str]]:
    """u.user: user id | age | gender | occupation | zip code; the age in 1m's buckets."""
    rows = []
    form = "user id|age|gender|occupation|zip code"
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line:
            continue
        user, age, gender, occupation, _zip = split_fields(line, "|", 5, source, number, form)
        occupation = occupation.strip().lower()
        if not occupation:
            raise DataError(f"{source}: line {number}: the occupation is empty.")
        rows.append(
            (
                str(_number(user, "user id", source, number)),
                _gender(gender, source, number),
                age_bucket(_number(age, "age", source, number)),
                occupation,
            )
        )
    return rows


def parse_users(
    data: bytes,
    source: str,
    layout: str,
    encoding: str,
    schema: DatasetSchema,
    *,
    declared: bool = True,
) -> pl.DataFrame:
    """The users file of a release with demographics as the Users rows, typed by `schema`
    (`declared`: as formats.decode)."""
    text = decode(data, source, encoding, declared=declared)
    rows = users_dat(text, source) if layout == "dat" else users_uuser(text, source)
    missing = [f for f in schema.field_names if f not in USERS_FIELDS]
    if missing:
        raise DataError(f"The Users schema has fields this tool cannot fill: {', '.join(missing)}.")
    columns = dict(zip(USERS_FIELDS, zip(*rows, strict=True) if rows else ([],) * 4, strict=True))
    dtypes = rules.polars_schema(schema)
    return pl.DataFrame({n: list(columns[n]) for n in dtypes}, schema=dtypes)
