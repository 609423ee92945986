"""Import in the browser without dead ends (issue 10, point 2).

Everything the import needs is asked and checked on the upload form; Japanese dataset names; a form
error never loses the chosen file; after bad values the result page offers skipping those rows, going
fixing them in place,
back to the plan, and the list; every failure page has a way forward.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kaidan.access.levels import Level
from kaidan.access.models import Permission
from kaidan.catalog.models import Dataset
from kaidan.ingest.models import ImportJob
from tests.import_forms import plan_post

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
# 焼津市 要配慮者利用施設: Shift_JIS (CP932), 277 rows; three 電話番号 cells hold two numbers or a note.
FACILITIES = REAL / "yaizu-opendata" / "yohairyosya.csv"
PHONE_BAD_ROWS = 3


@pytest.fixture(autouse=True)
def _tasks_run_at_once(immediate_tasks):
    """Run enqueued imports at once (tests/conftest.py)."""


@pytest.fixture
def ward(make_org):
    from kaidan.accounts.models import Organization

    return {
        "fukushi": make_org("hokenfukushi", name="保健福祉政策課"),
        "bosai": make_org("bosai", name="防災課"),
        "shakyo": make_org("shakyo", kind=Organization.Kind.PARTNER, name="社会福祉協議会"),
    }


@pytest.fixture
def clerk(client, ward, make_user):
    """An editor of 保健福祉政策課 who is also a viewer of 防災課."""
    from kaidan.accounts.services import set_membership

    user = make_user("clerk", ward["fukushi"], "editor")
    set_membership(actor=None, user=user, organization=ward["bosai"], role="viewer")
    client.force_login(user)
    return user


def the_file(path: Path = FACILITIES) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def options(html: str, name: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of the <select name=…> on the page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [
        (value, text.strip(), "selected" in attrs)
        for attrs, value, text in re.findall(
            r'<option(?=([^>]*))[^>]*value="([^"]*)"[^>]*>(.*?)</option>', select[1]
        )
    ]


def cells(html: str) -> str:
    """The page with its table cells' attributes (the labels of the stacked layout on a phone) left out."""
    return re.sub(r"<td [^>]*>", "<td>", html)


def import_into_new(client, job: ImportJob, **overrides) -> ImportJob:
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job, **overrides))
    job.refresh_from_db()
    return job


def make_dataset(owner, name: str = "shelters", title: str = "避難所") -> Dataset:
    from kaidan.access.services import SYSTEM
    from kaidan.ingest.services import plan_import, run_import

    plan, _ = plan_import(FACILITIES, dataset=name, title=title, organization=owner.code)
    plan.on_error = "skip"
    return run_import(plan, actor=SYSTEM).dataset


# 1. Everything the import needs is asked and checked up front.


def test_the_owner_organization_defaults_to_the_clerks_own_and_offers_only_where_they_may_import(
    client, clerk, ward
):
    html = client.get(reverse("ingest:upload")).content.decode()

    assert options(html, "organization") == [(str(ward["fukushi"].pk), "保健福祉政策課", True)]
    assert "---------" not in html  # nothing to leave at 「---------」


def test_a_clerk_who_leaves_the_organization_as_it_is_imports_into_their_own(client, clerk, ward):
    html = client.get(reverse("ingest:upload")).content.decode()
    default = next(value for value, _text, selected in options(html, "organization") if selected)

    client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "要配慮者利用施設", "organization": default, "file": the_file()},
    )
    job = import_into_new(client, ImportJob.objects.get(), on_error="skip")

    assert job.status == "done", job.error
    assert Dataset.objects.get(title="要配慮者利用施設").owner == ward["fukushi"]


def test_an_organization_where_the_user_may_not_import_is_refused_on_the_upload_form(client, clerk, ward):
    response = client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "防災", "organization": ward["bosai"].pk, "file": the_file()},
    )

    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors["organization"]


