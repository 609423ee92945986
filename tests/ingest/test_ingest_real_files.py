"""Real municipal open-data files (tests/fixtures/real, see its README.md).

Row counts were established independently of Kaidan: CSV records counted with
Python's ``csv`` module, xlsx rows with openpyxl, minus header/metadata rows.
"""

from pathlib import Path

import pytest

from kaidan.ingest.plan import Analysis, analyze, iter_records
from kaidan.values.normalize import normalize_text
from kaidan.values.types import FieldType as T

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def _analyze(name: str, **kwargs: object) -> Analysis:
    return analyze(REAL / name, **kwargs)  # type: ignore[arg-type]


def _check(
    analysis: Analysis, encoding: str | None, names: list[str], types: dict[str, T], rows: int
) -> None:
    assert analysis.encoding == encoding
    for name in names:
        assert name in analysis.header_names, (name, analysis.header_names)
    for name, field_type in types.items():
        assert analysis.column(name).type == field_type, (name, analysis.column(name).evidence_en)
    assert analysis.data_rows == rows


def test_takamatsu_hospital() -> None:
    a = _analyze("takamatsu/hospital_data.csv")
    # 629 CSV records = 1 header + 628 hospitals
    _check(
        a,
        "utf-8",
        ["ID", "latitude", "address", "openingDate", "telephone number", "numberOfBeds"],
        {"latitude": T.LATITUDE, "longitude": T.LONGITUDE, "openingDate": T.DATE, "telephone number": T.PHONE,
         "numberOfBeds": T.INTEGER, "prefCode": T.INTEGER, "medicalSubjects": T.TEXT},
        628,
    )  # fmt: skip
    assert a.layout.header_rows == [0]
    beds = a.column("numberOfBeds")
    assert beds.count_bad == 3 and "19（休床中）" in beds.evidence_en


def test_takamatsu_elderly_welfare_utf8_and_cp932_agree() -> None:
    utf8 = _analyze("takamatsu/elderly_welfare_facility_data.csv")
    cp932 = _analyze("takamatsu/elderly_welfare_facility_data.cp932.csv")
    # 48 CSV records = header + 47 facilities
    for analysis, encoding in ((utf8, "utf-8"), (cp932, "cp932")):
        _check(
            analysis,
            encoding,
            ["ID", "name", "address", "telephoneNumber", "capacity"],
            {"latitude": T.LATITUDE, "telephoneNumber": T.PHONE, "capacity": T.INTEGER, "name": T.TEXT},
            47,
        )
    for (_, left), (_, right) in zip(iter_records(utf8), iter_records(cp932), strict=True):
        assert [normalize_text(v) for v in left] == [normalize_text(v) for v in right]


def test_takamatsu_old_0002_metadata_rows() -> None:
    a = _analyze("takamatsu/old_0002.csv")
    # 523 records - 6 metadata rows - #property header - 2 type rows = 514
    _check(
        a,
        "utf-8-sig",
        ["ID", "name", "address", "installationPosition", "location", "equipmentForChildren"],
        {"startTime": T.TIME, "endTime": T.TIME, "equipmentForChildren": T.BOOLEAN, "location": T.TEXT},
        514,
    )
    assert a.layout.header_rows == [6]
    assert a.layout.data_start == 9
    assert a.layout.metadata["attribution_name"] == "高松市"
    assert a.layout.metadata["license"] == "http://creativecommons.org/licenses/by/3.0/deed.ja"
    assert a.layout.skipped_rows[7] == "meta" and a.layout.skipped_rows[8] == "meta"
    assert next(iter_records(a))[0] == 10  # first data row is line 10 of the file


def test_takamatsu_wellbeing_two_header_rows() -> None:
    a = _analyze("takamatsu/Well-Being-results_0112.xlsx")
    # 102 non-empty sheet rows (openpyxl; the sheet's used range reaches row 1001 but is blank
    # below row 102) = 2 header rows + 100 answers
    _check(
        a,
        None,
        ["回答者ID", "属性_性別", "属性_年代", "医療・福祉_暮らしている地域は、医療機関が充実している"],
        {"回答者ID": T.INTEGER, "医療・福祉_暮らしている地域は、医療機関が充実している": T.INTEGER},
        100,
    )
    assert a.layout.header_rows == [0, 1]
    assert a.column("属性_年代").unit == "代"


def test_takamatsu_sandbag_empty_header_and_stray_column() -> None:
    a = _analyze("takamatsu/sandbag_creation_location_data.csv")
    # 10 records = header + 9 places
    _check(
        a,
        "utf-8",
        ["ID", "名称", "名称_カナ", "住所", "緯度", "経度", "開始時間", "URL"],
        {
            "緯度": T.LATITUDE,
            "経度": T.LONGITUDE,
            "電話番号": T.PHONE,
            "開始時間": T.TIME,
            "終了時間": T.TIME,
        },
        9,
    )
    # the empty-header column holds no value anywhere: dropped
    assert not any(name.startswith("列") for name in a.header_names)
    # the annotation column is kept but explained
    assert "←データの項目名を入力" in a.header_names
    assert any(i.code == "annotation_column" and "←データの項目名を入力" in i.message_ja for i in a.issues)


