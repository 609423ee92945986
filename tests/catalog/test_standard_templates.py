"""Empty datasets from the Digital Agency's standard templates: the standard's columns, names and types; rows
entered or imported afterwards are checked on their content before publishing; a CSV header template; the
same from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kaidan.accounts.models import Organization
from kaidan.catalog.models import Dataset
from kaidan.catalog.standard_datasets import (
    TemplateRefused,
    create_from_template,
    csv_template,
    template,
)
from kaidan.editing.services import add_record
from kaidan.opendata.services import PublishRefused, publish
from kaidan.opendata.standards import check
from kaidan.values.names import machine_name
from kaidan.values.standards import STANDARDS

LABELLED = {
    "都道府県コード又は市区町村コード": "131121",
    "NO": "0001",
    "都道府県名": "東京都",
    "市区町村名": "世田谷区",
    "名称": "区役所第1庁舎",
    "名称_カナ": "クヤクショダイイチチョウシャ",
    "住所": "東京都世田谷区世田谷4-21-27",
    "緯度": "35.646",
    "経度": "139.653",
    "設置位置": "1階正面入口",
    "小児対応設備の有無": "有",
}
GOOD_AED = {machine_name(label): value for label, value in LABELLED.items()}


@pytest.fixture
def bosai(make_org, make_user):
    org = make_org("bosai", name="防災課")
    return org, make_user("bosai.editor", org, role="editor"), make_user("bosai.manager", org, role="manager")


def test_every_standard_is_offered_as_a_template():
    assert template("aed").title == "AED設置箇所一覧"
    assert template("指定緊急避難場所一覧").key == "evacuation_site"
    assert {s.key for s in STANDARDS} >= {"aed", "evacuation_site", "public_facility", "baby_station"}


def test_a_template_makes_an_empty_dataset_with_the_standards_columns_and_types(bosai):
    org, editor, _manager = bosai
    dataset = create_from_template(template("aed"), name="aed-setagaya", organization=org, actor=editor)
    fields = dataset.live_fields()
    assert [f.label for f in fields] == list(template("aed").columns)
    types = {f.label: f.type for f in fields}
    assert types["緯度"] == "latitude" and types["経度"] == "longitude"
    assert types["都道府県コード又は市区町村コード"] == "code" and types["NO"] == "code"
    assert types["名称"] == "text"
    assert dataset.title == "AED設置箇所一覧"
    assert dataset.row_count == 0 and dataset.current_revision == 1
    assert check(dataset).standard is not None and check(dataset).standard.key == "aed"


def test_rows_entered_into_a_template_dataset_are_checked_on_content_before_publishing(bosai):
    org, editor, manager = bosai
    dataset = create_from_template(template("aed"), name="aed-setagaya", organization=org, actor=editor)
    add_record(dataset, GOOD_AED, actor=editor)
    add_record(
        dataset, {**GOOD_AED, "no": "0002", "都道府県コード又は市区町村コード": "131120"}, actor=editor
    )
    result = check(dataset)
    assert result.count == 1
    assert result.violations[0].column == "都道府県コード又は市区町村コード"
    with pytest.raises(PublishRefused) as refused:
        publish(Dataset.objects.get(pk=dataset.pk), actor=manager, reason="施設の代表番号")
    assert "131120" in str(refused.value)


def test_a_conforming_template_dataset_publishes(bosai):
    org, editor, manager = bosai
    dataset = create_from_template(template("aed"), name="aed-setagaya", organization=org, actor=editor)
    add_record(dataset, GOOD_AED, actor=editor)
    published = publish(Dataset.objects.get(pk=dataset.pk), actor=manager, reason="施設の代表番号")
    assert published.published


def refusal(**kwargs) -> str:
    with pytest.raises(TemplateRefused) as refused:
        create_from_template(template("aed"), **kwargs)
    return refused.value.bilingual()


def test_a_taken_or_bad_name_and_a_stranger_are_refused(bosai, make_org, make_user):
    org, editor, _manager = bosai
    create_from_template(template("aed"), name="aed-setagaya", organization=org, actor=editor)
    assert "cannot be used" in refusal(name="aed-setagaya", organization=org, actor=editor)
    assert "lower-case" in refusal(name="AED 2026", organization=org, actor=editor)
    stranger = make_user("stranger", make_org("other"), role="editor")
    assert "only editors" in refusal(name="aed-other", organization=org, actor=stranger)
    viewer = make_user("bosai.viewer", org, role="viewer")
    assert "only editors" in refusal(name="aed-viewer", organization=org, actor=viewer)
    assert not Dataset.objects.filter(name__in=["aed-other", "aed-viewer"]).exists()


def test_the_csv_template_is_the_header_row_in_utf8_with_bom():
    data = csv_template(template("aed"))
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").strip().split(",") == list(template("aed").columns)


def test_the_template_page_creates_the_dataset_and_offers_the_csv(client, bosai):
    org, editor, _manager = bosai
    client.force_login(editor)
    page = client.get("/import/templates/")
    assert page.status_code == 200
    assert "指定緊急避難場所一覧" in page.content.decode()
    csv = client.get("/import/templates/aed.csv")
    assert csv["Content-Disposition"] == 'attachment; filename="aed-template.csv"'
    assert client.get("/import/templates/nothing.csv").status_code == 404
    bad = client.post(
        "/import/templates/",
        {"template": "aed", "name": "Bad Name", "organization": "bosai", "classification": "public"},
    )
    assert bad.status_code == 400 and not Dataset.objects.filter(title="AED設置箇所一覧").exists()
    made = client.post(
        "/import/templates/",
        {"template": "evacuation_site", "name": "hinan", "organization": "bosai", "classification": "public"},
    )
    assert made.status_code == 302 and made["Location"] == "/datasets/hinan/"
    assert Dataset.objects.get(name="hinan").owner == Organization.objects.get(code="bosai")


def test_the_command_creates_from_a_template(bosai):
    _org, editor, _manager = bosai
    out = io.StringIO()
    call_command("dataset", "create", "--template", "aed", "--name", "aed-cli", "--org", "bosai", stdout=out)
    assert "aed-cli" in out.getvalue()
    assert [f.label for f in Dataset.objects.get(name="aed-cli").live_fields()][:3] == [
        "都道府県コード又は市区町村コード",
        "NO",
        "都道府県名",
    ]


def test_the_command_refuses_an_unknown_template_with_exit_2(db, capsys):
    from kaidan.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["dataset", "template-csv", "nothing"])
    assert exited.value.code == 2
    assert "aed, cultural_property" in capsys.readouterr().err
