"""KPIs and problems: the gap between the ideal and reality, visible to everyone concerned."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kaidan.accounts.models import User
from kaidan.catalog.selectors import list_datasets
from kaidan.core.errors import NotFound

from . import selectors, services
from .forms import ActionForm, KpiForm, PostForm, ProblemForm, StatusForm
from .kpis import measure, measure_sql
from .models import Action, Kpi, Problem, Status


def _problem(request: HttpRequest, pk: int) -> Problem:
    problem = get_object_or_404(Problem.objects.select_related("kpi", "owner"), pk=pk)
    if not selectors.may_see(problem, actor=request.user):
        raise NotFound(detail=pk)
    return problem


def _owners(problem: Problem) -> object:
    """Who may own an action: the people concerned and the members of the organizations concerned."""
    orgs = [problem.owner_id, *problem.organizations.values_list("pk", flat=True)]
    return (
        User.objects.filter(Q(memberships__organization__in=orgs) | Q(pk__in=problem.people.values("pk")))
        .filter(is_active=True)
        .distinct()
        .order_by("username")
    )


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    rows = selectors.problem_list(actor=request.user, status=status)
    return render(request, "problems/list.html", {"rows": rows, "status": status, "statuses": Status.choices})


@login_required
def problem_new(request: HttpRequest) -> HttpResponse:
    orgs = selectors.own_organizations(actor=request.user)
    kpis = selectors.visible_kpis(actor=request.user)
    form = ProblemForm(request.POST or None, organizations=orgs, kpis=kpis)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        problem = services.create_problem(
            actor=request.user,
            title=data["title"],
            owner=data["owner"],
            ideal=data["ideal"],
            reality=data["reality"],
            purpose=data["purpose"],
            kpi=data["kpi"],
            organizations=data["organizations"],
            people=[request.user] if isinstance(request.user, User) else [],
        )
        return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/problem_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    action_form = ActionForm()
    action_form.fields["owner"].queryset = _owners(problem)  # type: ignore[attr-defined]
    context = {
        "problem": problem,
        "measured": measure(problem.kpi, actor=request.user, trend=True) if problem.kpi else None,
        "may_manage": selectors.may_manage(problem, actor=request.user),
        "status_form": StatusForm(initial={"status": problem.status}),
        "post_form": PostForm(),
        "action_form": action_form,
        "posts": problem.posts.select_related("author"),
        "actions": problem.actions.select_related("owner"),
        "changes": problem.changes.select_related("actor")[:100],
        "organizations": problem.organizations.all(),
    }
    return render(request, "problems/detail.html", context)


@login_required
@require_POST
def problem_status(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.change_status(
            problem, form.cleaned_data["status"], actor=request.user, note=form.cleaned_data["note"]
        )
    return redirect("problems:detail", pk=pk)


@login_required
@require_POST
def problem_post(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    form = PostForm(request.POST)
    if form.is_valid():
        services.post(
            problem, form.cleaned_data["text"], actor=request.user, anonymous=form.cleaned_data["anonymous"]
        )
    return redirect(reverse("problems:detail", args=[pk]) + "#discussion")


@login_required
@require_POST
def problem_action(request: HttpRequest, pk: int) -> HttpResponse:
    problem = _problem(request, pk)
    form = ActionForm(request.POST)
    form.fields["owner"].queryset = _owners(problem)  # type: ignore[attr-defined]
    if form.is_valid():
        data = form.cleaned_data
        services.add_action(
            problem, data["description"], actor=request.user, owner=data["owner"], due=data["due"]
        )
    return redirect("problems:detail", pk=pk)


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    problem = _problem(request, pk)
    action = get_object_or_404(Action, pk=action_id, problem=problem)
    services.complete_action(action, actor=request.user)
    return redirect("problems:detail", pk=pk)


@login_required
def kpi_list(request: HttpRequest) -> HttpResponse:
    measured = [measure(k, actor=request.user) for k in selectors.visible_kpis(actor=request.user)]
    measured.sort(key=lambda m: (m.gap_ratio is None, -(m.gap_ratio or 0)))
    return render(request, "problems/kpi_list.html", {"measured": measured})


@login_required
def kpi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kpi = get_object_or_404(Kpi.objects.select_related("dataset", "owner"), pk=pk)
    if kpi not in selectors.visible_kpis(actor=request.user):
        raise NotFound(detail=pk)
    measured = measure(kpi, actor=request.user, trend=True)
    values = [abs(p.value) for p in measured.trend if p.value is not None] + [abs(kpi.target)]
    top: Decimal = max(values) or Decimal(1)
    bars = [(p, int(abs(p.value) * 100 / top) if p.value is not None else 0) for p in measured.trend]
    return render(
        request,
        "problems/kpi_detail.html",
        {
            "m": measured,
            "bars": bars,
            "target_percent": int(abs(kpi.target) * 100 / top),
            # only the problems this reader may see (a problem's title is not the KPI's)
            "problems": selectors.visible_problems(actor=request.user).filter(kpi=kpi),
        },
    )


@login_required
def kpi_new(request: HttpRequest) -> HttpResponse:
    orgs = selectors.own_organizations(actor=request.user)
    datasets = list_datasets(actor=request.user)
    form = KpiForm(request.POST or None, organizations=orgs, datasets=datasets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sql = data["sql"].strip() or measure_sql(
            data["dataset"], data["aggregate"], data["column"], data["condition"]
        )
        kpi = services.create_kpi(
            actor=request.user,
            title=data["title"],
            owner=data["owner"],
            dataset=data["dataset"],
            sql=sql,
            target=data["target"],
            direction=data["direction"],
            unit=data["unit"],
            description=data["description"],
        )
        return redirect("problems:kpi", pk=kpi.pk)
    return render(request, "problems/kpi_form.html", {"form": form}, status=400 if form.errors else 200)
