#!/usr/bin/env python3
"""Extract the provider schemas this project uses from the prebuilt cdktn provider bindings.

Why: providers cannot be downloaded on the machines that run `make test`, so `terraform
validate` cannot run there. The PyPI packages `cdktn-provider-aws` and `cdktn-provider-awscc`
are generated from the providers' own schemas and carry them, one JavaScript module per
resource type, with every argument's required/optional/computed flags and nesting. This script
reads only the resource and data-source types that `terraform/**/*.tf` declares (plus any named
on the command line) and writes them to a small JSON file that is committed and read by
`tests/terraform/test_tf_provider_schemas.py`. The type list is not kept by hand: a new
`resource`/`data` block in the tree (e.g. `aws_kms_key_policy` in examples/complete) is picked
up by the next run, and `test_schema_file_covers_every_type_the_code_declares` fails until then.

The package versions are pinned in pyproject.toml's `schemas` extra; each carries one provider
version (recorded in the package's package.json, `cdktn.provider`):

    cdktn-provider-aws==25.8.1    -> registry.terraform.io/hashicorp/aws   6.69.1
    cdktn-provider-awscc==1.8.0   -> registry.terraform.io/hashicorp/awscc 1.106.0

Regenerate (the packages are ~100 MB each; keep them out of .venv):

    python3 -m pip download --no-deps -d /tmp/cdktn \\
        cdktn-provider-aws==25.8.1 cdktn-provider-awscc==1.8.0
    python3 tools/extract_provider_schemas.py --wheel-dir /tmp/cdktn
    # or, with the packages installed in a throwaway venv:  /tmp/venv/bin/python tools/...

Output shape (per provider): {"version", "package", "resources": {type: schema},
"data_sources": {type: schema}, "missing": [types the provider does not have]}, where a schema
is {"attributes": {name: {"required", "optional", "computed", "kind", "type", "syntax",
"nested"?}}}. `type` is the Terraform type of the value (string, number, bool, list(string),
map(string), ...; "object" for nested attributes and blocks, described by `nested`).
`syntax` is "block" (write `name { ... }`) or "attribute" (write `name = ...`). awscc is a
plugin-framework provider whose nested types are all nested attributes, although cdktn marks
them as blocks for its own rendering; the script records them as attributes.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import re
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "tests" / "terraform" / "provider_schemas.json"
TF_DIR = ROOT / "terraform"

#: provider local name -> (PyPI distribution, import name)
PACKAGES = {
    "aws": ("cdktn-provider-aws", "cdktn_provider_aws"),
    "awscc": ("cdktn-provider-awscc", "cdktn_provider_awscc"),
}
#: Providers whose nested types are attributes (`x = {...}`), never blocks.
ATTRIBUTE_ONLY_PROVIDERS = frozenset({"awscc"})

_DECL = re.compile(r'^\s*(resource|data)\s+"([a-z0-9_]+)"\s+"', re.M)
_SEGMENT = re.compile(r"^(?:class|function) ", re.M)
_CLASS = re.compile(r"^class (\w+) extends cdktn\.(\w+)")
_FUNC = re.compile(r"^function (\w+)ToHclTerraform\(")
_FLAGS = re.compile(
    r"// ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)"
)
_HCL_ENTRY = re.compile(
    r'(\w+): \{\s*value: [^\n]*\n\s*isBlock: (true|false),\s*type: "(\w+)",'
    r'\s*storageClassType: "(\w+)",'
)
_TF_TYPE = re.compile(r'static tfResourceType = "([a-z0-9_]+)";')
_GETTER = re.compile(r"this\.get(\w+)Attribute\('([a-z0-9_]+)'\)")
#: The getter cdktn generates for a computed attribute -> the Terraform type of its value.
_GETTER_TYPES = {
    "String": "string",
    "Number": "number",
    "Boolean": "bool",
    "List": "list(string)",
    "NumberList": "list(number)",
    "StringMap": "map(string)",
    "NumberMap": "map(number)",
    "BooleanMap": "map(bool)",
}


def used_types(tf_dir: Path) -> dict[str, set[str]]:
    """Resource and data-source types declared in every .tf file under tf_dir."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for path in sorted(tf_dir.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        for kind, type_name in _DECL.findall(path.read_text(encoding="utf-8")):
            found[kind].add(type_name)
    return found


