"""`kaidan import FILE --dataset NAME …`: import a CSV/TSV/Excel/ODS/JSON file as a new revision."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from kaidan.access.actors import Actor
from kaidan.access.levels import Level, RestrictionReason
from kaidan.access.services import can, rights
from kaidan.accounts.selectors import importable_organizations, resolve_organization
from kaidan.catalog.models import Dataset
from kaidan.core.actors import actor_for
from kaidan.core.errors import Forbidden
from kaidan.ingest.errors import ReadError
from kaidan.ingest.exceptions import ImportRejected, report_csv
from kaidan.ingest.personal import propose as propose_personal
from kaidan.ingest.services import MODES, plan_import, run_import
from kaidan.values.messages import Message, gettext_noop
from kaidan.values.types import FieldType


class Command(BaseCommand):
    help = Message(
        gettext_noop("Import a file into the master DB (create, replace, upsert or append).")
    ).bilingual()
    # Django's system checks load every URL module and view (about half a second); they belong to
    # `kaidan serve` and `manage.py check`, not to each import
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dataset", required=True, help="Machine name of the dataset (ASCII).")
        parser.add_argument("--title", default="", help="Title shown in the catalog (default: the name).")
        parser.add_argument(
            "--org", default="", help="Owner organization, by code or name (for a new dataset)."
        )
        parser.add_argument("--key", default="", help="Key column (label or machine name).")
        parser.add_argument("--mode", choices=MODES, default="create")
        parser.add_argument("--sheet", default=None)
        parser.add_argument("--encoding", default=None, help="Override detection (utf-8, cp932, euc_jp …).")
        parser.add_argument("--header-rows", default=None, help="Header row numbers, 1-based, e.g. 3,4.")
        parser.add_argument("--classification", default="internal", help="public/internal/limited/restricted")
        parser.add_argument("--restriction-reason", default="", help="personal/privacy/bid/undecided/legal")
        parser.add_argument(
            "--column-classification", action="append", default=[], metavar="COL=LEVEL", help="Repeatable."
        )
        parser.add_argument(
            "--type", action="append", default=[], metavar="COL=TYPE", help="Override a type."
        )
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="Import, skipping rows with bad values."
        )
        parser.add_argument("--errors", default="", help="Write the error report (CSV) to this file.")
        parser.add_argument("--message", default="")
        parser.add_argument("--user", default="", help="Act as this user (default: the system operator).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **opts: Any) -> None:
        # Every option is checked before the file is read: a refusal costs no analysis of a large file.
        actor = actor_for(opts["user"])
        header_rows = _header_rows(opts["header_rows"])
        _check_values(opts)
        organization = self._check_target(opts, actor=actor)
        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(
                Message(gettext_noop("file not found: %(path)s"), path=path).bilingual(), returncode=2
            )
        try:
            plan, analysis = plan_import(
                path,
                dataset=opts["dataset"],
                sheet=opts["sheet"],
                encoding=opts["encoding"],
                header_rows=header_rows,
                title=opts["title"],
                organization=organization,
                mode=opts["mode"],
                key=opts["key"],
                classification=opts["classification"],
                restriction_reason=opts["restriction_reason"],
                on_error="skip" if opts["skip_bad_rows"] else "abort",
                message=opts["message"],
            )
            propose_personal(plan, analysis)  # 秘 for what looks personal, unless overridden below
            self._apply_overrides(plan, opts)
        except ReadError as exc:  # the file is refused: a message and exit status 2, never a traceback
            raise CommandError(str(exc), returncode=2) from exc
        except ValueError as exc:  # a --type or --column-classification naming a column the file lacks
            raise CommandError(str(exc), returncode=2) from exc
        self._describe(plan, analysis)
        if not opts["yes"] and opts.get("interactive", True):
            answer = input(Message(gettext_noop("Import? [y/N] ")).bilingual())
            if answer.strip().lower() not in {"y", "yes", "はい"}:
                raise CommandError(Message(gettext_noop("aborted")).bilingual(), returncode=1)
        bar = tqdm(total=analysis.data_rows, unit="行", disable=opts["verbosity"] == 0, file=self.stderr._out)
        done = 0

        def progress(current: int, total: int) -> None:
            nonlocal done
            bar.update(current - done)
            done = current

        try:
            result = run_import(plan, actor=actor, progress=progress, analysis=analysis)
        except ReadError as exc:
            bar.close()
            raise CommandError(str(exc), returncode=2) from exc
        except ImportRejected as exc:
            bar.close()
            for rejected in exc.rejected[:20]:
                self.stderr.write(str(rejected))
            if len(exc.rejected) > 20:
                self.stderr.write(
                    Message(gettext_noop("… %(value)s more"), value=len(exc.rejected) - 20).bilingual()
                )
            if opts["errors"]:
                Path(opts["errors"]).write_bytes(report_csv(exc.rejected))
                self.stderr.write(
                    Message(gettext_noop("error report: %(path)s"), path=opts["errors"]).bilingual()
                )
            raise CommandError(str(exc), returncode=2) from exc
        bar.close()
        if opts["errors"] and result.rejected:
            Path(opts["errors"]).write_bytes(report_csv(result.rejected))
        r = result.revision
        self.stdout.write(
            f"{result.dataset.name} r{r.number}: 追加 added {r.added}, 変更 changed {r.changed}, "
            f"削除 removed {r.removed}, 除外 rejected {r.rejected}"
        )

    def _check_target(self, opts: dict[str, Any], *, actor: Actor) -> str:
        """Refuse a mode, dataset, organization or key that cannot work; return the owner's code.

        The rules `run_import` applies, asked before the file is read (the service still enforces them). A dataset the actor may
        not see is answered like a missing one (no existence leak); a refused right is the service's
        Forbidden (exit 1), a refused option exit 2.
        """
        name = opts["dataset"]
        dataset = Dataset.objects.filter(name=name).first()
        readable = dataset is not None and rights(dataset, actor=actor).can_read
        if opts["mode"] == "create":
            code = self._organization(opts, actor=actor)
            if dataset is not None and not readable:
                raise CommandError(
                    Message(
                        gettext_noop("the dataset name '%(name)s' cannot be used: choose another name"),
                        name=name,
                    ).bilingual(),
                    returncode=2,
                )
            if dataset is not None:
                raise CommandError(
                    Message(
                        gettext_noop(
                            "dataset '%(name)s' already exists (use --mode replace, upsert or append)"
                        ),
                        name=name,
                    ).bilingual(),
                    returncode=2,
                )
            if code not in {org.code for org in importable_organizations(actor=actor)}:
                raise Forbidden(gettext_lazy("Only editors of the organization can create its datasets."))
            return code
        if dataset is None or not readable:
            raise CommandError(
                Message(
                    gettext_noop("dataset '%(name)s' does not exist (use --mode create)"), name=name
                ).bilingual(),
                returncode=2,
            )
        if not can("object.edit", dataset, actor=actor):
            raise Forbidden(gettext_lazy("You may not change this dataset."))
        if opts["mode"] == "upsert" and not opts["key"] and dataset.key_field_id is None:
            raise CommandError(
                Message(gettext_noop("upsert needs a key column (--key)")).bilingual(), returncode=2
            )
        return str(opts["org"])

    def _organization(self, opts: dict[str, Any], *, actor: Actor) -> str:
        """The code of the organization --org names by code or name; refused (exit 2) naming the choices."""
        org = resolve_organization(opts["org"])
        if org is not None:
            return org.code
        if opts["org"].strip():
            head = Message(gettext_noop("no organization '%(name)s'"), name=opts["org"]).bilingual()
        else:
            head = Message(gettext_noop("give the new dataset's organization with --org")).bilingual()
        choices = "\n".join(f"  {o.code}  {o.name}" for o in importable_organizations(actor=actor))
        listing = Message(gettext_noop("organizations you may import into (code, name):")).bilingual()
        none = Message(gettext_noop("(none)")).bilingual()
        raise CommandError(f"{head}\n{listing}\n{choices or '  ' + none}", returncode=2)

    def _apply_overrides(self, plan: Any, opts: dict[str, Any]) -> None:
        by_key = {c.source: c for c in plan.columns} | {c.name: c for c in plan.columns}
        for option, attr in (("column_classification", "classification"), ("type", "type")):
            for item in opts[option]:
                col, sep, value = item.partition("=")
                if not sep or col not in by_key:
                    raise ValueError(
                        Message(
                            gettext_noop("no column '%(col)s' (%(item)s)"), col=col, item=item
                        ).bilingual()
                    )
                if attr == "classification":
                    value = Level.parse(value).value
                    by_key[col].restriction_reason = ""
                    by_key[col].personal_ja = by_key[col].personal_en = ""
                setattr(by_key[col], attr, value)

    def _describe(self, plan: Any, analysis: Any) -> None:
        enc = f", {analysis.encoding}" if analysis.encoding else ""
        sheet = f", sheet {analysis.source.sheet}" if analysis.source.sheet else ""
        self.stdout.write(
            f"{plan.original_name}: {analysis.format}{enc}{sheet}, {analysis.data_rows} 行 rows"
        )
        for col in plan.columns:
            self.stdout.write(
                f"  {col.label} → {col.name} [{col.type}, {col.classification}] {col.evidence_ja}"
            )
            if col.personal_ja:
                self.stdout.write(f"    ! 秘 (personal): {col.personal_ja} / {col.personal_en}")
        for issue in analysis.issues:
            self.stdout.write(f"  ! {issue}")


def _header_rows(text: str | None) -> list[int] | None:
    """--header-rows "3,4" (1-based, as Excel numbers rows) as 0-based row indexes."""
    if not text:
        return None
    try:
        rows = [int(n) - 1 for n in text.split(",")]
    except ValueError:
        rows = [-1]
    if min(rows) < 0:
        raise CommandError(
            Message(
                gettext_noop("--header-rows '%(text)s' takes row numbers from 1, e.g. 3,4"), text=text
            ).bilingual(),
            returncode=2,
        )
    return rows


def _check_values(opts: dict[str, Any]) -> None:
    """Refuse (exit 2) a classification, restriction reason, encoding, type or COL=VALUE that cannot be."""

    def refuse(message: str) -> NoReturn:
        raise CommandError(message, returncode=2)

    try:
        Level.parse(opts["classification"])
    except ValueError as exc:
        refuse(str(exc))
    reasons = [r.value for r in RestrictionReason]
    if opts["restriction_reason"] and opts["restriction_reason"] not in reasons:
        refuse(
            Message(
                gettext_noop("unknown --restriction-reason '%(name)s': %(value)s"),
                name=opts["restriction_reason"],
                value=", ".join(reasons),
            ).bilingual()
        )
    if opts["encoding"]:
        try:
            codecs.lookup(opts["encoding"])
        except LookupError:
            refuse(
                Message(
                    gettext_noop("unknown --encoding '%(name)s' (e.g. utf-8, cp932, euc_jp)"),
                    name=opts["encoding"],
                ).bilingual()
            )
    types = [t.value for t in FieldType]
    for option, form in (("column_classification", "COL=LEVEL"), ("type", "COL=TYPE")):
        flag = "--" + option.replace("_", "-")
        for item in opts[option]:
            col, sep, value = item.partition("=")
            if not (sep and col and value):
                refuse(
                    Message(
                        gettext_noop("%(flag)s '%(item)s' takes %(form)s"), flag=flag, item=item, form=form
                    ).bilingual()
                )
            if option == "type" and value not in types:
                refuse(
                    Message(
                        gettext_noop("unknown %(flag)s '%(value)s': %(value2)s"),
                        flag=flag,
                        value=value,
                        value2=", ".join(types),
                    ).bilingual()
                )
            if option == "column_classification":
                try:
                    Level.parse(value)
                except ValueError as exc:
                    refuse(str(exc))
