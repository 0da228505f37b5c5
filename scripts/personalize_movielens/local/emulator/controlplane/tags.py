"""Tags: TagResource, UntagResource and ListTagsForResource on every resource that takes tags.

Which resources take tags is read from botocore's model: those whose Create operation has a
`tags` member (dataset groups, datasets, import, export and deletion jobs, solutions and
versions, campaigns, filters, event trackers, recommenders, batch jobs); schemas do not. A
resource keeps its tags as `_tags` (the list of `{tagKey, tagValue}` it was created with),
so the tags given on create are the ones ListTagsForResource shows.

The developer guide's rules (personalize-managing-tags.html): "Maximum number of tags per
resource" is 50; "For each associated resource, each tag key must be unique and it can have only
one tag value"; "Your tag keys and tag values can't start with aws:". Key and value lengths and
characters are the model's, checked with every request (validation.py). The `tags` of every
Create operation are held to the same rules (`check_creation_tags`).
"""

from __future__ import annotations

import functools
from typing import Any

from botocore.model import StructureShape

from ..errors import ApiError, InvalidInput, not_found
from ..service import Emulator
from ..store import KINDS
from ..validation import service_model
from .common import Handler, Resource, operation

MAX_TAGS = 50
RESERVED_PREFIX = "aws:"
GUIDE = "https://docs.aws.amazon.com/personalize/latest/dg/personalize-managing-tags.html"

Tags = list[dict[str, str]]


class TooManyTags(ApiError):
    code = "TooManyTagsException"


class TooManyTagKeys(ApiError):
    code = "TooManyTagKeysException"


@functools.cache
def taggable_arn_fields() -> frozenset[str]:
    """`datasetGroupArn`, `campaignArn`, ...: the ARN each tag-taking Create operation returns."""
    model = service_model("personalize")
    fields = set()
    for name in model.operation_names:
        op = model.operation_model(name)
        if not name.startswith("Create") or op.input_shape is None:
            continue
        if "tags" in op.input_shape.members and isinstance(op.output_shape, StructureShape):
            fields |= {m for m in op.output_shape.members if m.endswith("Arn")}
    return frozenset(fields)


def _arn_field(kind: str) -> str:
    """The store kind's own ARN key: dataset_group -> datasetGroupArn."""
    head, *rest = kind.split("_")
    return head + "".join(part.title() for part in rest) + "Arn"


def _taggable(emu: Emulator, arn: str) -> Resource:
    """The resource with this ARN, if it takes tags; ResourceNotFoundException if none has it."""
    for kind in KINDS:
        resource = emu.store.find(kind, arn)
        if resource is None:
            continue
        if _arn_field(kind) not in taggable_arn_fields():
            raise InvalidInput(f"Resource {arn} cannot be tagged (see {GUIDE}).")
        return resource
    raise not_found(arn)


def _check_keys(keys: list[str]) -> None:
    reserved = [k for k in keys if k.lower().startswith(RESERVED_PREFIX)]
    if reserved:
        raise InvalidInput(
            f"Tag keys can't start with {RESERVED_PREFIX} (reserved for AWS): "
            f"{', '.join(reserved)}."
        )


def merged(current: Tags, new: Tags) -> Tags:
    """`current` with `new` added, a new value replacing the old one of the same key.

    InvalidInputException for a key given twice or a reserved key or value, and
    TooManyTagsException above 50 tags on the resource.
    """
    keys = [t["tagKey"] for t in new]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise InvalidInput(
            f"Each tag key must be unique; given more than once: {', '.join(repeated)}."
        )
    _check_keys(keys)
    reserved = [t["tagKey"] for t in new if t["tagValue"].lower().startswith(RESERVED_PREFIX)]
    if reserved:
        raise InvalidInput(
            f"Tag values can't start with {RESERVED_PREFIX} (reserved for AWS): the value "
            f"of {', '.join(reserved)}."
        )
    result = {t["tagKey"]: t["tagValue"] for t in current}
    result.update({t["tagKey"]: t["tagValue"] for t in new})
    if len(result) > MAX_TAGS:
        raise TooManyTags(
            f"A resource can have at most {MAX_TAGS} tags; this would make {len(result)}."
        )
    return [{"tagKey": k, "tagValue": v} for k, v in result.items()]


def check_creation_tags(handlers: dict[str, Handler]) -> None:
    """Make every Create handler whose operation takes `tags` refuse them as TagResource does
    (more than 50, reserved, repeated) before it creates anything: one check for all families,
    those added later included (controlplane/__init__.py calls this once all are imported)."""
    model = service_model("personalize")
    for name, handler in list(handlers.items()):
        op = model.operation_model(name)
        takes_tags = op.input_shape is not None and "tags" in op.input_shape.members
        if name.startswith("Create") and takes_tags and not hasattr(handler, "checks_tags"):
            handlers[name] = _checking_tags(handler)


def _checking_tags(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def checked(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
        merged([], p.get("tags") or [])
        return handler(emu, p, region)

    checked.checks_tags = True  # type: ignore[attr-defined]
    return checked


@operation("TagResource")
def tag_resource(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    with emu.store.lock:
        resource = _taggable(emu, p["resourceArn"])
        resource["_tags"] = merged(resource.get("_tags") or [], p["tags"])
    return {}


@operation("UntagResource")
def untag_resource(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    keys: list[str] = p["tagKeys"]
    if len(keys) > MAX_TAGS:
        raise TooManyTagKeys(
            f"The request has {len(keys)} tag keys; a resource has at most {MAX_TAGS}."
        )
    _check_keys(keys)
    with emu.store.lock:
        resource = _taggable(emu, p["resourceArn"])
        resource["_tags"] = [t for t in resource.get("_tags") or [] if t["tagKey"] not in keys]
    return {}


@operation("ListTagsForResource")
def list_tags_for_resource(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    with emu.store.lock:
        resource = _taggable(emu, p["resourceArn"])
        return {"tags": [dict(t) for t in resource.get("_tags") or []]}
