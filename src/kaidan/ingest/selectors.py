"""Who may import what (read-only): the organizations a user may create datasets for, the datasets they
may import into, and whether they may import at all (for the menu and the upload page)."""

from __future__ import annotations

import hashlib
import unicodedata

from django.utils.text import slugify
from django.utils.translation import gettext as _

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.access.models import AccessGrant, Permission
from kaidan.access.services import rights
from kaidan.accounts.models import Membership, Organization, Role
from kaidan.accounts.selectors import importable_organizations
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import list_datasets


def import_organizations(*, actor: Actor) -> list[Organization]:
    """Organizations the actor may create a dataset for, by code (kaidan.accounts.selectors holds the rule;
    the public pseudo-organization is not offered to superusers here)."""
    offered = importable_organizations(actor=actor)
    if is_superuser(actor=actor):
        offered = [o for o in offered if o.kind != Organization.Kind.PUBLIC]
    return sorted(offered, key=lambda o: o.code)


def default_organization(organizations: list[Organization], *, actor: Actor) -> Organization | None:
    """The actor's own organization among those offered: a ward department first, the highest role first."""
    user = account_of(actor=actor)
    if user is None or not organizations:
        return None
    offered = {org.pk for org in organizations}
    memberships = [
        m
        for m in Membership.objects.filter(user=user).select_related("organization")
        if m.organization_id in offered
    ]
    if not memberships:
        return None
    best = min(
        memberships,
        key=lambda m: (
            m.organization.kind != Organization.Kind.DEPARTMENT,
            -Role.rank(m.role),
            m.organization.code,
        ),
    )
    return best.organization


def importable_datasets(*, actor: Actor) -> list[Dataset]:
    """Datasets the actor may import into (replace, update by key, append): those they may edit."""
    return [d for d in list_datasets(actor=actor) if rights(d, actor=actor).can_edit]


def may_import(*, actor: Actor) -> bool:
    """May the actor import anything? Cheap for the common cases (used on every page for the menu)."""
    if is_superuser(actor=actor):
        return True
    user = account_of(actor=actor)
    if user is None or not user.is_active:
        return False
    memberships = list(Membership.objects.filter(user=user))
    if any(Role.rank(m.role) >= Role.rank(Role.EDITOR) for m in memberships):
        return True
    # Otherwise only an edit grant to one of their organizations can let them change a dataset.
    grants = AccessGrant.objects.filter(
        target_type=Dataset._meta.label_lower,
        permission=Permission.EDIT,
        organization_id__in=[m.organization_id for m in memberships],
    )
    if not grants.exists():
        return False
    return bool(importable_datasets(actor=actor))


def dataset_name_from(title: str) -> str:
    """A free machine name (ASCII, for URLs) for a new dataset titled `title`.

    The title's letters and digits when it is written in ASCII (``Shelters 2024`` → ``shelters-2024``);
    otherwise — Japanese titles such as 一般歳出 — ``ds-`` and 8 hex digits of the title's SHA-256
    (no transliteration). ``-2``, ``-3`` … are added while the name is taken.
    """
    text = unicodedata.normalize("NFKC", title).strip()
    base = slugify(text)[:60].strip("-_")
    if not text.isascii() or not any(ch.isalpha() for ch in base):
        base = "ds-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    name, n = base, 2
    while Dataset.objects.filter(name=name).exists():
        name, n = f"{base}-{n}", n + 1
    return name


def dataset_name_problem(name: str, *, actor: Actor) -> str | None:
    """Why `name` cannot be the machine name of a new dataset, as `run_import` would refuse it (a name
    taken by a dataset the actor may not see "cannot be used", like in the service: no existence leak)."""
    dataset = Dataset.objects.filter(name=name).first()
    if dataset is None:
        return None
    if not rights(dataset, actor=actor).can_read:
        return str(_("This machine name cannot be used. Choose another one."))
    return str(_("A dataset with this machine name already exists. Choose another one, or import into it."))
