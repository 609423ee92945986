"""Sharing: grants to organizations, masking, undecided (未決定) objects and their release, invitations.

Every function takes the acting user first, checks the right with `kaidan.access.services`, runs in one
transaction and writes an audit entry with the details, so a permission change and its record commit or
roll back together. The functions on undecided objects and grants are generic over `Classified` objects
(datasets and documents).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level, at_most
from kaidan.access.models import AccessGrant, Classified, Permission
from kaidan.access.services import SYSTEM, require, rights
from kaidan.accounts.models import Membership, Organization, Role, User
from kaidan.accounts.services import set_membership
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset, Field, Masking
from kaidan.core.errors import Forbidden
from kaidan.documents.models import Document

from .models import Invitation

INVITATION_DAYS = 7
ROW_OPS = ("in", "viewer_org")


# ---------------------------------------------------------------------------------------------------
# Grants


def grant_detail(grant: AccessGrant) -> dict[str, Any]:
    """What the audit log keeps about a grant."""
    return {
        "organization": grant.organization.code,
        "organization_name": grant.organization.name,
        "min_role": grant.min_role,
        "permission": grant.permission,
        "clearance": grant.clearance,
        "row_filter": grant.row_filter,
    }


def grants_of(obj: Classified) -> list[AccessGrant]:
    target_type, target_id = obj.access_target
    return list(
        AccessGrant.objects.filter(target_type=target_type, target_id=target_id)
        .select_related("organization")
        .order_by("organization__kind", "organization__code", "min_role")
    )


def get_grant(obj: Classified, grant_id: int) -> AccessGrant | None:
    target_type, target_id = obj.access_target
    return (
        AccessGrant.objects.select_related("organization")
        .filter(pk=grant_id, target_type=target_type, target_id=target_id)
        .first()
    )


def _fields_of(obj: Classified) -> list[Field]:
    return obj.live_fields() if isinstance(obj, Dataset) else []


def _quoted(text: Any) -> str:
    return _("“%(value)s”") % {"value": text}


def clean_row_filter(
    obj: Classified, clearance: str, conditions: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Check a row scope against the object's columns and return it with typed values.

    Each condition names a live column visible under `clearance` (a grantee cannot be scoped by a
    column they may not see), given by machine name ("field") or id ("field_id"). It is stored by field
    id, so renaming the column, or giving another column its name, never changes which rows are shared. "in" values are parsed like imported cells (全角 digits, 和暦 dates …) and
    stored in the canonical JSON form the row reader compares against.
    """
    from kaidan.store.values import to_json
    from kaidan.values.types import convert

    live = _fields_of(obj)
    fields = {f.name: f for f in live}
    by_id = {f.pk: f for f in live}
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, cond in enumerate(conditions, start=1):
        name = str(cond.get("field", "")).strip()
        op = cond.get("op", "in")
        field = by_id.get(cond["field_id"]) if "field_id" in cond else fields.get(name)
        if field is None:
            errors.append(
                _("Condition %(n)s: the column %(column)s does not exist in this dataset.")
                % {"n": number, "column": _quoted(name)}
            )
            continue
        if not at_most(field.classification, clearance):
            errors.append(
                _(
                    "Condition %(n)s: the column %(column)s is classified %(level)s, above this grant's "
                    "clearance %(clearance)s; the grantee could not see it, so it cannot scope their rows."
                )
                % {
                    "n": number,
                    "column": _quoted(field.label),
                    "level": Level(field.classification).label,
                    "clearance": Level(clearance).label,
                }
            )
            continue
        if op == "viewer_org":
            cleaned.append({"field_id": field.pk, "op": "viewer_org"})
            continue
        if op not in ("in", "eq"):
            errors.append(_("Condition %(n)s: unknown condition %(op)s.") % {"n": number, "op": _quoted(op)})
            continue
        raw = cond.get("value")
        raw_values = raw if isinstance(raw, list | tuple) else [raw]
        values: list[Any] = []
        bad = False
        for text in raw_values:
            if text is None or str(text).strip() == "":
                continue
            try:
                value = convert(text if not isinstance(text, str) else text.strip(), field.type)
            except ValueError:
                errors.append(
                    _("Condition %(n)s, column %(column)s: the value %(value)s is not a valid %(type)s.")
                    % {
                        "n": number,
                        "column": _quoted(field.label),
                        "value": _quoted(text),
                        "type": field.get_type_display(),
                    }
                )
                bad = True
                continue
            if value is not None and to_json(value) not in values:
                values.append(to_json(value))
        if not values and not bad:
            errors.append(
                _("Condition %(n)s, column %(column)s: give at least one value.")
                % {"n": number, "column": _quoted(field.label)}
            )
        elif not bad:
            cleaned.append({"field_id": field.pk, "op": "in", "value": values})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_grant(
    obj: Classified, organization: Organization, min_role: str, permission: str, clearance: str
) -> None:
    if organization.pk == obj.owner_id:
        raise ValidationError(
            _("%(org)s owns this; its members already have access by their role.")
            % {"org": organization.name}
        )
    if organization.kind == Organization.Kind.PUBLIC:
        raise ValidationError(_("Public information needs no grant: classify it as Public instead."))
    if min_role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": _quoted(min_role)})
    if permission not in Permission.values:
        raise ValidationError(_("Unknown permission %(p)s.") % {"p": _quoted(permission)})
    if clearance not in Level.values:
        raise ValidationError(_("Unknown clearance %(c)s.") % {"c": _quoted(clearance)})
    if not at_most(obj.classification, clearance):
        raise ValidationError(
            _(
                "This is classified %(level)s: a grant with the clearance %(clearance)s would show nothing. "
                "Choose at least %(level)s."
            )
            % {"level": Level(obj.classification).label, "clearance": Level(clearance).label}
        )


