"""KPIs and problems: a problem is the gap between the ideal and reality, measured from the master data as
each reader may see it, visible to everyone concerned, and tracked with its whole history until it closes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from kaidan.accounts.models import Organization
from kaidan.audit.models import AuditEntry
from kaidan.catalog.models import Dataset
from kaidan.editing.services import edit_record
from kaidan.problems import selectors, services
from kaidan.problems.kpis import measure, measure_sql
from kaidan.problems.models import Change, Post, Status
from kaidan.store.selectors import iter_rows_with_rev

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward(tmp_path, make_org, make_user):
    fukushi = make_org("hokenfukushi", name="保健福祉課")
    shakyo = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    manager = make_user("kacho", fukushi, role="manager")
    clerk = make_user("tanto", fukushi, role="viewer")
    outsider = make_user("shakyo.staff", shakyo, role="viewer")  # a partner: no share of the dataset
    path = tmp_path / "visits.csv"
    path.write_text(
        "番号,地区,訪問済\n1,三宿,はい\n2,三宿,いいえ\n3,池尻,いいえ\n4,池尻,いいえ\n5,太子堂,いいえ\n6,太子堂,はい\n",
        encoding="utf-8",
    )
    call_command("import", str(path), dataset="visits", org="hokenfukushi", yes=True, verbosity=0)
    dataset = Dataset.objects.get(name="visits")
    kpi = services.create_kpi(
        actor=manager,
        title="未訪問の見守り対象者",
        owner=fukushi,
        dataset=dataset,
        sql=measure_sql(dataset, "count", condition="訪問済 = false"),
        target=Decimal(1),
        direction="lower",
        unit="人",
    )
    return {
        "manager": manager,
        "clerk": clerk,
        "outsider": outsider,
        "dataset": dataset,
        "kpi": kpi,
        "org": fukushi,
    }


def visit(ward, number: int) -> None:
    dataset = ward["dataset"]
    fields = dataset.live_fields()
    for row_id, rev, values in iter_rows_with_rev(dataset, fields):
        if values[0] == number:
            edit_record(dataset, row_id, {fields[2].name: "はい"}, rev, actor=ward["manager"])
            return


def test_a_kpi_shows_reality_the_ideal_and_the_gap_and_follows_the_data(ward):
    measured = measure(ward["kpi"], actor=ward["clerk"])
    assert (measured.actual, measured.gap, measured.met) == (4, 3, False)
    visit(ward, 3)
    visit(ward, 4)
    again = measure(ward["kpi"], actor=ward["clerk"], trend=True)
    assert (again.actual, again.gap, again.gap_percent) == (2, 1, 100)
    assert [(p.revision, p.value) for p in again.trend] == [(1, 4), (2, 3), (3, 2)]


def test_a_kpi_over_data_the_reader_may_not_see_shows_no_value(ward):
    measured = measure(ward["kpi"], actor=ward["outsider"])
    assert measured.actual is None and measured.error == "no-access"
    assert selectors.visible_kpis(actor=ward["outsider"]) == []


def test_problems_are_listed_biggest_gap_first_and_seen_only_by_those_concerned(ward, client):
    dataset = ward["dataset"]
    small = services.create_kpi(
        actor=ward["manager"],
        title="訪問済の地区数",
        owner=ward["org"],
        dataset=dataset,
        sql=measure_sql(dataset, "distinct", column="地区"),
        target=Decimal(4),
        direction="higher",
    )
    common = {
        "actor": ward["manager"],
        "owner": ward["org"],
        "ideal": "全員を訪問",
        "reality": "未訪問が多い",
    }
    wide = services.create_problem(
        title="見守り訪問が追いつかない", kpi=ward["kpi"], **common
    )  # gap 3 of 1: 300%
    narrow = services.create_problem(title="地区の取りこぼし", kpi=small, **common)  # 3 of 4 districts: 25%
    plain = services.create_problem(title="記録様式が地区ごとに違う", **common)
    rows = selectors.problem_list(actor=ward["clerk"])
    assert [r.problem for r in rows] == [wide, narrow, plain]
    assert selectors.problem_list(actor=ward["outsider"]) == []
    client.force_login(ward["outsider"])
    assert client.get(reverse("problems:detail", args=[wide.pk])).status_code == 404
    client.force_login(ward["clerk"])
    page = client.get(reverse("problems:list")).content.decode()
    assert page.index("見守り訪問が追いつかない") < page.index("地区の取りこぼし") < page.index("記録様式")


def test_an_organization_concerned_sees_and_takes_part_but_does_not_manage(ward, client):
    outsider = ward["outsider"]
    problem = services.create_problem(
        actor=ward["manager"],
        owner=ward["org"],
        title="避難所に要配慮者の情報が届かない",
        ideal="災害時に社協が要配慮者を把握している",
        reality="名簿の更新が年1回",
        organizations=[outsider.memberships.get().organization],
    )
    assert selectors.may_see(problem, actor=outsider) and not selectors.may_manage(problem, actor=outsider)
    client.force_login(outsider)
    page = client.get(reverse("problems:detail", args=[problem.pk]))
    assert page.status_code == 200 and "避難所に要配慮者" in page.content.decode()
    client.post(reverse("problems:post", args=[problem.pk]), {"text": "社協でも名簿を確認したい"})
    refused = client.post(reverse("problems:status", args=[problem.pk]), {"status": Status.SOLVED})
    assert refused.status_code == 403
    problem.refresh_from_db()
    assert problem.status == Status.FOUND and problem.posts.get().author == outsider


def test_an_anonymous_post_keeps_no_author_anywhere(ward):
    problem = services.create_problem(
        actor=ward["manager"], owner=ward["org"], title="残業が多い", ideal="定時", reality="月40時間"
    )
    services.post(problem, "人員が足りないと思います", actor=ward["clerk"], anonymous=True)
    post = Post.objects.get(problem=problem)
    assert post.author is None
    change = Change.objects.get(problem=problem, what="post")
    assert change.actor is None
    entry = AuditEntry.objects.filter(action="problems.problem.post").get()
    assert "tanto" not in f"{entry.actor_label}{entry.actor_id}{entry.detail}"


def test_every_change_is_history_status_actions_and_edits(ward, client):
    manager = ward["manager"]
    problem = services.create_problem(
        actor=manager, owner=ward["org"], title="申請の処理が遅い", ideal="5日以内", reality="平均12日"
    )
    client.force_login(manager)
    client.post(
        reverse("problems:status", args=[problem.pk]), {"status": Status.ANALYSING, "note": "原因を調べる"}
    )
    client.post(
        reverse("problems:action", args=[problem.pk]),
        {"description": "受付を電子化する", "owner": ward["clerk"].pk, "due": "2027-03-31"},
    )
    action = problem.actions.get()
    client.post(reverse("problems:action_done", args=[problem.pk, action.pk]))
    services.update_problem(problem, actor=manager, reality="平均9日")
    whats = list(Change.objects.filter(problem=problem).order_by("at", "pk").values_list("what", flat=True))
    assert whats == ["created", "status", "action", "action_done", "edited"]
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "原因を調べる" in page and "受付を電子化する" in page and "平均9日" in page


def test_the_forms_create_a_kpi_and_a_problem(ward, client):
    client.force_login(ward["manager"])
    response = client.post(
        reverse("problems:kpi_new"),
        {
            "title": "三宿の対象者数",
            "owner": ward["org"].pk,
            "dataset": ward["dataset"].pk,
            "aggregate": "count",
            "condition": "地区 = '三宿'",
            "target": "3",
            "direction": "higher",
            "unit": "人",
        },
    )
    assert response.status_code == 302
    kpi_page = client.get(response["Location"]).content.decode()
    assert "三宿の対象者数" in kpi_page
    created = client.post(
        reverse("problems:new"),
        {
            "title": "三宿の登録が少ない",
            "ideal": "3人",
            "reality": "2人",
            "owner": ward["org"].pk,
            "kpi": ward["kpi"].pk,
        },
    )
    assert created.status_code == 302
    assert client.get(created["Location"]).status_code == 200
    assert client.get(reverse("problems:kpis")).status_code == 200
    invalid = client.post(reverse("problems:new"), {"title": ""})
    assert invalid.status_code == 400 and "error-summary" in invalid.content.decode()
