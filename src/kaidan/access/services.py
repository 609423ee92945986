"""The one authorization service.

Every read path (pages, grid, exports, API, search, share links, SQL) asks this module which objects,
columns and rows an actor may see. The model is a *clearance*: for a given object, the highest
classification level the actor may read.

- anyone (including anonymous residents): 公開 public
- ward staff (members of a ward department): 庁内 internal
- members of the owning organization: 限定 limited as viewers, 秘 restricted from editor up
- members of an organization holding a grant: the grant's clearance (default 限定)
- superusers: everything (every read of 秘 is audited anyway)

An object is visible when its classification is within the clearance; a column is visible when *its*
classification is within the clearance.

Two cases override the table above:
- an undecided (未決定) object is seen only by the owner organization's members (no grants, no public)
  until it is released;
- a share link's recipient (kaidan.links.actors.LinkActor, a DelegatedActor) gets nothing but the link's
  target, and on it the sharer's rights computed now, capped at the link's clearance, read-only;
- an organization acting through an API token or as a webhook's receiver (OrganizationActor) gets what a
  member of the organization would (at the highest role), capped at the token's clearance and confined to
  the operations named in its scopes; a revoked or expired token gets nothing.

Actors are typed (kaidan.access.actors): accounts, anonymous visitors, the system, delegated actors.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db.models import Q

from kaidan.accounts.models import Membership, Organization, Role
from kaidan.core.errors import Forbidden

from .actors import SYSTEM as SYSTEM  # re-exported: callers import the system actor from here
from .actors import Actor, DelegatedActor, OrganizationActor, account_of, is_superuser
from .actors import SystemActor as SystemActor
from .levels import LEVEL_ORDER, Level, at_most
from .models import AccessGrant, Permission
from .operations import OPERATIONS, Need


class ClassifiedObject(Protocol):
    classification: str
    owner_id: int

    @property
    def access_target(self) -> tuple[str, int]: ...


class HasClassification(Protocol):
    classification: str


C = TypeVar("C", bound=HasClassification)


@dataclass(frozen=True)
class Rights:
    """What one actor may do with one object."""

    clearance: Level | None
    can_read: bool
    can_edit: bool
    can_manage: bool
    row_filters: tuple[tuple[dict[str, Any], ...], ...] = ()
    """Row scopes that confine the actor's reads; empty means all rows. Several scopes are OR-ed.
    Conditions name columns by field id ({"field_id", "op", "value"}), never by name."""
    edit_filters: tuple[tuple[dict[str, Any], ...], ...] = ()
    """Row scopes that confine the actor's writes (from edit grants only); empty means all rows."""
    operations: frozenset[str] | None = None
    """The only operations allowed (an API token's scopes); None means every operation the needs allow."""

    def allows(self, operation: str) -> bool:
        """May the actor perform the named operation (see operations.py)?"""
        if self.operations is not None and operation not in self.operations:
            return False
        need = OPERATIONS[operation].need
        if need is Need.READ:
            return self.can_read
        if need is Need.EDIT:
            return self.can_edit
        return self.can_manage

    def visible(self, columns: Iterable[C]) -> list[C]:
        """The columns (anything with a `classification`) within the clearance."""
        if not self.can_read:
            return []
        return [c for c in columns if at_most(c.classification, self.clearance)]


# Rights are computed once per request: cached on the account object (which lives for one request) and
# keyed by a generation that every change of a grant or membership in this process bumps.
_generation = itertools.count(1)
_current = [next(_generation)]


def bump_generation(**_kwargs: Any) -> None:
    """Forget cached memberships and rights (connected to saves and deletes of grants and memberships)."""
    _current[0] = next(_generation)


def _memberships(*, actor: Actor) -> list[Membership]:
    """The actor's memberships, cached on the account object for the request."""
    if isinstance(actor, OrganizationActor):  # as a member of its organization (never saved)
        return [Membership(organization=actor.organization, role=actor.role)]
    if isinstance(actor, DelegatedActor):  # a share link's recipient: row scopes as the sharer's
        return _memberships(actor=actor.sharer)
    user = account_of(actor=actor)
    if user is None:
        return []
    cached: tuple[int, list[Membership]] | None = getattr(user, "_kaidan_memberships", None)
    if cached is None or cached[0] != _current[0]:
        cached = (_current[0], list(Membership.objects.filter(user=user).select_related("organization")))
        user._kaidan_memberships = cached  # type: ignore[attr-defined]
    return cached[1]


def owner_clearance(role: str) -> Level:
    """The one role→clearance mapping: what a member of the owning organization may read."""
    return Level.RESTRICTED if Role.rank(role) >= Role.rank(Role.EDITOR) else Level.LIMITED


def organizations_of(*, actor: Actor) -> list[Organization]:
    return [m.organization for m in _memberships(actor=actor)]


def is_staff_member(*, actor: Actor) -> bool:
    return any(m.organization.kind == Organization.Kind.DEPARTMENT for m in _memberships(actor=actor))