@transaction.atomic
def grant_access(
    obj: Classified,
    *,
    actor: Actor,
    organization: Organization,
    min_role: str = Role.VIEWER,
    permission: str = Permission.VIEW,
    clearance: str = Level.LIMITED,
    row_filter: Sequence[dict[str, Any]] = (),
) -> AccessGrant:
    """Let the members of `organization` (from `min_role` up) see `obj` up to `clearance`, maybe only some rows."""
    require("object.share", obj, actor=actor)
    _check_grant(obj, organization, min_role, permission, clearance)
    cleaned = clean_row_filter(obj, clearance, row_filter)
    target_type, target_id = obj.access_target
    if AccessGrant.objects.filter(
        target_type=target_type, target_id=target_id, organization=organization, min_role=min_role
    ).exists():
        raise ValidationError(
            _("%(org)s already has a grant for this role; change or remove it instead.")
            % {"org": organization.name}
        )
    grant = AccessGrant.objects.create(
        target_type=target_type,
        target_id=target_id,
        organization=organization,
        min_role=min_role,
        permission=permission,
        clearance=clearance,
        row_filter=cleaned,
        created_by=actor if isinstance(actor, User) else None,
    )
    record("access.grant", obj, actor=actor, detail=grant_detail(grant))
    return grant


@transaction.atomic
def change_grant(
    grant: AccessGrant,
    *,
    actor: Actor,
    permission: str | None = None,
    clearance: str | None = None,
    row_filter: Sequence[dict[str, Any]] | None = None,
) -> AccessGrant:
    """Change a grant's permission, clearance or row scope (the organization and role stay)."""
    obj = target_of(grant)
    require("object.share", obj, actor=actor)
    before = grant_detail(grant)
    new_permission = permission if permission is not None else grant.permission
    new_clearance = clearance if clearance is not None else grant.clearance
    _check_grant(obj, grant.organization, grant.min_role, new_permission, new_clearance)
    new_filter = clean_row_filter(obj, new_clearance, grant.row_filter if row_filter is None else row_filter)
    grant.permission, grant.clearance, grant.row_filter = new_permission, new_clearance, new_filter
    grant.save(update_fields=["permission", "clearance", "row_filter"])
    after = grant_detail(grant)
    if after != before:
        record("access.grant.change", obj, actor=actor, detail={**after, "before": before})
    return grant


@transaction.atomic
def revoke_access(grant: AccessGrant, *, actor: Actor) -> None:
    obj = target_of(grant)
    require("object.share", obj, actor=actor)
    detail = grant_detail(grant)
    grant.delete()
    record("access.revoke", obj, actor=actor, detail=detail)


