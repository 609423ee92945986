"""Cached counts and facets (kaidan.store.readcache): asked again, they come from the cache; but one reader's
cached answer never reaches a reader with other rights, and a new revision is a new question."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.catalog.selectors import grid_query, query_rows
from kaidan.editing.services import edit_record
from kaidan.ingest.services import plan_import, run_import
from kaidan.sharing.services import grant_access, revoke_access
from kaidan.store import readcache

pytestmark = pytest.mark.django_db

CSV = (
    "番号,施設名,地区,所得\n"
    "1,池尻小学校,池尻,100\n"
    "2,太子堂中学校,太子堂,200\n"
    "3,三宿保育園,三宿,300\n"
    "4,池尻児童館,池尻,400\n"
    "5,太子堂まちセン,太子堂,500\n"
)


@pytest.fixture
def world(make_org, make_user, tmp_path):
    owner = make_org("hokenfukushi")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    path = tmp_path / "施設.csv"
    path.write_text(CSV, encoding="utf-8")
    plan, _analysis = plan_import(path, dataset="facilities", organization=owner.code, key="番号")
    for column in plan.columns:
        if column.label == "所得":
            column.classification = "restricted"
    run_import(plan, actor=SYSTEM)
    return {
        "ds": Dataset.objects.get(name="facilities"),
        "editor": make_user("editor", owner, "editor"),
        "staff": make_user("staff", make_org("bosai"), "viewer"),
        "partner": make_user("partner", partner, "viewer"),
        "partner_org": partner,
    }


def grid(actor, qs: str):
    ds = Dataset.objects.get(name="facilities")  # as each request reads it
    return query_rows(ds, grid_query(ds, QueryDict(qs), actor=actor), actor=actor)


def facet(page) -> dict[str, int]:
    (only,) = page.facets
    return {value: n for value, n, _link in only.values}


def test_a_repeated_facet_and_filtered_count_come_from_the_cache(world):
    first = grid(world["editor"], "facet=地区&地区__in=池尻,三宿")
    with CaptureQueriesContext(connection) as queries:
        again = grid(world["editor"], "facet=地区&地区__in=池尻,三宿")
    assert facet(again) == facet(first) == {"池尻": 2, "三宿": 1}
    assert again.total == first.total == 3
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "COUNT(" not in sql.upper()  # neither the GROUP BY nor the total ran again


def test_a_partner_with_a_row_scope_never_gets_the_whole_datasets_cached_counts(world):
    grant_access(
        world["ds"],
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    assert facet(grid(world["editor"], "facet=地区")) == {"池尻": 2, "太子堂": 2, "三宿": 1}
    assert grid(world["editor"], "地区__in=池尻,太子堂").total == 4
    # the same questions from the partner: their own rows only, not the editor's cached answers
    assert facet(grid(world["partner"], "facet=地区")) == {"池尻": 2}
    assert grid(world["partner"], "地区__in=池尻,太子堂").total == 2
    # and the other way round: the partner's cached answers do not confine the editor
    assert facet(grid(world["editor"], "facet=地区")) == {"池尻": 2, "太子堂": 2, "三宿": 1}


def test_rights_changed_after_caching_give_a_new_answer(world):
    grant = grant_access(
        world["ds"],
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    assert facet(grid(world["partner"], "facet=地区")) == {"池尻": 2}
    revoke_access(grant, actor=SYSTEM)
    grant_access(world["ds"], actor=SYSTEM, organization=world["partner_org"], clearance="limited")
    partner = type(world["partner"]).objects.get(pk=world["partner"].pk)  # a new request, rights anew
    assert facet(grid(partner, "facet=地区")) == {"池尻": 2, "太子堂": 2, "三宿": 1}


def test_a_column_above_a_readers_clearance_has_no_facet_even_when_another_reader_cached_one(world):
    assert facet(grid(world["editor"], "facet=所得")) == {100: 1, 200: 1, 300: 1, 400: 1, 500: 1}
    ds = Dataset.objects.get(name="facilities")
    staff_rel = query_rows(
        ds, grid_query(ds, QueryDict("facet=所得"), actor=world["staff"]), actor=world["staff"]
    )
    assert staff_rel.facets == []  # the facet on 秘 was dropped for staff, not served from the cache
    from kaidan.store.relation import compile_relation

    secret = next(f for f in ds.live_fields() if f.label == "所得")
    assert compile_relation(ds, actor=world["staff"]).facet_counts(secret) == []


def test_a_new_revision_is_a_new_question(world):
    assert facet(grid(world["editor"], "facet=地区")) == {"池尻": 2, "太子堂": 2, "三宿": 1}
    ds = Dataset.objects.get(name="facilities")
    page = grid(world["editor"], "地区__exact=三宿")
    row = page.rows[0]
    edit_record(ds, row.row_id, {"地区": "池尻"}, row.rev, actor=world["editor"])
    assert facet(grid(world["editor"], "facet=地区")) == {"池尻": 3, "太子堂": 2}
    assert grid(world["editor"], "地区__exact=三宿").total == 0


def test_the_fingerprint_differs_between_readers_who_see_different_columns(world):
    from kaidan.store.relation import compile_relation

    ds = world["ds"]
    editor = compile_relation(ds, actor=world["editor"]).fingerprint()
    staff = compile_relation(ds, actor=world["staff"]).fingerprint()
    assert editor != staff
    readcache.clear()
    assert readcache.size() == 0


def test_search_words_cached_for_the_editor_do_not_widen_a_partners_search(world):
    from kaidan.search.selectors import matching_row_ids

    grant_access(
        world["ds"],
        actor=SYSTEM,
        organization=world["partner_org"],
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    ds = Dataset.objects.get(name="facilities")
    everyone = matching_row_ids(ds, "太子堂", actor=world["editor"])
    assert len(everyone) == 2
    assert matching_row_ids(ds, "太子堂", actor=world["partner"]) == []
    assert grid(world["partner"], "q=太子堂").total == 0
    assert grid(world["editor"], "q=太子堂").total == 2


def test_concurrent_readers_of_one_answer_compute_it_once():
    import threading
    import time

    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    key = readcache.digest("test", "once")
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda: answers.append(readcache.get_or_compute(key, slow))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [42, 42, 42, 42] and len(calls) == 1


def test_an_answer_with_a_time_limit_is_computed_again_after_it(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(readcache.time, "monotonic", lambda: clock[0])
    key = readcache.digest("test", "ttl")
    assert readcache.get_or_compute(key, lambda: 1, ttl=30) == 1
    assert readcache.get_or_compute(key, lambda: 2, ttl=30) == 1
    clock[0] += 31
    assert readcache.get_or_compute(key, lambda: 3, ttl=30) == 3
