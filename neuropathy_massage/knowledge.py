"""Load the course's knowledge data (assets/knowledge/*.yaml, assets/figures/figures.yaml) into
frozen, validated records.

Every clinical fact of the course lives once, in YAML, with the ids of its sources. This module
reads the files (safely: `yamlio`), validates each record with pydantic (`records`), checks every
cross-reference (an id that one record names must exist; every pressure level lies on the 1-5
scale; every figure file exists) and hands out one cached, read-only `Knowledge`. Malformed data
raises `KnowledgeError`; each of its `problems` is one line naming the file, the record and the
field. Every problem found is reported, not only the first.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from pydantic import ValidationError

from neuropathy_massage import paths
from neuropathy_massage.records import (
    PRESSURE_MAX,
    PRESSURE_MIN,
    REACHES,
    CaseStudy,
    Condition,
    Figure,
    IntakeQuestion,
    Mechanism,
    Precaution,
    PressureLevel,
    QuizItem,
    Record,
    Region,
    Source,
    Sourced,
    Symptom,
    Technique,
)
from neuropathy_massage.yamlio import YamlProblem, read_yaml


class KnowledgeError(ValueError):
    """Malformed course data. `problems`: one line each, naming the file, the record and the field;
    `str()` is the first of them (and how many more there are)."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems) or ["the course data is malformed"]
        more = len(self.problems) - 1
        super().__init__(self.problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""))


# file name -> (top-level key, record model, key that identifies a record)
FILES: dict[str, tuple[str, type[Record], str]] = {
    "sources.yaml": ("sources", Source, "id"),
    "pressure_scale.yaml": ("levels", PressureLevel, "level"),
    "regions.yaml": ("regions", Region, "id"),
    "symptoms.yaml": ("symptoms", Symptom, "id"),
    "mechanisms.yaml": ("mechanisms", Mechanism, "id"),
    "techniques.yaml": ("techniques", Technique, "id"),
    "routines.yaml": ("routines", Technique, "id"),
    "precautions.yaml": ("precautions", Precaution, "id"),
    "conditions.yaml": ("conditions", Condition, "id"),
    "quiz.yaml": ("items", QuizItem, "id"),
    "case_studies.yaml": ("cases", CaseStudy, "id"),
    "intake.yaml": ("questions", IntakeQuestion, "id"),
}
FIGURES_FILE = "figures.yaml"  # in assets/figures/, beside the SVG files it indexes


def _ro(mapping: dict) -> Mapping:
    return MappingProxyType(mapping)


class Knowledge:
    """Every record of the course, by id, read-only. Get it with `load_knowledge()`."""

    def __init__(self, directory: Path, figures_dir: Path, tables: dict[str, dict]):
        self.directory = directory
        self.figures_dir = figures_dir
        self.sources: Mapping[str, Source] = _ro(tables["sources.yaml"])
        self.pressure_levels: Mapping[int, PressureLevel] = _ro(tables["pressure_scale.yaml"])
        self.regions: Mapping[str, Region] = _ro(tables["regions.yaml"])
        self.symptoms: Mapping[str, Symptom] = _ro(tables["symptoms.yaml"])
        self.mechanisms: Mapping[str, Mechanism] = _ro(tables["mechanisms.yaml"])
        self.techniques: Mapping[str, Technique] = _ro({**tables["techniques.yaml"], **tables["routines.yaml"]})
        self.precautions: Mapping[str, Precaution] = _ro(tables["precautions.yaml"])
        self.conditions: Mapping[str, Condition] = _ro(tables["conditions.yaml"])
        self.quiz: Mapping[str, QuizItem] = _ro(tables["quiz.yaml"])
        self.case_studies: Mapping[str, CaseStudy] = _ro(tables["case_studies.yaml"])
        self.intake: Mapping[str, IntakeQuestion] = _ro(tables["intake.yaml"])
        self.figures: Mapping[str, Figure] = _ro(tables[FIGURES_FILE])
        self._footprints = _ro({(rid, reach): _footprint(self.regions, rid, reach)
                                for rid in self.regions for reach in REACHES})

    def footprint(self, region_id: str, reach: str) -> tuple[str, ...]:
        """The regions `reach` covers from one region, in the order of regions.yaml: the region
        itself (`region`), the whole hand or foot of that side (`limb`: the regions of the same
        side and `limb`), or the whole arm or leg of that side (`segment`)."""
        return self._footprints[(region_id, reach)]

    def techniques_for(self, setting: str) -> tuple[Technique, ...]:
        return tuple(t for t in self.techniques.values() if t.setting == setting)

    def quiz_for(self, lesson: str) -> tuple[QuizItem, ...]:
        return tuple(q for q in self.quiz.values() if q.lesson == lesson)

    def cases_for(self, lesson: str) -> tuple[CaseStudy, ...]:
        return tuple(c for c in self.case_studies.values() if c.lesson == lesson)

    def precautions_in(self, *groups: str) -> tuple[Precaution, ...]:
        return tuple(p for p in self.precautions.values() if p.group in groups)

    def cite(self, ids: Iterable[str]) -> tuple[Source, ...]:
        """The sources with these ids, in the order of sources.yaml, each once."""
        wanted = set(ids)
        return tuple(s for sid, s in self.sources.items() if sid in wanted)

    def figure_path(self, figure_id: str) -> Path:
        return self.figures_dir / self.figures[figure_id].file


