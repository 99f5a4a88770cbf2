"""The one place HTML is made: Jinja2 templates (autoescaping on) and the fragments they render.

Every view of the course, from a lesson's header to the explorer's plan, is a template in
`ui/templates/` rendered by `render()`. Autoescaping is on for every template, so any text, the
data's or a learner's, is shown as text and never as markup. Styles live in `ui/static/*.css`,
included once per page by the lesson header (`styles()`), never as `style=` strings.

A view that a lesson shows is a `Fragment`: its HTML plus the ids of the sources behind the
records it rendered, so a lesson's footer can cite exactly what the lesson showed.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib.resources import files
from typing import Iterable

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from neuropathy_massage import wording
from neuropathy_massage.knowledge import Knowledge, load_knowledge

_env = Environment(
    loader=PackageLoader("neuropathy_massage.ui", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_env.globals["wording"] = wording

#: The class the page's fail-safe watch withdraws when the connection to the kernel is lost
#: (share/jupyter/voila/templates/course/connection_watch.macro.html.j2): advice computed by the
#: kernel must never stay on screen once it can no longer be recomputed.
ADVICE = "course-advice"


def advice(widget):
    """Mark a widget that shows advice computed by the kernel (withdrawn when the kernel is lost)."""
    widget.add_class(ADVICE)
    return widget


def not_computed() -> Markup:
    """What an advice view shows instead of advice it could not work out (an alert, never a stale plan)."""
    return render("not_computed.html.j2")


def render(template: str, /, **context) -> Markup:
    """A template of ui/templates rendered with autoescaping; the result is safe markup."""
    return Markup(_env.get_template(template).render(**context))


class Fragment:
    """Rendered HTML and the source ids behind it. Displays as HTML in a notebook; its text form
    (what nbval compares besides the HTML) is a short, stable label."""

    def __init__(self, html: str, sources: Iterable[str] = (), label: str = "course view",
                 precautions: Iterable[str] = ()):
        self.html = str(html)
        self.sources = tuple(dict.fromkeys(sources))
        self.label = label
        #: ids of the precautions it sets out in full (a lesson page shows each once: ui/lesson.py)
        self.precautions = tuple(dict.fromkeys(precautions))

    def _repr_html_(self) -> str:
        return self.html

    def __html__(self) -> str:  # markupsafe: embed a fragment in another template as markup
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.label}>"

    def __add__(self, other: "Fragment") -> "Fragment":
        return Fragment(self.html + str(other), self.sources + tuple(getattr(other, "sources", ())), self.label,
                        self.precautions + tuple(getattr(other, "precautions", ())))


def kb_or_default(kb: Knowledge | None) -> Knowledge:
    """The knowledge given, else the course's own (loaded once)."""
    return kb or load_knowledge()


@lru_cache(maxsize=8)
def static_file(name: str) -> str:
    """A file of ui/static (a stylesheet or the views' script)."""
    return files("neuropathy_massage.ui").joinpath("static", name).read_text(encoding="utf-8")


stylesheet = static_file


def styles() -> Markup:
    """The views' stylesheet as a <style> element (the lesson header and the explorer include it)."""
    return render("styles.html.j2", css=stylesheet("views.css") + "\n" + stylesheet("plan.css"))


def scripts() -> Markup:
    """The views' script (ui/static/views.js: figures open full width) as a <script> element; the
    lesson header includes it, so it runs in Voila and in JupyterLab once the outputs are trusted."""
    source = static_file("views.js")
    if "</" in source:
        raise ValueError("ui/static/views.js must not contain '</' (it is inlined in a <script> element)")
    return render("scripts.html.j2", script=source)


def scale_names(kb: Knowledge | None = None) -> dict[int, str]:
    """Pressure level names for use mid-sentence ("rubbing lotion in", "ordinary Swedish pressure")."""
    return {lvl: p.name[:1].lower() + p.name[1:] for lvl, p in kb_or_default(kb).pressure_levels.items()}


def sources(ids: Iterable[str], kb: Knowledge | None = None, *, heading: bool = True) -> Fragment:
    """The sources with these ids, as a numbered list (in the order of sources.yaml)."""
    kb = kb_or_default(kb)
    cited = kb.cite(ids)
    return Fragment(render("sources.html.j2", sources=cited, heading=heading, kb=kb), [s.id for s in cited], "sources")


def notes(ids: Iterable[str], kb: Knowledge | None = None) -> Fragment:
    """Sources as a list: each title, then what the course takes from it."""
    cited = kb_or_default(kb).cite(ids)
    return Fragment(render("notes.html.j2", sources=cited), [s.id for s in cited], "notes on the sources")


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=64)
def figure_svg(figure_id: str, kb: Knowledge | None = None) -> str:
    kb = kb_or_default(kb)
    return kb.figure_path(figure_id).read_text(encoding="utf-8")


def view_box(svg: str) -> tuple[float, float]:
    """Width and height of an SVG's viewBox (every course figure has one: tests/test_figures.py)."""
    match = re.search(r'<svg\b[^>]*\bviewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"', svg)
    if not match:
        raise ValueError("a course figure must have a viewBox")
    return float(match.group(1)), float(match.group(2))


#: Display widths of figures in CSS px, by size: the width of the <img> (its height follows the
#: viewBox, so the page reserves the space before the image is decoded); a narrower column (a
#: phone) shrinks it, and every figure opens full width on click or Enter (ui/static/views.js).
#: tests/test_figure_legibility.py checks that every figure's smallest text is at least 12 px
#: at every width it is shown at.
FIGURE_WIDTHS = {"medium": 420, "large": 560}
SIZES = tuple(FIGURE_WIDTHS)


def figure_context(figure_id: str, kb: Knowledge, size: str, svg: str | None = None) -> dict:
    """What figure.html.j2 needs: the record, the image as a data URI and its display size."""
    if size not in FIGURE_WIDTHS:
        raise ValueError(f"figure size must be one of {SIZES}, not {size!r}")
    svg = figure_svg(figure_id, kb) if svg is None else svg
    vb_width, vb_height = view_box(svg)
    width = FIGURE_WIDTHS[size]
    fig = kb.figures[figure_id]
    return {"fig": fig, "src": data_uri(svg), "size": size, "width": width,
            "height": round(width * vb_height / vb_width), "alt": fig.alt}


def figure(figure_id: str, kb: Knowledge | None = None, *, size: str = "large") -> Fragment:
    """A course figure as an <img> with its alt text (inlined: works offline and under nbval),
    with its title as a caption and a button that opens it full width."""
    kb = kb_or_default(kb)
    context = figure_context(figure_id, kb, size)
    return Fragment(render("figure.html.j2", **context), (), f"figure: {context['fig'].title}")
