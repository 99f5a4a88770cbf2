"""Every course figure is legible where it is shown: its smallest text is at least 12 CSS px at
every width the course shows it at on a 1280 px screen (issue 13), and the body map's labels are
at least 12 px on a phone.

The widths are not typed here: they are read from what the code renders. Every view that shows
figures is rendered for every record it can show (every mechanism, every technique and routine,
the body map, `LessonPage.figure` for every figure of figures.yaml), and every stored notebook's
outputs are read; each `<img>` of a figure carries its display width (ui/views.py
FIGURE_WIDTHS). The size of a text is its font size (tests/svg_text.py: the figure's <style>,
attributes, inheritance, transforms) times display width / viewBox width. A figure added to
figures.yaml is checked at least at the size `page.figure(id)` shows it.

The browser test (tests/browser/test_figures.py) measures the same in the served course.
"""

from __future__ import annotations

import base64
import json
import math
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from neuropathy_massage import paths
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui import lesson_views, plan_views
from neuropathy_massage.ui.body_map import SCOPE, inline_svg
from neuropathy_massage.ui.lesson import LessonPage
from neuropathy_massage.ui.views import FIGURE_WIDTHS, figure_svg, view_box

from svg_text import smallest_text_px, text_sizes

MIN_TEXT_PX = 12.0
#: The narrowest the body map is drawn: a 390 px phone less the page's margins (the served
#: explorer gives it 360 px; 320 leaves room for a template with wider margins).
PHONE_MAP_WIDTH = 320.0

KB = load_knowledge()
COURSE = load_course()
FIGURE_IDS = list(KB.figures)
TITLES = {fig.title: fid for fid, fig in KB.figures.items()}


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def _figure_images(html: str) -> list[tuple[str, str, dict]]:
    """(figure id, svg, attributes) of every <img> of a course figure in the HTML."""
    parser = _Images()
    parser.feed(html)
    found = []
    for attrs in parser.images:
        src = attrs.get("src") or ""
        if not src.startswith("data:image/svg+xml;base64,"):
            continue
        svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
        title = svg.split("<title", 1)[1].split(">", 1)[1].split("</title>", 1)[0].strip()
        assert title in TITLES, f"an <img> shows an SVG whose title {title!r} is not in figures.yaml"
        found.append((TITLES[title], svg, attrs))
    return found


def _rendered_views() -> dict[str, str]:
    """Every view that can show a figure, for every record it can show."""
    views = {f"mechanism({mid})": str(lesson_views.mechanism(mid, KB)) for mid in KB.mechanisms}
    for tid in KB.techniques:
        views[f"mechanism_links({tid})"] = str(lesson_views.mechanism_links(tid, KB, COURSE))
        views[f"technique_card({tid})"] = str(lesson_views.technique_card(tid, KB))
    views["body_map"] = str(plan_views.body_map({}, KB))
    page = LessonPage(COURSE.lessons[0].id, KB, COURSE)
    views.update({f"page.figure({fid})": str(page.figure(fid)) for fid in FIGURE_IDS})
    return views


