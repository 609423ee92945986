"""Named operations: the one vocabulary used by authorization and by the audit log.

Each operation says what it needs on the object: a clearance at least the object's classification
(`read`), the right to change it (`edit`) or to manage it (`manage`: classification, sharing).
Adding an operation here documents it (docs/operations.md is checked against this list).

`AUDIT_ACTIONS` names every action the audit log records, with the operation it belongs to and a label
translated for the access-log pages; `kaidan.audit.services.record` refuses an action not named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Need(StrEnum):
    READ = "read"
    EDIT = "edit"
    MANAGE = "manage"


@dataclass(frozen=True)
class Operation:
    name: str
    need: Need
    help: str


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        Operation(
            "object.view", Need.READ, "See an object and the columns and rows the actor is cleared for."
        ),
        Operation("object.export", Need.READ, "Download an object's data (masked like the view)."),
        Operation("object.edit", Need.EDIT, "Change an object's content."),
        Operation("object.manage", Need.MANAGE, "Change classification, schema and sharing; release."),
        Operation("object.share", Need.MANAGE, "Create share links and grants for others."),
        Operation("object.delete", Need.MANAGE, "Delete an object."),
        Operation("object.audit", Need.MANAGE, "See who accessed an object."),
    ]
}


@dataclass(frozen=True)
class AuditAction:
    name: str
    label: str | Promise
    operation: str = ""
    """The operation of OPERATIONS this action records (empty for account and system events)."""
    where: str | Promise = ""
    """For reads: where the data was read (filled into the label's %(where)s)."""

    def display(self) -> str:
        label = str(self.label)
        return label % {"where": str(self.where)} if self.where else label


READ_PURPOSES: dict[str, str | Promise] = {
    "view": _("the grid"),
    "record": _("a record"),
    "export": _("an export"),
    "diff": _("a diff"),
    "diff_download": _("a diff download"),
    "history": _("a record's history"),
    "restore": _("a restore preview"),
    "stale": _("a conflicting change"),
}


def _actions() -> dict[str, AuditAction]:
    actions = [
        AuditAction("auth.login", _("Logged in")),
        AuditAction("auth.login_failed", _("Failed login")),
        AuditAction("auth.logout", _("Logged out")),
        AuditAction("auth.two_factor_enabled", _("Two-factor authentication enabled")),
        AuditAction("auth.two_factor_failed", _("Failed two-factor code")),
        AuditAction("accounts.organization.create", _("Organization created")),
        AuditAction("accounts.organization.update", _("Organization changed")),
        AuditAction("accounts.membership.set", _("Membership set")),
        AuditAction("accounts.membership.remove", _("Membership removed")),
        AuditAction("audit.export", _("Audit log exported"), "object.audit"),
        AuditAction("access.grant", _("Access granted"), "object.share"),
        AuditAction("access.grant.change", _("Grant changed"), "object.share"),
        AuditAction("access.revoke", _("Access revoked"), "object.share"),
        AuditAction("access.masking", _("Masking changed"), "object.manage"),
        AuditAction("catalog.dataset.create", _("Dataset created"), "object.edit"),
        AuditAction("catalog.dataset.classify", _("Dataset reclassified"), "object.manage"),
        AuditAction("catalog.field.add", _("Column added"), "object.manage"),
        AuditAction("catalog.field.classify", _("Column reclassified"), "object.manage"),
        AuditAction("catalog.field.remove", _("Column removed"), "object.manage"),
        AuditAction("catalog.field.rename", _("Column renamed"), "object.manage"),
        AuditAction("catalog.field.retype", _("Column type changed"), "object.manage"),
        AuditAction("store.export", _("Exported"), "object.export"),
        AuditAction("store.revision.add", _("Row added"), "object.edit"),
        AuditAction("store.revision.bulk_edit", _("Rows changed in bulk"), "object.edit"),
        AuditAction("store.revision.delete", _("Rows deleted"), "object.edit"),
        AuditAction("store.revision.edit", _("Row changed"), "object.edit"),
        AuditAction("store.revision.import", _("Imported"), "object.edit"),
        AuditAction("store.revision.restore", _("Dataset restored"), "object.manage"),
        AuditAction("store.row.restore", _("Row restored"), "object.edit"),
        AuditAction("history.diff.download", _("Diff downloaded"), "object.export"),
        AuditAction("view.create", _("Saved view created"), "object.edit"),
        AuditAction("view.delete", _("Saved view deleted"), "object.edit"),
        AuditAction("documents.document.upload", _("Document uploaded"), "object.edit"),
        AuditAction("documents.document.add_version", _("Document version added"), "object.edit"),
        AuditAction("documents.document.update", _("Document changed"), "object.edit"),
        AuditAction("documents.document.reclassify", _("Document reclassified"), "object.manage"),
        AuditAction("documents.document.delete", _("Document deleted"), "object.delete"),
        AuditAction("documents.document.download", _("Document downloaded"), "object.export"),
        AuditAction("documents.document.read_restricted", _("Restricted document read"), "object.view"),
        AuditAction("link.create", _("Share link created"), "object.share"),
        AuditAction("link.revoke", _("Share link revoked"), "object.share"),
        AuditAction("link.access", _("Share link used"), "object.view"),
        AuditAction("link.refused", _("Share link refused"), "object.view"),
        AuditAction("object.undecided", _("Marked undecided"), "object.manage"),
        AuditAction("object.release", _("Released"), "object.manage"),
        AuditAction("sharing.invitation.create", _("Partner invited"), "object.share"),
        AuditAction("sharing.invitation.accept", _("Invitation accepted")),
        AuditAction("sharing.invitation.revoke", _("Invitation revoked"), "object.share"),
    ]
    for purpose, where in READ_PURPOSES.items():
        actions.append(
            AuditAction(
                f"store.read_restricted.{purpose}",
                _("Read restricted data (%(where)s)"),
                "object.view",
                where,
            )
        )
        actions.append(
            AuditAction(
                f"store.read_shared.{purpose}",
                _("Read shared limited data (%(where)s)"),
                "object.view",
                where,
            )
        )
    return {a.name: a for a in actions}


AUDIT_ACTIONS: dict[str, AuditAction] = _actions()


def action_label(name: str) -> str:
    """The translated name of an audited action (the action itself when it is not registered)."""
    action = AUDIT_ACTIONS.get(name)
    return action.display() if action is not None else name
