"""The toolkit's error classes and the one table that maps them to exit codes.

Every error a user can cause is an :class:`InputError` (exit 2) whose message names the
file, the key path and what was expected. Anything the toolkit cannot decide because a
component it relies on failed (OPA, the Pulumi runtime) is an :class:`EngineError` (exit 3).
Exit 1 is reserved for "the policy gate denied the plan", which is a verdict, not an error.
"""

from __future__ import annotations

import re
from enum import IntEnum

ECHO_LIMIT = 80
"""Most characters of a user's value an error message repeats: a 1 MB value never makes a 1 MB message."""

CREDENTIAL_NAME = re.compile(
    r"(?i)(secret|password|passwd|token|credential|private[_-]?key|access[_-]?key|api[_-]?key|kubeconfig)"
)
"""Names of keys whose values are credentials: an error message never repeats such a value."""


def cut(value: object, limit: int = ECHO_LIMIT) -> str:
    """`value` as text, at most `limit` characters: the start and an ellipsis with the length left out."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def holds_credential(key_path: str) -> bool:
    """Whether a value at this key path (`config.tencentcloud:secretKey`, `fleet.services[0].secrets.x`,
    any Pulumi `secure:` value) is secret."""
    return CREDENTIAL_NAME.search(key_path) is not None or "secure" in key_path.split(".")


class ExitCode(IntEnum):
    OK = 0
    POLICY_DENIED = 1
    INPUT_ERROR = 2
    ENGINE_ERROR = 3


class InferfleetError(Exception):
    """Base class: carries the message shown to the user and a hint about what to do next."""

    exit_code: ExitCode = ExitCode.ENGINE_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(InferfleetError):
    """Something the user wrote (a file, a flag) is wrong."""

    exit_code = ExitCode.INPUT_ERROR


class LocatedInputError(InputError):
    """An input error at a key path inside a file: ``<file>: <key.path>: <expectation>``."""

    def __init__(self, file: str, key_path: str, expectation: str, *, hint: str | None = None) -> None:
        location = f"{file}: {key_path}" if key_path else file
        super().__init__(f"{location}: {expectation}", hint=hint)
        self.file = file
        self.key_path = key_path
        self.expectation = expectation


class SpecError(LocatedInputError):
    """A stack file is missing, malformed or violates the stack spec."""


class PlanInputError(LocatedInputError):
    """A plan document (ours or a `pulumi preview --json`) is malformed, truncated or too large."""


class PolicyInputError(LocatedInputError):
    """Policy data or a waivers file is malformed."""


class UsageError(InputError):
    """Command-line flags that do not fit together."""


class PolicyDeniedError(InferfleetError):
    """The policy gate denied a plan that an action (a release) needs to pass: a verdict, exit 1."""

    exit_code = ExitCode.POLICY_DENIED


class EngineError(InferfleetError):
    """A component the toolkit relies on failed: OPA, the Pulumi runtime, a subprocess."""


class InternalError(InferfleetError):
    """A bug in inferfleet itself."""