def module_dir(kind: str, type_name: str, provider: str) -> str:
    """cdktn's module folder for a type: aws_s3_bucket -> s3-bucket, data -> data-aws-..."""
    if kind == "data":
        return "data-" + type_name.replace("_", "-")
    return type_name[len(provider) + 1 :].replace("_", "-")


def parse_module(js: str, provider: str) -> tuple[str, dict[str, Any]]:
    """Parse one generated index.js into (terraform type, schema)."""
    structs: dict[str, dict[str, dict[str, str]]] = {}  # struct -> key -> hcl info
    flags: dict[str, dict[str, tuple[bool, bool, bool]]] = {}  # class -> attr -> flags
    getters: dict[str, dict[str, str]] = {}  # class -> attr -> type of its getter
    root_class = ""
    tf_type = ""
    starts = [m.start() for m in _SEGMENT.finditer(js)] + [len(js)]
    for begin, end in itertools.pairwise(starts):
        segment = js[begin:end]
        entries = {
            name: {"block": block == "true", "kind": kind, "storage": storage}
            for name, block, kind, storage in _HCL_ENTRY.findall(segment)
        }
        if match := _FUNC.match(segment):
            struct = match.group(1)
            structs[struct[0].upper() + struct[1:]] = entries
        elif match := _CLASS.match(segment):
            name = match.group(1)
            flags[name] = {
                attr: (c == "true", o == "true", r == "true")
                for attr, c, o, r in _FLAGS.findall(segment)
            }
            getters[name] = {
                attr: _GETTER_TYPES.get(getter, "unknown:" + getter)
                for getter, attr in _GETTER.findall(segment)
            }
            if type_match := _TF_TYPE.search(segment):
                root_class, tf_type = name, type_match.group(1)
                structs[name] = entries
    if not tf_type:
        raise ValueError("no tfResourceType in module")

    def build(struct: str, flag_class: str, depth: int = 0) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        entries = structs.get(struct, {})
        for attr, (computed, optional, required) in sorted(flags.get(flag_class, {}).items()):
            info = entries.get(attr, {})
            spec: dict[str, Any] = {
                "required": required,
                "optional": optional,
                "computed": computed,
                "kind": info.get("kind", "simple"),
                "type": _value_type(info.get("storage", ""), info.get("kind", "simple"))
                if info.get("storage")
                else getters.get(flag_class, {}).get(attr, "unknown"),
            }
            nested_struct = _nested_struct(info.get("storage", ""), structs)
            if nested_struct and depth < 8:
                spec["syntax"] = (
                    "attribute"
                    if provider in ATTRIBUTE_ONLY_PROVIDERS or not info.get("block")
                    else "block"
                )
                spec["nested"] = build(nested_struct, nested_struct + "OutputReference", depth + 1)
            else:
                spec["syntax"] = "attribute"
            attributes[attr] = spec
        return {"attributes": attributes}

    return tf_type, build(root_class, root_class)


#: cdktn's storageClassType -> the Terraform type of the value (element type for collections).
_STORAGE_TYPES = {
    "string": "string",
    "number": "number",
    "boolean": "bool",
    "stringList": "list(string)",
    "numberList": "list(number)",
    "booleanList": "list(bool)",
    "stringMap": "map(string)",
    "numberMap": "map(number)",
    "booleanMap": "map(bool)",
    "stringListMap": "map(list(string))",
}


def _value_type(storage: str, kind: str) -> str:
    """The Terraform type of a value by its cdktn storage class; "object" for nested types."""
    if storage in _STORAGE_TYPES:
        value_type = _STORAGE_TYPES[storage]
        return value_type.replace("list(", "set(", 1) if kind == "set" else value_type
    if storage.endswith(("List", "Map")) or storage[:1].isupper():
        return "object"
    return "unknown:" + storage