def _notebook_outputs() -> dict[str, str]:
    out = {}
    for path in sorted(paths.notebooks_dir().glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                html = output.get("data", {}).get("text/html")
                if html:
                    out[f"{path.name} cell {i}"] = "".join(html) if isinstance(html, list) else html
    return out


def _displays() -> dict[str, list[tuple[str, str, dict]]]:
    shown = defaultdict(list)
    for where, html in {**_rendered_views(), **_notebook_outputs()}.items():
        for fid, svg, attrs in _figure_images(html):
            shown[fid].append((where, svg, attrs))
    return shown


DISPLAYS = _displays()


def test_the_views_show_figures():
    assert set(FIGURE_IDS) <= set(DISPLAYS), "every figure is shown by some view"
    assert any("ipynb" in where for shown in DISPLAYS.values() for where, _s, _a in shown), (
        "no stored notebook output shows a figure: run `make notebooks`")


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_every_figure_is_shown_at_a_declared_size(figure_id):
    """Each <img> of a figure has the width of one of the declared sizes and the height of its
    viewBox's aspect ratio (the page reserves the space before the image is decoded)."""
    for where, svg, attrs in DISPLAYS[figure_id]:
        assert attrs.get("alt", "").strip(), f"{where}: {figure_id} has no alt text"
        width, height = attrs.get("width"), attrs.get("height")
        assert width and height, f"{where}: the <img> of {figure_id} has no width and height"
        assert int(width) in FIGURE_WIDTHS.values(), f"{where}: width {width} is none of {FIGURE_WIDTHS}"
        vb_w, vb_h = view_box(svg)
        assert abs(int(height) - int(width) * vb_h / vb_w) <= 1, f"{where}: height {height} does not follow the viewBox"


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_smallest_text_is_legible_at_every_width_shown(figure_id):
    problems = []
    for width in sorted({int(attrs["width"]) for _w, _s, attrs in DISPLAYS[figure_id]}):
        where = next(w for w, _s, a in DISPLAYS[figure_id] if int(a["width"]) == width)
        svg = next(s for _w, s, a in DISPLAYS[figure_id] if int(a["width"]) == width)
        smallest = smallest_text_px(svg, width, figure_id)
        if smallest and smallest.font_size < MIN_TEXT_PX - 1e-6:
            vb_w = view_box(svg)[0]
            needed = MIN_TEXT_PX * vb_w / width
            problems.append(f"at {width} px (e.g. {where}): {smallest.text!r} is {smallest.font_size:.1f} px; "
                            f"at this width every font-size must be >= {math.ceil(needed * 10) / 10} "
                            f"(viewBox {vb_w:g} wide)")
    assert not problems, f"{figure_id}: text below {MIN_TEXT_PX:g} px\n  " + "\n  ".join(problems)


def test_body_map_labels_are_legible_on_a_phone():
    """The explorer's body map (inline, scaled to its column) at its narrowest."""
    svg = inline_svg(KB)
    smallest = smallest_text_px(svg, PHONE_MAP_WIDTH, "body_map (inline)", within=(SCOPE,))
    assert smallest is not None
    assert smallest.font_size >= MIN_TEXT_PX, (
        f"body map at {PHONE_MAP_WIDTH:g} px: {smallest.text!r} is {smallest.font_size:.1f} px")


# --------------------------------------------------------------------------- the reader itself


def test_the_reader_follows_the_cascade():
    svg = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
    <style>text{font-size:20px} .s{font-size:10px} g.big text{font-size:30px} .em{font-size:1.5em}</style>
    <text x="1" y="1">plain</text>
    <text class="s" x="1" y="1">class</text>
    <text font-size="40" x="1" y="1">attribute loses to the rule</text>
    <text style="font-size:8px" x="1" y="1">inline</text>
    <g class="big"><text x="1" y="1">descendant</text></g>
    <g transform="scale(0.5)"><text x="1" y="1">scaled</text></g>
    <text x="1" y="1"><tspan class="em">em of the parent</tspan></text>
    <g font-size="12"><rect/><line font-size="99"/></g>
    </svg>"""
    sizes = {t.text: t.font_size for t in text_sizes(svg)}
    assert sizes == {"plain": 20, "class": 10, "attribute loses to the rule": 20, "inline": 8,
                     "descendant": 30, "scaled": 10, "em of the parent": 30}
    assert smallest_text_px(svg, 100).font_size == 4  # 8 user units in a 200-wide viewBox at 100 px


def test_the_reader_refuses_what_it_cannot_read():
    from svg_text import FigureStyleError

    for style in ("text:hover{font-size:2px}", "[x]{font-size:2px}", "text{font-size:small}"):
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><style>{style}</style><text>a</text></svg>'
        with pytest.raises(FigureStyleError):
            text_sizes(svg)


def test_the_figures_are_the_files():
    for fid in FIGURE_IDS:
        assert figure_svg(fid, KB) == (Path(KB.figures_dir) / KB.figures[fid].file).read_text(encoding="utf-8")
