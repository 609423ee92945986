"""Specification of table layout detection (kaidan.ingest.layout)."""

from kaidan.ingest.layout import classify_row, detect_layout, overflow, project


def test_title_and_blank_rows_above_header_are_skipped() -> None:
    rows: list[list[object]] = [
        ["令和5年度 施設一覧", "", "", ""],
        ["", "", "", ""],
        ["名称", "住所", "", "定員"],
        ["市民会館", "高松市1-1", "", 100],
        ["公民館", "高松市2-2", "", 30],
    ]
    layout = detect_layout(rows)
    assert layout.header_rows == [2]
    assert layout.data_start == 3
    assert layout.skipped_rows == {0: "title", 1: "blank"}
    # the blank column inside the header is kept until the scan proves it empty
    assert [c.name for c in layout.columns] == ["名称", "住所", "列3", "定員"]
    assert project(layout, rows[3]) == ["市民会館", "高松市1-1", "", 100]


def test_merged_header_cells_are_joined_with_group_label() -> None:
    rows: list[list[object]] = [
        ["地区", "人口", "", "", "備考"],
        ["", "総数", "男", "女", ""],
        ["塩屋町", 402, 188, 214, ""],
        ["築地町", 646, 287, 359, "※"],
    ]
    layout = detect_layout(rows)
    assert layout.header_rows == [0, 1]
    assert layout.names == ["地区", "人口_総数", "人口_男", "人口_女", "備考"]
    assert layout.columns[2].source_names == ["人口", "男"]


def test_header_override() -> None:
    rows: list[list[object]] = [
        ["地区", "人口", "", "", "備考"],
        ["", "総数", "男", "女", ""],
        ["塩屋町", 402, 188, 214, ""],
    ]
    layout = detect_layout(rows).with_header([1])
    assert layout.header_rows == [1]
    assert layout.skipped_rows == {0: "title"}
    assert layout.names[:4] == ["列1", "総数", "男", "女"]
    assert detect_layout(rows, header_rows=[0, 1]).names[1] == "人口_総数"


def test_header_names_are_cleaned_and_made_unique() -> None:
    rows: list[list[object]] = [
        [
            "名称",
            " 名称 ",
            "",
            "telephone\u3000number",
            "\u3000歯\u3000科\u3000技\u3000工\u3000所\u3000名",
            "ﾌﾘｶﾞﾅ",
        ],
        ["a", "b", "c", "087-000-0000", "x", "ア"],
    ]
    layout = detect_layout(rows)
    assert layout.names == ["名称", "名称_2", "列3", "telephone number", "歯科技工所名", "フリガナ"]


def test_takamatsu_metadata_and_type_rows() -> None:
    rows: list[list[object]] = [
        ["#LINK", "", ""],
        ["#lang", "ja", ""],
        ["#attribution_name", "高松市", ""],
        ["#license", "http://creativecommons.org/licenses/by/3.0/deed.ja", ""],
        ["#property", "name", "address"],
        ["#object_type_xsd", "string", "string"],
        ["#property_context", "Assertion", "Assertion"],
        ["1", "健康増進施設", "高松市番町"],
    ]
    layout = detect_layout(rows)
    assert layout.header_rows == [4]
    assert layout.data_start == 7
    assert layout.metadata["attribution_name"] == "高松市"
    assert layout.metadata["license"].endswith("by/3.0/deed.ja")
    assert layout.skipped_rows[5] == "meta"
    # the #property marker cell is stripped; its column holds the record IDs
    assert layout.names == ["ID", "name", "address"]
    assert classify_row(layout, ["#object_type_xsd", "string"]) == "meta"


def test_footer_notes_and_blank_rows_are_not_data() -> None:
    layout = detect_layout([["名称", "人数"], ["a", 1]])
    assert classify_row(layout, ["b", 2]) == "data"
    assert classify_row(layout, ["", ""]) == "blank"
    assert classify_row(layout, ["※ 令和5年4月1日現在", ""]) == "note"
    assert classify_row(layout, ["（注）数値は概数です", ""]) == "note"
    assert classify_row(layout, ["出典：高松市", ""]) == "note"
    assert classify_row(layout, ["資料:総務省", ""]) == "note"
    # a data row that happens to start with 注 but has values is data
    assert classify_row(layout, ["注射室", 3]) == "data"


def test_totals_row_flagged() -> None:
    layout = detect_layout([["区", "地区", "人数"], ["北区", "a", 1]])
    assert classify_row(layout, ["合計", "", 100]) == "total"
    assert classify_row(layout, ["北区", "小 計", 10]) == "total"
    assert classify_row(layout, ["Total", "", 100]) == "total"
    assert classify_row(layout, ["北区", "計算センター", 10]) == "data"


def test_values_beyond_the_header_are_overflow() -> None:
    rows: list[list[object]] = [
        ["order", "name", "votes"],
        ["1", "大場", "9", "617.756"],
        ["2", "ひうち", "411"],
    ]
    layout = detect_layout(rows)
    assert layout.names == ["order", "name", "votes"]
    assert overflow(layout, rows[1]) == [(3, "617.756")]
    assert overflow(layout, rows[2]) == []


def test_single_header_row_is_not_mistaken_for_two() -> None:
    rows: list[list[object]] = [
        ["名称", "URL", "", "メモ"],
        ["a", "http://x", "", ""],
        ["b", "http://y", "", ""],
    ]
    assert detect_layout(rows).header_rows == [0]