def target_of(grant: AccessGrant) -> Classified:
    """The dataset or document a grant is about."""
    for model in CLASSIFIED_MODELS:
        if model._meta.label_lower == grant.target_type:
            return model._default_manager.select_related("owner").get(pk=grant.target_id)
    raise ValueError(grant.target_type)


@transaction.atomic
def set_masking(dataset: Dataset, masking: str, *, actor: Actor) -> Dataset:
    """Choose how columns above a reader's clearance appear: left out, or shown as ＊＊＊."""
    require("object.manage", dataset, actor=actor)
    if masking not in Masking.values:
        raise ValidationError(_("Unknown masking %(m)s.") % {"m": _quoted(masking)})
    old = dataset.masking
    if old != masking:
        dataset.masking = masking
        dataset.save(update_fields=["masking", "updated_at"])
        record("access.masking", dataset, actor=actor, detail={"old": old, "new": masking})
    return dataset


# ---------------------------------------------------------------------------------------------------
# Undecided (未決定) and release


CLASSIFIED_MODELS: list[type[Classified]] = [Dataset, Document]


@transaction.atomic
def mark_undecided(obj: Classified, *, actor: Actor, planned_release: date | None = None) -> Classified:
    """Hide `obj` from everyone but its owner organization until it is released (on `planned_release`)."""
    require("object.manage", obj, actor=actor)
    if planned_release is not None and planned_release < timezone.localdate():
        raise ValidationError(
            _("The planned publication date %(d)s is in the past.") % {"d": planned_release}
        )
    before = (obj.undecided, obj.planned_release)
    obj.undecided = True
    obj.planned_release = planned_release
    obj.save(update_fields=["undecided", "planned_release"])
    if before != (True, planned_release):
        record(
            "object.undecided",
            obj,
            actor=actor,
            detail={"planned_release": planned_release, "was_undecided": before[0]},
        )
    return obj


@transaction.atomic
def release(obj: Classified, *, actor: Actor, automatic: bool = False) -> bool:
    """Release an undecided object: from now on its classification and grants apply. False if not undecided."""
    require("object.manage", obj, actor=actor)
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if not locked.undecided:
        return False
    planned = locked.planned_release
    locked.undecided = False
    locked.save(update_fields=["undecided"])
    obj.undecided = False
    record(
        "object.release",
        locked,
        actor=actor,
        detail={"automatic": automatic, "planned_release": planned, "classification": locked.classification},
    )
    return True


def release_due(now: datetime | None = None) -> list[Classified]:
    """Release every undecided dataset and document whose planned date has come (each in its own transaction)."""
    today = timezone.localdate(now) if now is not None else timezone.localdate()
    released: list[Classified] = []
    for model in CLASSIFIED_MODELS:
        due = model._default_manager.filter(undecided=True, planned_release__lte=today).order_by("pk")
        for obj in due:
            if release(obj, actor=SYSTEM, automatic=True):
                released.append(obj)
    return released


# ---------------------------------------------------------------------------------------------------
# Invitations


def _is_site_admin(*, actor: Actor) -> bool:
    user = account_of(actor=actor)
    if user is None:
        return False
    return bool(user.is_superuser) or Membership.objects.filter(user=user, role=Role.ADMIN).exists()


def _own_rank(organization: Organization, *, actor: Actor) -> int:
    user = account_of(actor=actor)
    if user is None:
        return -1
    membership = Membership.objects.filter(user=user, organization=organization).first()
    return Role.rank(membership.role) if membership else -1


def _manages_a_dataset_shared_with(organization: Organization, *, actor: Actor) -> bool:
    ids = AccessGrant.objects.filter(
        organization=organization, target_type=Dataset._meta.label_lower
    ).values_list("target_id", flat=True)
    return any(rights(d, actor=actor).can_manage for d in Dataset.objects.filter(pk__in=list(ids)))


def invitable_roles(organization: Organization, *, actor: Actor) -> list[str]:
    """The roles `actor` may invite someone into `organization` with (empty: may not invite).

    Administrators and superusers: up to manager. A manager of the organization: up to their own role
    (at most manager). A manager of a dataset shared with the organization: viewer and editor.
    """
    if organization.kind == Organization.Kind.PUBLIC:
        return []
    top = -1
    if _is_site_admin(actor=actor):
        top = Role.rank(Role.MANAGER)
    own = _own_rank(organization, actor=actor)
    if own >= Role.rank(Role.MANAGER):
        top = max(top, min(own, Role.rank(Role.MANAGER)))
    if top < Role.rank(Role.EDITOR) and account_of(actor=actor) is not None:
        if _manages_a_dataset_shared_with(organization, actor=actor):
            top = Role.rank(Role.EDITOR)
    return [r.value for r in Role if Role.rank(r.value) <= top]


