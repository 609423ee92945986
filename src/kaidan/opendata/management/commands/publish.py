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
                f"データセット「{opts['dataset']}」がありません / no dataset '{opts['dataset']}'"
            )
        try:
            services.publish(actor, dataset, reason=opts.get("reason", ""), licence=opts.get("licence"))
        except services.PublishWarned as exc:
            listed = "\n".join(f"- {services.describe(f)}" for f in exc.findings)
            raise CommandError(
                "個人情報に見える値があります。理由を --reason で記録すれば公開できます / values look personal: "
                f"publish with --reason to record why:\n{listed}",
                returncode=2,
            ) from exc
        except services.PublishRefused as exc:
            reasons = "\n".join(f"- {r}" for r in exc.reasons)
            raise CommandError(f"公開できません / cannot publish:\n{reasons}", returncode=2) from exc
        except DomainError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc
        self.stdout.write("公開しました / published: " + dataset.name)
