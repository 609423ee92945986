"""`kaidan publish NAME`: publish a dataset as open data (refused, with the reasons, while it may not be)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaidan.catalog.models import Dataset
from kaidan.core.actors import actor_for
from kaidan.core.errors import DomainError
from kaidan.opendata import services


class Command(BaseCommand):
    help = "Publish a dataset as open data (its master, live) / データセットをオープンデータとして公開"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset")
        parser.add_argument("--user", default="", help="Act as this user (default: the system operator).")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        dataset = Dataset.objects.filter(name=opts["dataset"]).first()
        if dataset is None:
            raise CommandError(
                f"データセット「{opts['dataset']}」がありません / no dataset '{opts['dataset']}'"
            )
        try:
            services.publish(actor, dataset)
        except services.PublishRefused as exc:
            reasons = "\n".join(f"- {r}" for r in exc.reasons)
            raise CommandError(f"公開できません / cannot publish:\n{reasons}", returncode=2) from exc
        except DomainError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        self.stdout.write("公開しました / published: " + dataset.name)