def _footprint(regions: Mapping[str, Region], region_id: str, reach: str) -> tuple[str, ...]:
    here = regions[region_id]
    if reach == "region":
        return (region_id,)
    field = "limb" if reach == "limb" else "segment"
    return tuple(rid for rid, r in regions.items()
                 if r.side == here.side and getattr(r, field) == getattr(here, field))


def _records(path: Path, top: str, problems: list[str], unreadable: set) -> list:
    try:
        data = read_yaml(path)
    except YamlProblem as exc:
        problems.append(str(exc))
        unreadable.add(path.name)
        return []
    if isinstance(data, dict) and top in data and data[top] is None:
        return []  # the key is there with no records yet
    if not isinstance(data, dict) or not isinstance(data.get(top), list):
        problems.append(f"{path.name}: expected a top-level key '{top}' holding a list of records")
        unreadable.add(path.name)
        return []
    return data[top]


def _parse(file: str, raw: list, model: type[Record], key: str, problems: list[str], broken: set) -> dict:
    """Valid records by id; the id of a record that fails validation goes into `broken` (so other
    records naming it are not reported as naming an unknown id)."""
    table: dict = {}
    for index, record in enumerate(raw):
        name = record.get(key) if isinstance(record, dict) else None
        where = f"{file}: record '{name}'" if name is not None else f"{file}: record #{index + 1}"
        if not isinstance(record, dict):
            problems.append(f"{where}: expected a mapping of fields, got {type(record).__name__}")
            continue
        try:
            parsed = model.model_validate(record)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(record)"
                problems.append(f"{where}: field '{field}': {err['msg']}")
            if name is not None:
                broken.add(name)
            continue
        ident = getattr(parsed, key)
        if ident in table:
            problems.append(f"{where}: field '{key}': duplicate {key} {ident!r}")
            continue
        table[ident] = parsed
    return table


