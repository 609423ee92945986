"""One enforcement point, proven from the outside: every URL the project serves, requested by every kind
of actor, never shows a value above that actor's clearance, outside their row scope, or of an object they
may not see — in pages, grid partials, record views, exports (every format, unpacked), diffs, history,
saved views, share links, access logs, online procedures, KPIs, problems and error pages.

The world holds datasets classified 公開/庁内/限定/秘 and one undecided (未決定); a public dataset with
columns at every level, whose rows are scoped for a partner; history that changed a 秘 value; documents at
several levels; a saved view, a grant, an invitation and a share link; an online procedure with applications
in and out of a partner's scope, and KPIs and problems over scoped and 秘 data (leak_world.py). Each secret
is a unique marker
string. URLs are enumerated from the URL resolver, so a new page is covered the day it is added (a URL
argument this test cannot fill makes it fail, naming the pattern, until FILLERS learns it).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kaidan.access.models import AccessGrant
from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset, SavedView
from kaidan.documents.services import upload_document
from kaidan.editing.services import edit_record, set_field_classification
from kaidan.ingest.services import plan_import, run_import
from kaidan.opendata.actions import ACTIONS
from kaidan.sharing.services import grant_access
from kaidan.store import selectors as store
from kaidan.store.services import RevisionWriter, open_revision

from . import leak_world as lw

pytestmark = pytest.mark.django_db

# Markers: one per secret. "Q" + level + what, never a substring of another marker or of UI text.
PUB = "QPUBVALUE"
INT_COL, LIM_COL, SEC_COL, SEC_OLD = "QINTCOLV", "QLIMCOLV", "QSECCOLV", "QSECOLDV"
OUT_SCOPE = "QOUTSCOPEV"
INT_DS, LIM_DS, SEC_DS = "QINTDSET", "QLIMDSET", "QSECDSET"
UNDECIDED = "QUNDECIDEDDS"
INT_DOC, SEC_DOC = "QINTDOCUMENT", "QSECDOCUMENT"
DELETED_ROW = "QSECDELETEDROW"
RECLASSIFIED = "QRECLASSIFIEDV"  # a 限定 column raised to 秘 after the fact: hidden in every revision
LEFT_SCOPE = "QLEFTSCOPEV"  # a public value of a row that left the partners' 池尻 scope later
REV_MESSAGE = "QREVMESSAGEV"  # a revision message: about the whole dataset, not for row-scoped readers
PUBLISHED_SECRET = "QPUBSECRETV"  # a column of a published dataset raised to 秘 after publishing

ALL_SECRETS = {
    INT_COL,
    LIM_COL,
    SEC_COL,
    SEC_OLD,
    OUT_SCOPE,
    INT_DS,
    LIM_DS,
    SEC_DS,
    UNDECIDED,
    INT_DOC,
    SEC_DOC,
}
ALL_SECRETS |= {DELETED_ROW, RECLASSIFIED, LEFT_SCOPE, REV_MESSAGE, PUBLISHED_SECRET}
ALL_SECRETS |= lw.MARKERS

# What each actor may legitimately see; everything else in ALL_SECRETS must never appear.
ALLOWED: dict[str, set[str]] = {
    "anonymous": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE},
    # bosai owns the undecided dataset
    "other_staff": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE, INT_COL, INT_DS, INT_DOC, UNDECIDED},
    "partner": {INT_COL, LIM_COL},  # granted 限定 on `mixed`, rows of 池尻 only
    # may edit 池尻 rows of `mixed`, up to 限定, and process the 池尻 applications of the procedure
    "scoped_editor": {INT_COL, LIM_COL, lw.PROC_IKEJIRI},
    "owner_viewer": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE, INT_COL, LIM_COL, INT_DS, LIM_DS, INT_DOC}
    | {lw.KPI_ALL, lw.KPI_ALL_GROUPED, lw.KPI_ALL_GAP, lw.PROBLEM_PRIVATE},
    # a link to `mixed` capped at 限定 (its session is also an anonymous visitor's: public pages)
    "link": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE, INT_COL, LIM_COL},
    # a resident holding the private status link of their (池尻) application, otherwise anonymous
    "applicant": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE, lw.PROC_IKEJIRI},
}

WHOLE_LEVEL = {"naisho", "gentei", "himitsu", "mikettei"}
"""Datasets classified as a whole (one column, one level, or undecided): a reader may see all of one or none
of it, so each URL of theirs is asked with its first two variants only; the datasets with columns at every
level and a row scope (`mixed`, and the published one) get every variant (the test asks some 2,000 URLs per
actor; the variants of these four were a third of them)."""

SKIP = {
    "accounts:logout",  # would end the session being tested
    "set_language",
    "live:events",  # an endless stream; its payload carries no values (tests/live) — checked separately below
}


def csv_file(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_dataset(tmp_path, name: str, owner: Organization, text: str, *, classification="public", **levels):
    path = csv_file(tmp_path, f"{name}.csv", text)
    plan, _ = plan_import(
        path,
        dataset=name,
        organization=owner.code,
        title=f"{name} title",
        classification=classification,
        restriction_reason="personal" if classification == "restricted" else "",
    )
    for column in plan.columns:
        if column.label in levels:
            column.classification = levels[column.label]
            if levels[column.label] == "restricted":
                column.restriction_reason = "personal" if hasattr(column, "restriction_reason") else ""
    run_import(plan, actor=SYSTEM)
    return Dataset.objects.get(name=name)


@pytest.fixture
def world(tmp_path, make_org, make_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = make_org("hokenfukushi", name="保健福祉課")
    bosai = make_org("bosai", name="防災課")
    partner = make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会")
    editor = make_user("owner_editor", owner, "manager")
    users = {
        "owner_viewer": make_user("owner_viewer", owner, "viewer"),
        "other_staff": make_user("other_staff", bosai, "viewer"),
        "partner": make_user("partner", partner, "viewer"),
    }
    houkatsu = make_org("houkatsu", kind=Organization.Kind.PARTNER, name="池尻包括")
    users["scoped_editor"] = make_user("scoped_editor", houkatsu, "editor")
    mixed = import_dataset(
        tmp_path,
        "mixed",
        owner,
        "番号,名前,地区,庁内メモ,限定メモ,秘メモ,再分類メモ\n"
        f"1,{PUB}1,池尻,{INT_COL}1,{LIM_COL}1,{SEC_OLD}1,{RECLASSIFIED}1\n"
        f"2,{OUT_SCOPE}2,太子堂,{INT_COL}2,{LIM_COL}2,{SEC_COL}2,\n"
        f"3,{PUB}3,池尻,{INT_COL}3,{LIM_COL}3,{DELETED_ROW}3,\n"
        f"4,{LEFT_SCOPE}4,池尻,{INT_COL}4,{LIM_COL}4,,\n",
        庁内メモ="internal",
        限定メモ="limited",
        秘メモ="restricted",
        再分類メモ="limited",
    )
    # History: a 秘 value changed (old value in the change log), and a row with a 秘 value deleted.
    fields = mixed.live_fields()
    rows = {values[0]: (row_id, rev) for row_id, rev, values in store.iter_rows_with_rev(mixed, fields)}
    edit_record(
        mixed,
        rows[1][0],
        {"秘メモ": f"{SEC_COL}1"},
        actor=editor,
        expected_rev=rows[1][1],
        message=f"{REV_MESSAGE}1",
    )
    mixed.refresh_from_db()
    with transaction.atomic():
        revision = open_revision(mixed, actor=editor, source="edit")
        writer = RevisionWriter(mixed, revision, fields)
        writer.delete([rows[3][0]])
        writer.finish()
    mixed.refresh_from_db()
    # Revision 4: row 4 leaves 池尻; revision 5: 再分類メモ is raised from 限定 to 秘.
    _id, rev, _values = next(r for r in store.iter_rows_with_rev(mixed, fields) if r[2][0] == 4)
    edit_record(mixed, _id, {"地区": "太子堂"}, actor=editor, expected_rev=rev)
    set_field_classification(mixed, "再分類メモ", "restricted", actor=editor)
    mixed.refresh_from_db()
    grant_access(
        mixed,
        actor=SYSTEM,
        organization=houkatsu,
        permission="edit",
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    grant_access(
        mixed,
        actor=SYSTEM,
        organization=partner,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    SavedView.objects.create(dataset=mixed, slug="ikejiri", title="池尻", query="地区__exact=池尻")
    import_dataset(tmp_path, "naisho", owner, f"a,b\n{INT_DS}1,x\n", classification="internal")
    import_dataset(tmp_path, "gentei", owner, f"a,b\n{LIM_DS}1,x\n", classification="limited")
    import_dataset(tmp_path, "himitsu", owner, f"a,b\n{SEC_DS}1,x\n", classification="restricted")
    undecided = import_dataset(tmp_path, "mikettei", bosai, f"a,b\n{UNDECIDED}1,x\n")
    # Open data: a published dataset whose column was raised to 秘 after publishing (the portal, the API,
    # every download and every past revision must drop it at once).
    from kaidan.opendata.services import publish

    opened = import_dataset(
        tmp_path, "opened", owner, f"名称,memo,緯度,経度\n{PUB}5,{PUBLISHED_SECRET}5,35.6,139.7\n"
    )
    publish(opened, actor=SYSTEM)
    set_field_classification(opened, "memo", "restricted", actor=editor)
    undecided.undecided = True
    undecided.save()
    for title, level in ((INT_DOC, "internal"), (SEC_DOC, "restricted"), ("public doc", "public")):
        upload_document(
            actor=editor,
            owner=owner,
            title=title,
            file=SimpleUploadedFile(f"{level}.txt", f"{title} body".encode(), content_type="text/plain"),
            classification=level,
            restriction_reason="personal" if level == "restricted" else "",
        )
    from kaidan.links.services import create_link
    from kaidan.sharing.services import invite

    link, token = create_link(
        actor=editor,
        target=mixed,
        kind="view",
        recipient_name="外部 太郎",
        recipient_email="taro@example.org",
        clearance="limited",
    )
    invitation = invite(actor=editor, email="new.partner@example.org", organization=partner)
    procedure = lw.add_procedure(owner=owner, houkatsu=houkatsu, editor=editor, mixed=mixed)
    analysis = lw.add_kpis_and_problems(import_dataset, tmp_path, owner=owner, partner=partner, editor=editor)
    charts = _charts(editor, mixed, opened, partner)
    return {
        "users": users,
        "link": link,
        "token": token,
        "invitation": invitation,
        "mixed": mixed,
        "procedure": procedure,
        "analysis": analysis,
        **charts,
    }


def _charts(editor: Any, mixed: Dataset, opened: Dataset, partner: Organization) -> dict[str, Any]:
    """Charts over the secrets: grouped by a 秘 column and listing names (the partner sees 池尻 only), on
    an internal dashboard shared with the partner; and a dashboard published before its source column
    was raised to 秘 (the portal must refuse it at view time)."""
    from kaidan.charts import services as charts

    by_secret = charts.create_chart(
        actor=editor,
        title="by secret",
        owner=mixed.owner,
        dataset=mixed,
        spec={"type": "bar", "dimension": "秘メモ"},
        classification="internal",
    )
    names = charts.create_chart(
        actor=editor,
        title="names",
        owner=mixed.owner,
        dataset=mixed,
        spec={"type": "table", "dimension": "名前"},
        classification="internal",
    )
    board = charts.create_dashboard(
        actor=editor, title="board", owner=mixed.owner, classification="internal", slug="leaks"
    )
    for chart in (by_secret, names):
        charts.add_tile(board, chart, actor=editor)
    grant_access(board, actor=SYSTEM, organization=partner, clearance="limited")
    by_memo = charts.create_chart(
        actor=editor,
        title="memo",
        owner=opened.owner,
        dataset=opened,
        spec={"type": "pie", "dimension": "memo"},
        classification="public",
    )
    public = charts.create_dashboard(
        actor=editor, title="public board", owner=opened.owner, classification="public", slug="opened-board"
    )
    charts.add_tile(public, by_memo, actor=editor)
    type(public).objects.filter(pk=public.pk).update(published=True)  # published while memo was public
    return {"charts": [by_secret.pk, names.pk, by_memo.pk]}


def fillers(world: dict[str, Any], actor: str = "") -> dict[str, list[Any]]:
    from kaidan.documents.models import Document

    docs = list(Document.all_objects.values_list("pk", flat=True))
    procedure, analysis = world["procedure"], world["analysis"]
    pks = {*docs, world["link"].pk, world["invitation"].pk, *procedure["submissions"]}
    tokens = [world["token"], "not-a-token", *procedure["tokens"]]
    if actor == "applicant":  # the private link is the applicant's alone
        tokens += procedure["applicant_tokens"]
    return {
        "name": list(Dataset.objects.values_list("name", flat=True)),
        "row_id": [1, 2, 3, 4],
        "slug": ["ikejiri", "leaks", "opened-board", procedure["procedure"].slug],
        "grant_id": list(AccessGrant.objects.values_list("pk", flat=True)),
        "pk": sorted(pks | set(world["charts"]) | set(analysis["kpis"]) | set(analysis["problems"])),
        "number": [1, 2, 4],
        "token": tokens,
        "job_id": ["00000000-0000-0000-0000-000000000000"],
        "uidb64": ["MQ"],
        "action": sorted(ACTIONS),
        "key": list(Dataset.objects.values_list("name", flat=True)),
        "action_id": [1],
        "tile_id": [1, 2, 3],
        "prefix": ["00000000"],
        "run_id": [1],
    }


# Extra query strings per URL name, so that every format and variant is exercised.
VARIANTS: dict[str, list[str]] = {
    "catalog:dataset": [
        "",
        "facet=秘メモ&facet=地区&sort=秘メモ",
        "秘メモ__contains=Q&cols=秘メモ",
        "as_of=1",
        "as_of=1&facet=秘メモ",
        "as_of=1&cols=再分類メモ&facet=再分類メモ",
        "as_of=3&名前__contains=Q",
        "as_of=4",
        f"q={SEC_COL[1:]}",  # the grid's search box asked for secrets (the echo lacks the leading Q)
        f"q={OUT_SCOPE[1:]}",
        f"q={SEC_OLD[1:]}&as_of=1",
    ],
    "catalog:export": [
        f"format={fmt}{extra}"
        for fmt in ("csv", "csv-sjis", "xlsx", "json", "parquet")
        for extra in (
            "",
            "&revision=1",
            "&秘メモ__contains=Q",
            "&revision=3",
            "&as_of=1&再分類メモ__contains=Q",
            f"&q={RECLASSIFIED[1:]}",
        )
    ],
    "editing:record": ["", "as_of=1", "as_of=3"],
    "history:restore_record": ["revision=1", "revision=3"],
    "history:diff": ["from=1&to=3", "from=3&to=1", "from=1&to=2", "from=0&to=4", "from=3&to=5"],
    "history:diff_csv": ["from=1&to=3"],
    "history:diff_json": ["from=1&to=3"],
    "history:as_of": ["at=2000-01-01", "revision=1"],
    "links:download": ["format=csv", "format=xlsx", "format=json"],
    "documents:list": ["", "classification=restricted"],
    # the open-data API: nothing in the world is published, and asking by name must not reveal anything
    "opendata:action": [
        "",
        "id=mixed",
        "id=hokenfukushi&include_datasets=true",
        "q=Q&rows=100",
        "all_fields=true",
    ],
    "opendata:action_unversioned": ["id=himitsu", "name=package_show"],
    # the public portal: search, filters, chart and downloads asked for the raised column
    "opendata:portal": ["", f"q={PUBLISHED_SECRET[1:]}", f"q={SEC_COL[1:]}", "q=QPUB"],
    "opendata:portal_dataset": [
        "",
        "chart=memo",
        "memo__contains=Q&chart=memo",
        f"q={PUBLISHED_SECRET[1:]}",
        "秘メモ__contains=Q&chart=秘メモ",
    ],
    "opendata:portal_download": [
        f"format={fmt}{extra}"
        for fmt in ("csv", "csv-utf8", "csv-sjis", "json", "geojson", "xlsx", "parquet")
        for extra in (
            "",
            "&revision=1",
            "&memo__contains=Q",
            f"&q={PUBLISHED_SECRET[1:]}",
            "&秘メモ__contains=Q",
        )
    ],
    # the SQL console, asked for every dataset whole (GET with run=1 runs the query)
    "analysis:console": [
        f"sql=SELECT * FROM {name}&run=1" for name in ("mixed", "naisho", "gentei", "himitsu", "mikettei")
    ]
    + ["sql=SELECT * FROM mixed&run=1&as_of=1"],
    # the analysis map: every dataset's points, and district sums asked for the secret columns
    "analysis:map": [
        f"kind=points&source=dataset:{name}" for name in ("mixed", "naisho", "gentei", "himitsu", "mikettei")
    ]
    + [f"kind=choropleth&source=dataset:mixed&boundary=1&district={c}" for c in ("秘メモ", "地区", "名前")],
    # the REST API (kaidan.api): the grid's query, past revisions, every export format, diffs both ways
    "api:list_records": [
        "",
        "秘メモ__contains=Q&sort=秘メモ",
        "地区__exact=太子堂",
        "as_of=1",
        "as_of=3&名前__contains=Q",
        f"q={SEC_COL[1:]}",
        "size=500&page=1",
    ],
    "api:get_record": ["", "as_of=1", "as_of=3"],
    "api:diff": ["from=1&to=3", "from=3&to=1", "from=0&to=4", "from=3&to=5", "from=0&to=1"],
    "api:export": [
        f"format={fmt}{extra}"
        for fmt in ("csv", "xlsx", "json", "parquet")
        for extra in ("", "&revision=1", "&revision=3")
    ],
    "api:list_revisions": ["", "page=2"],
    # the search box, asked for every secret (without its leading Q, so the echoed query is no marker)
    "search:search": [f"q={marker[1:]}" for marker in sorted(ALL_SECRETS)]
    + [
        f"q={marker[1:]}&kind={kind}"
        for marker in (SEC_COL, LIM_COL)
        for kind in ("record", "dataset", "document")
    ],
}


def patterns() -> Iterator[tuple[str, URLPattern, str]]:
    def walk(items: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, URLPattern, str]]:
        for item in items:
            if isinstance(item, URLResolver):
                if str(item.pattern).startswith("admin/"):
                    continue  # Django's admin: superusers only, behind 2FA
                ns = item.namespace or namespace
                yield from walk(item.url_patterns, prefix + str(item.pattern), ns)
            elif isinstance(item, URLPattern):
                name = f"{namespace}:{item.name}" if namespace else str(item.name)
                yield prefix + str(item.pattern), item, name

    yield from walk(get_resolver().url_patterns, "", "")


def urls(world: dict[str, Any], actor: str = "") -> Iterator[tuple[str, str]]:
    fill = fillers(world, actor)
    for route, _pattern, name in patterns():
        if name in SKIP:
            continue
        params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        missing = [p for _c, p in params if p not in fill]
        assert not missing, f"the leak test cannot fill {missing} in {route} ({name}): add them to fillers()"
        combos: list[tuple[str, set[str]]] = [(route, set())]
        for _converter, param in params:
            combos = [
                (re.sub(rf"<(?:\w+:)?{param}>", str(value), c, count=1), {*filled, str(value)})
                for c, filled in combos
                for value in fill[param]
            ]
        for path, filled in combos:
            variants = VARIANTS.get(name, [""])
            if filled & WHOLE_LEVEL:
                variants = variants[
                    :2
                ]  # one level for the whole dataset: its gate, not its variants, decides
            for query in variants:
                yield name, "/" + path + (f"?{query}" if query else "")


def body_text(response: Any) -> str:
    """Everything a response discloses, as text: headers and body, with xlsx/parquet unpacked."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    parts = [f"{k}: {v}" for k, v in response.items()]
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    elif raw[:5] == b"%PDF-":  # the counter's printed sheet: its text (pypdf reads NULs between glyphs)
        from pypdf import PdfReader

        pages = PdfReader(io.BytesIO(raw)).pages
        parts.append("".join("".join(p.extract_text().replace("\x00", "").split()) for p in pages))
    elif raw[:4] == b"PAR1":
        import pyarrow.parquet as pq

        parts.append(json.dumps(pq.read_table(io.BytesIO(raw)).to_pylist(), default=str, ensure_ascii=False))
    elif "shift_jis" in content_type.lower() or "cp932" in content_type.lower():
        parts.append(raw.decode("cp932", "replace"))
    else:
        parts.append(raw.decode("utf-8", "replace"))
    return "\n".join(parts)


