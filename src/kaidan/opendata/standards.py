"""Standard open datasets (自治体標準オープンデータセット) in the catalogue: which layout a dataset follows,
whether its content keeps the layout's value rules, and the ward's オープンデータ一覧 generated from the
published catalogue in the standard layout.

A dataset follows a layout when its columns include all of the layout's columns, in any order (a file
imported in that layout, or a dataset made from it). Its content is then checked value by value as the
public sees it (the anonymous visitor's visible relation), before it is published and on its portal page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings

from kaidan.catalog.models import Dataset
from kaidan.store.relation import compile_relation
from kaidan.values.messages import Message
from kaidan.values.standards import Standard, match, problem

MAX_ROWS = 200_000
SHOWN = 10


@dataclass
class Violation:
    row: int
    """The row's number in display order (1 = the first row), as a spreadsheet user counts."""
    column: str
    value: str
    reason: Message


@dataclass
class Conformance:
    standard: Standard | None
    violations: list[Violation] = field(default_factory=list)
    count: int = 0
    """How many values break a rule (violations lists the first ones)."""
    checked: int = 0

    @property
    def conforms(self) -> bool:
        return self.standard is not None and self.count == 0


def cached_check(dataset: Dataset) -> Conformance:
    """check(), once per revision of the dataset (the portal page asks for it on every view)."""
    from kaidan.store import readcache

    key = readcache.digest("standard", dataset.pk, dataset.current_revision, str(dataset.updated_at))
    return readcache.get_or_compute(key, lambda: check(dataset))


def check(dataset: Dataset) -> Conformance:
    """The layout the dataset follows, and the values (as the public sees them) that break its rules."""
    rel = compile_relation(dataset, actor=None)
    standard = match([f.label for f in rel.visible])
    result = Conformance(standard)
    if standard is None or not rel.allowed:
        return result
    index = {f.pk: i for i, f in enumerate(rel.fields)}
    for number, (_row_id, _rev, values) in enumerate(rel.rows(), start=1):
        if number > MAX_ROWS:
            break
        result.checked = number
        for fld in rel.visible:
            value = values[index[fld.pk]]
            reason = problem(fld.label, value)
            if reason is not None:
                result.count += 1
                if len(result.violations) < SHOWN:
                    result.violations.append(Violation(number, fld.label, str(value), reason))
    return result


LIST_COLUMNS = [
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "名称",
    "データの概要",
    "キーワード",
    "データ形式",
    "URL",
    "ライセンス",
    "更新日",
]


def open_data_list(base_url: str) -> bytes:
    """The ward's オープンデータ一覧 in the standard layout, from the published catalogue (UTF-8 with BOM)."""
    from . import catalog

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(LIST_COLUMNS)
    for number, dataset in enumerate(catalog.published(), start=1):
        writer.writerow(
            [
                settings.MUNICIPALITY_CODE,
                number,
                settings.PREFECTURE_NAME,
                settings.MUNICIPALITY_NAME,
                dataset.title,
                dataset.description,
                " ".join(tag.name for tag in dataset.tags.all()),
                "CSV",
                f"{base_url}/dataset/{dataset.name}/",
                dataset.licence or "CC-BY-4.0",
                dataset.updated_at.date().isoformat(),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
