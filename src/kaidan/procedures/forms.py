"""Forms: the residents' application form built from a procedure version, and the staff builder's forms.

The application form is a Django form whose fields come from the version's definitions. Every field is
optional to Django; `clean` parses each shown answer with kaidan.procedures.schema (kaidan.values below),
so a conditional field is required only while it is shown, and each error is a translated sentence that
says how to write the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.accounts.models import Organization

from . import guard
from .models import Attachment, Procedure, ProcedureVersion
from .schema import MAX_TEXT, AnswerError, FieldDef, Kind, load, parse_answer, visible

MESSAGES = {
    "required": _("This item is required."),
    "consent": _("Please check this box to agree."),
    "date": _("Enter a date, for example 令和8年4月1日, R8.4.1 or 2026-04-01."),
    "number": _("Enter a whole number, for example 3."),
    "kana": _("Enter in katakana or hiragana, for example ヤマダ タロウ."),
    "phone": _("Enter a phone number, for example 03-1234-5678."),
    "email": _("Enter an e-mail address, for example taro@example.jp."),
    "postal_code": _("Enter a postal code of 7 digits, for example 154-0001."),
    "address": _("Enter the address."),
    "choice": _("Choose one of the options."),
    "too_long": _("This is too long (at most 2,000 characters)."),
    "file": _("Attach a file."),
}

POSTAL = "__postal"


class ApplicationForm(forms.Form):
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        help_text=_("We send the receipt number and every change of status here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(
        self,
        version: ProcedureVersion,
        *args: Any,
        held: Mapping[str, Attachment] | None = None,
        email_required: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.defs = load(version.fields)
        self.held = dict(held or {})
        self.email_required = email_required
        self.fields["contact_email"].required = email_required
        email = self.fields.pop("contact_email")
        for d in self.defs:
            self._add(d)
        self.fields["contact_email"] = email
        self.fields[guard.HONEYPOT] = forms.CharField(required=False, label=_("Leave this empty"))
        self.fields[guard.TRAP] = forms.CharField(required=False, widget=forms.HiddenInput)
        if not self.is_bound:
            self.initial.setdefault(guard.TRAP, guard.stamp())

    def _add(self, d: FieldDef) -> None:
        help_text = d.help
        common: dict[str, Any] = {"label": d.label, "required": False, "help_text": help_text}
        if d.kind is Kind.LONG_TEXT:
            field: forms.Field = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_TEXT, **common
            )
        elif d.kind is Kind.CHOICE:
            choices: list[tuple[str, Any]] = [(c, c) for c in d.choices]
            widget = forms.RadioSelect if len(choices) <= 6 else forms.Select
            if widget is forms.Select:
                choices = [("", _("Choose")), *choices]
            field = forms.ChoiceField(choices=choices, widget=widget, **common)
        elif d.kind in (Kind.CHECKBOX, Kind.CONSENT):
            field = forms.BooleanField(**common)
        elif d.kind is Kind.FILE:
            field = forms.FileField(
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}), **common
            )
        elif d.kind is Kind.ADDRESS:
            self.fields[d.key + POSTAL] = forms.CharField(
                label=_("Postal code"),
                required=False,
                help_text=_("7 digits, for example 154-0001"),
                widget=forms.TextInput(
                    attrs={"autocomplete": "postal-code", "inputmode": "numeric", "size": "10"}
                ),
            )
            common["label"] = _("Town, block number and building")
            field = forms.CharField(
                widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
                max_length=MAX_TEXT,
                **common,
            )
        else:
            attrs: dict[str, str] = {}
            if d.kind is Kind.PHONE:
                attrs = {"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
            elif d.kind is Kind.EMAIL:
                attrs = {"type": "email", "autocomplete": "email"}
            elif d.kind is Kind.NUMBER:
                attrs = {"inputmode": "numeric", "size": "8"}
            elif d.kind is Kind.DATE:
                attrs = {"size": "16"}
                if not help_text:
                    common["help_text"] = _("For example 令和8年4月1日, R8.4.1 or 2026-04-01")
            field = forms.CharField(widget=forms.TextInput(attrs=attrs), max_length=MAX_TEXT, **common)
        field.widget.attrs.setdefault("data-key", d.key)
        self.fields[d.key] = field
        field.def_ = d  # type: ignore[attr-defined]

    # -------------------------------------------------------------------- raw answers (drafts)

    def raw(self) -> dict[str, Any]:
        """What the resident typed, valid or not (kept in the draft: nothing typed is lost)."""
        data = self.data
        result: dict[str, Any] = {"contact_email": str(data.get("contact_email", ""))[:300]}
        for d in self.defs:
            if d.kind is Kind.ADDRESS:
                result[d.key] = [str(data.get(d.key + POSTAL, ""))[:20], str(data.get(d.key, ""))[:MAX_TEXT]]
            elif d.kind in (Kind.CHECKBOX, Kind.CONSENT):
                result[d.key] = bool(data.get(d.key))
            elif d.kind is not Kind.FILE:
                result[d.key] = str(data.get(d.key, ""))[:MAX_TEXT]
        return result

    @staticmethod
    def data_from(
        version: ProcedureVersion, raw: Mapping[str, Any], email: str | None = None
    ) -> dict[str, Any]:
        """Form data from a draft's raw answers (to show a resumed draft, or in tests)."""
        data: dict[str, Any] = {"contact_email": email if email is not None else raw.get("contact_email", "")}
        for d in load(version.fields):
            value = raw.get(d.key)
            if d.kind is Kind.ADDRESS:
                postal, line = (value or ["", ""]) if isinstance(value, list | tuple) else ("", value or "")
                data[d.key + POSTAL], data[d.key] = postal, line
            elif d.kind in (Kind.CHECKBOX, Kind.CONSENT):
                if value:
                    data[d.key] = "on"
            elif value is not None and d.kind is not Kind.FILE:
                data[d.key] = str(value)
        return data

    @staticmethod
    def raw_from_answers(version: ProcedureVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Raw form values from stored answers (the correction form starts from what was submitted)."""
        raw: dict[str, Any] = {}
        for d in load(version.fields):
            value = answers.get(d.key)
            if d.kind is Kind.ADDRESS:
                raw[d.key] = [value.get("postal_code", ""), value.get("address", "")] if value else ["", ""]
            elif d.kind is not Kind.FILE:
                raw[d.key] = value if value is not None else ""
        return raw

    # -------------------------------------------------------------------- validation

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._answers: dict[str, Any] = {}
        shown_raw = self.raw()
        for d in self.defs:
            if not visible(d, shown_raw):
                continue
            if d.kind is Kind.FILE:
                if d.required and not cleaned.get(d.key) and d.key not in self.held:
                    self.add_error(d.key, str(MESSAGES["file"]))
                continue
            raw: Any = shown_raw.get(d.key)
            try:
                value = parse_answer(d, raw)
            except AnswerError as exc:
                target = d.key + POSTAL if exc.code == "postal_code" else d.key
                self.add_error(target, str(MESSAGES.get(exc.code, MESSAGES["required"])))
                continue
            self._answers[d.key] = value
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The checked answers (after is_valid): parsed, only the fields shown."""
        return dict(self._answers)

    def uploads(self) -> dict[str, Any]:
        return {
            d.key: self.cleaned_data[d.key]
            for d in self.defs
            if d.kind is Kind.FILE and self.cleaned_data.get(d.key)
        }

    def sections(self) -> list[tuple[str, list[tuple[FieldDef, list[forms.BoundField]]]]]:
        """The fields grouped by section, in order, for the template (an address has two inputs)."""
        groups: list[tuple[str, list[tuple[FieldDef, list[forms.BoundField]]]]] = []
        for d in self.defs:
            bound = [self[d.key + POSTAL], self[d.key]] if d.kind is Kind.ADDRESS else [self[d.key]]
            if not groups or groups[-1][0] != d.section:
                groups.append((d.section, []))
            groups[-1][1].append((d, bound))
        return groups


# ------------------------------------------------------------------------------------------ staff


class ProcedureForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Machine name"), max_length=80, help_text=_("Letters, digits and hyphens, for the address.")
    )
    owner = forms.ModelChoiceField(label=_("Owner organization"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Procedure.Kind.choices,
        initial=Procedure.Kind.APPLICATION,
        help_text=_(
            "Residents' voice starts with the fields 分野, 地区 and the opinion, ready for analysis."
        ),
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    eligibility = forms.CharField(
        label=_("Who may apply"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    bring = forms.CharField(
        label=_("What to bring or attach"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    fees = forms.CharField(label=_("Fees"), max_length=200, required=False)

    def __init__(
        self, *args: Any, owners: list[Organization] | None = None, editing: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]
            del self.fields["owner"]
            del self.fields["kind"]
        else:
            self.fields["owner"].queryset = Organization.objects.filter(pk__in=[o.pk for o in owners or []])  # type: ignore[attr-defined]


KIND_LABELS = [
    (Kind.TEXT.value, _("Text (one line)")),
    (Kind.LONG_TEXT.value, _("Text (several lines)")),
    (Kind.KANA.value, _("Kana (furigana)")),
    (Kind.NUMBER.value, _("Whole number")),
    (Kind.DATE.value, _("Date (和暦 accepted)")),
    (Kind.CHOICE.value, _("Choice")),
    (Kind.CHECKBOX.value, _("Checkbox")),
    (Kind.ADDRESS.value, _("Address with postal code")),
    (Kind.PHONE.value, _("Phone number")),
    (Kind.EMAIL.value, _("E-mail address")),
    (Kind.FILE.value, _("File upload (PDF or image)")),
    (Kind.CONSENT.value, _("Consent")),
]


class FieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=200)
    key = forms.CharField(
        label=_("Machine name"),
        max_length=40,
        help_text=_("Lower-case letters, digits and _ (the dataset's column name)."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_LABELS)
    required = forms.BooleanField(label=_("Required"), required=False)
    help = forms.CharField(label=_("Help text"), required=False, max_length=500)
    choices = forms.CharField(
        label=_("Options (one per line)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    section = forms.CharField(label=_("Section"), required=False, max_length=100)
    show_if_field = forms.CharField(
        label=_("Show only if the field (machine name)"), required=False, max_length=40
    )
    show_if_value = forms.CharField(label=_("has the value"), required=False, max_length=200)

    def definition(self) -> FieldDef:
        data = self.cleaned_data
        return FieldDef(
            key=data["key"].strip(),
            kind=Kind(data["kind"]),
            label=data["label"].strip(),
            help=data["help"].strip(),
            required=bool(data["required"]),
            choices=[c.strip() for c in data["choices"].splitlines() if c.strip()],
            section=data["section"].strip(),
            show_if_field=data["show_if_field"].strip(),
            show_if_value=data["show_if_value"].strip(),
        )

    @staticmethod
    def initial_from(d: FieldDef) -> dict[str, Any]:
        return {**d.to_dict(), "choices": "\n".join(d.choices)}


class LookupForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label=_("The e-mail address you gave"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