def client_for(actor: str, world: dict[str, Any]) -> Client:
    client = Client()
    if actor in world["users"]:
        client.force_login(world["users"][actor])
    if actor == "link":
        import time

        from kaidan.links.views import SESSION_VERIFIED

        session = client.session
        session[SESSION_VERIFIED] = {str(world["link"].pk): time.time() + 600}
        session.save()
    return client


# The actors with the most pages to read are asked in files of their own (test_no_leaks_staff.py,
# test_no_leaks_partners.py): pytest-xdist keeps a file on one worker, and together they read for minutes.
STAFF_ACTORS = ["owner_viewer", "other_staff"]
PARTNER_ACTORS = ["partner", "scoped_editor"]


@pytest.mark.parametrize("actor", [a for a in ALLOWED if a not in STAFF_ACTORS + PARTNER_ACTORS])
def test_no_response_to_any_actor_reveals_what_they_may_not_see(actor, world):
    reveals_nothing(actor, world)


def reveals_nothing(actor: str, world: dict[str, Any]) -> None:
    """Every URL, asked as `actor`, shows none of the markers it may not see, and all that it may."""
    client = client_for(actor, world)
    forbidden = ALL_SECRETS - ALLOWED[actor]
    leaks: list[str] = []
    reached: set[str] = set()
    seen = 0
    for name, url in urls(world, actor):
        response = client.get(
            url, headers={"HX-Request": "true", "HX-Target": "grid"} if "grid" in url else {}
        )
        text = body_text(response)
        seen += 1
        found = sorted(m for m in forbidden if m in text)
        if found:
            leaks.append(f"{name} {url} [{response.status_code}]: {found}")
        reached |= {m for m in (ALLOWED[actor] - lw.UNSHOWN) | {PUB} if m in text}
        if name == "catalog:dataset" and "?" not in url:  # also the grid partial used by live updates
            partial = client.get(url, headers={"HX-Request": "true", "HX-Target": "grid"})
            found = sorted(m for m in forbidden if m in body_text(partial))
            if found:
                leaks.append(f"{name} {url} (grid partial): {found}")
    assert seen > 100
    assert not leaks, f"{actor} saw what it may not:\n" + "\n".join(leaks)
    # The test reached real content: everything this actor may see showed up somewhere.
    assert reached == (ALLOWED[actor] - lw.UNSHOWN) | {PUB}


