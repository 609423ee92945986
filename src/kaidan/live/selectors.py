"""Reads behind live updates: a dataset's state (cheap), its new revisions, and what a reader is told.

A live event describes a *revision*, never its contents: who, when, what kind of change, how many rows.
The same event goes to readers with different clearances and row scopes, so no cell value, row id or
column name is ever part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import Rights, rights
from kaidan.catalog.models import Dataset
from kaidan.store.models import Revision

MAX_BACKLOG = 20
"""At most this many missed revisions are replayed to a reconnecting client (the newest ones)."""
MAX_MESSAGE = 200


@dataclass(frozen=True)
class DatasetState:
    """What the watcher compares between two polls."""

    revision: int
    updated_at: datetime


def dataset_state(dataset_pk: int) -> DatasetState | None:
    """The dataset's current revision and last update (one indexed single-row query); None if gone."""
    row = Dataset.objects.filter(pk=dataset_pk).values_list("current_revision", "updated_at").first()
    return DatasetState(row[0], row[1]) if row else None


def dataset_states(dataset_pks: list[int]) -> dict[int, DatasetState]:
    """The state of several datasets in one query (the ASGI watcher polls every watched dataset at once)."""
    rows = Dataset.objects.filter(pk__in=dataset_pks).values_list("pk", "current_revision", "updated_at")
    return {pk: DatasetState(number, updated) for pk, number, updated in rows}


def fresh_actor(*, actor: Actor) -> Any | None:
    """The actor as the database knows them now (memberships are cached per actor object).
    None when the account is gone or deactivated."""
    if account_of(actor=actor) is None:
        return actor
    user_model = get_user_model()
    if not isinstance(actor, user_model):
        return actor
    user = user_model.objects.filter(pk=actor.pk, is_active=True).first()
    return user


def still_readable(dataset_pk: int, *, actor: Actor) -> bool:
    """May this actor (re-read from the database) still see the dataset? Checked while a stream is open."""
    return reader_rights(dataset_pk, actor=actor) is not None


def reader_rights(dataset_pk: int, *, actor: Actor) -> Rights | None:
    """The actor's rights (re-read from the database) on the dataset, or None when they may not read it."""
    dataset = Dataset.objects.filter(pk=dataset_pk).first()
    user = fresh_actor(actor=actor)
    if dataset is None or user is None:
        return None
    r = rights(dataset, actor=user)
    return r if r.can_read else None


def revisions_after(dataset_pk: int, number: int, limit: int = MAX_BACKLOG) -> list[Revision]:
    """Revisions newer than `number`, oldest first (at most the newest `limit` of them)."""
    newest = list(
        Revision.objects.filter(dataset_id=dataset_pk, number__gt=number)
        .select_related("author")
        .order_by("-number")[:limit]
    )
    return newest[::-1]


def author_name(revision: Revision) -> str:
    return str(revision.author) if revision.author is not None else ""


def _who(revision: Revision) -> str:
    """The author for a note: a person's name (Japanese adds the honorific さん), or the system."""
    name = author_name(revision)
    return pgettext("person who changed data", "%(name)s") % {"name": name} if name else _("The system")


def describe(revision: Revision) -> str:
    """The note shown to readers, in the active language: who changed how much, and the revision."""
    who = _who(revision)
    counts = {"added": revision.added, "changed": revision.changed, "removed": revision.removed}
    values = {"who": who, "revision": revision.number, **counts}
    if revision.source == Revision.Source.SCHEMA:
        return _("%(who)s changed the columns (revision %(revision)d)") % values
    if revision.source == Revision.Source.RESTORE:
        return _("%(who)s restored an earlier version (revision %(revision)d)") % values
    nonzero = [kind for kind, n in counts.items() if n]
    if revision.source == Revision.Source.IMPORT and len(nonzero) != 1:
        return (
            _(
                "%(who)s imported data: %(added)d added, %(changed)d changed, %(removed)d removed "
                "(revision %(revision)d)"
            )
            % values
        )
    if not nonzero:
        return _("%(who)s saved a new revision (revision %(revision)d)") % values
    if len(nonzero) > 1:
        return (
            _(
                "%(who)s changed the data: %(added)d added, %(changed)d changed, %(removed)d removed "
                "(revision %(revision)d)"
            )
            % values
        )
    kind = nonzero[0]
    n = counts[kind]
    if kind == "added":
        text = ngettext(
            "%(who)s added %(n)d row (revision %(revision)d)",
            "%(who)s added %(n)d rows (revision %(revision)d)",
            n,
        )
    elif kind == "changed":
        text = ngettext(
            "%(who)s changed %(n)d row (revision %(revision)d)",
            "%(who)s changed %(n)d rows (revision %(revision)d)",
            n,
        )
    else:
        text = ngettext(
            "%(who)s removed %(n)d row (revision %(revision)d)",
            "%(who)s removed %(n)d rows (revision %(revision)d)",
            n,
        )
    return text % {**values, "n": n}


def describe_scoped(revision: Revision) -> str:
    """The note for a reader of some rows only: who made which revision, no counts of the whole dataset."""
    who = _who(revision)
    return _("%(who)s saved a new revision (revision %(revision)d)") % {
        "who": who,
        "revision": revision.number,
    }


def revision_event(revision: Revision, language: str | None = None, *, whole: bool = True) -> dict[str, Any]:
    """The JSON payload of one `revision` event. Deliberately free of cell values, row ids and columns.

    `whole` is False for a reader confined to some rows: the counts and the message are about the whole
    dataset (a restore's message may name a row), so they are left out."""
    with translation.override(language or translation.get_language()):
        local = timezone.localtime(revision.created_at)
        message = revision.message.strip() if whole else ""
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        if not whole:
            return {
                "revision": revision.number,
                "author": author_name(revision),
                "time": local.isoformat(),
                "time_display": local.strftime("%H:%M:%S"),
                "source": revision.source,
                "source_display": str(revision.get_source_display()),
                "message": "",
                "counts": None,
                "note": describe_scoped(revision),
            }
        return {
            "revision": revision.number,
            "author": author_name(revision),
            "time": local.isoformat(),
            "time_display": local.strftime("%H:%M:%S"),
            "source": revision.source,
            "source_display": str(revision.get_source_display()),
            "message": message,
            "counts": {"added": revision.added, "changed": revision.changed, "removed": revision.removed},
            "note": describe(revision),
        }
