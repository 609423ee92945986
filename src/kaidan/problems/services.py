"""Writes for KPIs and problems. Every change to a problem is kept in its history (`Change`) and the audit
log; an anonymous post is kept with no author at all, in both."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import rights
from kaidan.accounts.models import Organization, User
from kaidan.audit.services import record
from kaidan.catalog.models import Dataset
from kaidan.core.errors import Forbidden, NotFound

from . import selectors
from .models import Action, Change, Kpi, Post, Problem, Status


def create_kpi(
    *,
    actor: Actor,
    title: str,
    owner: Organization,
    dataset: Dataset,
    sql: str,
    target: Decimal,
    direction: str,
    unit: str = "",
    description: str = "",
) -> Kpi:
    if not rights(dataset, actor=actor).can_read:
        raise NotFound(detail=dataset.name)
    if owner not in selectors.own_organizations(actor=actor):
        raise Forbidden()
    with transaction.atomic():
        kpi = Kpi.objects.create(
            title=title,
            description=description,
            owner=owner,
            dataset=dataset,
            sql=sql,
            target=target,
            direction=direction,
            unit=unit,
            created_by=account_of(actor=actor),
        )
        record("problems.kpi.create", None, actor=actor, detail={"kpi": kpi.pk, "title": title})
    return kpi


def _changed(problem: Problem, what: str, detail: dict[str, Any], *, actor: Actor | None) -> None:
    Change.objects.create(
        problem=problem, actor=account_of(actor=actor) if actor else None, what=what, detail=detail
    )
    problem.save(update_fields=["updated_at"])


def create_problem(
    *,
    actor: Actor,
    title: str,
    owner: Organization,
    ideal: str,
    reality: str,
    purpose: str = "",
    kpi: Kpi | None = None,
    organizations: Iterable[Organization] = (),
    people: Iterable[User] = (),
) -> Problem:
    if owner not in selectors.own_organizations(actor=actor):
        raise Forbidden()
    with transaction.atomic():
        problem = Problem.objects.create(
            title=title,
            purpose=purpose,
            ideal=ideal,
            reality=reality,
            kpi=kpi,
            owner=owner,
            created_by=account_of(actor=actor),
        )
        problem.organizations.set(organizations)
        problem.people.set(people)
        _changed(problem, "created", {"title": title, "status": problem.status}, actor=actor)
        record("problems.problem.create", None, actor=actor, detail={"problem": problem.pk, "title": title})
    return problem


def _require_visible(problem: Problem, *, actor: Actor) -> None:
    if not selectors.may_see(problem, actor=actor):
        raise NotFound(detail=problem.pk)


def _require_manage(problem: Problem, *, actor: Actor) -> None:
    _require_visible(problem, actor=actor)
    if not selectors.may_manage(problem, actor=actor):
        raise Forbidden()


def change_status(problem: Problem, status: str, *, actor: Actor, note: str = "") -> Problem:
    _require_manage(problem, actor=actor)
    old = problem.status
    if status == old:
        return problem
    with transaction.atomic():
        problem.status = Status(status)
        problem.save(update_fields=["status", "updated_at"])
        _changed(problem, "status", {"old": old, "new": status, "note": note}, actor=actor)
        record(
            "problems.problem.change",
            None,
            actor=actor,
            detail={"problem": problem.pk, "status": [old, status]},
        )
    return problem


def update_problem(problem: Problem, *, actor: Actor, **fields: Any) -> Problem:
    """Change the title, purpose, ideal, reality or KPI; the history keeps the old and the new text."""
    _require_manage(problem, actor=actor)
    allowed = {"title", "purpose", "ideal", "reality", "kpi"}
    changes = {}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        old = getattr(problem, name)
        if old != value:
            changes[name] = [str(old or ""), str(value or "")]
            setattr(problem, name, value)
    if not changes:
        return problem
    with transaction.atomic():
        problem.save()
        _changed(problem, "edited", changes, actor=actor)
        record(
            "problems.problem.change",
            None,
            actor=actor,
            detail={"problem": problem.pk, "fields": list(changes)},
        )
    return problem


def post(problem: Problem, text: str, *, actor: Actor, anonymous: bool = False) -> Post:
    """A post in the problem's discussion; `anonymous` keeps no author anywhere (staff only)."""
    _require_visible(problem, actor=actor)
    author = account_of(actor=actor)
    if author is None:
        raise Forbidden()
    with transaction.atomic():
        message = Post.objects.create(problem=problem, author=None if anonymous else author, text=text)
        _changed(
            problem, "post", {"post": message.pk, "anonymous": anonymous}, actor=None if anonymous else actor
        )
        record(
            "problems.problem.post", None, actor=None if anonymous else actor, detail={"problem": problem.pk}
        )
    return message


def add_action(
    problem: Problem,
    description: str,
    *,
    actor: Actor,
    owner: User | None = None,
    due: datetime.date | None = None,
) -> Action:
    _require_visible(problem, actor=actor)
    with transaction.atomic():
        action = Action.objects.create(problem=problem, description=description, owner=owner, due=due)
        _changed(
            problem,
            "action",
            {
                "action": action.pk,
                "description": description,
                "owner": str(owner or ""),
                "due": str(due or ""),
            },
            actor=actor,
        )
        record(
            "problems.problem.change", None, actor=actor, detail={"problem": problem.pk, "action": action.pk}
        )
    return action


def complete_action(action: Action, *, actor: Actor) -> Action:
    problem = action.problem
    _require_visible(problem, actor=actor)
    if not (selectors.may_manage(problem, actor=actor) or action.owner == account_of(actor=actor)):
        raise Forbidden()
    with transaction.atomic():
        action.done = True
        action.save(update_fields=["done"])
        _changed(
            problem, "action_done", {"action": action.pk, "description": action.description}, actor=actor
        )
        record(
            "problems.problem.change", None, actor=actor, detail={"problem": problem.pk, "done": action.pk}
        )
    return action