def test_a_superuser_without_an_organization_must_choose_one_on_the_upload_form_and_keeps_the_file(
    client, ward, make_user
):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = make_user("kanri", is_superuser=True, is_staff=True)
    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    client.force_login(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # two-factor verified, as after its login
    session.save()
    response = client.post(reverse("ingest:upload"), {"mode": "create", "title": "施設", "file": the_file()})

    html = response.content.decode()
    assert response.status_code == 200 and "所管組織" in html and not ImportJob.objects.exists()
    assert response.context["form"].errors["organization"]
    token = response.context["form"]["upload"].value()
    assert token and f'value="{token}"' in html and FACILITIES.name in html  # kept, and said so

    response = client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "施設", "organization": ward["bosai"].pk, "upload": token},
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert ImportJob.objects.get().plan["original_name"] == FACILITIES.name


def test_other_modes_offer_only_the_datasets_the_user_may_edit(client, clerk, ward):
    own = make_dataset(ward["fukushi"], "own", "自課の施設")
    other = make_dataset(ward["bosai"], "other", "防災課の施設")
    other.classification = Level.INTERNAL
    other.save()

    html = client.get(reverse("ingest:upload")).content.decode()
    assert [value for value, _t, _s in options(html, "target")] == ["", str(own.pk)]
    assert "防災課の施設" not in html

    response = client.post(
        reverse("ingest:upload"), {"mode": "append", "target": other.pk, "file": the_file()}
    )
    assert response.status_code == 200 and response.context["form"].errors["target"]

    response = client.post(reverse("ingest:upload"), {"mode": "append", "target": own.pk, "file": the_file()})
    assert response.status_code == 302
    assert ImportJob.objects.get().plan["dataset"] == "own"


@pytest.mark.parametrize("who", ["ward viewer", "partner viewer"])
def test_users_without_an_import_right_see_no_menu_entry_and_a_friendly_page(client, ward, make_user, who):
    org = ward["bosai"] if who == "ward viewer" else ward["shakyo"]
    client.force_login(make_user("viewer", org, "viewer"))

    for page in ("core:staff_home", "catalog:catalog"):
        html = client.get(reverse(page)).content.decode()
        assert f'href="{reverse("ingest:upload")}"' not in html, page

    response = client.get(reverse("ingest:upload"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "取り込めません" in html and f'href="{reverse("catalog:catalog")}"' in html
    assert 'enctype="multipart/form-data"' not in html


def test_a_partner_viewer_with_an_edit_grant_may_import_into_that_dataset_only(client, ward, make_user):
    from kaidan.access.services import SYSTEM
    from kaidan.sharing.services import grant_access

    dataset = make_dataset(ward["fukushi"], "shared", "共有の施設")
    grant_access(
        dataset,
        actor=SYSTEM,
        organization=ward["shakyo"],
        permission=Permission.EDIT,
        clearance=Level.LIMITED,
    )
    client.force_login(make_user("partner", ward["shakyo"], "viewer"))

    home = client.get(reverse("core:staff_home")).content.decode()
    assert f'href="{reverse("ingest:upload")}"' in home
    html = client.get(reverse("ingest:upload")).content.decode()
    assert [value for value, _t, _s in options(html, "mode")] == ["replace", "upsert", "append"]
    assert [value for value, _t, _s in options(html, "target")] == ["", str(dataset.pk)]
    assert 'name="organization"' not in html


# 2. Japanese dataset names.


def test_a_japanese_dataset_name_gets_a_machine_name_that_can_be_changed_on_the_plan_page(client, clerk):
    response = client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "一般歳出", "organization": "", "file": the_file()}
        | {"organization": clerk.memberships.get(role="editor").organization_id},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    job = ImportJob.objects.get()
    assert re.fullmatch(r"ds-[0-9a-f]{8}", job.plan["dataset"]) and job.plan["title"] == "一般歳出"
    page = client.get(reverse("ingest:plan", args=[job.pk])).content.decode()
    assert f'value="{job.plan["dataset"]}"' in page and 'value="一般歳出"' in page

    response = client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job, dataset="一般歳出"))
    html = response.content.decode()
    assert response.status_code == 200 and "URL用の識別名" in html and "slug" not in html.lower()

    job = import_into_new(client, job, dataset="general-expenditure", on_error="skip")
    assert job.status == "done", job.error
    assert Dataset.objects.get(name="general-expenditure").title == "一般歳出"


