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


def render(template: str, /, **context) -> Markup:
    """A template of ui/templates rendered with autoescaping; the result is safe markup."""
    return Markup(_env.get_template(template).render(**context))


class Fragment:
    """Rendered HTML and the source ids behind it. Displays as HTML in a notebook; its text form
    (what nbval compares besides the HTML) is a short, stable label."""

    def __init__(self, html: str, sources: Iterable[str] = (), label: str = "course view"):
        self.html = str(html)
        self.sources = tuple(dict.fromkeys(sources))
        self.label = label

    def _repr_html_(self) -> str:
        return self.html

    def __html__(self) -> str:  # markupsafe: embed a fragment in another template as markup
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<{self.label}>"

    def __add__(self, other: "Fragment") -> "Fragment":
        return Fragment(self.html + str(other), self.sources + tuple(getattr(other, "sources", ())), self.label)


def kb_or_default(kb: Knowledge | None) -> Knowledge:
    """The knowledge given, else the course's own (loaded once)."""
    return kb or load_knowledge()


@lru_cache(maxsize=8)
def stylesheet(name: str) -> str:
    return files("neuropathy_massage.ui").joinpath("static", name).read_text(encoding="utf-8")


def styles() -> Markup:
    """The views' stylesheet as a <style> element (the lesson header and the explorer include it)."""
    return render("styles.html.j2", css=stylesheet("views.css"))


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


#: Display sizes of figures (CSS classes of views.css).
SIZES = ("small", "medium", "large")


def figure(figure_id: str, kb: Knowledge | None = None, *, size: str = "medium", caption: bool = True) -> Fragment:
    """A course figure as an <img> with its alt text (inlined: works offline and under nbval),
    with its title as a caption."""
    kb = kb_or_default(kb)
    if size not in SIZES:
        raise ValueError(f"figure size must be one of {SIZES}, not {size!r}")
    fig = kb.figures[figure_id]
    return Fragment(render("figure.html.j2", fig=fig, src=data_uri(figure_svg(figure_id, kb)), size=size,
                           caption=caption), (), f"figure: {fig.title}")
