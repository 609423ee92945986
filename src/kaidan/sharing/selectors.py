"""Reads for the sharing pages: grants explained in plain words, the access log of a dataset, invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor
from kaidan.access.levels import Level, at_most
from kaidan.access.models import AccessGrant, Permission
from kaidan.accounts.models import Role
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset, Field, Masking

from .models import Invitation
from .services import _quoted, grants_of, invitable_roles


@dataclass(frozen=True)
class GrantExplanation:
    grant: AccessGrant
    who: str
    can: str
    columns: list[Field]
    hidden: list[Field]
    rows: str
    hidden_note: str


def describe_row_filter(dataset: Dataset, row_filter: list[dict[str, Any]]) -> str:
    """A row scope in words, e.g. 「地区」が「池尻」「太子堂」のいずれかの行だけ."""
    if not row_filter:
        return _("All rows.")
    fields = {f.pk: f for f in dataset.fields.all()}
    parts = []
    for cond in row_filter:
        found = fields.get(cond.get("field_id"))  # type: ignore[arg-type]
        column = _quoted(found.label if found is not None else "?")
        if cond.get("op") == "viewer_org":
            parts.append(
                _("%(column)s is the viewer's own organization (its name or code)") % {"column": column}
            )
        else:
            value = cond.get("value")
            values = value if isinstance(value, list) else [value]
            parts.append(
                _("%(column)s is one of %(values)s")
                % {"column": column, "values": _(", ").join(_quoted(v) for v in values)}
            )
    return _("Only rows where %(conditions)s.") % {"conditions": _(" and ").join(parts)}


def explain_grant(
    dataset: Dataset, grant: AccessGrant, fields: list[Field] | None = None
) -> GrantExplanation:
    """What the members of a grantee organization see through one grant, in plain words."""
    fields = fields if fields is not None else dataset.live_fields()
    visible = [f for f in fields if at_most(f.classification, grant.clearance)]
    hidden = [f for f in fields if f not in visible]
    who = _("Members of %(org)s with the role %(role)s or higher") % {
        "org": grant.organization.name,
        "role": Role(grant.min_role).label,
    }
    can = (
        _("may view and edit the rows below, up to the level %(level)s.")
        if grant.permission == Permission.EDIT
        else _("may view the rows below, up to the level %(level)s.")
    ) % {"level": Level(grant.clearance).label}
    if not hidden:
        hidden_note = ""
    elif dataset.masking == Masking.MASKED:
        hidden_note = _("The other columns are shown to them as ＊＊＊.")
    else:
        hidden_note = _("The other columns are left out for them.")
    return GrantExplanation(
        grant=grant,
        who=who,
        can=can,
        columns=visible,
        hidden=hidden,
        rows=describe_row_filter(dataset, grant.row_filter),
        hidden_note=hidden_note,
    )


def explain_grants(dataset: Dataset) -> list[GrantExplanation]:
    fields = dataset.live_fields()
    return [explain_grant(dataset, g, fields) for g in grants_of(dataset)]


# ---------------------------------------------------------------------------------------------------
# Access log ("who saw this dataset")

ACCESS_KINDS: dict[str, tuple[Any, Q]] = {
    "restricted": (gettext_lazy("Reads of restricted (秘) data"), Q(action__contains="read_restricted")),
    "shared": (
        gettext_lazy("Reads of shared (限定) data by other organizations"),
        Q(action__contains="read_shared"),
    ),
    "export": (
        gettext_lazy("Exports and downloads"),
        Q(action__contains="export") | Q(action__contains="download"),
    ),
    "share_link": (gettext_lazy("Share links"), Q(action__startswith="link.")),
    "permission": (
        gettext_lazy("Permission changes"),
        Q(action__startswith="access.")
        | Q(action__startswith="sharing.")
        | Q(action__startswith="accounts."),
    ),
    "release": (gettext_lazy("Undecided and release"), Q(action__startswith="object.")),
    "change": (
        gettext_lazy("Data changes"),
        Q(action__startswith="store.revision")
        | Q(action__startswith="catalog.")
        | Q(action__startswith="editing.")
        | Q(action__startswith="history."),
    ),
}


def access_log(
    dataset: Dataset, *, kind: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries about this dataset, newest first.

    An entry concerns the dataset when it names the dataset as its object, or (for entries about
    something else, such as a share link) carries the dataset's machine name or id in its detail as
    "dataset" / "dataset_id".
    """
    entries = AuditEntry.objects.filter(
        Q(object_type=Dataset._meta.label_lower, object_id=str(dataset.pk))
        | Q(detail__dataset=dataset.name)
        | Q(detail__dataset_id=dataset.pk)
    )
    if kind in ACCESS_KINDS:
        entries = entries.filter(ACCESS_KINDS[kind][1])
    if since is not None:
        entries = entries.filter(at__gte=start_of(since))
    if until is not None:
        entries = entries.filter(at__lt=start_of(until + timedelta(days=1)))
    return entries.order_by("-seq")


def start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


# ---------------------------------------------------------------------------------------------------
# Invitations


def invitations_visible_to(*, actor: Actor, pending_only: bool = True) -> list[Invitation]:
    """Invitations into organizations the actor may invite people into."""
    invitations = Invitation.objects.select_related("organization", "invited_by").order_by(
        "-created_at", "-pk"
    )
    if pending_only:
        invitations = invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
    allowed: dict[int, bool] = {}
    result = []
    for invitation in invitations:
        org_id = invitation.organization_id
        if org_id not in allowed:
            allowed[org_id] = bool(invitable_roles(invitation.organization, actor=actor))
        if allowed[org_id]:
            result.append(invitation)
    return result
