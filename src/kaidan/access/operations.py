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
from django.utils.translation import pgettext_lazy


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
    "view": pgettext_lazy("audit read", "the grid"),
    "record": pgettext_lazy("audit read", "a record"),
    "export": pgettext_lazy("audit read", "an export"),
    "diff": pgettext_lazy("audit read", "a diff"),
    "diff_download": pgettext_lazy("audit read", "a diff download"),
    "history": pgettext_lazy("audit read", "a record's history"),
    "restore": pgettext_lazy("audit read", "a restore preview"),
    "stale": pgettext_lazy("audit read", "a conflicting change"),
    "sql": pgettext_lazy("audit read", "an SQL query"),
    "datastore_sql": pgettext_lazy("audit read", "an open-data SQL query"),
    "case": pgettext_lazy("audit read", "a procedure case"),
    "kpi": pgettext_lazy("audit read", "a KPI"),
    "chart": pgettext_lazy("audit read", "a chart"),
    "map": pgettext_lazy("audit read", "a map"),
}


def _actions() -> dict[str, AuditAction]:
    actions = [
        AuditAction("analysis.sql", pgettext_lazy("audit action", "SQL query run"), "object.view"),
        AuditAction("charts.chart.create", pgettext_lazy("audit action", "Chart created")),
        AuditAction("charts.chart.change", pgettext_lazy("audit action", "Chart changed"), "object.edit"),
        AuditAction("charts.chart.delete", pgettext_lazy("audit action", "Chart deleted"), "object.delete"),
        AuditAction("charts.dashboard.create", pgettext_lazy("audit action", "Dashboard created")),
        AuditAction(
            "charts.dashboard.change", pgettext_lazy("audit action", "Dashboard changed"), "object.edit"
        ),
        AuditAction(
            "charts.dashboard.publish",
            pgettext_lazy("audit action", "Dashboard published on the portal"),
            "object.manage",
        ),
        AuditAction(
            "charts.dashboard.unpublish",
            pgettext_lazy("audit action", "Dashboard publication stopped"),
            "object.manage",
        ),
        AuditAction("analysis.boundary.upload", pgettext_lazy("audit action", "Boundary file uploaded")),
        AuditAction("problems.kpi.create", pgettext_lazy("audit action", "KPI created")),
        AuditAction("problems.kpi.change", pgettext_lazy("audit action", "KPI changed")),
        AuditAction("problems.problem.create", pgettext_lazy("audit action", "Problem recorded")),
        AuditAction("problems.problem.change", pgettext_lazy("audit action", "Problem changed")),
        AuditAction("problems.problem.post", pgettext_lazy("audit action", "Posted on a problem")),
        AuditAction(
            "catalog.dataset.publish",
            pgettext_lazy("audit action", "Published as open data"),
            "object.manage",
        ),
        AuditAction(
            "catalog.dataset.unpublish",
            pgettext_lazy("audit action", "Open data publication stopped"),
            "object.manage",
        ),
        AuditAction("api.token.create", pgettext_lazy("audit action", "API token created")),
        AuditAction("api.token.revoke", pgettext_lazy("audit action", "API token revoked")),
        AuditAction("api.token.use", pgettext_lazy("audit action", "API token used")),
        AuditAction(
            "api.token.refused", pgettext_lazy("audit action", "Expired or revoked API token refused")
        ),
        AuditAction("api.webhook.create", pgettext_lazy("audit action", "Webhook added"), "object.share"),
        AuditAction("api.webhook.delete", pgettext_lazy("audit action", "Webhook removed"), "object.share"),
        AuditAction(
            "api.webhook.disable",
            pgettext_lazy("audit action", "Webhook disabled after failures"),
            "object.share",
        ),
        AuditAction(
            "imports.schedule.create", pgettext_lazy("audit action", "Import schedule set up"), "object.edit"
        ),
        AuditAction(
            "imports.schedule.change", pgettext_lazy("audit action", "Import schedule changed"), "object.edit"
        ),
        AuditAction(
            "imports.schedule.delete", pgettext_lazy("audit action", "Import schedule removed"), "object.edit"
        ),
        AuditAction("auth.login", pgettext_lazy("audit action", "Logged in")),
        AuditAction("auth.login_failed", pgettext_lazy("audit action", "Failed login")),
        AuditAction("auth.logout", pgettext_lazy("audit action", "Logged out")),
        AuditAction(
            "auth.two_factor_enabled", pgettext_lazy("audit action", "Two-factor authentication enabled")
        ),
        AuditAction("auth.two_factor_failed", pgettext_lazy("audit action", "Failed two-factor code")),
        AuditAction("accounts.organization.create", pgettext_lazy("audit action", "Organization created")),
        AuditAction("accounts.organization.update", pgettext_lazy("audit action", "Organization changed")),
        AuditAction("accounts.membership.set", pgettext_lazy("audit action", "Membership set")),
        AuditAction("accounts.membership.remove", pgettext_lazy("audit action", "Membership removed")),
        AuditAction("audit.export", pgettext_lazy("audit action", "Audit log exported"), "object.audit"),
        AuditAction("access.grant", pgettext_lazy("audit action", "Access granted"), "object.share"),
        AuditAction("access.grant.change", pgettext_lazy("audit action", "Grant changed"), "object.share"),
        AuditAction("access.revoke", pgettext_lazy("audit action", "Access revoked"), "object.share"),
        AuditAction("access.masking", pgettext_lazy("audit action", "Masking changed"), "object.manage"),
        AuditAction(
            "catalog.dataset.create", pgettext_lazy("audit action", "Dataset created"), "object.edit"
        ),
        AuditAction(
            "catalog.dataset.classify", pgettext_lazy("audit action", "Dataset reclassified"), "object.manage"
        ),
        AuditAction("catalog.field.add", pgettext_lazy("audit action", "Column added"), "object.manage"),
        AuditAction(
            "catalog.field.classify", pgettext_lazy("audit action", "Column reclassified"), "object.manage"
        ),
        AuditAction("catalog.field.remove", pgettext_lazy("audit action", "Column removed"), "object.manage"),
        AuditAction("catalog.field.rename", pgettext_lazy("audit action", "Column renamed"), "object.manage"),
        AuditAction(
            "catalog.field.retype", pgettext_lazy("audit action", "Column type changed"), "object.manage"
        ),
        AuditAction("store.export", pgettext_lazy("audit action", "Exported"), "object.export"),
        AuditAction("store.revision.add", pgettext_lazy("audit action", "Row added"), "object.edit"),
        AuditAction(
            "store.revision.bulk_edit", pgettext_lazy("audit action", "Rows changed in bulk"), "object.edit"
        ),
        AuditAction("store.revision.delete", pgettext_lazy("audit action", "Rows deleted"), "object.edit"),
        AuditAction("store.revision.edit", pgettext_lazy("audit action", "Row changed"), "object.edit"),
        AuditAction("store.revision.import", pgettext_lazy("audit action", "Imported"), "object.edit"),
        AuditAction(
            "store.revision.restore", pgettext_lazy("audit action", "Dataset restored"), "object.manage"
        ),
        AuditAction("store.row.restore", pgettext_lazy("audit action", "Row restored"), "object.edit"),
        AuditAction(
            "history.diff.download", pgettext_lazy("audit action", "Diff downloaded"), "object.export"
        ),
        AuditAction("view.create", pgettext_lazy("audit action", "Saved view created"), "object.edit"),
        AuditAction("view.delete", pgettext_lazy("audit action", "Saved view deleted"), "object.edit"),
        AuditAction(
            "documents.document.upload", pgettext_lazy("audit action", "Document uploaded"), "object.edit"
        ),
        AuditAction(
            "documents.document.add_version",
            pgettext_lazy("audit action", "Document version added"),
            "object.edit",
        ),
        AuditAction(
            "documents.document.update", pgettext_lazy("audit action", "Document changed"), "object.edit"
        ),
        AuditAction(
            "documents.document.reclassify",
            pgettext_lazy("audit action", "Document reclassified"),
            "object.manage",
        ),
        AuditAction(
            "documents.document.delete", pgettext_lazy("audit action", "Document deleted"), "object.delete"
        ),
        AuditAction(
            "documents.document.download",
            pgettext_lazy("audit action", "Document downloaded"),
            "object.export",
        ),
        AuditAction(
            "documents.document.read_restricted",
            pgettext_lazy("audit action", "Restricted document read"),
            "object.view",
        ),
        AuditAction("link.create", pgettext_lazy("audit action", "Share link created"), "object.share"),
        AuditAction("link.revoke", pgettext_lazy("audit action", "Share link revoked"), "object.share"),
        AuditAction("link.access", pgettext_lazy("audit action", "Share link used"), "object.view"),
        AuditAction("link.refused", pgettext_lazy("audit action", "Share link refused"), "object.view"),
        AuditAction("object.undecided", pgettext_lazy("audit action", "Marked undecided"), "object.manage"),
        AuditAction("object.release", pgettext_lazy("audit action", "Released"), "object.manage"),
        AuditAction(
            "sharing.invitation.create", pgettext_lazy("audit action", "Partner invited"), "object.share"
        ),
        AuditAction("sharing.invitation.accept", pgettext_lazy("audit action", "Invitation accepted")),
        AuditAction(
            "sharing.invitation.revoke", pgettext_lazy("audit action", "Invitation revoked"), "object.share"
        ),
    ]
    actions += _procedure_actions()
    for purpose, where in READ_PURPOSES.items():
        actions.append(
            AuditAction(
                f"store.read_restricted.{purpose}",
                pgettext_lazy("audit action", "Read restricted data (%(where)s)"),
                "object.view",
                where,
            )
        )
        actions.append(
            AuditAction(
                f"store.read_shared.{purpose}",
                pgettext_lazy("audit action", "Read shared limited data (%(where)s)"),
                "object.view",
                where,
            )
        )
    return {a.name: a for a in actions}