def test_the_same_japanese_title_twice_gets_two_machine_names(client, clerk, ward):
    make_dataset(ward["fukushi"], "placeholder")
    names = []
    for _ in range(2):
        client.post(
            reverse("ingest:upload"),
            {"mode": "create", "title": "一般歳出", "organization": ward["fukushi"].pk, "file": the_file()},
        )
        job = import_into_new(client, ImportJob.objects.first(), on_error="skip")
        assert job.status == "done", job.error
        names.append(job.result["dataset"])
    assert names[1] == f"{names[0]}-2"


def test_a_wrong_machine_name_on_the_upload_form_names_the_field_and_keeps_the_file(client, clerk, ward):
    data = {"mode": "create", "title": "一般歳出", "organization": ward["fukushi"].pk}
    response = client.post(reverse("ingest:upload"), data | {"dataset": "一般歳出", "file": the_file()})

    html = response.content.decode()
    assert response.status_code == 200
    assert "URL用の識別名" in html and "slug" not in html.lower()
    assert "選び直す必要はありません" in html
    token = response.context["form"]["upload"].value()

    response = client.post(reverse("ingest:upload"), data | {"dataset": "ippan-saishutsu", "upload": token})
    assert response.status_code == 302
    assert ImportJob.objects.get().plan["dataset"] == "ippan-saishutsu"


def test_a_machine_name_already_taken_is_refused_on_the_plan_page_not_at_the_end(client, clerk, ward):
    make_dataset(ward["fukushi"], "shelters")
    client.post(
        reverse("ingest:upload"),
        {"mode": "create", "title": "避難所", "organization": ward["fukushi"].pk, "file": the_file()},
    )
    job = ImportJob.objects.get()
    response = client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job, dataset="shelters"))

    assert response.status_code == 200 and "既にあります" in response.content.decode()
    job.refresh_from_db()
    assert job.status == "planned"


def test_another_users_kept_upload_cannot_be_used(client, clerk, ward, make_user):
    data = {"mode": "create", "title": "", "organization": ward["fukushi"].pk}
    response = client.post(reverse("ingest:upload"), data | {"file": the_file()})
    token = response.context["form"]["upload"].value()
    other = make_user("other", ward["fukushi"], "editor")
    client.force_login(other)

    response = client.post(reverse("ingest:upload"), data | {"title": "盗用", "upload": token})

    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors["file"]


# 3. After bad values: skip, back to the plan, the list.


@pytest.fixture
def failed(client, clerk, ward) -> ImportJob:
    client.post(
        reverse("ingest:upload"),
        {
            "mode": "create",
            "title": "要配慮者利用施設",
            "organization": ward["fukushi"].pk,
            "file": the_file(),
        },
    )
    job = import_into_new(client, ImportJob.objects.get())
    assert job.status == "failed" and f"{PHONE_BAD_ROWS}行" in job.error
    return job


def test_after_bad_values_the_result_page_offers_skip_back_to_the_plan_and_the_list(client, failed):
    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()

    assert (
        "該当行を飛ばして取り込む" in html and f'action="{reverse("ingest:skip", args=[failed.pk])}"' in html
    )
    assert "計画に戻る" in html and f'action="{reverse("ingest:reopen", args=[failed.pk])}"' in html
    assert f'href="{reverse("ingest:report", args=[failed.pk])}"' in html
    assert "<td>135</td><td>電話番号</td>" in cells(html)  # the bad values are shown, not only downloadable
    assert "3行に取り込めない値があります" in html and "cannot be imported" not in html
    assert "--" not in re.sub(r"<!--.*?-->", "", html.split('id="import-progress"')[1])  # no CLI hint

    client.cookies["django_language"] = "en"
    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()
    assert "Import skipping those rows" in html and "Back to the plan" in html
    assert "3 rows have values that cannot be imported" in html and "取り込めない" not in html


