"""The public open-data portal: a catalogue residents search and filter, dataset pages with licence, history,
preview, chart and map, and downloads in every format — all as the anonymous visitor sees the published master."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from kaidan.accounts.models import User
from kaidan.catalog.models import Dataset
from kaidan.opendata.services import publish

pytestmark = pytest.mark.django_db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_catalogue_lists_only_published_datasets(client, ward):
    html = page(client, "/dataset/")
    assert "AED" in html and "/dataset/aed/" in html
    assert "見守り" not in html and "予算" not in html  # 限定 and undecided datasets
    assert Dataset.objects.filter(classification="public", published=False).exists() or True


def test_search_finds_metadata_and_rows_through_the_search_engine(client, ward):
    assert "/dataset/aed/" in page(client, "/dataset/?q=ＡＥＤ")  # width folded
    html = page(client, "/dataset/?q=市役所本館")  # a value in the rows only
    assert "/dataset/aed/" in html and "行にあります" in html
    assert "/dataset/aed/" not in page(client, "/dataset/?q=存在しない言葉")


def test_filters_by_organization_tag_format_and_update_date(client, ward):
    aed = ward
    assert "/dataset/aed/" in page(client, f"/dataset/?organization={aed.owner.code}")
    assert "/dataset/aed/" not in page(client, "/dataset/?organization=nobody")
    assert "/dataset/aed/" in page(client, "/dataset/?format=GeoJSON")  # it has coordinates
    assert "/dataset/aed/" in page(client, "/dataset/?updated_after=2000-01-01")
    assert "/dataset/aed/" not in page(client, "/dataset/?updated_after=2999-01-01")
    assert "/dataset/aed/" in page(client, "/dataset/?sort=title&page=999")  # past the end: the last page
    tag = aed.tags.first()
    if tag is not None:
        assert "/dataset/aed/" in page(client, f"/dataset/?tag={tag.name}")
    assert "/dataset/aed/" not in page(client, "/dataset/?tag=no-such-tag")


def test_the_dataset_page_shows_metadata_licence_history_preview_chart_and_map(client, ward):
    html = page(client, "/dataset/aed/")
    assert "クリエイティブ・コモンズ 表示 4.0 国際" in html and "creativecommons.org/licenses/by/4.0" in html
    assert f"（版 {ward.current_revision}）" in html or f"版 {ward.current_revision}" in html
    assert "更新履歴" in html and "download?format=csv" in html
    assert "市役所本館" in html  # the preview table
    assert 'id="chart"' in html and 'id="chart-data"' in html
    assert 'id="map"' in html and "format=geojson" in html
    assert "leaflet.js" in html and "chart.umd.min.js" in html
    assert client.get("/dataset/mimamori/").status_code == 404  # not published: no such page
    assert client.get("/dataset/budget-draft/").status_code == 404


def test_the_publisher_chooses_the_licence(client, ward):
    publish(ward, actor=User.objects.get(username="admin"), reason="施設の代表番号", licence="CC0-1.0")
    html = page(client, "/dataset/aed/")
    assert "CC0 1.0" in html and "publicdomain/zero" in html
    out = io.StringIO()
    call_command("publish", "aed", "--reason=施設の代表番号", "--licence=PDL-1.0", stdout=out)
    assert "公共データ利用規約" in page(client, "/dataset/aed/")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as refused:
        call_command("publish", "aed", "--reason=x", "--licence=WTFPL", stdout=io.StringIO())
    assert "WTFPL" in str(refused.value)


def test_the_preview_filters_and_the_filtered_downloads_agree(client, ward):
    response = client.get("/dataset/aed/?add_field=名称&add_op=contains&add_value=市役所")
    assert response.status_code == 302
    url = response["Location"]
    html = page(client, url)
    assert "市役所" in html and "条件で絞り込んだ" in html
    rows = download(client, url.replace("/dataset/aed/?", "/dataset/aed/download?format=csv&"))
    lines = rows.decode("utf-8-sig").strip().splitlines()
    assert 1 < len(lines) < ward.row_count + 1
    assert all("市役所" in line for line in lines[1:])


def test_the_chart_counts_a_chosen_column(client, ward):
    html = page(client, "/dataset/aed/?chart=小児対応設備の有無")
    start = html.index('id="chart-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["label"] == "小児対応設備の有無"
    assert sum(n for _label, n in data["values"]) == ward.row_count


def test_downloads_in_every_format(client, ward):
    base = "/dataset/aed/download?format="
    bom = download(client, base + "csv")
    assert bom.startswith(b"\xef\xbb\xbf") and "市役所本館" in bom.decode("utf-8-sig")
    plain = download(client, base + "csv-utf8")
    assert not plain.startswith(b"\xef\xbb\xbf") and plain.decode("utf-8") == bom.decode("utf-8-sig")
    assert "市役所本館" in download(client, base + "csv-sjis").decode("cp932")
    records = json.loads(download(client, base + "json"))
    assert len(records) == ward.row_count
    geo = json.loads(download(client, base + "geojson"))
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(download(client, base + "xlsx"))).active
    assert sheet.max_row == ward.row_count + 1 and sheet.cell(1, 5).value == "名称"
    import pyarrow.parquet as pq

    assert pq.read_table(io.BytesIO(download(client, base + "parquet"))).num_rows == ward.row_count


def test_bad_download_requests_are_refused_with_the_reason(client, ward):
    for query, words in (
        ("format=pdf", "pdf"),
        ("format=csv&revision=999", "999"),
        ("format=csv&revision=abc", "revision"),
    ):
        response = client.get(f"/dataset/aed/download?{query}")
        assert response.status_code == 400
        assert words in response.content.decode()
    assert client.get("/dataset/mimamori/download?format=csv").status_code == 404


def test_xlsx_is_refused_for_more_rows_than_a_sheet_holds(client, ward, monkeypatch):
    from kaidan.opendata import downloads

    monkeypatch.setattr(downloads, "XLSX_MAX_ROWS", 3)
    response = client.get("/dataset/aed/download?format=xlsx")
    assert response.status_code == 400 and "CSV" in response.content.decode()
    assert "format=xlsx" not in page(client, "/dataset/aed/")


@pytest.fixture
def kanji(ward, tmp_path):
    """A published dataset with characters Shift_JIS cannot hold, changed once (two revisions)."""
    from kaidan.access.actors import SYSTEM
    from kaidan.editing.services import edit_record
    from kaidan.ingest.services import plan_import, run_import
    from kaidan.store import selectors as store

    path = tmp_path / "names.csv"
    path.write_text(
        "番号,施設名,緯度,経度\n1,髙島屋前広場,35.6,139.7\n2,𠮷野家前,35.61,139.71\n", encoding="utf-8"
    )
    plan, analysis = plan_import(path, dataset="places", organization=ward.owner.code, title="公共空間")
    plan.classification = "public"
    run_import(plan, actor=SYSTEM, analysis=analysis)
    places = Dataset.objects.get(name="places")
    publish(places, actor=User.objects.get(username="admin"))
    fields = places.live_fields()
    row_id, rev, _values = next(iter(store.iter_rows_with_rev(places, fields)))
    edit_record(places, row_id, {"施設名": "中央広場"}, actor=SYSTEM, expected_rev=rev)
    places.refresh_from_db()
    return places


def test_shift_jis_marks_what_it_cannot_hold_and_the_page_says_so(client, kanji):
    text = download(client, "/dataset/places/download?format=csv-sjis").decode("cp932")
    assert "〓野家前" in text  # 𠮷 is outside Shift_JIS
    assert "〓" in page(client, "/dataset/places/") and "UTF-8" in page(client, "/dataset/places/")
    assert "𠮷野家前" in download(client, "/dataset/places/download?format=csv").decode("utf-8-sig")


def test_downloads_are_the_latest_revision_and_past_ones_by_number(client, kanji):
    latest = download(client, "/dataset/places/download?format=csv").decode("utf-8-sig")
    first = download(client, "/dataset/places/download?format=csv&revision=1").decode("utf-8-sig")
    assert "中央広場" in latest and "髙島屋前広場" not in latest
    assert "髙島屋前広場" in first and "中央広場" not in first
    response = client.get("/dataset/places/download?format=json&revision=1")
    assert response["Content-Disposition"].endswith('places-r1.json"')
    html = page(client, "/dataset/places/")
    assert "revision=1" in html  # the history offers the past revision


def test_a_column_raised_above_public_after_publishing_leaves_the_portal(client, kanji):
    from kaidan.access.actors import SYSTEM
    from kaidan.editing.services import set_field_classification

    set_field_classification(kanji, "施設名", "restricted", actor=SYSTEM)
    assert "中央広場" not in page(client, "/dataset/places/")
    for fmt in ("csv", "csv-utf8", "csv-sjis", "json", "geojson", "xlsx", "parquet"):
        for extra in ("", "&revision=1"):
            body = download(client, f"/dataset/places/download?format={fmt}{extra}")
            assert "広場".encode() not in body and "広場".encode("cp932") not in body, fmt
    response = client.get("/dataset/places/?施設名__contains=広場&chart=施設名")
    assert "広場" not in response.content.decode().split("<main", 1)[1]


def test_a_big_download_is_streamed_in_chunks(ward, tmp_path):
    """The first chunk leaves before the rows are all read (bench/download_bench.py measures 1,000,000)."""
    from kaidan.access.actors import SYSTEM
    from kaidan.ingest.services import plan_import, run_import
    from kaidan.opendata import downloads

    path = tmp_path / "big.csv"
    path.write_text("番号,地区\n" + "".join(f"{i},池尻\n" for i in range(30_000)), encoding="utf-8")
    plan, analysis = plan_import(path, dataset="big", organization=ward.owner.code, title="大きな表")
    plan.classification = "public"
    run_import(plan, actor=SYSTEM, analysis=analysis)
    big = Dataset.objects.get(name="big")
    publish(big, actor=User.objects.get(username="admin"))
    for fmt in ("csv", "json", "xlsx"):
        chunks = downloads.stream(big, fmt)
        first = next(chunks)
        assert 0 < len(first) < 2 * downloads.CHUNK + 100_000, fmt
        assert sum(1 for _ in chunks) >= 1, fmt
    assert next(downloads.stream(big, "parquet")).startswith(b"PAR1")  # a row group of up to 10,000 rows


def test_the_asgi_path_hands_over_one_chunk_at_a_time():
    import asyncio

    from kaidan.opendata.portal_views import _async_chunks

    pulled = []

    def chunks():
        for i in range(3):
            pulled.append(i)
            yield bytes([i])

    async def first_only():
        stream = _async_chunks(chunks())
        first = await stream.__anext__()
        await stream.aclose()
        return first

    assert asyncio.run(first_only()) == b"\x00" and pulled == [0]


def test_the_public_home_leads_into_the_portal(client, ward):
    html = page(client, "/")
    assert 'href="/dataset/"' in html


def test_a_configured_tile_server_is_allowed_on_the_dataset_page_only(client, ward, settings):
    assert 'data-tiles=""' in page(client, "/dataset/aed/")  # the default: no tiles, nothing fetched
    settings.MAP_TILE_URL = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "地理院タイル"
    response = client.get("/dataset/aed/")
    policy = response["Content-Security-Policy"]
    assert "img-src 'self' data: https://cyberjapandata.gsi.go.jp" in policy
    assert "cyberjapandata" in response.content.decode() and "地理院タイル" in response.content.decode()
    assert "cyberjapandata" not in client.get("/dataset/")["Content-Security-Policy"]


def test_the_catalogue_pages_twenty_at_a_time_without_overlap(client, ward, tmp_path):
    import re

    from kaidan.access.actors import SYSTEM
    from kaidan.ingest.services import plan_import, run_import

    for i in range(21):
        path = tmp_path / f"t{i}.csv"
        path.write_text(f"番号,値\n1,{i}\n", encoding="utf-8")
        plan, analysis = plan_import(
            path, dataset=f"table-{i:02d}", organization=ward.owner.code, title=f"表{i:02d}"
        )
        plan.classification = "public"
        run_import(plan, actor=SYSTEM, analysis=analysis)
        publish(Dataset.objects.get(name=f"table-{i:02d}"), actor=User.objects.get(username="admin"))
    first = page(client, "/dataset/?sort=title")
    second = page(client, "/dataset/?sort=title&page=2")
    names = [re.findall(r'class="dataset-title" href="/dataset/([\w-]+)/"', html) for html in (first, second)]
    assert len(names[0]) == 20 and len(names[1]) == 2 and not set(names[0]) & set(names[1])
    assert "22 件のデータセット" in first and 'rel="next"' in first and 'rel="prev"' in second
    assert names[0] == sorted(names[0], key=lambda n: (n != "aed", n))  # AED… sorts before 表 by title
