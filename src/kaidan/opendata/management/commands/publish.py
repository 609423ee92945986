"""`kaidan publish NAME`: publish a dataset as open data (refused, with the reasons, while it may not be)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.models import Dataset
from kaidan.core.actors import actor_for
from kaidan.core.errors import DomainError
from kaidan.opendata import services
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Publish a dataset as open data (its master, live)")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset")
        parser.add_argument("--user", default="", help="Act as this user (default: the system operator).")
        parser.add_argument(
            "--reason",
            default="",
            help="Why values that look personal may be published (recorded in the audit log).",
        )

        parser.add_argument(
            "--licence",
            default=None,
            help="The licence: CC-BY-4.0 (default), CC0-1.0 or PDL-1.0 (公共データ利用規約).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        dataset = Dataset.objects.filter(name=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(
                Message(gettext_noop("no dataset '%(name)s'"), name=opts["dataset"]).bilingual()
            )
        try:
            services.publish(dataset, actor=actor, reason=opts.get("reason", ""), licence=opts.get("licence"))
        except services.PublishWarned as exc:
            listed = "\n".join(f"- {services.describe(f)}" for f in exc.findings)
            raise CommandError(
                Message(
                    gettext_noop("values look personal: publish with --reason to record why:")
                ).bilingual()
                + "\n"
                + listed,
                returncode=2,
            ) from exc
        except services.PublishRefused as exc:
            reasons = "\n".join(f"- {r}" for r in exc.reasons)
            raise CommandError(
                Message(gettext_noop("cannot publish:")).bilingual() + "\n" + reasons,
                returncode=2,
            ) from exc
        except DomainError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        self.stdout.write(Message(gettext_noop("published: ")).bilingual() + dataset.name)