def _max_level(levels: Iterable[Level | None]) -> Level | None:
    best: Level | None = None
    for level in levels:
        if level is not None and (best is None or level.rank > best.rank):
            best = level
    return best


def rights(obj: ClassifiedObject, *, actor: Actor) -> Rights:
    """The actor's rights on an object: the single source of truth (computed once per request)."""
    user: Any = actor if isinstance(actor, OrganizationActor) else account_of(actor=actor)
    pk = getattr(obj, "pk", None)
    if user is None or pk is None:
        return _rights(obj, actor=actor)
    key = (
        type(obj),
        pk,
        obj.classification,
        getattr(obj, "undecided", False),
        obj.owner_id,
        user.is_superuser,
        user.is_active,
        _current[0],
        getattr(user, "active", True),
    )
    cache: dict[tuple[Any, ...], Rights] = user.__dict__.setdefault("_kaidan_rights", {})
    found = cache.get(key)
    if found is None:
        found = cache[key] = _rights(obj, actor=actor)
    return found


def _rights(obj: ClassifiedObject, *, actor: Actor) -> Rights:
    if isinstance(actor, OrganizationActor):
        return _organization_rights(obj, actor=actor)
    if isinstance(actor, DelegatedActor):
        return _link_rights(obj, actor=actor)
    if is_superuser(actor=actor):
        return Rights(Level.RESTRICTED, True, True, True)
    return _member_rights(obj, actor=actor)


def _member_rights(obj: ClassifiedObject, *, actor: Actor) -> Rights:
    """Rights from memberships, ownership and grants (accounts, and organizations acting by token)."""
    memberships = _memberships(actor=actor)
    if getattr(obj, "undecided", False):
        return _undecided_rights(obj, memberships)
    candidates: list[Level | None] = [Level.PUBLIC]
    can_edit = False
    can_manage = False
    if is_staff_member(actor=actor):
        candidates.append(Level.INTERNAL)
    for membership in memberships:
        if membership.organization_id == obj.owner_id:
            rank = Role.rank(membership.role)
            candidates.append(owner_clearance(membership.role))
            can_edit = can_edit or rank >= Role.rank(Role.EDITOR)
            can_manage = can_manage or rank >= Role.rank(Role.MANAGER)
    row_filters: list[tuple[dict[str, Any], ...]] = []
    edit_filters: list[tuple[dict[str, Any], ...]] = []
    unscoped = bool(candidates[1:])  # staff and owners see all rows of what they are cleared for
    edit_unscoped = can_edit  # the owner's editors change every row
    for grant in _grants_for(obj, memberships, actor=actor):
        candidates.append(Level(grant.clearance))
        edits = grant.permission == Permission.EDIT
        can_edit = can_edit or edits
        if grant.row_filter:
            row_filters.append(tuple(grant.row_filter))
            if edits:
                edit_filters.append(tuple(grant.row_filter))
        else:
            unscoped = True
            edit_unscoped = edit_unscoped or edits
    clearance = _max_level(candidates)
    can_read = at_most(obj.classification, clearance)
    return Rights(
        clearance=clearance,
        can_read=can_read,
        can_edit=can_read and can_edit,
        can_manage=can_read and can_manage,
        row_filters=() if unscoped else tuple(row_filters),
        edit_filters=() if edit_unscoped else tuple(edit_filters),
    )


def _organization_rights(obj: ClassifiedObject, *, actor: OrganizationActor) -> Rights:
    """An organization acting through a token: a member's rights (computed now), capped at the token's
    clearance, with reading, editing and managing each only when a scope names an operation needing it."""
    nothing = Rights(None, False, False, False, operations=frozenset())
    if not actor.active or actor.organization is None:
        return nothing
    base = _member_rights(obj, actor=actor)
    if not base.can_read or base.clearance is None:
        return nothing
    cap = Level(actor.clearance)
    clearance = cap if cap.rank < base.clearance.rank else base.clearance
    needs = {OPERATIONS[name].need for name in actor.scopes if name in OPERATIONS}
    can_read = at_most(obj.classification, clearance) and "object.view" in actor.scopes
    if not can_read:
        return nothing
    return Rights(
        clearance=clearance,
        can_read=True,
        can_edit=base.can_edit and Need.EDIT in needs,
        can_manage=base.can_manage and Need.MANAGE in needs,
        row_filters=base.row_filters,
        edit_filters=base.edit_filters,
        operations=actor.scopes,
    )


def _link_rights(obj: ClassifiedObject, *, actor: DelegatedActor) -> Rights:
    """A recipient acting through one share link (kaidan.links.actors.LinkActor): nothing but the link's
    target; on the target, the sharer's rights computed now, capped at the link's clearance, read-only.
    A revoked or expired link, or a sharer who lost access, gives nothing."""
    nothing = Rights(None, False, False, False)
    target, sharer = actor.target, actor.sharer
    if not actor.active or target is None or sharer is None or getattr(obj, "pk", None) is None:
        return nothing
    if obj.access_target != target.access_target or not sharer.is_active:
        return nothing
    base = rights(obj, actor=sharer)
    if not base.can_read or base.clearance is None:
        return nothing
    cap = Level(actor.clearance)
    clearance = cap if cap.rank < base.clearance.rank else base.clearance
    can_read = at_most(obj.classification, clearance)
    return Rights(clearance, can_read, False, False, base.row_filters) if can_read else nothing