def _nested_struct(storage: str, structs: dict[str, Any]) -> str | None:
    for suffix in ("List", "Map", ""):
        if storage.endswith(suffix):
            candidate = storage[: len(storage) - len(suffix)] if suffix else storage
            if candidate in structs:
                return candidate
    return None


def _open_tgz_from_wheel(wheel: Path) -> tarfile.TarFile:
    archive = zipfile.ZipFile(wheel)
    member = next(n for n in archive.namelist() if n.endswith(".jsii.tgz"))
    return tarfile.open(fileobj=io.BytesIO(archive.read(member)), mode="r:gz")


def _locate_tgz(provider: str, wheel_dir: Path | None) -> tarfile.TarFile:
    dist, module = PACKAGES[provider]
    if wheel_dir is not None:
        pattern = dist.replace("-", "_") + "-*.whl"
        wheels = sorted(wheel_dir.glob(pattern))
        if not wheels:
            raise SystemExit(f"error: no {pattern} in {wheel_dir} (pip download --no-deps {dist})")
        return _open_tgz_from_wheel(wheels[-1])
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"error: {dist} is not installed; pass --wheel-dir (see the docstring)")
    base = Path(next(iter(spec.submodule_search_locations)))
    tgz = next(base.glob("_jsii/*.jsii.tgz"))
    return tarfile.open(tgz, mode="r:gz")


def _members(tgz: tarfile.TarFile, wanted: set[str]) -> Iterator[tuple[str, str]]:
    """Yield (path, text) for the wanted members, reading the archive once."""
    left = set(wanted)
    for member in tgz:
        if member.name in left:
            left.discard(member.name)
            handle = tgz.extractfile(member)
            if handle is not None:
                yield member.name, handle.read().decode("utf-8")
            if not left:
                return


def extract(provider: str, types: dict[str, set[str]], wheel_dir: Path | None) -> dict[str, Any]:
    """Schemas of the given types (resource/data) for one provider."""
    wanted: dict[str, tuple[str, str]] = {}
    for kind, names in types.items():
        for name in names:
            if name.split("_", 1)[0] == provider:
                path = f"package/lib/{module_dir(kind, name, provider)}/index.js"
                wanted[path] = (kind, name)
    result: dict[str, Any] = {"resources": {}, "data_sources": {}, "missing": []}
    with _locate_tgz(provider, wheel_dir) as tgz:
        wanted_paths = set(wanted) | {"package/package.json"}
        for path, text in _members(tgz, wanted_paths):
            if path == "package/package.json":
                meta = json.loads(text)
                result["version"] = meta["cdktn"]["provider"]["version"]
                result["source"] = meta["cdktn"]["provider"]["name"]
                result["package"] = f"{PACKAGES[provider][0]}=={meta['version']}"
                continue
            kind, name = wanted.pop(path)
            tf_type, schema = parse_module(text, provider)
            if tf_type != name:
                raise SystemExit(f"error: {path} declares {tf_type}, expected {name}")
            result["resources" if kind == "resource" else "data_sources"][name] = schema
    result["missing"] = sorted(name for _, name in wanted.values())
    return result


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("extra_types", nargs="*", help="more types, as resource.T or data.T")
    parser.add_argument("--wheel-dir", type=Path, help="folder with the downloaded wheels")
    parser.add_argument("--tf-dir", type=Path, default=TF_DIR, help="Terraform tree to scan")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    args = parser.parse_args(list(argv) if argv is not None else None)

    types = used_types(args.tf_dir)
    for extra in args.extra_types:
        kind, _, name = extra.partition(".")
        if kind not in types or not name:
            parser.error(f"{extra!r}: expected resource.TYPE or data.TYPE")
        types[kind].add(name)
    providers = {
        provider: extract(provider, types, args.wheel_dir) for provider in sorted(PACKAGES)
    }
    out = {"generated_by": "tools/extract_provider_schemas.py", "providers": providers}
    args.out.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for provider, data in providers.items():
        print(
            f"{provider} {data.get('version')}: {len(data['resources'])} resources, "
            f"{len(data['data_sources'])} data sources, missing: {data['missing'] or 'none'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
