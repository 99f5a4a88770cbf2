"""What the lessons 00-05 show: the course map, small HTML views of the data, and thin widgets.

Everything here renders records from the knowledge data (assets/knowledge) or the course
structure (assets/course.yaml) and the advisor's plans; a notebook only calls these. Every
string taken from the data is escaped; results of the widgets go into `HTML.value`, so tests can
drive a widget in plain Python (set a checkbox, read the view).

Widgets:

* `SymptomExplorer` (lesson 01): tick symptoms; see each described and its usual regions marked
  on the body map.
* `MechanismLinks` (lesson 02): choose a technique or self-care routine; see the mechanisms it
  uses and those it does not.
* `TechniqueTryIt` (lessons 03-05): tick symptoms; see the advisor's pressure limit for one
  technique, its adaptations and the reasons, or that it is left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Iterable, Optional

import ipywidgets as W
import yaml

from neuropathy_massage.advisor import Plan, Selection, plan
from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.ui.render import (
    body_map_html,
    figure_html,
    figure_index,
    scale_names,
    technique_html,
)
from neuropathy_massage.ui.render import kb_or_default as _kb

COURSE_FILE = Path(__file__).resolve().parents[2] / "assets" / "course.yaml"

_SETTING_LABEL = {"therapist": "therapist technique", "self": "self-care routine"}


_CELL = 'style="text-align:left;vertical-align:top"'


def _table(caption: str, headers: Iterable[str], rows: Iterable[tuple[str, ...]], row_style: Iterable[str] = ()) -> str:
    """A table with a caption, column headers and row headers (the first cell of each row).
    Every cell is left-aligned (notebook styles right-align table cells). Cells are HTML: escape first."""
    styles = list(row_style)
    head = "".join(f'<th scope="col" {_CELL}>{h}</th>' for h in headers)
    body = []
    for i, (first, *rest) in enumerate(rows):
        style = f' style="{styles[i]}"' if i < len(styles) and styles[i] else ""
        cells = "".join(f"<td {_CELL}>{c}</td>" for c in rest)
        body.append(f'<tr{style}><th scope="row" {_CELL}>{first}</th>{cells}</tr>')
    return (f'<table class="nm-table"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _ul(items: Iterable[str]) -> str:
    """A list of already-escaped HTML items."""
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


# --------------------------------------------------------------------------- the course map


@dataclass(frozen=True)
class Lesson:
    stem: str
    title: str
    line: str
    objectives: tuple[str, ...]
    minutes: int
    builds_on: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.stem}.ipynb"

    @property
    def number(self) -> str:
        return self.stem[:2]


@lru_cache(maxsize=4)
def course(path: Path | str = COURSE_FILE) -> tuple[Lesson, ...]:
    """The lessons of assets/course.yaml, in teaching order, checked for consistency."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    lessons = []
    for i, raw in enumerate(data["lessons"]):
        try:
            lessons.append(Lesson(
                stem=str(raw["stem"]), title=str(raw["title"]), line=str(raw["line"]),
                objectives=tuple(str(o) for o in raw["objectives"]), minutes=int(raw["minutes"]),
                builds_on=tuple(raw.get("builds_on") or ()),
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{Path(path).name}: lesson #{i + 1}: missing or malformed field {exc}") from None
    stems = [lesson.stem for lesson in lessons]
    if stems != sorted(stems) or len(set(stems)) != len(stems):
        raise ValueError(f"{Path(path).name}: lessons must be listed once each, in file order")
    for lesson in lessons:
        unknown = [b for b in lesson.builds_on if b not in stems]
        if unknown:
            raise ValueError(f"{Path(path).name}: lesson {lesson.stem!r}: builds_on names unknown lessons {unknown}")
        if not lesson.objectives:
            raise ValueError(f"{Path(path).name}: lesson {lesson.stem!r}: needs objectives")
    return tuple(lessons)


def course_title(path: Path | str = COURSE_FILE) -> str:
    return str(yaml.safe_load(Path(path).read_text(encoding="utf-8"))["title"])


def lesson(stem: str) -> Lesson:
    for item in course():
        if item.stem == stem:
            return item
    raise KeyError(f"assets/course.yaml has no lesson {stem!r}")


def next_lesson(stem: str) -> Optional[Lesson]:
    lessons = course()
    for i, item in enumerate(lessons):
        if item.stem == stem:
            return lessons[i + 1] if i + 1 < len(lessons) else None
    raise KeyError(stem)


def _link(item: Lesson) -> str:
    return f'<a href="{escape(item.file)}">{escape(item.number)} · {escape(item.title)}</a>'


def lesson_map_html(include_home: bool = False) -> str:
    """Every lesson (after the home page) as a heading with its link, one line, time and objectives."""
    parts = ['<div class="nm-lesson-map">']
    total = 0
    for item in course():
        if item.stem.startswith("00") and not include_home:
            continue
        total += item.minutes
        builds = ", ".join(_link(lesson(b)) for b in item.builds_on) or "nothing"
        parts.append(
            f"<h3>{_link(item)}</h3>"
            f"<p>{escape(item.line)}</p>"
            f"<p><strong>Time:</strong> about {item.minutes} minutes. <strong>Builds on:</strong> {builds}.</p>"
            f"<p><strong>You will be able to:</strong></p>" + _ul(escape(o) for o in item.objectives)
        )
    parts.append(f"<p><strong>Whole course:</strong> about {total} minutes of study, "
                 f"plus the time you spend practising.</p></div>")
    return "".join(parts)


def objectives_html(stem: str) -> str:
    """A lesson's objectives from assets/course.yaml."""
    item = lesson(stem)
    return "<p>By the end of this lesson you will be able to:</p>" + _ul(escape(o) for o in item.objectives)


def before_you_start_html(stem: str) -> str:
    """Which lessons this one builds on, and how long it takes (from assets/course.yaml)."""
    item = lesson(stem)
    builds = _ul(_link(lesson(b)) for b in item.builds_on) if item.builds_on else "<p>Nothing: start here.</p>"
    return (f"<p><strong>Time to complete:</strong> about {item.minutes} minutes.</p>"
            f"<p><strong>Builds on:</strong></p>{builds}")


# --------------------------------------------------------------------------- views of the data


def symptoms_html(kb: Optional[Knowledge] = None) -> str:
    """Every symptom: what it feels like and where it usually shows."""
    kb = _kb(kb)
    rows = [(escape(s.name), escape(s.description), escape(", ".join(_region_names(s.typical_regions, kb))))
            for s in kb.symptoms.values()]
    return _table("Symptoms of peripheral neuropathy",
                  ["Symptom", "What the client notices", "Where it usually shows"], rows)


def _region_names(region_ids: Iterable[str], kb: Knowledge) -> list[str]:
    """Region names in the order of regions.yaml."""
    wanted = set(region_ids)
    return [r.name for rid, r in kb.regions.items() if rid in wanted]


def symptom_marks(symptom_ids: Iterable[str], kb: Optional[Knowledge] = None) -> dict[str, str]:
    """Body-map marks: every region where any of these symptoms usually shows is 'selected'."""
    kb = _kb(kb)
    wanted = set()
    for sid in symptom_ids:
        wanted.update(kb.symptoms[sid].typical_regions)
    return {rid: "selected" for rid in kb.regions if rid in wanted}


def notes_html(source_ids: Iterable[str], kb: Optional[Knowledge] = None) -> str:
    """Sources as a list: each title, then what the course takes from it."""
    return _ul(f"<em>{escape(s.title)}</em>. {escape(s.note)}" for s in _kb(kb).cite(source_ids))


def _figure_or_nothing(figure_id: str, **kwargs) -> str:
    try:
        known = figure_id in figure_index()
    except FileNotFoundError:
        known = False
    return figure_html(figure_id, **kwargs) if known else ""


def mechanism_html(mechanism_id: str, kb: Optional[Knowledge] = None) -> str:
    """One mechanism: its name, summary and how it works, beside its small figure."""
    m = _kb(kb).mechanisms[mechanism_id]
    text = (f"<h3>{escape(m.name)}</h3><p>{escape(m.summary)}</p>"
            + _ul(escape(h) for h in m.how))
    fig = _figure_or_nothing(f"mechanism_{mechanism_id}", max_width="260px")
    return ('<div class="nm-mechanism" style="display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start">'
            f'<div style="flex:1 1 320px">{text}</div><div style="flex:0 1 260px">{fig}</div></div>')


def mechanism_matrix_html(kb: Optional[Knowledge] = None) -> str:
    """Which technique or routine uses which mechanism, as a table ('uses' in words, not colour)."""
    kb = _kb(kb)
    mechs = list(kb.mechanisms.values())
    rows = [(f"{escape(t.name)} ({escape(_SETTING_LABEL[t.setting])})",
             *("✔ uses" if m.id in t.mechanisms else "—" for m in mechs))
            for t in kb.techniques.values()]
    return _table("Mechanisms each technique and routine relies on",
                  ["Technique or routine", *(escape(m.name) for m in mechs)], rows)


def mechanism_links_html(technique_id: str, kb: Optional[Knowledge] = None) -> str:
    """The mechanisms one technique or routine uses (with figures), and those it does not."""
    kb = _kb(kb)
    t = kb.techniques[technique_id]
    used = [kb.mechanisms[m] for m in t.mechanisms]
    unused = [m for mid, m in kb.mechanisms.items() if mid not in t.mechanisms]
    items = []
    for m in used:
        fig = _figure_or_nothing(f"mechanism_{m.id}", caption=False, max_width="140px")
        items.append(
            '<li style="display:flex;gap:1em;align-items:flex-start;margin-bottom:0.5em">'
            f'<div style="flex:0 0 140px">{fig}</div>'
            f'<div><strong>{escape(m.name)}.</strong> {escape(m.summary)}</div></li>'
        )
    parts = [
        f"<p><strong>{escape(t.name)}</strong> ({escape(_SETTING_LABEL[t.setting])}, taught in "
        f'<a href="{escape(t.lesson)}.ipynb">lesson {escape(t.lesson[:2])}</a>) '
        f"uses {len(used)} of the {len(kb.mechanisms)} mechanisms:</p>",
        '<ul style="list-style:none;padding-left:0">' + "".join(items) + "</ul>",
    ]
    if unused:
        parts.append("<p>It does not rely on: " + escape("; ".join(m.name for m in unused)) + ".</p>")
    return '<div class="nm-links">' + "".join(parts) + "</div>"


def technique_figures_html(technique_id: str, kb: Optional[Knowledge] = None) -> str:
    """The technique card (steps, pressure, direction) beside its stroke figures on hand and foot."""
    figs = "".join(_figure_or_nothing(f"{technique_id}_{part}", max_width="420px") for part in ("hand", "foot"))
    return ('<div class="nm-side-by-side" style="display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start">'
            f'<div style="flex:1 1 340px">{technique_html(technique_id, kb)}</div>'
            f'<div style="flex:1 1 340px">{figs}</div></div>')


def pressure_range_html(technique_id: str, kb: Optional[Knowledge] = None) -> str:
    """The 1-5 pressure scale with this technique's range marked in words (not only by colour)."""
    kb = _kb(kb)
    t = kb.techniques[technique_id]
    rows, styles = [], []
    for lvl, p in kb.pressure_levels.items():
        inside = t.pressure_min <= lvl <= t.pressure_max
        rows.append((f"{lvl} · {escape(p.name)}", escape(p.hand), escape(p.client_feels),
                     "✔ in range" if inside else "— outside"))
        styles.append("background:#eef5ec;font-weight:bold" if inside else "")
    names = scale_names(kb)
    return (f"<p><strong>{escape(t.name)}</strong> uses level {t.pressure_min} to {t.pressure_max} of 5 "
            f"({escape(names[t.pressure_min])} to {escape(names[t.pressure_max])}).</p>"
            + _table("The pressure scale", ["Level", "What your hand does", "What the client feels",
                                             "This technique"], rows, styles))


def adaptations_html(technique_id: str, kb: Optional[Knowledge] = None) -> str:
    """For every symptom: its pressure limit and how this technique changes for it (or that it is left out)."""
    kb = _kb(kb)
    t = kb.techniques[technique_id]
    names = scale_names(kb)
    rows = []
    for s in kb.symptoms.values():
        if s.pressure_cap < t.pressure_min:
            how = (f"Left out: it needs at least level {t.pressure_min}, and this symptom allows "
                   f"level {s.pressure_cap} at most.")
        else:
            how = t.adaptations.get(s.id, "No special change beyond the pressure limit.")
        rows.append((escape(s.name), f"level {s.pressure_cap} ({escape(names[s.pressure_cap])})", escape(how)))
    return _table(f"{escape(t.name)}: adapting to each symptom", ["Symptom", "Pressure limit", "How to adapt"], rows)


_ACTION = {
    "avoid": "avoid that area: no massage there",
    "cap_pressure": "lighter pressure only: level {cap} at most",
    "stop_and_refer": "stop: no massage, refer",
}


def _response_text(resp) -> str:
    if resp is None:
        return "—"
    return escape(_ACTION[resp.action].format(cap=resp.pressure_cap)) + f". <small>{escape(resp.reason)}</small>"


def conditions_html(kb: Optional[Knowledge] = None) -> str:
    """Every contraindication and red flag: what it does on one area, for the whole session, and who to refer to."""
    kb = _kb(kb)
    rows = []
    for c in kb.conditions.values():
        kind = "Red flag" if c.kind == "red_flag" else "Contraindication"
        rows.append((f"{escape(c.name)}<br><small>{kind}</small>", _response_text(c.at_region),
                     _response_text(c.whole_session), escape(c.referral or "—")))
    return _table("When not to massage, and what to do instead",
                  ["Condition", "On one area", "For the whole client", "Who to see"], rows)


def red_flags_html(kb: Optional[Knowledge] = None) -> str:
    """Every red flag: what to look for, and where to send the client. A red flag always stops the session."""
    kb = _kb(kb)
    return _ul(
        f"<strong>{escape(c.name)}.</strong> {escape(c.description)} <em>What to do:</em> {escape(c.referral or '')}"
        for c in kb.conditions.values() if c.kind == "red_flag"
    )


def precautions_html(ids: Iterable[str], kb: Optional[Knowledge] = None) -> str:
    """Some precautions by id, as a list (name in bold, then the text)."""
    kb = _kb(kb)
    return _ul(f"<strong>{escape(kb.precautions[i].name)}.</strong> {escape(kb.precautions[i].text)}" for i in ids)


# --------------------------------------------------------------------------- the advisor for one technique


@dataclass(frozen=True)
class TechniqueOutcome:
    """What the advisor says about one technique on a group of regions."""

    regions: tuple[str, ...]  # region names
    offered: bool
    max_pressure: Optional[int]
    adaptations: tuple[str, ...]
    reasons: tuple[str, ...]  # why the limit is what it is, or why it is left out
    region_cap: Optional[int] = None  # the advisor's limit for these regions (None when avoided)


def technique_outcomes(technique_id: str, symptoms: Iterable[str], kb: Optional[Knowledge] = None
                       ) -> tuple[Plan, tuple[TechniqueOutcome, ...]]:
    """Ask the advisor about every region this technique works on, with these symptoms; group
    regions that get the same answer."""
    kb = _kb(kb)
    tech = kb.techniques[technique_id]
    p = plan(Selection.of(symptoms=symptoms, regions=tech.regions, setting=tech.setting), kb)
    left_out_prefixes = tuple(f"{t.name} is left out" for t in kb.techniques.values())
    groups: dict[tuple, list[str]] = {}
    for r in p.regions:
        advice = next((t for t in r.techniques if t.id == technique_id), None)
        if r.status == "avoid":
            key = (False, None, (), r.reasons, None)
        elif advice is not None:
            cap_reasons = tuple(x for x in r.reasons if not x.startswith(left_out_prefixes))
            key = (True, advice.max_pressure, advice.adaptations, cap_reasons, r.pressure_cap)
        else:
            mine = tuple(x for x in r.reasons if x.startswith(f"{tech.name} is left out"))
            key = (False, None, (), mine or (f"{tech.name} is not offered here.",), r.pressure_cap)
        groups.setdefault(key, []).append(r.name)
    outcomes = tuple(TechniqueOutcome(tuple(names), *key) for key, names in groups.items())
    return p, outcomes


def technique_try_html(technique_id: str, symptoms: Iterable[str], kb: Optional[Knowledge] = None) -> str:
    """The advisor's answer for one technique and these symptoms, with the reasons and when to stop."""
    kb = _kb(kb)
    tech = kb.techniques[technique_id]
    symptoms = tuple(symptoms)
    names = scale_names(kb)
    p, outcomes = technique_outcomes(technique_id, symptoms, kb)
    chosen = ", ".join(kb.symptoms[s].name for s in kb.symptoms if s in symptoms)
    parts = [f"<p><strong>Symptoms chosen:</strong> {escape(chosen) if chosen else 'none yet'}.</p>"]
    if p.stop_and_refer:
        parts.append('<p role="alert"><strong>STOP — do not massage. Refer to a health professional.</strong></p>'
                     + _ul(escape(r) for r in p.referral_reasons))
    for o in outcomes:
        where = escape(", ".join(o.regions))
        if o.offered:
            parts.append(
                f"<p><strong>✔ {escape(tech.name)} is offered</strong>, up to <strong>level {o.max_pressure} of 5 "
                f"({escape(names[o.max_pressure])})</strong>, on: {where}.</p>"
            )
            if o.reasons:
                parts.append(f"<p>Why this limit: the chosen symptoms allow level {o.region_cap} at most.</p>"
                             + _ul(escape(x) for x in o.reasons))
            if o.region_cap is not None and tech.pressure_max < o.region_cap:
                parts.append(f"<p>{'Also, ' if o.reasons else 'Why this limit: '}the technique itself never "
                             f"goes above level {tech.pressure_max}.</p>")
            if o.adaptations:
                parts.append("<p>Adapt it:</p>" + _ul(escape(a) for a in o.adaptations))
        else:
            parts.append(f"<p><strong>✘ {escape(tech.name)} is left out</strong> on: {where}.</p>"
                         + "<p>Why:</p>" + _ul(escape(x) for x in o.reasons))
    stop = [pr for pr in p.precautions if pr.id in ("stop_if_pain", "consult_provider")]
    others = [pr for pr in p.precautions if pr.id not in ("stop_if_pain", "consult_provider")]
    if stop:
        parts.append("<p><strong>When to stop and seek a health professional:</strong></p>"
                     + _ul(f"<strong>{escape(pr.name)}.</strong> {escape(pr.text)}" for pr in stop))
    if others:
        parts.append("<p><strong>Also keep in mind:</strong></p>"
                     + _ul(f"<strong>{escape(pr.name)}.</strong> {escape(pr.text)}" for pr in others))
    return '<div class="nm-try">' + "".join(parts) + "</div>"


def symptom_details_html(symptom_ids: Iterable[str], kb: Optional[Knowledge] = None) -> str:
    """Each chosen symptom described, with where it usually shows, then the body map with those regions marked."""
    kb = _kb(kb)
    chosen = [s for sid, s in kb.symptoms.items() if sid in set(symptom_ids)]
    if not chosen:
        text = "<p>Tick a symptom to see it described and where it usually shows.</p>"
    else:
        text = "".join(
            f"<p><strong>{escape(s.name)}.</strong> {escape(s.description)}<br>"
            f"<em>Usually shows on:</em> {escape(', '.join(_region_names(s.typical_regions, kb)))}.</p>"
            for s in chosen
        )
    marks = symptom_marks([s.id for s in chosen], kb)
    return (f'<div class="nm-symptoms">{text}'
            f"<p><strong>On the body map</strong> (marked regions are listed below the picture):</p>"
            f"{body_map_html(marks, kb)}</div>")


# --------------------------------------------------------------------------- widgets


class SymptomPicker(W.VBox):
    """One labelled checkbox per symptom, in the order of symptoms.yaml."""

    def __init__(self, kb: Optional[Knowledge] = None, on_change=None,
                 legend: str = "Symptoms the client reports"):
        kb = _kb(kb)
        self.boxes = {
            sid: W.Checkbox(value=False, description=s.name, indent=False,
                            layout=W.Layout(width="auto", min_width="270px"))
            for sid, s in kb.symptoms.items()
        }
        self._on_change = on_change
        for box in self.boxes.values():
            box.observe(self._changed, names="value")
        super().__init__([W.HTML(f"<p><strong>{escape(legend)}</strong> (tick any):</p>"), *self.boxes.values()],
                         layout=W.Layout(flex="0 0 auto", min_width="280px", margin="0 1.5em 0 0"))

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(sid for sid, box in self.boxes.items() if box.value)

    def set(self, *symptom_ids: str) -> None:
        """Tick exactly these symptoms (for tests and worked examples)."""
        unknown = [s for s in symptom_ids if s not in self.boxes]
        if unknown:
            raise KeyError(f"unknown symptoms {unknown}")
        for sid, box in self.boxes.items():
            box.value = sid in symptom_ids

    def _changed(self, _change) -> None:
        if self._on_change:
            self._on_change()


class SymptomExplorer(W.VBox):
    """Lesson 01: tick symptoms; see each described and where it usually shows on the body map."""

    def __init__(self, kb: Optional[Knowledge] = None):
        self.kb = _kb(kb)
        self.picker = SymptomPicker(self.kb, on_change=self.update, legend="Symptoms to look at")
        self.view = W.HTML(layout=W.Layout(flex="1 1 320px"))
        self.update()
        super().__init__([W.HBox([self.picker, self.view], layout=W.Layout(flex_flow="row wrap"))])

    def update(self) -> None:
        self.view.value = symptom_details_html(self.picker.selected, self.kb)


class MechanismLinks(W.VBox):
    """Lesson 02: choose a technique or self-care routine; see the mechanisms it uses."""

    def __init__(self, kb: Optional[Knowledge] = None, value: Optional[str] = None):
        self.kb = _kb(kb)
        options = [(f"{t.name} ({_SETTING_LABEL[t.setting]})", tid) for tid, t in self.kb.techniques.items()]
        self.choice = W.Dropdown(options=options, value=value or options[0][1],
                                 description="Technique or routine",
                                 style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.view = W.HTML()
        self.choice.observe(lambda _c: self.update(), names="value")
        self.update()
        super().__init__([self.choice, self.view])

    def update(self) -> None:
        self.view.value = mechanism_links_html(self.choice.value, self.kb)


class TechniqueTryIt(W.VBox):
    """Lessons 03-05: tick symptoms; see the advisor's pressure limit and adaptations for one technique."""

    def __init__(self, technique_id: str, kb: Optional[Knowledge] = None):
        self.kb = _kb(kb)
        if technique_id not in self.kb.techniques:
            raise KeyError(f"unknown technique {technique_id!r}")
        self.technique_id = technique_id
        self.picker = SymptomPicker(self.kb, on_change=self.update)
        self.view = W.HTML(layout=W.Layout(flex="1 1 320px"))
        self.update()
        super().__init__([W.HBox([self.picker, self.view], layout=W.Layout(flex_flow="row wrap"))])

    def update(self) -> None:
        self.view.value = technique_try_html(self.technique_id, self.picker.selected, self.kb)
