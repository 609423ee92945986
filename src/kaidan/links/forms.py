"""Forms of the share-link pages: creating a link (sharer) and entering the one-time code (recipient)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaidan.access.levels import Level
from kaidan.catalog.models import SavedView

from .models import DEFAULT_DAYS, EXPORT_FORMATS, MAX_DAYS, Kind


class LinkForm(forms.Form):
    recipient_name = forms.CharField(label=_("Recipient's name"), max_length=200)
    recipient_email = forms.EmailField(
        label=_("Recipient's e-mail address"),
        help_text=_("The one-time code goes to this address when the recipient opens the link."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=_("1 to %(max)d days.") % {"max": MAX_DAYS},
    )
    max_downloads = forms.IntegerField(
        label=_("Download limit"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Optional: the link stops after this many downloads."),
    )
    clearance = forms.ChoiceField(
        label=_("Highest classification shown"),
        help_text=_(
            "Columns and content classified above this stay hidden from the recipient, "
            "even if you can see them."
        ),
    )

    def __init__(self, *args: Any, levels: list[Level], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clearance = self.fields["clearance"]
        assert isinstance(clearance, forms.ChoiceField)
        clearance.choices = [(level.value, level.label) for level in levels]
        if not self.is_bound:
            default = Level.LIMITED if Level.LIMITED in levels else levels[-1]
            self.initial.setdefault("clearance", default.value)


class DatasetLinkForm(LinkForm):
    kind = forms.ChoiceField(
        label=_("Share as"),
        choices=[
            (Kind.VIEW.value, _("A view in the browser (with download)")),
            (Kind.EXPORT.value, _("A file to download")),
        ],
        initial=Kind.VIEW.value,
        widget=forms.RadioSelect,
    )
    export_format = forms.ChoiceField(
        label=_("File format"), choices=EXPORT_FORMATS, initial="xlsx", required=False
    )
    saved_view = forms.ModelChoiceField(
        label=_("Saved view"),
        queryset=SavedView.objects.none(),
        required=False,
        empty_label=_("(none: use the filter below)"),
    )
    query = forms.CharField(
        label=_("Filter (grid query)"),
        max_length=2000,
        required=False,
        help_text=_("The filter of the grid when you clicked Share; empty shares every row you can see."),
        widget=forms.HiddenInput,  # shown in words on the page (kaidan.catalog.describe), never as syntax
    )
    field_order = [
        "recipient_name",
        "recipient_email",
        "kind",
        "export_format",
        "saved_view",
        "query",
        "days",
        "max_downloads",
        "clearance",
    ]

    def __init__(self, *args: Any, views: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved_view = self.fields["saved_view"]
        if views is not None and views.exists() and isinstance(saved_view, forms.ModelChoiceField):
            saved_view.queryset = views
        else:
            del self.fields["saved_view"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        help_text=_("The 6 digits from the e-mail."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