def test_takamatsu_events_free_text_dates() -> None:
    a = _analyze("takamatsu/events_data.xlsx")
    # 52 sheet rows = header + 51 events
    _check(
        a,
        None,
        ["№", "対象", "開催日", "開始時間", "行事名", "緯度", "経度", "TEL"],
        {"№": T.INTEGER, "開催日": T.TEXT, "開始時間": T.TEXT, "緯度": T.LATITUDE, "経度": T.LONGITUDE},
        51,
    )
    # free-text dates cannot become a date column: the evidence says why
    assert "no type fits 95%" in a.column("開始時間").evidence_en


def test_takamatsu_population_2026() -> None:
    a = _analyze("takamatsu/population_0066_202602.xlsx")
    # 236 sheet rows = #property header + 235 districts
    _check(
        a,
        None,
        ["ID", "prefCode", "regionCode", "surveyDate", "regionName", "totalPopulation", "man1", "woman18"],
        {"surveyDate": T.DATE, "totalPopulation": T.INTEGER, "man1": T.INTEGER, "regionName": T.TEXT},
        235,
    )
    assert a.column("regionCode").count_empty == 235
    assert len(a.header_names) == 49


def test_takamatsu_moving_metadata_inside_sheet() -> None:
    a = _analyze("takamatsu/number_of_people_moving_in_and_out_0092_2024.xlsx")
    # 21 sheet rows = 6 metadata + header + 2 type rows + 12 months
    _check(
        a,
        None,
        ["ID", "month", "withinThePrefOfTransferMan", "OutOfThePreffWoman"],
        {"month": T.INTEGER, "OutOfThePreffWoman": T.INTEGER},
        12,
    )
    assert a.layout.metadata["file_name"] == "0092"


def test_takamatsu_dental_padded_headers() -> None:
    a = _analyze("takamatsu/dental_laboratories_data.xlsx")
    # 83 sheet rows = header + 82 laboratories
    _check(
        a,
        None,
        ["№", "歯科技工所名", "開設者", "所在地", "開設日", "name"],
        {"№": T.INTEGER, "開設日": T.DATE, "latitude": T.LATITUDE},
        82,
    )


@pytest.mark.parametrize(("name", "encoding"), [("area_days.csv", "utf-8"), ("area_days.cp932.csv", "cp932")])
def test_setagaya_5374_area_days(name: str, encoding: str) -> None:
    a = _analyze(f"setagaya-5374/{name}")
    # 119 records = header + 118 areas
    _check(
        a,
        encoding,
        ["地名", "センター", "資源", "可燃ごみ", "不燃ごみ", "ペットボトル"],
        {"地名": T.TEXT, "不燃ごみ": T.TEXT},
        118,
    )
    first = next(iter_records(a))
    assert first == (2, ["赤堤1・3～5", "世田谷", "木", "水 土", "月2 月4", "月1 月3"])


def test_setagaya_budget_cp932_with_grouped_amounts() -> None:
    a = _analyze("setagaya-budget/ippansaisyutu.csv")
    # 10,251 records = header + 10,250 budget lines
    _check(
        a,
        "cp932",
        ["年度", "所属名称", "予算事業名称", "予算見積額", "予備区分１", "予備区分８名称"],
        {"年度": T.INTEGER, "所属名称": T.TEXT, "予算見積額": T.INTEGER, "前年度対要求額": T.INTEGER},
        10250,
    )
    assert a.column("予算見積額").count_bad == 0  # "19,763" and 19763 both read


def test_setagaya_election_unquoted_thousands_separator() -> None:
    a = _analyze("setagaya-election/2011-council_candidate.csv")
    # 83 lines = header + 82 candidates
    _check(
        a,
        "utf-8",
        ["order", "elected", "name", "party", "votes"],
        {"elected": T.BOOLEAN, "order": T.INTEGER},
        82,
    )
    assert a.header_names == ["order", "elected", "name", "party", "votes"]
    # cannot be imported correctly: the analysis says why
    overflow = [i for i in a.issues if i.code == "overflow"]
    assert overflow and "more values than the header's 5 columns" in overflow[0].message_en
    assert "区切り文字" in overflow[0].message_ja
    mayor = _analyze("setagaya-election/2011-mayor_candidate.csv")
    _check(mayor, "utf-8", ["votes"], {"votes": T.INTEGER, "elected": T.BOOLEAN}, 5)
    assert not [i for i in mayor.issues if i.code == "overflow"]


def test_shinagawa_hinanjo() -> None:
    a = _analyze("shinagawa-shelter/hinanjo.csv")
    # 63 records = header + 62 shelters
    _check(
        a,
        "utf-8-sig",
        ["施設名", "施設名(英語)", "住所", "電話番号", "緯度", "経度", "標準地域コード"],
        {"電話番号": T.PHONE, "緯度": T.LATITUDE, "経度": T.LONGITUDE, "対象地区": T.TEXT},
        62,
    )
    assert not [i for i in a.issues if i.code == "dms_coordinates"]


