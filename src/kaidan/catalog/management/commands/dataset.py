"""`kaidan dataset create --template KEY --name NAME --org CODE`: an empty dataset from a standard template;
`kaidan dataset templates`: the templates; `kaidan dataset template-csv KEY`: a template's CSV header row."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.accounts.selectors import resolve_organization
from kaidan.catalog import standard_datasets
from kaidan.core.actors import actor_for
from kaidan.core.text_table import format_table
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop(
            "Create an empty dataset from a standard template (自治体標準オープンデータセット); list the templates."
        )
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an empty dataset from a standard template.")
        create.add_argument("--template", required=True, help="The template's key (aed …) or title.")
        create.add_argument("--name", required=True, help="The new dataset's machine name.")
        create.add_argument("--org", required=True, help="Owner organization, by code or name.")
        create.add_argument("--title", default="", help="Title (default: the standard's title).")
        create.add_argument("--classification", default="public", help="public (default), internal …")
        create.add_argument("--user", default="", help="Act as this user (default: the system operator).")
        sub.add_parser("templates", help="List the standard templates: key, title, columns.")
        headers = sub.add_parser("template-csv", help="Write a template's CSV header row (UTF-8 with BOM).")
        headers.add_argument("template", help="The template's key or title.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "templates":
            rows = [[s.key, s.title, len(s.columns)] for s in standard_datasets.templates()]
            self.stdout.write(format_table(["キー", "名称", "列数"], rows), ending="")
            return
        standard = standard_datasets.template(opts["template"])
        if opts["action"] == "template-csv":
            sys.stdout.buffer.write(standard_datasets.csv_template(standard))
            return
        actor = actor_for(opts["user"])
        org = resolve_organization(opts["org"])
        if org is None:
            raise CommandError(
                Message(gettext_noop("no organization '%(name)s'"), name=opts["org"]).bilingual(),
                returncode=2,
            )
        dataset = standard_datasets.create_from_template(
            standard,
            name=opts["name"],
            organization=org,
            title=opts["title"],
            classification=opts["classification"],
            actor=actor,
        )
        self.stdout.write(
            Message(
                gettext_noop("created %(name)s from the template %(template)s: %(columns)s columns, no rows"),
                name=dataset.name,
                template=standard.title,
                columns=len(standard.columns),
            ).bilingual()
        )
