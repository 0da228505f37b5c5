"""Amazon Resource Names: the one place that takes them apart.

An ARN is `arn:partition:service:region:account:resource`, and the resource part of the ARNs this
project meets (Personalize, IAM roles) is `type/name` or, for a solution version, `type/name/id`.
"""

from __future__ import annotations


def arn_name(arn: str) -> str:
    """The last part of an ARN's resource (`...:dataset-group/movielens` -> `movielens`,
    `...:role/movielens-personalize` -> `movielens-personalize`)."""
    return arn.rsplit("/", 1)[-1]


def arn_prefix(arn: str) -> str:
    """`arn:partition:service:region:account`: what every ARN of that service and account in
    that region starts with (before the resource part)."""
    return ":".join(arn.split(":", 5)[:5])
