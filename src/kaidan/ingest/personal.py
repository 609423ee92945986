"""The import plan proposes 秘 (reason: personal) for columns that look personal, and says why.

Before this, a roster with 氏名 and 電話番号 imported as 公開 unless the user said otherwise. The detector is
the one publishing uses (kaidan.values.personal): 個人番号 with a valid check digit, phone numbers, e-mail
addresses, dates of birth beside a name column, and column names such as 氏名・住所・電話・メール. It looks at
the first SAMPLE_ROWS data rows of the file. It is a proposal: the user may change any column back (the
browser's plan, `kaidan import --column-classification COL=LEVEL`), and the reason and masked examples stay on
the plan so the page and the command can show them.

Only new datasets get the proposal: importing into an existing dataset keeps its columns' classification.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from kaidan.values.messages import Message, MessageList, gettext_noop
from kaidan.values.personal import Finding, scan

from .plan import Analysis, iter_records

if TYPE_CHECKING:
    from .services import ImportPlan

SAMPLE_ROWS = 2000
RESTRICTED = "restricted"
PERSONAL = "personal"

KINDS = {  # finding kind → what it is (the msgids publishing's warning uses too)
    "my_number": gettext_noop("個人番号 (My Number, with a valid check digit)"),
    "phone": gettext_noop("phone numbers"),
    "email": gettext_noop("e-mail addresses"),
    "birth_date": gettext_noop("dates of birth beside names"),
    "label:name": gettext_noop("a column named like a person's name"),
    "label:address": gettext_noop("a column named like an address"),
    "label:phone": gettext_noop("a column named like a phone number"),
    "label:email": gettext_noop("a column named like an e-mail address"),
    "label:my_number": gettext_noop("a column named like 個人番号"),
}


def findings(analysis: Analysis, sample_rows: int = SAMPLE_ROWS) -> list[Finding]:
    """What looks personal in the file's columns (their header names and the first data rows)."""
    rows = [values for _n, values in islice(iter_records(analysis), sample_rows)]
    columns = [
        (guess.name, str(guess.type), [row[i] for row in rows if i < len(row)])
        for i, guess in enumerate(analysis.columns)
    ]
    return scan(columns)


def explain(found: list[Finding]) -> Message:
    """Why a column is proposed 秘, with masked examples (rendered in either language)."""
    parts: list[Message | str] = []
    for f in found:
        kind: Message | str = Message(KINDS[f.kind]) if f.kind in KINDS else f.kind
        if f.examples:
            examples = MessageList(list(f.examples))
            parts.append(Message(gettext_noop("%(what)s (e.g. %(examples)s)"), what=kind, examples=examples))
        else:
            parts.append(kind)
    return Message(
        gettext_noop("looks personal: %(findings)s. Proposed 秘 (reason: personal information)"),
        findings=MessageList(parts, Message(gettext_noop("; "))),
    )


def propose(plan: ImportPlan, analysis: Analysis, *, only: set[str] | None = None) -> list[str]:
    """Mark the plan's columns that look personal as 秘 with the reason; return their source names.

    `only` limits the proposal to those source columns (a re-read file: columns found again keep the
    user's choice)."""
    if plan.mode != "create":
        return []
    by_column: dict[str, list[Finding]] = {}
    for f in findings(analysis):
        by_column.setdefault(f.column, []).append(f)
    proposed = []
    for col in plan.columns:
        found = by_column.get(col.source)
        if not found or (only is not None and col.source not in only):
            continue
        col.classification = RESTRICTED
        col.restriction_reason = PERSONAL
        why = explain(found)
        col.personal_ja, col.personal_en = why.ja, why.en
        proposed.append(col.source)
    return proposed