def test_shinagawa_ittokishugobasho_dms_coordinates() -> None:
    a = _analyze("shinagawa-shelter/ittokishugobasho.csv")
    # 167 records = header + 166 gathering places
    _check(a, "cp932", ["施設名", "対象地区", "緯度", "経度"], {"緯度": T.LATITUDE, "経度": T.LONGITUDE}, 166)
    dms = [i for i in a.issues if i.code == "dms_coordinates"]
    assert {i.message_en.split("'")[1] for i in dms} == {"緯度", "経度"}
    assert "度分秒" in dms[0].message_ja


def test_hachioji_kosodate_halfwidth_kana() -> None:
    a = _analyze("hachioji-kosodate/kosodateshisetuitiran.xlsx")
    # 173 sheet rows = header + 172 facilities
    _check(
        a,
        None,
        ["都道府県コード又は市区町村コード", "NO", "名称", "名称_カナ", "住所", "認可等年月日", "開始時間"],
        {"認可等年月日": T.DATE, "開始時間": T.TIME, "収容定員": T.INTEGER, "一時預かりの有無": T.BOOLEAN,
         "緯度": T.LATITUDE, "電話番号": T.PHONE},
        172,
    )  # fmt: skip
    assert a.sheets == ["子育て施設一覧_フォーマット"]
    _, first = next(iter_records(a))
    assert normalize_text(first[a.header_names.index("名称_カナ")]) == "ハチオウジシリツコヤスホイクエン"


def test_yaizu_aed_zero_padded_numbers_stay_codes() -> None:
    a = _analyze("yaizu-opendata/222127_aed.csv")
    # 83 records = header + 82 AEDs
    _check(
        a,
        "utf-8",
        ["NO", "名称", "名称_カナ", "設置位置", "電話番号", "小児対応設備の有無"],
        {"NO": T.CODE, "電話番号": T.PHONE, "小児対応設備の有無": T.BOOLEAN, "緯度": T.LATITUDE},
        82,
    )


def test_yaizu_yohairyosya_cp932_with_nec_characters() -> None:
    a = _analyze("yaizu-opendata/yohairyosya.csv")
    # 278 CSV records (335 physical lines: newlines inside quoted cells) = header + 277
    _check(
        a,
        "cp932",
        ["№", "要配慮者利用施設名称", "郵便番号", "所在地", "地域防災計画分類"],
        {"№": T.INTEGER, "郵便番号": T.POSTAL_CODE, "避難確保計画対象": T.BOOLEAN, "緯度": T.LATITUDE},
        277,
    )
    _, first = next(iter_records(a))
    assert first[a.header_names.index("地域防災計画分類")] == "①障害福祉サービス等提供施設"


def test_yaizu_tourism_value_outside_header() -> None:
    a = _analyze("yaizu-opendata/222127_tourism.csv")
    # 206 CSV records (236 lines, newlines inside cells) = header + 205 places
    _check(
        a,
        "utf-8-sig",
        ["NO", "名称", "名称_カナ", "住所", "緯度", "経度", "HP有無"],
        {"NO": T.INTEGER, "緯度": T.LATITUDE, "HP有無": T.BOOLEAN},
        205,
    )
    # the header has 49 names but row 109 has a note in a 50th, unnamed column
    overflow = [i for i in a.issues if i.code == "overflow"]
    assert overflow and "rows 109" in overflow[0].message_en


def test_tokyo_koto_public_toilets() -> None:
    a = _analyze("tokyo-public-toilets/GIS_131083_public_toilet.csv")
    # 192 records = header + 191 toilets
    _check(
        a,
        "utf-8",
        ["全国地方公共団体コード", "ID", "名称", "所在地_連結表記", "男性トイレ総数", "車椅子使用者用トイレ有無"],
        {"ID": T.TEXT, "男性トイレ総数": T.INTEGER, "車椅子使用者用トイレ有無": T.BOOLEAN, "利用開始時間": T.TIME,
         "緯度": T.LATITUDE},
        191,
    )  # fmt: skip


def test_komae_aed() -> None:
    a = _analyze("komae-aed/aed.csv")
    # 58 records = header + 57 AEDs
    _check(
        a,
        "utf-8",
        ["NO", "名称", "名称_カナ", "住所", "内線番号", "URL"],
        {"NO": T.INTEGER, "開始時間": T.TIME, "小児対応設備の有無": T.BOOLEAN, "内線番号": T.TEXT},
        57,
    )
    _, first = next(iter_records(a))
    assert normalize_text(first[a.header_names.index("名称_カナ")]) == "コマエシヤクショ"
    assert (
        first[a.header_names.index("URL")]
        == "https://www.city.komae.tokyo.jp/index.cfm/42,73691,328,2043,html"
    )


def test_imabari_facilities() -> None:
    a = _analyze("imabari/今治市施設一覧.csv")
    # 510 records = header + 509 facilities
    _check(
        a,
        "utf-8-sig",
        ["名称", "テーマ", "分類", "所在地", "リンク", "緯度", "経度"],
        {"名称": T.TEXT, "緯度": T.LATITUDE, "経度": T.LONGITUDE},
        509,
    )