def test_the_owner_editor_sees_every_marker_somewhere_so_the_markers_are_real(world, make_user):
    """A sanity check of the test itself: the markers are reachable for someone cleared for them."""
    client = Client()
    client.force_login(world["users"]["owner_viewer"].__class__.objects.get(username="owner_editor"))
    text = "".join(
        body_text(client.get(url))
        for url in [
            "/datasets/mixed/export?format=csv",
            "/datasets/mixed/export?format=csv&revision=2",
            "/datasets/mixed/diff?from=1&to=3",
            "/datasets/mixed/revisions/",
            "/datasets/himitsu/export?format=json",
            "/datasets/opened/export?format=csv",
            "/documents/",
        ]
    )
    for marker in (
        SEC_COL,
        SEC_OLD,
        SEC_DS,
        INT_COL,
        LIM_COL,
        OUT_SCOPE,
        SEC_DOC,
        DELETED_ROW,
        RECLASSIFIED,
        PUBLISHED_SECRET,
    ):
        assert marker in text, marker
    ikejiri, taishido = world["procedure"]["submissions"]
    counted, secret, _over = world["analysis"]["kpis"]
    counter_link, pending_link, *_forged = world["procedure"]["tokens"]
    pending = pending_link.split("-")[0]
    from kaidan.procedures.applications import resume_token
    from kaidan.procedures.models import Draft

    text = "".join(
        body_text(client.get(url))
        for url in [
            f"/procedures/manage/soudan/cases/{ikejiri}/",
            f"/procedures/manage/soudan/cases/{taishido}/",
            f"/procedures/manage/soudan/counter/{counter_link}/",
            f"/problems/kpis/{counted}/",
            f"/problems/kpis/{secret}/",
            "/problems/kpis/",
            "/problems/",
        ]
    )
    from kaidan.procedures import sheet

    if sheet.available():  # the printed sheet is read too
        printed = body_text(client.get(f"/procedures/manage/soudan/counter/{counter_link}/sheet.pdf"))
        assert lw.PROC_COUNTER in printed
    text += body_text(Client().get(world["procedure"]["applicant_tokens"][0].join(["/procedures/s/", "/"])))
    text += body_text(Client().get(f"/procedures/d/{resume_token(Draft.objects.get(pk=pending))}/"))
    for marker in lw.MARKERS - lw.UNSHOWN:
        assert marker in text, marker


