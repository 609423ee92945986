"""`kaidan unpublish NAME`: take a dataset off the open-data API."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.models import Dataset
from kaidan.core.actors import actor_for
from kaidan.core.errors import DomainError
from kaidan.opendata import services
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(gettext_noop("Stop publishing a dataset as open data")).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset")
        parser.add_argument("--user", default="", help="Act as this user (default: the system operator).")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        dataset = Dataset.objects.filter(name=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(
                Message(gettext_noop("no dataset '%(name)s'"), name=opts["dataset"]).bilingual()
            )
        try:
            services.unpublish(dataset, actor=actor)
        except services.PublishRefused as exc:
            reasons = "\n".join(f"- {r}" for r in exc.reasons)
            raise CommandError(
                Message(gettext_noop("cannot unpublish:")).bilingual() + "\n" + reasons,
                returncode=2,
            ) from exc
        except DomainError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        self.stdout.write(Message(gettext_noop("unpublished: ")).bilingual() + dataset.name)
