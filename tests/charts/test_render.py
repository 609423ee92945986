"""Charts drawn on the server: PNG and SVG with Japanese text in a real Japanese font (no tofu boxes)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from kaidan.charts import render
from kaidan.charts.data import ChartData
from kaidan.charts.spec import ChartSpec, ChartType

LABELS = ["池尻", "太子堂", "三軒茶屋", "世田谷"]


def bar(kind: ChartType = ChartType.BAR) -> ChartData:
    spec = ChartSpec(type=kind, dimension="地区")
    rows = [(label, 10 * (i + 1)) for i, label in enumerate(LABELS)]
    if kind is ChartType.STACKED:
        rows = [(label, series, 5 + i) for i, label in enumerate(LABELS) for series in ("介護", "子育て")]
        return ChartData(spec, ["地区", "区分", "件数"], rows)
    if kind is ChartType.NUMBER:
        return ChartData(spec, ["相談件数"], [(1234,)])
    if kind is ChartType.SCATTER:
        return ChartData(spec, ["年齢", "金額"], [(70, 100), (82, 40), (91, 12)])
    return ChartData(spec, ["地区", "相談件数"], rows)


def test_the_japanese_font_has_the_glyphs_of_the_labels():
    font = FT2Font(str(render.font_path()))
    for char in "".join(LABELS) + "相談件数（千円）令和":
        assert font.get_char_index(ord(char)) != 0, char  # 0 is .notdef: the tofu box


def test_a_png_chart_draws_japanese_labels_not_tofu_boxes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for tofu
        png = render.render(bar(), "地区別の相談件数", "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 800
    # the same title drawn in a font without Japanese glyphs gives a different picture (boxes)
    dejavu = font_manager.findfont("DejaVu Sans")
    tofu_font = FT2Font(dejavu)
    assert tofu_font.get_char_index(ord("池")) == 0
    ours = str(render.font_path())
    assert _text_image(ours, "池") != _text_image(dejavu, "池")  # a kanji, not the box DejaVu draws
    assert _text_image(dejavu, "池") == _text_image(dejavu, "尻")  # DejaVu: the same box for every kanji
    assert _text_image(ours, "池") != _text_image(ours, "尻")  # ours: each its own glyph


def _text_image(path: str, text: str) -> bytes:
    warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)  # DejaVu's boxes, on purpose
    font = FT2Font(path)
    font.set_size(32, 72)
    font.set_text(text)
    font.draw_glyphs_to_bitmap()
    return np.asarray(font.get_image()).tobytes()


@pytest.mark.parametrize("kind", list(ChartType))
def test_every_chart_type_renders_as_png_and_svg(kind):
    data = bar(kind)
    png = render.render(data, "相談の状況", "png")
    assert png.startswith(b"\x89PNG")
    svg = render.render(data, "相談の状況", "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_an_svg_draws_japanese_text_as_paths_so_it_needs_no_font_to_look_right():
    svg = render.render(bar(), "地区別の相談件数", "svg").decode()
    assert "<!-- 地区別の相談件数 -->" in svg  # matplotlib notes each text beside its drawing
    assert 'id="IPAexGothic-' in svg and "DejaVu" not in svg  # every glyph drawn from the Japanese font
    assert "font-family" not in svg and "<text" not in svg  # no text left to a viewer's fonts


def test_a_missing_font_is_a_clear_error(settings, tmp_path):
    settings.CHART_FONT = str(tmp_path / "nothing.ttf")
    with pytest.raises(render.ChartFontMissing):
        render.font_path()
    from kaidan.charts.checks import chart_font

    assert [e.id for e in chart_font()] == ["kaidan.E020"]
