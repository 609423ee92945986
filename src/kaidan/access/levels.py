"""Classification levels and restriction reasons: the vocabulary of who may see what."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaidan.values.messages import Message, ValueProblem, gettext_noop


class Level(models.TextChoices):
    """Classification levels in ascending order of restriction."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    LIMITED = "limited", _("Limited")
    RESTRICTED = "restricted", _("Restricted")

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Level:
        """Accept the machine value, the English or the Japanese name (公開, 庁内, 限定, 秘)."""
        key = text.strip().lower()
        if key in ALIASES:
            return ALIASES[key]
        raise ValueProblem(
            Message(
                gettext_noop(
                    "Unknown classification '%(text)s': use public, internal, limited or restricted "
                    "(公開, 庁内, 限定, 秘)."
                ),
                text=text,
            )
        )


LEVEL_ORDER: list[Level] = [Level.PUBLIC, Level.INTERNAL, Level.LIMITED, Level.RESTRICTED]

ALIASES: dict[str, Level] = {
    **{level.value: level for level in Level},
    "公開": Level.PUBLIC,
    "庁内": Level.INTERNAL,
    "限定": Level.LIMITED,
    "秘": Level.RESTRICTED,
}


def at_most(level: str, clearance: str | None) -> bool:
    """True when something classified `level` is readable with `clearance` (None: nothing)."""
    if clearance is None:
        return False
    return Level(level).rank <= Level(clearance).rank


class RestrictionReason(models.TextChoices):
    """Why information is 秘: recorded so that restriction is a reasoned decision, not a default."""

    PERSONAL = "personal", _("Personal information")
    PRIVACY = "privacy", _("Privacy information")
    BID = "bid", _("Bid information")
    UNDECIDED = "undecided", _("Undecided information")
    LEGAL = "legal", _("Restricted by law")
