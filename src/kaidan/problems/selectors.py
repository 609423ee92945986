"""Who sees a problem, and the list with the biggest gaps first.

A problem is seen by the people concerned, the members of its owner and of the organizations concerned,
its author and administrators; it is managed (status, text) by its author, the people concerned and the
managers of its owner organization. Its KPI is measured as each reader sees the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from kaidan.access.actors import Actor, account_of, is_superuser
from kaidan.accounts.models import Membership, Organization

from .kpis import Measured, measure
from .models import Kpi, Problem, Status


def own_organizations(*, actor: Actor) -> list[Organization]:
    account = account_of(actor=actor)
    if account is None:
        return []
    if is_superuser(actor=actor):
        return list(Organization.objects.exclude(kind=Organization.Kind.PUBLIC))
    return [m.organization for m in Membership.objects.filter(user=account).select_related("organization")]


def visible_problems(*, actor: Actor) -> QuerySet[Problem]:
    account = account_of(actor=actor)
    if account is None:
        return Problem.objects.none()
    if is_superuser(actor=actor):
        return Problem.objects.all()
    orgs = Membership.objects.filter(user=account).values("organization")
    return Problem.objects.filter(
        Q(created_by=account) | Q(people=account) | Q(owner__in=orgs) | Q(organizations__in=orgs)
    ).distinct()


def may_see(problem: Problem, *, actor: Actor) -> bool:
    return visible_problems(actor=actor).filter(pk=problem.pk).exists()


def may_manage(problem: Problem, *, actor: Actor) -> bool:
    account = account_of(actor=actor)
    if account is None:
        return False
    if (
        is_superuser(actor=actor)
        or problem.created_by_id == account.pk
        or problem.people.filter(pk=account.pk).exists()
    ):
        return True
    return Membership.objects.filter(user=account, organization=problem.owner, role="manager").exists()


def visible_kpis(*, actor: Actor) -> list[Kpi]:
    """KPIs over datasets the actor may read (a KPI over data one may not see is not shown)."""
    from kaidan.catalog.selectors import list_datasets

    readable = {d.pk for d in list_datasets(actor=actor)}
    return [k for k in Kpi.objects.select_related("dataset", "owner") if k.dataset_id in readable]


@dataclass
class Row:
    problem: Problem
    measured: Measured | None

    @property
    def gap_ratio(self) -> Decimal | None:
        return self.measured.gap_ratio if self.measured else None


OPEN = [Status.FOUND, Status.ANALYSING, Status.ACTING, Status.MONITORING]


def problem_list(*, actor: Actor, status: str = "") -> list[Row]:
    """The problems the actor may see, the biggest gaps (as a share of the target) first."""
    problems = visible_problems(actor=actor).select_related("kpi", "kpi__dataset", "owner")
    problems = problems.filter(status=status) if status else problems.filter(status__in=OPEN)
    measured: dict[int, Measured] = {}
    rows = []
    for problem in problems:
        result = None
        if problem.kpi is not None:
            result = measured.get(problem.kpi.pk) or measure(problem.kpi, actor=actor)
            measured[problem.kpi.pk] = result
        rows.append(Row(problem, result))
    rows.sort(key=lambda r: (r.gap_ratio is None, -(r.gap_ratio or 0), r.problem.title))
    return rows