def _procedure_actions() -> list[AuditAction]:
    """Online procedures (kaidan.procedures): the form builder, applications and the staff workflow."""
    return [
        AuditAction(
            "procedures.procedure.create", pgettext_lazy("audit action", "Procedure created"), "object.edit"
        ),
        AuditAction(
            "procedures.procedure.update", pgettext_lazy("audit action", "Procedure changed"), "object.edit"
        ),
        AuditAction(
            "procedures.procedure.publish",
            pgettext_lazy("audit action", "Procedure version published"),
            "object.manage",
        ),
        AuditAction(
            "procedures.procedure.close", pgettext_lazy("audit action", "Procedure closed"), "object.manage"
        ),
        AuditAction(
            "procedures.submission.create",
            pgettext_lazy("audit action", "Application received"),
            "object.edit",
        ),
        AuditAction(
            "procedures.submission.counter",
            pgettext_lazy("audit action", "Application submitted at the counter for the resident"),
            "object.edit",
        ),
        AuditAction(
            "procedures.submission.correct",
            pgettext_lazy("audit action", "Application corrected by the applicant"),
            "object.edit",
        ),
        AuditAction(
            "procedures.case.status", pgettext_lazy("audit action", "Case status changed"), "object.edit"
        ),
        AuditAction("procedures.case.assign", pgettext_lazy("audit action", "Case assigned"), "object.edit"),
        AuditAction(
            "procedures.case.comment", pgettext_lazy("audit action", "Case comment added"), "object.edit"
        ),
        AuditAction(
            "procedures.case.request_correction",
            pgettext_lazy("audit action", "Correction requested"),
            "object.edit",
        ),
        AuditAction(
            "procedures.case.resend_notice",
            pgettext_lazy("audit action", "E-mail to the applicant sent again"),
            "object.edit",
        ),
        AuditAction(
            "procedures.draft.delete_abandoned",
            pgettext_lazy("audit action", "Abandoned drafts deleted"),
            "object.edit",
        ),
    ]


AUDIT_ACTIONS: dict[str, AuditAction] = _actions()


def action_label(name: str) -> str:
    """The translated name of an audited action (the action itself when it is not registered)."""
    action = AUDIT_ACTIONS.get(name)
    return action.display() if action is not None else name