def test_skipping_those_rows_runs_the_same_plan_without_a_new_upload(client, failed):
    response = client.post(reverse("ingest:skip", args=[failed.pk]))

    assert response.status_code == 302 and response.url == reverse("ingest:progress", args=[failed.pk])
    failed.refresh_from_db()
    assert failed.status == "done", failed.error
    assert failed.result["rejected"] == PHONE_BAD_ROWS and failed.plan["on_error"] == "skip"
    dataset = Dataset.objects.get(name=failed.result["dataset"])
    assert dataset.row_count == 277 - PHONE_BAD_ROWS
    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()
    assert reverse("catalog:dataset", args=[dataset.name]) in html
    assert client.get(reverse("ingest:report", args=[failed.pk])).status_code == 200

    client.post(reverse("ingest:skip", args=[failed.pk]))  # pressed twice: imported once
    assert Dataset.objects.get().revisions.count() == 1


def test_back_to_the_plan_reopens_it_to_change_a_type_and_import_everything(client, failed):
    response = client.post(reverse("ingest:reopen", args=[failed.pk]))

    assert response.status_code == 302 and response.url == reverse("ingest:plan", args=[failed.pk])
    page = client.get(response.url).content.decode()
    assert "電話番号" in page and f'href="{reverse("ingest:report", args=[failed.pk])}"' in page
    failed.refresh_from_db()
    phone = next(i for i, c in enumerate(failed.plan["columns"]) if c["source"] == "電話番号")

    job = import_into_new(client, failed, **{f"c{phone}_type": "text"})

    assert job.status == "done", job.error
    assert Dataset.objects.get(name=job.result["dataset"]).row_count == 277


def fix_form(html: str) -> dict[str, str]:
    """The inputs of the "fix the values" form on the result page: name → value as shown."""
    form = re.search(r'<form[^>]*id="fix-values"[^>]*>(.*?)</form>', html, re.S)
    assert form, "no form to fix the values"
    return dict(re.findall(r'<input[^>]*name="(value-\d+)"[^>]*value="([^"]*)"', form[1]))


FIXED = ["054-625-7200", "054-624-7002", "054-620-5523"]  # the first number of each bad cell


def test_the_bad_values_can_be_fixed_in_place_and_imported_without_a_new_upload(client, failed):
    from kaidan.audit.models import AuditEntry
    from kaidan.store import selectors

    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()
    shown = fix_form(html)
    assert list(shown) == ["value-0", "value-1", "value-2"]  # one input per bad value, holding it
    assert "054-625-7200、" in shown["value-0"]
    assert 'aria-label="135行目 電話番号の正しい値"' in html
    assert "修正した値で取り込む" in html

    response = client.post(
        reverse("ingest:fix", args=[failed.pk]), {f"value-{i}": v for i, v in enumerate(FIXED)}
    )

    assert response.status_code == 302 and response.url == reverse("ingest:progress", args=[failed.pk])
    failed.refresh_from_db()
    assert failed.status == "done", failed.error
    assert failed.result["rejected"] == 0 and failed.result["corrected"] == 3
    dataset = Dataset.objects.get(name=failed.result["dataset"])
    assert dataset.row_count == 277  # every row, the three with the values as fixed
    phone = next(f for f in dataset.live_fields() if f.label == "電話番号")
    phones = {values[0] for _id, values in selectors.iter_rows(dataset, [phone])}
    assert set(FIXED) <= phones
    event = AuditEntry.objects.filter(action="catalog.dataset.create").latest("seq")
    assert event.detail["corrected"] == 3
    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()
    assert "取込時に修正した値 3 件" in html


def test_a_fixed_value_that_is_still_bad_is_shown_again_and_the_rest_stay_fixed(client, failed):
    client.post(
        reverse("ingest:fix", args=[failed.pk]),
        {"value-0": FIXED[0], "value-1": "電話なし", "value-2": FIXED[2]},
    )

    failed.refresh_from_db()
    assert failed.status == "failed" and "1行に取り込めない値があります" in failed.error
    html = client.get(reverse("ingest:progress", args=[failed.pk])).content.decode()
    assert fix_form(html) == {"value-0": "電話なし"}  # the new value, in the row it came from
    assert "<td>181</td><td>電話番号</td>" in cells(html)

    client.post(reverse("ingest:fix", args=[failed.pk]), {"value-0": FIXED[1]})
    failed.refresh_from_db()
    assert failed.status == "done", failed.error
    assert failed.result["corrected"] == 3
    assert Dataset.objects.get(name=failed.result["dataset"]).row_count == 277


