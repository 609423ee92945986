from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SavedViewForm(forms.Form):
    title = forms.CharField(label=_("Name of the view"), max_length=200)
