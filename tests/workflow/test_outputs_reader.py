"""The outputs reader against the contract: file, python-terraform with a fake terraform, errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from wf_helpers import make_outputs

from personalize_movielens.errors import ConfigError
from personalize_movielens.outputs import CONTRACT_OUTPUTS, read_outputs
from personalize_movielens.workflow.clients import make_clients
from personalize_movielens.workflow.context import open_context


def write_fake_terraform(bin_dir: Path, outputs_json: str) -> None:
    """A `terraform` on PATH that answers `output -json` like Terraform 1.x does."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    payload = bin_dir / "outputs.json"
    payload.write_text(outputs_json)
    script = bin_dir / "terraform"
    script.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do if [ "$a" = "output" ]; then cat "'
        + str(payload)
        + '"; exit 0; fi; done\n'
        "exit 1\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_outputs_file_round_trips_the_contract(tmp_path: Path) -> None:
    outputs = make_outputs(kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/abc")
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs.to_json()))
    assert read_outputs(path, None) == outputs
    assert set(json.loads(path.read_text())) == set(CONTRACT_OUTPUTS)


def test_python_terraform_path_reads_the_whole_output_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = make_outputs()
    write_fake_terraform(tmp_path / "bin", json.dumps(outputs.to_json()))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    stack = tmp_path / "stack"
    stack.mkdir()
    assert read_outputs(None, stack) == outputs


def test_stack_without_outputs_says_to_apply_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_fake_terraform(tmp_path / "bin", "{}")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "stack").mkdir()
    with pytest.raises(ConfigError, match="no outputs") as info:
        read_outputs(None, tmp_path / "stack")
    assert "terraform apply" in info.value.one_line()


def test_missing_output_is_named(tmp_path: Path) -> None:
    raw = make_outputs().to_json()
    del raw["dataset_group_arn"]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match="dataset_group_arn"):
        read_outputs(path, None)


def test_missing_terraform_binary_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no terraform here
    with pytest.raises(ConfigError, match="terraform is not on PATH"):
        read_outputs(None, tmp_path)


def test_missing_credentials_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(make_outputs().to_json()))
    with pytest.raises(ConfigError, match="No AWS credentials") as info:
        open_context(path, None)
    assert "local env" in info.value.one_line()


def test_empty_region_is_refused() -> None:
    with pytest.raises(ConfigError, match="region"):
        make_clients("")


def test_a_stack_applied_before_the_later_outputs_reads_them_as_absent(tmp_path: Path) -> None:
    """DESIGN.md: "until a row exists in the stack, the tool treats it as absent"."""
    raw = make_outputs().to_json()
    for name in ("domain", "batch_output_prefix", "filter_arns", "event_tracker_arn"):
        del raw[name]
    del raw["event_tracking_id"]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(raw))
    read = read_outputs(path, None)
    assert read.domain is None and read.batch_output_prefix is None
    assert read.filter_arns == {} and read.event_tracking_id is None


def test_an_unsupported_domain_is_refused_by_name(tmp_path: Path) -> None:
    raw = make_outputs().to_json()
    raw["domain"] = {"value": "ECOMMERCE"}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match=r"output domain is 'ECOMMERCE'.*VIDEO_ON_DEMAND"):
        read_outputs(path, None)


def test_a_filter_map_of_non_strings_is_refused(tmp_path: Path) -> None:
    raw = make_outputs().to_json()
    raw["filter_arns"] = {"value": {"unwatched": 3}}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ConfigError, match="filter_arns must be a map of strings"):
        read_outputs(path, None)
