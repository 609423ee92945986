"""Empty datasets made from the Digital Agency's standard templates (自治体標準オープンデータセット).

A clerk picks a standard (AED設置箇所一覧, 指定緊急避難場所一覧 …, kaidan.values.standards) and gets a new,
empty dataset of the master DB with the standard's columns under the standard's names, each typed
(coordinates in degrees, codes as text, phones, dates, hh:mm times). Rows are then entered or imported as
for any dataset; because the labels are the standard's, the content validator (kaidan.opendata.standards)
recognises the layout and checks every value against its rules before the dataset is published, and the
portal shows its conformance. A CSV template with the header row is offered for filling in Excel.
"""

from __future__ import annotations

import csv
import io
import re

from django.db import transaction

from kaidan.access.actors import Actor, account_of
from kaidan.access.levels import Level
from kaidan.accounts.models import Organization
from kaidan.accounts.selectors import may_create_datasets_in
from kaidan.audit.services import record
from kaidan.core.errors import DomainError
from kaidan.store import tables
from kaidan.store.models import Revision
from kaidan.store.services import RevisionWriter, open_revision
from kaidan.values.messages import Message, ValueProblem, gettext_noop
from kaidan.values.names import machine_name
from kaidan.values.standards import STANDARDS, Standard, column_type, find

from .models import Dataset, Field

NAME = r"^[a-z0-9][a-z0-9-]{0,99}$"


class TemplateRefused(DomainError):
    """A dataset cannot be made from the template as asked (the message says why)."""

    status = 400
    exit_code = 2


def templates() -> list[Standard]:
    """The standards a dataset can be made from, in the order the standards module lists them."""
    return list(STANDARDS)


def template(key: str) -> Standard:
    found = find(key)
    if found is None:
        raise TemplateRefused(
            Message(
                gettext_noop("no standard template '%(key)s' (one of: %(keys)s)"),
                key=key,
                keys=", ".join(s.key for s in STANDARDS),
            )
        )
    return found


def csv_template(standard: Standard) -> bytes:
    """The standard's header row as CSV in UTF-8 with BOM (opens in Excel with the Japanese headers)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(standard.columns)
    return out.getvalue().encode("utf-8-sig")


def create_from_template(
    standard: Standard,
    *,
    name: str,
    organization: Organization,
    actor: Actor,
    title: str = "",
    classification: str = Level.PUBLIC,
) -> Dataset:
    """A new, empty dataset with the standard's columns (one schema revision, audited).

    Refused when the name is taken or malformed, or when the actor may not create datasets in the
    organization (the import's own rule)."""
    if not re.fullmatch(NAME, name):
        raise TemplateRefused(
            Message(
                gettext_noop(
                    "the machine name '%(name)s' must be lower-case letters, digits and hyphens (e.g. aed-2026)"
                ),
                name=name[:100],
            )
        )
    if not may_create_datasets_in(organization, actor=actor):
        raise TemplateRefused(
            Message(
                gettext_noop("only editors of %(organization)s can create its datasets"),
                organization=organization.name,
            )
        )
    try:
        level = Level.parse(classification)
    except ValueProblem as exc:
        raise TemplateRefused(exc.message) from None
    with transaction.atomic():
        if Dataset.objects.filter(name=name).exists():
            raise TemplateRefused(
                Message(
                    gettext_noop("the dataset name '%(name)s' cannot be used: choose another name"), name=name
                )
            )
        dataset = Dataset.objects.create(
            name=name,
            title=title.strip()[:200] or standard.title,
            description=f"{standard.title}（自治体標準オープンデータセット）",
            owner=organization,
            classification=level,
            created_by=account_of(actor=actor),
        )
        fields = [
            Field.objects.create(
                dataset=dataset,
                position=i,
                name=machine_name(column),
                label=column,
                type=column_type(column),
                classification=dataset.classification,
            )
            for i, column in enumerate(standard.columns, start=1)
        ]
        tables.create_table(dataset, fields)
        revision = open_revision(
            dataset,
            actor=actor,
            source=Revision.Source.SCHEMA,
            message=f"標準テンプレート「{standard.title}」から作成",
        )
        RevisionWriter(dataset, revision, fields).finish(schema_fields=fields)
        record(
            "catalog.dataset.create",
            dataset,
            actor=actor,
            detail={"template": standard.key, "classification": dataset.classification},
        )
    dataset.refresh_from_db()
    return dataset