def _undecided_rights(obj: ClassifiedObject, memberships: Sequence[Membership]) -> Rights:
    """Undecided (未決定) information is need-to-know: only the owner organization, no grants, no public."""
    roles = [m.role for m in memberships if m.organization_id == obj.owner_id]
    if not roles:
        return Rights(None, False, False, False)
    role = max(roles, key=Role.rank)
    rank = Role.rank(role)
    clearance = owner_clearance(role)
    can_read = at_most(obj.classification, clearance)
    return Rights(
        clearance=clearance,
        can_read=can_read,
        can_edit=can_read and rank >= Role.rank(Role.EDITOR),
        can_manage=can_read and rank >= Role.rank(Role.MANAGER),
    )


def _grants_for(
    obj: ClassifiedObject, memberships: Sequence[Membership], *, actor: Actor
) -> list[AccessGrant]:
    if not memberships or getattr(obj, "pk", None) is None:
        return []
    target_type, target_id = obj.access_target
    by_org = {m.organization_id: m for m in memberships}
    grants = AccessGrant.objects.filter(
        target_type=target_type, target_id=target_id, organization_id__in=list(by_org)
    )
    return [g for g in grants if Role.rank(by_org[g.organization_id].role) >= Role.rank(g.min_role)]


def readable_filter(target_type: str, *, actor: Actor) -> Q:
    """A Q over a Classified model (`target_type` like "catalog.dataset") selecting exactly the objects
    `rights(actor, obj).can_read` allows: lists and search filter in the database with the same rules.

    Callers still confirm each shown object with `rights`, so a divergence could hide an object, never leak one.
    """
    nothing = Q(pk__in=[])
    if isinstance(actor, OrganizationActor):
        if not actor.active or "object.view" not in actor.scopes:
            return nothing
        return _member_filter(target_type, actor=actor) & Q(
            classification__in=levels_up_to(Level(actor.clearance))
        )
    if isinstance(actor, DelegatedActor):
        target = actor.target
        if (
            target is None
            or target.access_target[0] != target_type
            or not rights(target, actor=actor).can_read
        ):
            return nothing
        return Q(pk=target.pk)
    if is_superuser(actor=actor):
        return Q()
    return _member_filter(target_type, actor=actor)


def _member_filter(target_type: str, *, actor: Actor) -> Q:
    nothing = Q(pk__in=[])
    memberships = _memberships(actor=actor)
    decided = Q(
        classification__in=levels_up_to(Level.INTERNAL if is_staff_member(actor=actor) else Level.PUBLIC)
    )
    undecided = nothing
    best_role: dict[int, str] = {}
    for m in memberships:
        if m.organization_id not in best_role or Role.rank(m.role) > Role.rank(best_role[m.organization_id]):
            best_role[m.organization_id] = m.role
    best_rank = {org_id: Role.rank(role) for org_id, role in best_role.items()}
    for org_id, role in best_role.items():
        own = Q(owner_id=org_id, classification__in=levels_up_to(owner_clearance(role)))
        decided |= own
        undecided |= own
    by_clearance: dict[str, set[int]] = {}
    if best_rank:
        grants = AccessGrant.objects.filter(target_type=target_type, organization_id__in=list(best_rank))
        for grant in grants:
            if best_rank[grant.organization_id] >= Role.rank(grant.min_role):
                by_clearance.setdefault(grant.clearance, set()).add(grant.target_id)
    for granted, ids in by_clearance.items():
        decided |= Q(pk__in=sorted(ids), classification__in=levels_up_to(Level(granted)))
    return (Q(undecided=False) & decided) | (Q(undecided=True) & undecided)


def can(operation: str, obj: ClassifiedObject, *, actor: Actor) -> bool:
    """May `actor` perform the named operation on `obj`?"""
    return rights(obj, actor=actor).allows(operation)


def require(operation: str, obj: ClassifiedObject, *, actor: Actor) -> Rights:
    """Raise Forbidden unless allowed; return the rights for further masking."""
    r = rights(obj, actor=actor)
    if not r.allows(operation):
        raise Forbidden()
    return r


def visible_columns(obj: ClassifiedObject, columns: Iterable[C], *, actor: Actor) -> list[C]:
    """The columns (anything with a `classification`) the actor may read on `obj`."""
    return rights(obj, actor=actor).visible(columns)


def levels_up_to(clearance: Level | None) -> list[Level]:
    if clearance is None:
        return []
    return LEVEL_ORDER[: clearance.rank + 1]
