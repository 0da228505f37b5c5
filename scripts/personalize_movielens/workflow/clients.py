"""boto3 clients with retries configured once, and AWS errors turned into one-line messages.

Transient failures (throttling, 5xx, dropped connections) are retried by botocore's standard or
adaptive retry mode; the long waits add their own backoff on top (see `waiting.py`). The
endpoints come from boto3's standard `AWS_ENDPOINT_URL_*` variables, so nothing here knows
whether it talks to AWS or to the local stand-in.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # boto3 is imported when first used: it costs ~0.1 s of every CLI start
    import boto3
    from botocore.config import Config

from ..errors import CloudError, ConfigError

RETRY_MODE_ENV = "PERSONALIZE_MOVIELENS_RETRY_MODE"
MAX_ATTEMPTS_ENV = "PERSONALIZE_MOVIELENS_MAX_ATTEMPTS"
DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 8

SETUP_HINT = (
    "Configure AWS credentials (`aws configure`, AWS_PROFILE or AWS_ACCESS_KEY_ID/"
    "AWS_SECRET_ACCESS_KEY), or for the local stand-in run "
    '`eval "$(personalize-movielens local env)"` after `personalize-movielens local up`.'
)


class AwsCallError(CloudError):
    """A failed AWS call; `code` is the service's error code (e.g. LimitExceededException)."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}", hint=_hint_for(code))
        self.operation = operation
        self.code = code
        self.service_message = message


def _hint_for(code: str) -> str | None:
    if code in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}:
        return "The caller's IAM identity lacks this permission; see docs/operations.md."
    if code in {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"}:
        return "Refresh your AWS credentials (e.g. `aws sso login`)."
    if code == "LimitExceededException":
        return "A Personalize quota is reached; wait for running jobs or request an increase."
    return None


def retry_config() -> Config:
    """botocore retry settings: mode and attempts from the environment, sane defaults otherwise."""
    from botocore.config import Config

    mode = os.environ.get(RETRY_MODE_ENV, DEFAULT_RETRY_MODE)
    if mode not in {"standard", "adaptive", "legacy"}:
        raise ConfigError(f"{RETRY_MODE_ENV}={mode!r}: must be standard or adaptive.")
    try:
        attempts = int(os.environ.get(MAX_ATTEMPTS_ENV, DEFAULT_MAX_ATTEMPTS))
    except ValueError:
        raise ConfigError(f"{MAX_ATTEMPTS_ENV} must be a whole number.") from None
    return Config(
        retries={"mode": mode, "max_attempts": attempts},
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra="personalize-movielens",
    )


@dataclass
class Clients:
    """The clients the workflow uses, built lazily from one session."""

    session: boto3.session.Session
    config: Config
    _cache: dict[str, Any]

    def get(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = self.session.client(service, config=self.config)
        return self._cache[service]

    @property
    def personalize(self) -> Any:
        return self.get("personalize")

    @property
    def runtime(self) -> Any:
        return self.get("personalize-runtime")

    @property
    def s3(self) -> Any:
        return self.get("s3")

    @property
    def iam(self) -> Any:
        return self.get("iam")


def make_clients(region: str, check_credentials: bool = True) -> Clients:
    """A session in the stack's region; fails early, in one line, when credentials are missing."""
    if not region:
        raise ConfigError("No AWS region: the Terraform output `region` is empty.")
    import boto3

    session = boto3.session.Session(region_name=region)
    if check_credentials and session.get_credentials() is None:
        raise ConfigError("No AWS credentials found.", hint=SETUP_HINT)
    return Clients(session=session, config=retry_config(), _cache={})


@contextlib.contextmanager
def aws_errors(operation: str) -> Iterator[None]:
    """Turn botocore exceptions into the tool's one-line errors (kept: the service's code)."""
    import botocore.exceptions

    try:
        yield
    except botocore.exceptions.ClientError as exc:
        err = exc.response.get("Error", {})
        raise AwsCallError(
            operation, str(err.get("Code", "Unknown")), str(err.get("Message", exc))
        ) from exc
    except botocore.exceptions.NoCredentialsError:
        raise ConfigError("No AWS credentials found.", hint=SETUP_HINT) from None
    except botocore.exceptions.NoRegionError:
        raise ConfigError(
            "No AWS region configured.", hint="Set the stack's `region` output."
        ) from None
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectionClosedError,
        botocore.exceptions.ReadTimeoutError,
        botocore.exceptions.ConnectTimeoutError,
        botocore.exceptions.HTTPClientError,
    ) as exc:
        raise CloudError(
            f"{operation}: cannot reach the endpoint ({exc}).",
            hint="Check the network, or start the stand-in (`personalize-movielens local up`). "
            "Run the command again: it continues where it stopped.",
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise CloudError(f"{operation}: {exc}") from None
