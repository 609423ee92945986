"""The form builder: procedures, their draft fields, and publishing a version (a manager's act, audited).

Staff of the owner organization edit a procedure (editors and up: `rights(actor, procedure).can_edit`);
publishing freezes the draft fields into a new immutable `ProcedureVersion` and adds the columns the
dataset lacks (managers: `can_manage`). Answers already given keep the version they answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from kaidan.access.actors import Actor, account_of
from kaidan.access.services import rights
from kaidan.accounts.models import Organization
from kaidan.audit.services import record
from kaidan.core.errors import Forbidden, NotFound
from kaidan.values.messages import Message, gettext_noop

from . import records
from .models import Procedure, ProcedureVersion
from .schema import FieldDef, Kind, load, problems

INFO_FIELDS = ("title", "purpose", "eligibility", "bring", "fees")
DEFAULT_DISTRICTS = ["池尻", "太子堂", "三軒茶屋", "三宿", "区外"]


def voice_template() -> list[FieldDef]:
    """The built-in form of 区民の声 (residents' voice): category, district and the opinion, so that its
    dataset is analysed by 分野, 地区 and 受付月 (PROCEDURES_DISTRICTS lists the ward's districts)."""
    districts = list(getattr(settings, "PROCEDURES_DISTRICTS", DEFAULT_DISTRICTS))
    return [
        FieldDef(
            "category",
            Kind.CHOICE,
            "分野",
            required=True,
            choices=["道路・公園", "ごみ・環境", "子育て", "福祉", "防災", "その他"],
        ),
        FieldDef("district", Kind.CHOICE, "地区", required=True, choices=districts),
        FieldDef("message", Kind.LONG_TEXT, "ご意見・ご要望", required=True),
        FieldDef("reply", Kind.CHECKBOX, "回答を希望する"),
    ]


class ProcedureRejected(ValueError):
    """The change was refused; nothing was written. `problems` say why (kaidan.values.messages)."""

    def __init__(self, found: Sequence[Message]) -> None:
        self.problems = list(found)
        super().__init__("; ".join(m.bilingual() for m in self.problems))


def can_create_in(owner: Organization, *, actor: Actor) -> bool:
    return rights(Procedure(owner=owner), actor=actor).can_edit


def _require_edit(procedure: Procedure, *, actor: Actor) -> None:
    r = rights(procedure, actor=actor)
    if not r.can_edit:
        raise NotFound(detail=procedure.slug) if not _is_owner_staff(procedure, actor=actor) else Forbidden()


def _is_owner_staff(procedure: Procedure, *, actor: Actor) -> bool:
    from kaidan.access.services import organizations_of

    return any(o.pk == procedure.owner_id for o in organizations_of(actor=actor))


@transaction.atomic
def create_procedure(
    *,
    actor: Actor,
    owner: Organization,
    slug: str,
    title: str,
    kind: str = Procedure.Kind.APPLICATION,
    **info: str,
) -> Procedure:
    if not can_create_in(owner, actor=actor):
        raise Forbidden()
    if Procedure.objects.filter(slug=slug).exists():
        raise ProcedureRejected([Message(gettext_noop("the machine name '%(value)s' is taken"), value=slug)])
    procedure = Procedure(
        owner=owner, slug=slug, title=title.strip(), kind=kind, created_by=account_of(actor=actor)
    )
    for name in INFO_FIELDS[1:]:
        setattr(procedure, name, info.get(name, ""))
    if kind == Procedure.Kind.VOICE:
        procedure.draft_fields = [d.to_dict() for d in voice_template()]
    procedure.full_clean(exclude=["created_by", "current_version", "dataset"])
    procedure.save()
    record("procedures.procedure.create", procedure, actor=actor, detail={"slug": slug, "owner": owner.code})
    return procedure


@transaction.atomic
def update_procedure(procedure: Procedure, *, actor: Actor, **info: str) -> Procedure:
    _require_edit(procedure, actor=actor)
    changed = {k: v for k, v in info.items() if k in INFO_FIELDS and getattr(procedure, k) != v}
    for name, value in changed.items():
        setattr(procedure, name, value)
    if changed:
        procedure.save()
        record("procedures.procedure.update", procedure, actor=actor, detail={"changed": sorted(changed)})
    return procedure


def _save_fields(procedure: Procedure, defs: list[FieldDef], what: str, key: str, *, actor: Actor) -> None:
    procedure.draft_fields = [d.to_dict() for d in defs]
    procedure.save(update_fields=["draft_fields", "updated_at"])
    record("procedures.procedure.update", procedure, actor=actor, detail={"fields": what, "field": key})


def _check_one(defs: list[FieldDef], d: FieldDef, index: int | None) -> None:
    others = [x for i, x in enumerate(defs) if i != index]
    position = len(others) if index is None else index
    candidate = [*others[:position], d, *others[position:]]
    before = problems(defs)
    found = [p for p in problems(candidate) if p not in before]
    if found:
        raise ProcedureRejected(found)


@transaction.atomic
def add_field(procedure: Procedure, d: FieldDef, *, actor: Actor) -> None:
    _require_edit(procedure, actor=actor)
    defs = load(procedure.draft_fields)
    _check_one(defs, d, None)
    _save_fields(procedure, [*defs, d], "add", d.key, actor=actor)


@transaction.atomic
def update_field(procedure: Procedure, index: int, d: FieldDef, *, actor: Actor) -> None:
    _require_edit(procedure, actor=actor)
    defs = load(procedure.draft_fields)
    if not 0 <= index < len(defs):
        raise NotFound(detail=index)
    _check_one(defs, d, index)
    defs[index] = d
    _save_fields(procedure, defs, "change", d.key, actor=actor)


@transaction.atomic
def move_field(procedure: Procedure, index: int, delta: int, *, actor: Actor) -> None:
    _require_edit(procedure, actor=actor)
    defs = load(procedure.draft_fields)
    target = index + delta
    if not (0 <= index < len(defs) and 0 <= target < len(defs)):
        return
    defs[index], defs[target] = defs[target], defs[index]
    _save_fields(procedure, defs, "move", defs[target].key, actor=actor)


@transaction.atomic
def remove_field(procedure: Procedure, index: int, *, actor: Actor) -> None:
    """Remove a field from the draft (published versions, their answers and the column stay)."""
    _require_edit(procedure, actor=actor)
    defs = load(procedure.draft_fields)
    if not 0 <= index < len(defs):
        raise NotFound(detail=index)
    removed = defs.pop(index)
    _save_fields(procedure, defs, "remove", removed.key, actor=actor)


def publish(procedure: Procedure, *, actor: Actor) -> ProcedureVersion:
    """Freeze the draft fields as the next version and open the procedure to residents (managers only)."""
    r = rights(procedure, actor=actor)
    if not r.can_manage:
        raise Forbidden()
    defs = load(procedure.draft_fields)
    found = problems(defs)
    if not defs:
        found.append(Message(gettext_noop("the form has no fields")))
    if found:
        raise ProcedureRejected(found)
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        records.sync_columns(locked, defs, actor=actor)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProcedureVersion.objects.create(
            procedure=locked,
            number=number,
            fields=[d.to_dict() for d in defs],
            published_by=account_of(actor=actor),
        )
        locked.current_version = version
        locked.status = Procedure.Status.PUBLISHED
        locked.save(update_fields=["current_version", "status", "updated_at"])
        record(
            "procedures.procedure.publish",
            locked,
            actor=actor,
            detail={
                "version": number,
                "fields": [d.key for d in defs],
                "dataset": records.dataset_name(locked),
            },
        )
    procedure.refresh_from_db()
    return version


@transaction.atomic
def close_procedure(procedure: Procedure, *, actor: Actor) -> None:
    if not rights(procedure, actor=actor).can_manage:
        raise Forbidden()
    procedure.status = Procedure.Status.CLOSED
    procedure.save(update_fields=["status", "updated_at"])
    record("procedures.procedure.close", procedure, actor=actor)


def field_defs(procedure: Procedure) -> list[FieldDef]:
    return load(procedure.draft_fields)


def info(procedure: Procedure) -> dict[str, Any]:
    return {name: getattr(procedure, name) for name in INFO_FIELDS}
