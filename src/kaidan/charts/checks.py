"""Startup checks for charts: the server-side renderer needs a font with Japanese glyphs."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register()
def chart_font(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from .render import ChartFontMissing, font_path

    try:
        font_path()
    except ChartFontMissing:
        return [
            Error(
                "No Japanese font for the server-side charts.",
                hint="Install the pinned matplotlib-fontja package, or set KAIDAN_CHART_FONT to a .ttf/.otf file.",
                id="kaidan.E020",
            )
        ]
    return []
