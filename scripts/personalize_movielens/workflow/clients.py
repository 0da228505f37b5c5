"""The call layer: boto3 clients with retries configured once, AWS errors turned into the tool's
one-line errors, and under `--dry-run` the calls that would change something answered by a plan.

Every client is a plain boto3 client, so the workflow calls
`ctx.clients.personalize.describe_solution(solutionArn=...)` as any boto3 user would. What the
tool adds hangs on botocore's own events, for every operation and for paginators alike:
`before-parameter-build` checks the parameters; `before-call` lets the dry run's plan answer
(see `plan.py`); `after-call` and `after-call-error` turn a failed call into `AwsCallError` or
another `PersonalizeMovielensError`. Transient failures (throttling, 5xx, dropped connections)
are retried by botocore's standard or adaptive retry mode before that; the long waits add their
own backoff on top (see `waiting.py`). The endpoints come from boto3's standard
`AWS_ENDPOINT_URL_*` variables, so nothing here knows whether it talks to AWS or to the stand-in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # boto3 is imported when first used: it costs ~0.1 s of every CLI start
    import boto3
    from botocore.config import Config
    from botocore.model import OperationModel
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize_runtime import PersonalizeRuntimeClient
    from mypy_boto3_s3 import S3Client

    from .plan import Plan

from ..errors import CloudError, ConfigError, PersonalizeMovielensError

RETRY_MODE_ENV = "PERSONALIZE_MOVIELENS_RETRY_MODE"
MAX_ATTEMPTS_ENV = "PERSONALIZE_MOVIELENS_MAX_ATTEMPTS"
DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 8
_RETRY_MODES: dict[str, Literal["standard", "adaptive", "legacy"]] = {
    "standard": "standard",
    "adaptive": "adaptive",
    "legacy": "legacy",
}
#: Where the call layer keeps a call's parameters between botocore's events.
_PARAMS_KEY = "personalize_movielens_params"

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


class EndpointUnreachable(CloudError):
    """The endpoint did not answer (network, DNS, a stopped stand-in); worth polling through."""


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

    raw = os.environ.get(RETRY_MODE_ENV, DEFAULT_RETRY_MODE)
    mode = _RETRY_MODES.get(raw)
    if mode is None:
        raise ConfigError(f"{RETRY_MODE_ENV}={raw!r}: must be standard or adaptive.")
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


class EventsClient(Protocol):
    """The `personalize-events` client, typed by hand for the one call the tool makes (PutEvents,
    whose shapes botocore's model defines; the call layer checks every call against it):
    boto3-stubs has no personalize-events extra in this environment."""

    def put_events(
        self,
        *,
        trackingId: str,
        sessionId: str,
        eventList: Sequence[Mapping[str, Any]],
        userId: str = ...,
    ) -> Mapping[str, Any]: ...


@dataclass
class Clients:
    """The clients the workflow uses, built lazily from one session; `plan` is set for a dry run."""

    session: boto3.session.Session
    config: Config
    plan: Plan | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    def get(self, service: str) -> Any:
        if service not in self._cache:
            # (typed per service name by the stubs; `service` is any of them)
            client = self.session.client(service, config=self.config)  # type: ignore[call-overload]
            _CallLayer(service, self.plan).attach(client)
            self._cache[service] = client
        return self._cache[service]

    # Typed by the boto3-stubs (a dev dependency, read by mypy only): every call the workflow
    # makes is checked against the service's model.
    @property
    def personalize(self) -> PersonalizeClient:
        client: PersonalizeClient = self.get("personalize")
        return client

    @property
    def runtime(self) -> PersonalizeRuntimeClient:
        client: PersonalizeRuntimeClient = self.get("personalize-runtime")
        return client

    @property
    def events(self) -> EventsClient:
        """personalize-events (PutEvents): `AWS_ENDPOINT_URL_PERSONALIZE_EVENTS` locally."""
        client: EventsClient = self.get("personalize-events")
        return client

    @property
    def s3(self) -> S3Client:
        client: S3Client = self.get("s3")
        return client

    @property
    def iam(self) -> IAMClient:
        client: IAMClient = self.get("iam")
        return client


def make_clients(region: str, plan: Plan | None = None, check_credentials: bool = True) -> Clients:
    """A session in the stack's region; fails early, in one line, when credentials are missing."""
    if not region:
        raise ConfigError("No AWS region: the Terraform output `region` is empty.")
    import boto3

    session = boto3.session.Session(region_name=region)
    if check_credentials and session.get_credentials() is None:
        raise ConfigError("No AWS credentials found.", hint=SETUP_HINT)
    return Clients(session=session, config=retry_config(), plan=plan)


@dataclass(frozen=True)
class _CallLayer:
    """The handlers the tool hangs on a client's events (see the module docstring)."""

    service: str
    plan: Plan | None

    def attach(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.*.*", self.check_params)
        events.register("before-call.*.*", self.answer_from_plan)
        events.register("after-call.*.*", self.raise_for_error)
        events.register("after-call-error.*.*", self.translate_exception)

    def check_params(
        self, params: dict[str, Any], model: OperationModel, context: dict[str, Any], **_: Any
    ) -> None:
        """Refuse parameters the model rejects in one line; keep them for the plan."""
        from botocore.validate import ParamValidator

        if model.input_shape is not None:
            report = ParamValidator().validate(params, model.input_shape)
            if report.has_errors():
                raise CloudError(f"{self.service} {model.name}: {report.generate_report()}")
        context[_PARAMS_KEY] = dict(params)

    def answer_from_plan(
        self, model: OperationModel, context: dict[str, Any], **_: Any
    ) -> tuple[Any, dict[str, Any]] | None:
        if self.plan is None:
            return None
        answer = self.plan.answer(self.service, model, context.get(_PARAMS_KEY, {}))
        if answer is None:
            return None
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        status, parsed = answer
        return AWSResponse("", status, HTTPHeaders(), None), parsed

    def raise_for_error(
        self, http_response: Any, parsed: dict[str, Any], model: OperationModel, **_: Any
    ) -> None:
        if http_response.status_code >= 300:
            error = parsed.get("Error", {})
            raise AwsCallError(
                f"{self.service} {model.name}",
                str(error.get("Code", http_response.status_code)),
                str(error.get("Message", "")),
            )

    def translate_exception(self, exception: Exception, event_name: str, **_: Any) -> None:
        """A call that got no answer (after botocore's retries): one line, or left as it is."""
        error = translated(exception, f"{self.service} {event_name.rsplit('.', 1)[-1]}")
        if error is not None:
            raise error from None


def translated(exc: Exception, operation: str) -> PersonalizeMovielensError | None:
    """The tool's error for an SDK failure that got no answer; None for any other exception."""
    import botocore.exceptions as bx

    if isinstance(exc, bx.NoCredentialsError):
        return ConfigError("No AWS credentials found.", hint=SETUP_HINT)
    if isinstance(
        exc,
        bx.EndpointConnectionError
        | bx.ConnectionClosedError
        | bx.ReadTimeoutError
        | bx.ConnectTimeoutError
        | bx.HTTPClientError,
    ):
        return EndpointUnreachable(
            f"{operation}: cannot reach the endpoint ({exc}).",
            hint="Check the network, or start the stand-in (`personalize-movielens local up`). "
            "Run the command again: it continues where it stopped.",
        )
    if isinstance(exc, bx.BotoCoreError):
        return CloudError(f"{operation}: {exc}")
    return None
