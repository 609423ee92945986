"""The leak world's online procedure, KPIs and problems (tests/security/test_no_leaks.py builds the rest).

- A procedure of the owner organization whose applications' dataset (秘) is shared with the 池尻 partner
  (houkatsu, the scoped editor) for the 池尻 cases only: one application from 池尻, one from 太子堂 with an
  attachment, a resident's draft not sent, and a counter draft of the owner's clerk. The applicant of the
  池尻 application holds its private status link (the `applicant` actor); nobody else holds a real link.
- KPIs over a 限定 dataset shared with 社会福祉協議会 for its 池尻 rows: one over a public column (the
  partner's figure is their rows' sum; the whole sum is a marker), one over a 秘 column (nobody tested
  may see it), and one over the 秘 dataset `himitsu` whose title is a marker. Problems: one concerning the
  partner measured by the first KPI, one of the owner alone (its title is a marker), one concerning the
  partner measured by the KPI over `himitsu`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kaidan.access.services import SYSTEM
from kaidan.accounts.models import Organization, User
from kaidan.catalog.models import Dataset
from kaidan.sharing.services import grant_access

PROC_IKEJIRI = "QPROCIKEJIRIV"  # an answer of the 池尻 application
PROC_TAISHIDO = "QPROCTAISHIDOV"  # an answer of the 太子堂 application
PROC_FILE = "QPROCFILETAISHIDO"  # the 太子堂 application's attachment (file name, so its document title)
PROC_DRAFT = "QPROCDRAFTV"  # a resident's draft not sent (its link is the resident's alone)
PROC_COUNTER = "QPROCCOUNTERV"  # a counter draft: its clerk's alone, never on the residents' pages
KPI_ALL = "73519"  # the sum of 件数 over every row (池尻 311 + 太子堂 73208), as pages show it
KPI_ALL_GROUPED = "73,519"  # the same written with a thousands separator
KPI_ALL_GAP = "26481"  # the whole sum's gap to the target of 100000
KPI_SECRET = "98765"  # the sum of the 秘 column 秘件数 (池尻 987651 + 太子堂 2)
KPI_SECRET_GROUPED = "987,65"
KPI_SECRET_TITLE = "QSECKPITITLE"  # the title of a KPI over the 秘 dataset himitsu
PROBLEM_PRIVATE = "QPRIVPROBLEM"  # the title of a problem of the owner organization alone

MARKERS = {
    PROC_IKEJIRI,
    PROC_TAISHIDO,
    PROC_FILE,
    PROC_DRAFT,
    PROC_COUNTER,
    KPI_ALL,
    KPI_ALL_GROUPED,
    KPI_ALL_GAP,
    KPI_SECRET,
    KPI_SECRET_GROUPED,
    KPI_SECRET_TITLE,
    PROBLEM_PRIVATE,
}
UNSHOWN = {KPI_ALL_GROUPED, KPI_SECRET_GROUPED}
"""Markers that catch a leak in another form, but that even those cleared for them need not meet."""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def add_procedure(
    *, owner: Organization, houkatsu: Organization, editor: User, mixed: Dataset
) -> dict[str, Any]:
    from kaidan.procedures import applications, counter, services
    from kaidan.procedures.forms import ApplicationForm
    from kaidan.procedures.schema import FieldDef, Kind

    procedure = services.create_procedure(actor=editor, owner=owner, slug="soudan", title="相談の申込み")
    for d in (
        FieldDef("name", Kind.TEXT, "名前", required=True),
        FieldDef("district", Kind.CHOICE, "地区", required=True, choices=["池尻", "太子堂"]),
        FieldDef("photo", Kind.FILE, "写真"),
    ):
        services.add_field(procedure, d, actor=editor)
    services.publish(procedure, actor=editor)
    procedure.refresh_from_db()

    def send(name: str, district: str, filename: str = "") -> Any:
        raw = {"name": name, "district": district}
        draft = applications.save_draft(procedure, None, raw)
        if filename:
            upload = SimpleUploadedFile(filename, PNG, content_type="image/png")
            applications.hold_file(draft, "photo", upload)
        held = applications.held_files(draft)
        data = ApplicationForm.data_from(draft.version, raw, "resident@example.jp")
        form = ApplicationForm(draft.version, data=data, held=held)
        assert form.is_valid(), form.errors
        return applications.submit(draft, form.answers(), email="resident@example.jp")

    ikejiri, status_token = send(PROC_IKEJIRI, "池尻")
    taishido, _other = send(PROC_TAISHIDO, "太子堂", f"{PROC_FILE}.png")
    pending = applications.save_draft(procedure, None, {"name": PROC_DRAFT, "district": "池尻"})
    at_counter = counter.start(procedure, actor=editor, dataset_name=mixed.name, row_id=1)
    applications.save_draft(procedure, at_counter, {"name": PROC_COUNTER, "district": "池尻"})
    grant_access(
        Dataset.objects.get(pk=procedure.dataset_id),
        actor=SYSTEM,
        organization=houkatsu,
        permission="edit",
        clearance="restricted",
        row_filter=[{"field": "district", "op": "in", "value": ["池尻"]}],
    )
    forged = "0" * 40
    return {
        "procedure": procedure,
        "submissions": [ikejiri.pk, taishido.pk],
        # every actor tries the counter draft's real link (only its clerk may open it) and forged ones
        "tokens": [
            applications.resume_token(at_counter),
            f"{pending.pk}-{forged}",
            f"{ikejiri.pk}-{forged}",
            f"{taishido.pk}-{forged}",
        ],
        "applicant_tokens": [status_token],
    }


def add_kpis_and_problems(
    import_dataset: Any, tmp_path: Any, *, owner: Organization, partner: Organization, editor: User
) -> dict[str, Any]:
    from kaidan.problems import services as problems
    from kaidan.problems.kpis import measure_sql

    kpidata = import_dataset(
        tmp_path,
        "kpidata",
        owner,
        "地区,件数,秘件数\n池尻,311,987651\n太子堂,73208,2\n",
        classification="limited",
        件数="public",
        秘件数="restricted",
    )
    grant_access(
        kpidata,
        actor=SYSTEM,
        organization=partner,
        clearance="limited",
        row_filter=[{"field": "地区", "op": "in", "value": ["池尻"]}],
    )
    himitsu = Dataset.objects.get(name="himitsu")

    def kpi(title: str, dataset: Dataset, sql: str) -> Any:
        return problems.create_kpi(
            actor=editor,
            title=title,
            owner=owner,
            dataset=dataset,
            sql=sql,
            target=Decimal(100000),
            direction="higher",
        )

    counted = kpi("相談件数", kpidata, measure_sql(kpidata, "sum", "件数"))
    secret = kpi("秘の件数", kpidata, measure_sql(kpidata, "sum", "秘件数"))
    over_secret = kpi(KPI_SECRET_TITLE, himitsu, measure_sql(himitsu, "count"))

    def problem(title: str, measured_by: Any, concerned: list[Organization]) -> Any:
        return problems.create_problem(
            actor=editor,
            title=title,
            owner=owner,
            ideal="十分な相談",
            reality="不足",
            kpi=measured_by,
            organizations=concerned,
        )

    shared = problem("相談の不足", counted, [partner])
    private = problem(PROBLEM_PRIVATE, counted, [])
    hidden_kpi = problem("秘の指標の課題", over_secret, [partner])
    hidden_column = problem("秘の件数の課題", secret, [partner])
    return {
        "kpis": [counted.pk, secret.pk, over_secret.pk],
        "problems": [shared.pk, private.pk, hidden_kpi.pk, hidden_column.pk],
    }
