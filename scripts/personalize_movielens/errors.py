"""The one domain exception the CLI turns into a one-line error and exit code 1."""

from __future__ import annotations


class PersonalizeMovielensError(Exception):
    """A failure the user can act on: the message says what broke, `hint` what to do next.

    Library code raises this (or a subclass) instead of printing, so every command reports
    errors the same way and tests can assert on the exception rather than on printed text.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and hint on one line, as the CLI prints it."""
        text = " ".join(self.message.split())
        if self.hint:
            text += f" Hint: {' '.join(self.hint.split())}"
        return text


class DataError(PersonalizeMovielensError):
    """Input data breaks a rule: names the file, the row or field, and the rule."""


class ConfigError(PersonalizeMovielensError):
    """Something the tool needs first is missing: Terraform outputs, credentials, a region."""


class CloudError(PersonalizeMovielensError):
    """An AWS (or local stand-in) call or job failed; carries the service's reason."""
