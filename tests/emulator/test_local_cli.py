"""`personalize-movielens local up/env/status/down` as a user runs them (the console script)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from personalize_movielens.local import standin
from personalize_movielens.outputs import read_outputs_file
from personalize_movielens.paths import same_package_env

CLI = str(Path(sys.executable).parent / "personalize-movielens")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env = same_package_env(env)  # this checkout's package, not another installed one
    return subprocess.run(
        [CLI, "local", *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def exports(text: str) -> dict[str, str]:
    pairs = [line.removeprefix("export ").split("=", 1) for line in text.splitlines()]
    return {name: value for name, value in pairs}


@pytest.fixture
def state_dir(tmp_path: Path):
    path = tmp_path / "state"
    yield path
    if standin.StandInState.load(path) is not None:  # never leak servers, even on failure
        standin.down(path)


def test_up_status_env_down_lifecycle(state_dir: Path):
    started = run("up", "--state-dir", str(state_dir), "--speed", "100")
    assert started.returncode == 0, started.stderr
    env = exports(started.stdout)
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_REGION"] == "us-east-1"  # the JavaScript SDK reads only this one
    state = standin.StandInState.load(state_dir)
    assert state is not None
    assert env["AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME"] == state.personalize.url
    assert env["AWS_ENDPOINT_URL_PERSONALIZE_EVENTS"] == state.personalize.url
    moto_services = ("S3", "IAM", "STS", "SSM")
    assert {env[f"AWS_ENDPOINT_URL_{s}"] for s in moto_services} == {state.moto.url}
    assert state.moto.url.startswith("http://127.0.0.1:")
    outputs = read_outputs_file(state_dir / "outputs.json")
    assert outputs.dataset_arns["Interactions"].endswith("/INTERACTIONS")

    status = run("status", "--state-dir", str(state_dir), "--json")
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["running"] is True
    assert {s["name"]: s["url"] for s in report["servers"]} == {
        "moto": state.moto.url,
        "personalize": state.personalize.url,
    }
    assert report["emulator"]["speed"] == 100

    assert exports(run("env", "--state-dir", str(state_dir)).stdout) == env

    twice = run("up", "--state-dir", str(state_dir))
    assert twice.returncode == 1
    assert twice.stderr.startswith("Error: The local stand-in already runs")
    assert len(twice.stderr.strip().splitlines()) == 1

    os.kill(state.personalize.pid, signal.SIGTERM)  # the emulator dies on its own
    deadline = time.monotonic() + 10
    while standin.is_alive(state.personalize.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    partly = run("status", "--state-dir", str(state_dir), "--json")
    assert partly.returncode == 1 and "only partly running (personalize down)" in partly.stderr
    assert [s["running"] for s in json.loads(partly.stdout)["servers"]] == [True, False]

    stopped = run("down", "--state-dir", str(state_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert "moto" in stopped.stderr and "personalize" not in stopped.stderr
    assert not standin.is_alive(state.moto.pid) and not standin.is_alive(state.personalize.pid)
    assert (state_dir / "outputs.json").exists()  # down keeps the state dir
    assert not (state_dir / standin.EMULATOR_DIR).exists()  # but not rows no restart can use
    assert run("status", "--state-dir", str(state_dir)).returncode == 1

    again = run("down", "--state-dir", str(state_dir))
    assert again.returncode == 1 and "Error: The local stand-in is not running" in again.stderr
    assert run("env", "--state-dir", str(state_dir)).returncode == 1


def test_a_taken_port_is_refused_and_nothing_is_left_running(state_dir: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("up", "--state-dir", str(state_dir), "--personalize-port", str(port))
    assert result.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert standin.StandInState.load(state_dir) is None


def test_down_purge_removes_the_state_dir(state_dir: Path):
    started = run("up", "--state-dir", str(state_dir), "--with-event-value", "--speed", "100")
    assert started.returncode == 0, started.stderr
    state = standin.StandInState.load(state_dir)
    assert state is not None and state.with_event_value
    assert run("down", "--state-dir", str(state_dir), "--purge").returncode == 0
    assert not state_dir.exists()
    state_dir.mkdir()  # purging a stopped stand-in's leftovers still says it was not running
    again = run("down", "--state-dir", str(state_dir), "--purge")
    assert again.returncode == 1 and "state dir was removed" in again.stderr
    assert not state_dir.exists()


def test_stale_state_is_cleared_and_does_not_block_a_new_start(state_dir: Path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    info = standin.ServerInfo(dead.pid, 1, str(state_dir / "x.log"))
    state_dir.mkdir()
    standin.StandInState(str(state_dir), "us-east-1", 1.0, False, info, info).save()
    assert run("status", "--state-dir", str(state_dir)).returncode == 1
    result = run("down", "--state-dir", str(state_dir))
    assert result.returncode == 1 and "stale state was cleared" in result.stderr
    assert standin.StandInState.load(state_dir) is None


def test_up_with_a_domain_provisions_a_domain_dataset_group(state_dir: Path):
    """Like the root stack's `domain = "VIDEO_ON_DEMAND"`: the group, its schemas and the
    outputs carry the domain, and the schemas are the domain's files in terraform/schemas."""
    import boto3

    from personalize_movielens.schemas import schema_path

    started = run("up", "--state-dir", str(state_dir), "--domain", "video-on-demand")
    assert started.returncode == 0, started.stderr
    env = exports(started.stdout)
    outputs = read_outputs_file(state_dir / "outputs.json")
    assert outputs.domain == "VIDEO_ON_DEMAND"
    personalize = boto3.client(
        "personalize",
        region_name=env["AWS_DEFAULT_REGION"],
        endpoint_url=env["AWS_ENDPOINT_URL_PERSONALIZE"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    group = personalize.describe_dataset_group(datasetGroupArn=outputs.dataset_group_arn)
    assert group["datasetGroup"]["domain"] == "VIDEO_ON_DEMAND"
    for dataset_type, arn in outputs.schema_arns.items():
        schema = personalize.describe_schema(schemaArn=arn)["schema"]
        assert schema["domain"] == "VIDEO_ON_DEMAND"
        expected = schema_path(dataset_type, domain="VIDEO_ON_DEMAND").read_text()
        assert json.loads(schema["schema"]) == json.loads(expected)


def test_up_refuses_an_unknown_domain_and_starts_nothing(state_dir: Path):
    result = run("up", "--state-dir", str(state_dir), "--domain", "ecommerce")
    assert result.returncode == 2
    assert "'ecommerce' is not a supported domain (choose from video-on-demand)" in result.stderr
    assert standin.StandInState.load(state_dir) is None


def test_up_with_users_provisions_the_users_dataset(state_dir: Path):
    """Like the root stack's `enable_users_dataset = true`: the Users dataset and its schema,
    the project's users.json, in the outputs (and not without --users: the other tests)."""
    import boto3

    from personalize_movielens.schemas import schema_path

    started = run("up", "--state-dir", str(state_dir), "--users")
    assert started.returncode == 0, started.stderr
    env = exports(started.stdout)
    outputs = read_outputs_file(state_dir / "outputs.json")
    assert (
        set(outputs.dataset_arns) == set(outputs.schema_arns) == {"Interactions", "Items", "Users"}
    )
    assert standin.StandInState.load(state_dir).users is True
    personalize = boto3.client(
        "personalize",
        region_name=env["AWS_DEFAULT_REGION"],
        endpoint_url=env["AWS_ENDPOINT_URL_PERSONALIZE"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    dataset = personalize.describe_dataset(datasetArn=outputs.dataset_arns["Users"])["dataset"]
    assert (
        dataset["datasetType"] == "Users" and dataset["schemaArn"] == outputs.schema_arns["Users"]
    )
    schema = personalize.describe_schema(schemaArn=dataset["schemaArn"])["schema"]
    assert json.loads(schema["schema"]) == json.loads(schema_path("Users").read_text())
