"""Domain errors: what a service raises when it refuses, independent of how the refusal is shown.

Services and selectors raise these, never Django's Http404 or PermissionDenied. Each adapter maps them
once: the web through `kaidan.core.middleware.DomainErrorMiddleware` (404 and 403 pages), the command line
through `kaidan.cli` and the commands (a message and an exit code), and the coming JSON API through its
error envelope.

Messages are gettext messages written in English and translated in the catalogs: the web shows the active
language, the command line both (`bilingual`). A NotFound never says what was not found to the user (its
`detail` is for logs and tests): "not found" must not tell a hidden object from a missing one.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from kaidan.values.messages import Message


class DomainError(Exception):
    status = 400
    exit_code = 2
    default: str | Promise | Message = gettext_lazy("The request was refused.")

    def __init__(self, message: str | Promise | Message | None = None, *, detail: Any = None) -> None:
        self.message = message if message is not None else self.default
        self.detail = detail
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)

    def bilingual(self) -> str:
        """The message in Japanese and English ("日本語 / English"), for the command line and logs."""
        with translation.override("ja"):
            ja = str(self.message)
        with translation.override("en"):
            en = str(self.message)
        return ja if ja == en else f"{ja} / {en}"


class NotFound(DomainError):
    """The object does not exist *or* the actor may not see it (answered alike: no existence leak)."""

    status = 404
    exit_code = 1
    default = gettext_lazy("Not found.")


class Forbidden(DomainError):
    """The actor may see the object but not do this to it."""

    status = 403
    exit_code = 1
    default = gettext_lazy("You do not have permission to do this.")
