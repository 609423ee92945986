"""The schedule form of a dataset's import-schedule page."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .cadence import Cadence
from .models import ImportSchedule


class ScheduleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Where the file comes from"), choices=ImportSchedule.Kind.choices, widget=forms.RadioSelect
    )
    url = forms.URLField(
        label=_("Web address of the file"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 60}),
        help_text=_(
            "For example the nightly export of a business system: https://system.example.jp/export.csv"
        ),
    )
    folder = forms.CharField(
        label=_("Folder on the server"),
        required=False,
        max_length=1000,
        help_text=_(
            "An absolute path inside the folders the operator allows. The newest matching file is taken."
        ),
    )
    pattern = forms.CharField(
        label=_("File names"), required=False, max_length=200, initial="*", help_text=_("For example *.csv")
    )
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices)
    at = forms.TimeField(
        label=_("Time"),
        initial=datetime.time(2, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Every hour: the minute of this time is used."),
    )
    mode = forms.ChoiceField(label=_("How the file is imported"), choices=ImportSchedule.Mode.choices)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ImportSchedule.Kind.URL and not data.get("url"):
            self.add_error("url", _("Give the web address of the file."))
        if data.get("kind") == ImportSchedule.Kind.FOLDER and not data.get("folder"):
            self.add_error("folder", _("Give the folder."))
        return data

    @classmethod
    def initial_for(cls, schedule: ImportSchedule | None) -> dict[str, Any]:
        if schedule is None:
            return {
                "kind": ImportSchedule.Kind.URL,
                "cadence": Cadence.DAILY,
                "mode": "replace",
                "active": True,
            }
        return {
            "kind": schedule.kind,
            "url": schedule.url,
            "folder": schedule.folder,
            "pattern": schedule.pattern,
            "cadence": schedule.cadence,
            "at": datetime.time(schedule.hour, schedule.minute),
            "mode": schedule.mode,
            "active": schedule.active,
        }
