"""`kaidan token create|list|revoke`: API tokens for business systems (the operator, or --user a manager)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kaidan.accounts.selectors import resolve_organization
from kaidan.api import services
from kaidan.api.selectors import list_tokens
from kaidan.core.actors import actor_for
from kaidan.core.errors import DomainError
from kaidan.core.text_table import format_table
from kaidan.values.messages import Message, gettext_noop


class Command(BaseCommand):
    help = Message(
        gettext_noop("Create, list and revoke API tokens (a business system's access for an organization).")
    ).bilingual()

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; its secret is printed once.")
        create.add_argument("--org", required=True, help="The organization's code.")
        create.add_argument("--name", required=True, help="The system that will use it.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            help="An operation it may perform (repeat): object.view, object.export, object.edit …",
        )
        create.add_argument(
            "--clearance", default="internal", help="public, internal, limited or restricted."
        )
        create.add_argument("--days", type=int, default=services.DEFAULT_DAYS)
        create.add_argument("--user", default="", help="Act as this manager (default: the operator).")
        listing = sub.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--org", default="")
        listing.add_argument("--user", default="")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id (the prefix shown by list).")
        revoke.add_argument("prefix")
        revoke.add_argument("--user", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = actor_for(opts["user"])
        try:
            getattr(self, f"_{opts['action']}")(opts, actor=actor)
        except DomainError as exc:
            raise CommandError(exc.bilingual(), returncode=exc.exit_code) from exc

    def _organization(self, code: str) -> Any:
        org = resolve_organization(code)
        if org is None:
            raise CommandError(
                Message(
                    gettext_noop("organization '%(organization)s' not found"), organization=code
                ).bilingual()
            )
        return org

    def _create(self, opts: dict[str, Any], *, actor: Any) -> None:
        token, secret = services.create_token(
            self._organization(opts["org"]),
            actor=actor,
            name=opts["name"],
            scopes=opts["scope"] or services.DEFAULT_SCOPES,
            clearance=opts["clearance"],
            days=opts["days"],
        )
        self.stderr.write(
            Message(
                gettext_noop("token %(prefix)s created (expires %(expires)s); the secret is shown only now:"),
                prefix=token.prefix,
                expires=token.expires_at.date().isoformat(),
            ).bilingual()
        )
        self.stdout.write(secret)

    def _list(self, opts: dict[str, Any], *, actor: Any) -> None:
        org = self._organization(opts["org"]) if opts["org"] else None
        with translation.override("ja"):
            rows = [
                [
                    t.prefix,
                    t.organization.code,
                    t.name,
                    ",".join(t.scopes),
                    t.clearance,
                    t.expires_at.date().isoformat(),
                    "revoked" if t.revoked_at else "",
                ]
                for t in list_tokens(actor=actor, organization=org)
            ]
        header = ["id", "org", "name", "scopes", "clearance", "expires", "status"]
        self.stdout.write(format_table(header, rows), ending="")

    def _revoke(self, opts: dict[str, Any], *, actor: Any) -> None:
        token = services.revoke_token(services.get_token(opts["prefix"], actor=actor), actor=actor)
        self.stderr.write(Message(gettext_noop("token %(prefix)s revoked"), prefix=token.prefix).bilingual())