def test_fixing_is_a_post_of_the_owner_only_and_imports_once(client, failed, ward, make_user):
    fixed = {f"value-{i}": v for i, v in enumerate(FIXED)}
    assert client.get(reverse("ingest:fix", args=[failed.pk])).status_code == 405
    other = client.__class__()
    other.force_login(make_user("someone", ward["fukushi"], "editor"))
    assert other.post(reverse("ingest:fix", args=[failed.pk]), fixed).status_code == 404

    client.post(reverse("ingest:fix", args=[failed.pk]), fixed)
    client.post(reverse("ingest:fix", args=[failed.pk]), fixed)  # pressed twice: imported once
    assert Dataset.objects.get().revisions.count() == 1


def test_skip_and_reopen_are_posts_of_the_owner_only(client, failed, ward, make_user):
    assert client.get(reverse("ingest:skip", args=[failed.pk])).status_code == 405
    client.force_login(make_user("someone", ward["fukushi"], "editor"))
    assert client.post(reverse("ingest:skip", args=[failed.pk])).status_code == 404
    assert client.post(reverse("ingest:reopen", args=[failed.pk])).status_code == 404
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_a_failure_without_bad_values_offers_the_plan_and_a_new_start(client, clerk, ward, tmp_path):
    """An editor (not a manager) appends a file with a column the dataset does not have."""
    make_dataset(ward["fukushi"], "facilities")
    extra = tmp_path / "追加.csv"
    extra.write_bytes(FACILITIES.read_bytes().replace("№,".encode("cp932"), "備考,".encode("cp932"), 1))
    target = Dataset.objects.get(name="facilities")
    client.post(reverse("ingest:upload"), {"mode": "append", "target": target.pk, "file": the_file(extra)})
    job = ImportJob.objects.get()
    client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job))
    job.refresh_from_db()
    assert job.status == "failed" and "データセットにない列" in job.error

    html = client.get(reverse("ingest:progress", args=[job.pk])).content.decode()
    assert "該当行を飛ばして取り込む" not in html
    assert "計画に戻る" in html and f'href="{reverse("ingest:upload")}"' in html

    client.post(reverse("ingest:reopen", args=[job.pk]))
    job.refresh_from_db()
    first = next(i for i, c in enumerate(job.plan["columns"]) if c["source"] == "備考")
    data = plan_post(job, on_error="skip")
    del data[f"c{first}_include"]
    client.post(reverse("ingest:plan", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.status == "done", job.error


def test_update_by_key_without_a_key_is_refused_on_the_plan_page(client, clerk, ward):
    target = make_dataset(ward["fukushi"], "facilities")
    client.post(reverse("ingest:upload"), {"mode": "upsert", "target": target.pk, "file": the_file()})
    job = ImportJob.objects.get()

    response = client.post(reverse("ingest:plan", args=[job.pk]), plan_post(job))

    assert response.status_code == 200 and response.context["form"].errors["key"]
    assert "--key" not in response.content.decode()


@pytest.mark.parametrize(
    ("title", "name"),
    [("Shelters 2024", "shelters-2024"), ("ＡＥＤ list", "aed-list"), ("2024", None), ("AED一覧", None)],
)
def test_the_derived_machine_name_is_the_ascii_title_or_a_short_hash(title, name):
    from kaidan.ingest.selectors import dataset_name_from

    derived = dataset_name_from(title)
    if name is None:
        assert re.fullmatch(r"ds-[0-9a-f]{8}", derived)
    else:
        assert derived == name


def test_a_file_that_cannot_be_read_is_not_kept(client, clerk, ward):
    data = {"mode": "create", "title": "入れ子", "organization": ward["fukushi"].pk}
    nested = SimpleUploadedFile("入れ子.json", b"[" * 100 + b"]" * 100)
    response = client.post(reverse("ingest:upload"), data | {"file": nested})

    assert response.status_code == 200 and "入れ子.json" in response.context["form"].errors["file"][0]
    assert not response.context["form"]["upload"].value()
    response = client.post(reverse("ingest:upload"), data)
    assert response.context["form"].errors["file"] == ["取り込むファイルを選んでください。"]
