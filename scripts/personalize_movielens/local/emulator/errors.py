"""Service errors as Personalize returns them: an `__type` code, a message, an HTTP status."""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: serialised as {"__type": code, "message": message} with `status`."""

    code = "InternalFailure"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidInput(ApiError):
    code = "InvalidInputException"


class NotFound(ApiError):
    code = "ResourceNotFoundException"


class AlreadyExists(ApiError):
    code = "ResourceAlreadyExistsException"


class InUse(ApiError):
    code = "ResourceInUseException"


class LimitExceeded(ApiError):
    code = "LimitExceededException"


class InvalidNextToken(ApiError):
    code = "InvalidNextTokenException"


class Throttling(ApiError):
    code = "ThrottlingException"


def not_found(arn: str) -> NotFound:
    """The service's wording for an unknown ARN."""
    return NotFound(f"Resource {arn} does not exist.")


def already_exists(arn: str) -> AlreadyExists:
    return AlreadyExists(f"Another resource with Arn {arn} already exists.")