def test_writes_outside_the_scoped_editors_relation_change_nothing_and_name_nothing(world):
    """The scoped editor may change 池尻 rows only: posts aimed at row 2 (太子堂) change nothing, and the
    answers carry nothing the editor may not see."""
    mixed: Dataset = world["mixed"]
    client = client_for("scoped_editor", world)
    forbidden = ALL_SECRETS - ALLOWED["scoped_editor"]
    fields = {f.name: f for f in mixed.live_fields()}
    before = {row_id: values for row_id, values in store.iter_rows(mixed, mixed.live_fields())}
    rev = {row_id: r for row_id, r, _v in store.iter_rows_with_rev(mixed, mixed.live_fields())}
    posts = [
        ("/datasets/mixed/rows/2/cell", {"field": str(fields["名前"].pk), "value": "書換", "rev": rev[2]}),
        ("/datasets/mixed/rows/2/", {"名前": "書換", "rev": rev[2]}),
        ("/datasets/mixed/rows/2/delete", {"rev": rev[2]}),
        ("/datasets/mixed/rows/2/restore", {"revision": 1}),
        ("/datasets/mixed/bulk", {"q": "", "field": "名前", "value": "一括", "action": "apply"}),
        ("/datasets/mixed/rows/new", {"番号": "9", "地区": "太子堂"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        found = sorted(m for m in forbidden if m in body_text(response))
        assert not found, f"{url}: {found}"
    after = {row_id: values for row_id, values in store.iter_rows(mixed, mixed.live_fields())}
    assert after[2] == before[2] and after[4] == before[4]  # 太子堂 rows untouched
    assert set(after) == set(before) | {row_id for row_id in after if after[row_id][2] == "池尻"}
    assert all(values[2] == "池尻" for row_id, values in after.items() if row_id not in before)


def test_the_portal_shows_the_published_dataset_without_its_raised_column(world):
    """The portal URLs above reach real content: the published dataset's public values, not the raised one."""
    client = Client()
    assert "/dataset/opened/" in client.get("/dataset/").content.decode()
    for url in (
        "/dataset/opened/",
        "/dataset/opened/download?format=csv&revision=1",
        "/dataset/opened/download?format=geojson",
    ):
        response = client.get(url)
        text = body_text(response)
        assert response.status_code == 200 and PUB in text and PUBLISHED_SECRET not in text, url


# API tokens act for their organization, capped: the partner's system (granted 限定 on `mixed`, rows of 池尻)
# and the owner's system capped at 庁内. Only the API is asked (elsewhere a token is an anonymous visitor).
TOKEN_ALLOWED: dict[str, set[str]] = {
    "shakyo": {INT_COL, LIM_COL},
    "hokenfukushi": {OUT_SCOPE, LEFT_SCOPE, REV_MESSAGE, INT_COL, INT_DS},
}


@pytest.mark.parametrize("org_code", list(TOKEN_ALLOWED))
def test_no_api_response_to_a_token_reveals_what_its_organization_and_cap_may_not_see(org_code, world):
    from kaidan.api.services import create_token

    org = Organization.objects.get(code=org_code)
    _token, secret = create_token(
        org,
        actor=SYSTEM,
        name="system",
        scopes=["object.view", "object.export", "object.edit"],
        clearance="restricted" if org_code == "shakyo" else "internal",
    )
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    forbidden = ALL_SECRETS - TOKEN_ALLOWED[org_code]
    leaks: list[str] = []
    reached: set[str] = set()
    seen = 0
    for name, url in urls(world):
        if not url.startswith("/api/v1/"):
            continue
        response = client.get(url)
        text = body_text(response)
        seen += 1
        found = sorted(m for m in forbidden if m in text)
        if found:
            leaks.append(f"{name} {url} [{response.status_code}]: {found}")
        reached |= {m for m in TOKEN_ALLOWED[org_code] | {PUB} if m in text}
    assert seen > 50
    assert not leaks, f"{org_code}'s token saw what it may not:\n" + "\n".join(leaks)
    assert reached == TOKEN_ALLOWED[org_code] | {PUB}