class _Checker:
    """Cross-reference checks; each problem found is added to `problems`."""

    def __init__(self, tables: dict[str, dict], broken: set, unreadable: set, figures_dir: Path, problems: list[str]):
        self.t, self.broken, self.figures_dir, self.problems = tables, broken, figures_dir, problems
        self.unreadable = unreadable  # files that could not be read: references to them are not checked

    def fail(self, file: str, ident, field: str, msg: str) -> None:
        self.problems.append(f"{file}: record '{ident}': field '{field}': {msg}")

    def refs(self, file, ident, field, values, table_files, what) -> None:
        if set(table_files if isinstance(table_files, tuple) else (table_files,)) & self.unreadable:
            return
        known = set()
        for tf in (table_files if isinstance(table_files, tuple) else (table_files,)):
            known |= set(self.t[tf])
        for v in values:
            if v not in known and v not in self.broken:
                listed = ", ".join(sorted(map(str, known)))
                self.fail(file, ident, field, f"unknown {what} id {v!r} (known: {listed})")

    def pressure(self, file, ident, field, value) -> None:
        if value is not None and not PRESSURE_MIN <= value <= PRESSURE_MAX:
            self.fail(file, ident, field, f"pressure level {value} is outside the scale {PRESSURE_MIN}-{PRESSURE_MAX}")

    def run(self) -> None:
        t = self.t
        for file, table in t.items():
            for ident, rec in table.items():
                if isinstance(rec, Sourced):
                    self.refs(file, ident, "sources", rec.sources, "sources.yaml", "source")
        levels = sorted(t["pressure_scale.yaml"])
        if (levels != list(range(PRESSURE_MIN, PRESSURE_MAX + 1)) and not self.broken & set(range(1, 6))
                and "pressure_scale.yaml" not in self.unreadable):
            self.problems.append(f"pressure_scale.yaml: field 'level': the scale must have levels "
                                 f"{PRESSURE_MIN}-{PRESSURE_MAX} once each, found {levels}")
        for ident, s in t["symptoms.yaml"].items():
            self.refs("symptoms.yaml", ident, "typical_regions", s.typical_regions, "regions.yaml", "region")
            self.pressure("symptoms.yaml", ident, "pressure_cap", s.pressure_cap)
            self.pressure("symptoms.yaml", ident, "self_pressure_cap", s.self_pressure_cap)
            if s.self_pressure_cap is not None and s.self_pressure_cap > s.pressure_cap:
                self.fail("symptoms.yaml", ident, "self_pressure_cap", "is above pressure_cap: self-massage is never "
                          "allowed more pressure than a therapist")
        for ident, m in t["mechanisms.yaml"].items():
            if m.figure is not None:
                self.refs("mechanisms.yaml", ident, "figure", [m.figure], FIGURES_FILE, "figure")
        self.techniques()
        self.precautions()
        self.conditions()
        self.cases()
        self.intake()
        for ident, src in t["sources.yaml"].items():
            if src.superseded_by is not None:
                self.refs("sources.yaml", ident, "superseded_by", [src.superseded_by], "sources.yaml", "source")
        for ident, fig in t[FIGURES_FILE].items():
            if not (self.figures_dir / fig.file).is_file():
                self.fail(FIGURES_FILE, ident, "file", f"no file {fig.file!r} in {self.figures_dir}")

    def techniques(self) -> None:
        t = self.t
        for file in ("techniques.yaml", "routines.yaml"):
            want = "therapist" if file == "techniques.yaml" else "self"
            for ident, tech in t[file].items():
                self.pressure(file, ident, "pressure_min", tech.pressure_min)
                self.pressure(file, ident, "pressure_max", tech.pressure_max)
                if tech.pressure_min > tech.pressure_max:
                    self.fail(file, ident, "pressure_min", "is above pressure_max")
                self.refs(file, ident, "mechanisms", tech.mechanisms, "mechanisms.yaml", "mechanism")
                self.refs(file, ident, "regions", tech.regions, "regions.yaml", "region")
                self.refs(file, ident, "adaptations", tech.adaptations, "symptoms.yaml", "symptom")
                self.refs(file, ident, "figures", tech.figures, FIGURES_FILE, "figure")
                if tech.setting != want:
                    self.fail(file, ident, "setting", f"records in {file} must have setting {want!r}")
                fields = {f for _, f, _, _ in string.Formatter().parse(tech.touches_reason) if f is not None}
                if fields - {"area"}:
                    self.fail(file, ident, "touches_reason", f"may name only {{area}}, not {sorted(fields - {'area'})}")
        for ident in sorted(set(t["techniques.yaml"]) & set(t["routines.yaml"])):
            self.fail("routines.yaml", ident, "id", "also used by a technique in techniques.yaml")

    def precautions(self) -> None:
        for ident, p in self.t["precautions.yaml"].items():
            self.refs("precautions.yaml", ident, "when.symptoms", p.when.symptoms, "symptoms.yaml", "symptom")
            self.refs("precautions.yaml", ident, "when.conditions", p.when.conditions, "conditions.yaml", "condition")
            if not p.when.fires():
                self.fail("precautions.yaml", ident, "when", "names no trigger, so it would never be shown")

    def conditions(self) -> None:
        for ident, c in self.t["conditions.yaml"].items():
            file = "conditions.yaml"
            fail = lambda field, msg: self.fail(file, ident, field, msg)  # noqa: E731
            self.refs(file, ident, "regions", c.regions, "regions.yaml", "region")
            if c.regions and c.at_region is None:
                fail("regions", "only a condition with at_region can list regions")
            if c.spread != "region" and c.at_region is None:
                fail("spread", "only a condition with at_region can spread")
            if c.at_region is None and c.whole_session is None:
                fail("at_region", "a condition needs at_region or whole_session")
            actions = set()
            for scope in ("at_region", "whole_session"):
                r = getattr(c, scope)
                if r is None:
                    continue
                actions.add(r.action)
                self.response(file, ident, scope, r, c.kind)
            if "stop_and_refer" in actions and not c.referral:
                fail("referral", "a condition that stops the session must say where to refer")
            if c.kind == "red_flag" and not c.referral:
                fail("referral", "a red flag must say where to refer")
            if c.referral and c.urgency is None:
                fail("urgency", "a condition with a referral says how soon help is needed "
                     "(emergency, urgent, prompt or routine)")
            if c.urgency is not None and not c.referral:
                fail("referral", "a condition with an urgency says where to go (referral)")
            if c.urgency == "emergency" and actions != {"stop_and_refer"}:
                fail("urgency", "an emergency stops the session at every scope it has")
            if c.escalation and (c.urgency is None or c.urgency == "emergency"):
                fail("escalation", "says when an urgent case becomes an emergency: only with urgency "
                     "urgent, prompt or routine")
            if c.kind == "caution" and "stop_and_refer" in actions:
                fail("kind", "a caution adapts the session; a condition that stops it is a red flag or a "
                     "contraindication")
            if c.kind == "contraindication" and not actions & {"avoid", "stop_and_refer"}:
                fail("kind", "a contraindication keeps massage off an area or stops it; one that only adapts "
                     "is a caution")

    def response(self, file: str, ident: str, scope: str, r, kind: str) -> None:
        fail = lambda field, msg: self.fail(file, ident, f"{scope}.{field}", msg)  # noqa: E731
        self.pressure(file, ident, f"{scope}.pressure_cap", r.pressure_cap)
        self.pressure(file, ident, f"{scope}.self_pressure_cap", r.self_pressure_cap)
        if (r.action == "cap_pressure") != (r.pressure_cap is not None):
            fail("pressure_cap", "is required with action cap_pressure and only then")
        if r.self_pressure_cap is not None and (r.pressure_cap is None or r.self_pressure_cap > r.pressure_cap):
            fail("self_pressure_cap", "goes with cap_pressure and is never above pressure_cap")
        if scope == "whole_session" and r.action == "avoid":
            fail("action", "'avoid' is for one region; use stop_and_refer for the whole session")
        if kind == "red_flag" and r.action != "stop_and_refer":
            fail("action", "a red flag must stop and refer")
        if r.action == "stop_and_refer" and (r.joint_movement or r.no_heat):
            fail("action", "a response that stops the session needs no other limit")

    def cases(self) -> None:
        file = "case_studies.yaml"
        for ident, case in self.t[file].items():
            sel = case.selection
            self.refs(file, ident, "selection.symptoms", sel.symptoms, "symptoms.yaml", "symptom")
            self.refs(file, ident, "selection.regions", sel.regions, "regions.yaml", "region")
            for pc in sel.conditions:
                self.refs(file, ident, "selection.conditions", [pc.id], "conditions.yaml", "condition")
                if pc.region is not None:
                    self.refs(file, ident, "selection.conditions.region", [pc.region], "regions.yaml", "region")
            self.expectation(file, ident, case)

    def intake(self) -> None:  # known ids; "where?" whenever needed, on areas allowed; one consent line
        for ident, q in self.t[file := "intake.yaml"].items():
            self.refs(file, ident, "records", q.records, "conditions.yaml", "condition")
            self.refs(file, ident, "regions", q.regions, "regions.yaml", "region")
            for c in filter(None, map(self.t["conditions.yaml"].get, q.records)):
                if (not (q.where or c.whole_session) or q.where and not (c.at_region and all(map(c.allows_region, q.regions)))
                        or q.whole_session_option and not c.whole_session):
                    self.fail(file, ident, "regions" if q.regions else "where", f"condition {c.id!r}: ask where, on areas it allows")
        if self.t[file] and [q.answer for q in self.t[file].values()].count("consent") != 1:
            self.problems.append(f"{file}: field 'answer': the intake needs exactly one consent line")

    def expectation(self, file: str, ident: str, case: CaseStudy) -> None:
        """The case's `expect` names what its selection can show: its own regions, techniques of
        its setting, precautions that exist, levels on the scale, words of its right choice."""
        e, sel = case.expect, case.selection
        for field, regions in (("expect.avoid", e.avoid), ("expect.pressure", e.pressure)):
            outside = sorted(set(regions) - set(sel.regions))
            if outside:
                self.fail(file, ident, field, f"regions {outside} are not in the case's selection")
        for region, level in e.pressure.items():
            self.pressure(file, ident, f"expect.pressure.{region}", level)
        for field, ids in (("expect.offered", e.offered), ("expect.left_out", e.left_out)):
            self.refs(file, ident, field, ids, ("techniques.yaml", "routines.yaml"), "technique")
            setting = {t: x.setting for f in ("techniques.yaml", "routines.yaml") for t, x in self.t[f].items()}
            wrong = sorted(t for t in ids if t in setting and setting[t] != sel.setting)
            if wrong:
                self.fail(file, ident, field, f"{wrong} are not offered in the setting {sel.setting!r}")
        self.refs(file, ident, "expect.precautions", e.precautions, "precautions.yaml", "precaution")
        if e.stop and (e.avoid or e.pressure or e.offered or e.left_out):
            self.fail(file, ident, "expect.stop", "a plan that stops avoids every region and offers nothing: "
                      "leave avoid, pressure, offered and left_out empty")
        if not e.stop and set(e.avoid) | set(e.pressure) != set(sel.regions):
            missing = sorted(set(sel.regions) - set(e.avoid) - set(e.pressure))
            self.fail(file, ident, "expect.pressure", f"say for every chosen region whether it is avoided or its "
                      f"pressure limit (missing: {missing})")
        if set(e.avoid) & set(e.pressure):
            self.fail(file, ident, "expect.avoid", f"{sorted(set(e.avoid) & set(e.pressure))} are avoided and "
                      "given a pressure limit")
        right = next(o.text for o in case.choices if o.correct)
        if e.right_choice_says.lower() not in right.lower():
            self.fail(file, ident, "expect.right_choice_says", f"{e.right_choice_says!r} is not in the right choice")


def read_knowledge(directory: Path | str, figures_dir: Path | str | None = None) -> Knowledge:
    """Read and check every file of a knowledge folder (no cache: use `load_knowledge`).
    `figures_dir` defaults to the `figures/` folder beside it."""
    directory = Path(directory)
    figures = Path(figures_dir) if figures_dir is not None else directory.parent / "figures"
    problems: list[str] = []
    broken: set = set()
    unreadable: set = set()
    tables = {}
    for file, (top, model, key) in FILES.items():
        tables[file] = _parse(file, _records(directory / file, top, problems, unreadable), model, key, problems, broken)
    tables[FIGURES_FILE] = _parse(FIGURES_FILE, _records(figures / FIGURES_FILE, "figures", problems, unreadable),
                                  Figure, "id", problems, broken)
    _Checker(tables, broken, unreadable, figures, problems).run()
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(directory, figures, tables)


@lru_cache(maxsize=4)
def _load(directory: Path) -> Knowledge:
    return read_knowledge(directory)


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """The course's knowledge, loaded once per folder and shared (records are frozen). Without a
    folder: `NEUROPATHY_COURSE_DATA`/knowledge when set, else the course's own."""
    return _load(Path(directory).resolve() if directory is not None else paths.knowledge_dir())