def invitable_organizations(*, actor: Actor) -> list[Organization]:
    return [
        o
        for o in Organization.objects.exclude(kind=Organization.Kind.PUBLIC)
        if invitable_roles(o, actor=actor)
    ]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def accept_url(token: str) -> str:
    return settings.BASE_URL + reverse("sharing_site:accept", args=[token])


def _mail(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "role": Role(invitation.role).label,
        "inviter": invitation.invited_by,
        "url": accept_url(token),
        "days": INVITATION_DAYS,
        "expires_at": invitation.expires_at,
    }
    parts, subjects = [], []
    for language in ("ja", "en"):  # the invitee's language is unknown: both, Japanese first
        with translation.override(language):
            context["role"] = str(Role(invitation.role).label)
            parts.append(render_to_string("sharing/invitation_email.txt", context).strip())
            subjects.append(_("Invitation to %(org)s on Kaidan") % {"org": invitation.organization.name})
    send_mail(
        " / ".join(subjects),
        "\n\n-----\n\n".join(parts) + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


@transaction.atomic
def invite(*, actor: Actor, email: str, organization: Organization, role: str = Role.VIEWER) -> Invitation:
    """Invite an e-mail address into an organization; mails a single-use link valid for 7 days."""
    allowed = invitable_roles(organization, actor=actor)
    if not allowed:
        raise Forbidden(gettext_lazy("You may not invite people into %(org)s.") % {"org": organization.name})
    if role not in allowed:
        raise ValidationError(
            _("You may invite people into %(org)s only as: %(roles)s.")
            % {"org": organization.name, "roles": ", ".join(str(Role(r).label) for r in allowed)}
        )
    email = email.strip()
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        organization=organization,
        role=role,
        token_hash=_hash(token),
        invited_by=actor if isinstance(actor, User) else None,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    record(
        "sharing.invitation.create",
        organization,
        actor=actor,
        detail={
            "invitation": invitation.pk,
            "email": email,
            "role": role,
            "expires_at": invitation.expires_at,
        },
    )
    _mail(invitation, token)  # a failed send rolls the invitation back
    return invitation


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: Actor) -> None:
    if not invitable_roles(invitation.organization, actor=actor):
        raise Forbidden()
    if invitation.status != Invitation.Status.PENDING:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        "sharing.invitation.revoke",
        invitation.organization,
        actor=actor,
        detail={"invitation": invitation.pk, "email": invitation.email, "role": invitation.role},
    )


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=_hash(token))
        .first()
    )


@dataclass
class Accepted:
    user: User
    invitation: Invitation


@transaction.atomic
def accept_invitation(token: str, *, username: str, password: str) -> Accepted:
    """Create the invitee's account and membership. Raises ValidationError (by field) or LookupError."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=_hash(token)).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        raise LookupError(invitation.status if invitation else "unknown")
    user_model = get_user_model()
    username = username.strip()
    errors: dict[str, list[str]] = {}
    try:
        user_model.username_validator(username)  # type: ignore[attr-defined]
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    if not username:
        errors["username"] = [_("Choose a user name.")]
    elif user_model._default_manager.filter(username__iexact=username).exists():
        errors["username"] = [
            _("The user name %(name)s is taken; choose another.") % {"name": _quoted(username)}
        ]
    candidate = user_model(username=username, email=invitation.email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password1"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = user_model._default_manager.create_user(
        username=username, email=invitation.email, password=password
    )
    set_membership(actor=SYSTEM, user=user, organization=invitation.organization, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    record(
        "sharing.invitation.accept",
        invitation.organization,
        actor=user,
        detail={
            "invitation": invitation.pk,
            "email": invitation.email,
            "role": invitation.role,
            "invited_by": invitation.invited_by.get_username() if invitation.invited_by else None,
        },
    )
    return Accepted(user, invitation)
