"""Load the course's knowledge data (assets/knowledge/*.yaml) into frozen, validated records.

Every clinical fact of the course lives once, in YAML, with the ids of its sources. This module
reads the files, validates each record with pydantic, checks every cross-reference (an id that
one record names must exist; every pressure level lies on the 1-5 scale) and hands out one
cached, read-only `Knowledge`. Malformed data raises `KnowledgeError` with one line naming the
file, the record and the field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Mapping, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PRESSURE_MIN = 1
PRESSURE_MAX = 5

#: libyaml's safe loader when PyYAML was built with it (5x faster: every kernel start loads the
#: data), else the pure-Python one; both are safe loaders.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Where the data lives in a checkout (the package is installed editable from the repo).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "assets" / "knowledge"

Setting = Literal["therapist", "self"]


class KnowledgeError(ValueError):
    """Malformed knowledge data: the message names the file, the record and the field."""


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Sourced(Record):
    sources: tuple[str, ...] = Field(min_length=1)


Pressure = int  # validated against the scale in _check_pressure


class Source(Record):
    id: str
    title: str
    kind: str
    publisher: str
    authors: Optional[str] = None
    year: Optional[int] = None
    note: str


class PressureLevel(Sourced):
    level: int
    name: str
    hand: str  # what the therapist's hand does
    client_feels: str


class Region(Sourced):
    id: str
    name: str
    side: Literal["left", "right"]
    limb: Literal["hand", "foot", "forearm", "lower_leg"]
    area: str


class Symptom(Sourced):
    id: str
    name: str
    description: str
    typical_regions: tuple[str, ...] = Field(min_length=1)
    pressure_cap: int
    cap_reason: str
    reduces_sensation: bool = False


class Mechanism(Sourced):
    id: str
    name: str
    summary: str
    how: tuple[str, ...] = Field(min_length=1)


class Technique(Sourced):
    """A therapist technique or a self-care routine (told apart by `setting`)."""

    id: str
    name: str
    setting: Setting
    lesson: str
    purpose: str
    steps: tuple[str, ...] = Field(min_length=1)
    direction: str
    pressure_min: int
    pressure_max: int
    duration: str
    mechanisms: tuple[str, ...] = Field(min_length=1)
    regions: tuple[str, ...] = Field(min_length=1)
    adaptations: Mapping[str, str] = Field(default_factory=dict)  # symptom id -> what to change
    not_when: tuple[str, ...] = ()
    uses_warm_water: bool = False


class Trigger(Record):
    """When a precaution is shown: any one of the filled-in conditions is enough."""

    always: bool = False
    settings: tuple[Setting, ...] = ()
    reduced_sensation: bool = False
    warm_water: bool = False
    symptoms: tuple[str, ...] = ()


class Precaution(Sourced):
    id: str
    name: str
    text: str
    when: Trigger


Action = Literal["avoid", "cap_pressure", "stop_and_refer"]


class Response(Record):
    """What a condition does at one scope: avoid the region, cap the pressure, or stop and refer."""

    action: Action
    pressure_cap: Optional[int] = None
    reason: str


class Condition(Sourced):
    id: str
    name: str
    kind: Literal["contraindication", "red_flag"]
    description: str
    at_region: Optional[Response] = None
    whole_session: Optional[Response] = None
    referral: Optional[str] = None
    reduces_sensation: bool = False
    #: The regions it may be placed on (empty = any region), e.g. foot red flags on the feet.
    regions: tuple[str, ...] = ()

    def allows_region(self, region_id: str) -> bool:
        """Whether the condition may be placed on this region."""
        return self.at_region is not None and (not self.regions or region_id in self.regions)


class QuizOption(Record):
    text: str
    correct: bool
    explanation: str


class QuizItem(Sourced):
    id: str
    lesson: str
    question: str
    options: tuple[QuizOption, ...] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _one_right_answer(cls, options):
        if sum(o.correct for o in options) != 1:
            raise ValueError("exactly one option must be marked correct")
        return options


class PlacedCondition(Record):
    id: str
    region: Optional[str] = None


class CaseSelection(Record):
    symptoms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    conditions: tuple[PlacedCondition, ...] = ()
    setting: Setting = "therapist"


class CaseStudy(Sourced):
    id: str
    title: str
    story: str
    selection: CaseSelection
    question: str
    choices: tuple[QuizOption, ...] = Field(min_length=2)
    teaching_points: tuple[str, ...] = Field(min_length=1)


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
}


def _ro(mapping: dict) -> Mapping:
    return MappingProxyType(mapping)


class Knowledge:
    """Every record of the course, by id, read-only. Get it with `load_knowledge()`."""

    def __init__(self, directory: Path, tables: dict[str, dict]):
        self.directory = directory
        self.sources: Mapping[str, Source] = _ro(tables["sources.yaml"])
        self.pressure_levels: Mapping[int, PressureLevel] = _ro(tables["pressure_scale.yaml"])
        self.regions: Mapping[str, Region] = _ro(tables["regions.yaml"])
        self.symptoms: Mapping[str, Symptom] = _ro(tables["symptoms.yaml"])
        self.mechanisms: Mapping[str, Mechanism] = _ro(tables["mechanisms.yaml"])
        self.techniques: Mapping[str, Technique] = _ro(
            {**tables["techniques.yaml"], **tables["routines.yaml"]}
        )
        self.precautions: Mapping[str, Precaution] = _ro(tables["precautions.yaml"])
        self.conditions: Mapping[str, Condition] = _ro(tables["conditions.yaml"])
        self.quiz: Mapping[str, QuizItem] = _ro(tables["quiz.yaml"])
        self.case_studies: Mapping[str, CaseStudy] = _ro(tables["case_studies.yaml"])

    def techniques_for(self, setting: str) -> tuple[Technique, ...]:
        return tuple(t for t in self.techniques.values() if t.setting == setting)

    def quiz_for(self, lesson: str) -> tuple[QuizItem, ...]:
        return tuple(q for q in self.quiz.values() if q.lesson == lesson)

    def cite(self, ids) -> tuple[Source, ...]:
        """The sources with these ids, in the order of sources.yaml, each once."""
        wanted = set(ids)
        return tuple(s for sid, s in self.sources.items() if sid in wanted)


def _where(file: str, key: str, record: object, index: int) -> str:
    name = record.get(key) if isinstance(record, dict) else None
    return f"{file}: record '{name}'" if name is not None else f"{file}: record #{index + 1}"


def _read(path: Path, top: str) -> list:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise KnowledgeError(f"{path.name}: file is missing from {path.parent}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise KnowledgeError(f"{path.name}: not valid YAML{at}: {problem}") from None
    if isinstance(data, dict) and top in data and data[top] is None:
        data[top] = []  # the key is there with no records yet
    if not isinstance(data, dict) or not isinstance(data.get(top), list):
        raise KnowledgeError(f"{path.name}: expected a top-level key '{top}' holding a list of records")
    return data[top]


def _parse(file: str, raw: list, model: type[Record], key: str) -> dict:
    table: dict = {}
    for index, record in enumerate(raw):
        where = _where(file, key, record, index)
        if not isinstance(record, dict):
            raise KnowledgeError(f"{where}: expected a mapping of fields, got {type(record).__name__}")
        try:
            parsed = model.model_validate(record)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(record)"
            raise KnowledgeError(f"{where}: field '{field}': {err['msg']}") from None
        ident = getattr(parsed, key)
        if ident in table:
            raise KnowledgeError(f"{where}: field '{key}': duplicate {key} {ident!r}")
        table[ident] = parsed
    return table


class _Checker:
    """Cross-reference checks; the first problem raises with file, record and field."""

    def __init__(self, tables: dict[str, dict]):
        self.t = tables

    def fail(self, file: str, ident, field: str, msg: str):
        raise KnowledgeError(f"{file}: record '{ident}': field '{field}': {msg}")

    def refs(self, file, ident, field, values, table_file, what):
        known = self.t[table_file]
        for v in values:
            if v not in known:
                self.fail(file, ident, field, f"unknown {what} id {v!r} (known: {', '.join(sorted(map(str, known)))})")

    def pressure(self, file, ident, field, value):
        if value is not None and not PRESSURE_MIN <= value <= PRESSURE_MAX:
            self.fail(file, ident, field, f"pressure level {value} is outside the scale {PRESSURE_MIN}-{PRESSURE_MAX}")

    def run(self) -> None:
        t = self.t
        for file, table in t.items():
            for ident, rec in table.items():
                if isinstance(rec, Sourced):
                    self.refs(file, ident, "sources", rec.sources, "sources.yaml", "source")
        levels = sorted(t["pressure_scale.yaml"])
        if levels != list(range(PRESSURE_MIN, PRESSURE_MAX + 1)):
            raise KnowledgeError(
                f"pressure_scale.yaml: field 'level': the scale must have levels {PRESSURE_MIN}-{PRESSURE_MAX} once each, found {levels}"
            )
        for ident, s in t["symptoms.yaml"].items():
            self.refs("symptoms.yaml", ident, "typical_regions", s.typical_regions, "regions.yaml", "region")
            self.pressure("symptoms.yaml", ident, "pressure_cap", s.pressure_cap)
        for file in ("techniques.yaml", "routines.yaml"):
            for ident, tech in t[file].items():
                self.pressure(file, ident, "pressure_min", tech.pressure_min)
                self.pressure(file, ident, "pressure_max", tech.pressure_max)
                if tech.pressure_min > tech.pressure_max:
                    self.fail(file, ident, "pressure_min", "is above pressure_max")
                self.refs(file, ident, "mechanisms", tech.mechanisms, "mechanisms.yaml", "mechanism")
                self.refs(file, ident, "regions", tech.regions, "regions.yaml", "region")
                self.refs(file, ident, "adaptations", tech.adaptations, "symptoms.yaml", "symptom")
            want = "therapist" if file == "techniques.yaml" else "self"
            for ident, tech in t[file].items():
                if tech.setting != want:
                    self.fail(file, ident, "setting", f"records in {file} must have setting {want!r}")
        dupes = set(t["techniques.yaml"]) & set(t["routines.yaml"])
        if dupes:
            self.fail("routines.yaml", sorted(dupes)[0], "id", "also used by a technique in techniques.yaml")
        for ident, p in t["precautions.yaml"].items():
            self.refs("precautions.yaml", ident, "when.symptoms", p.when.symptoms, "symptoms.yaml", "symptom")
            w = p.when
            if not (w.always or w.settings or w.reduced_sensation or w.warm_water or w.symptoms):
                self.fail("precautions.yaml", ident, "when", "names no trigger, so it would never be shown")
        for ident, c in t["conditions.yaml"].items():
            self.refs("conditions.yaml", ident, "regions", c.regions, "regions.yaml", "region")
            if c.regions and c.at_region is None:
                self.fail("conditions.yaml", ident, "regions", "only a condition with at_region can list regions")
            if c.at_region is None and c.whole_session is None:
                self.fail("conditions.yaml", ident, "at_region", "a condition needs at_region or whole_session")
            for scope in ("at_region", "whole_session"):
                r = getattr(c, scope)
                if r is None:
                    continue
                self.pressure("conditions.yaml", ident, f"{scope}.pressure_cap", r.pressure_cap)
                if (r.action == "cap_pressure") != (r.pressure_cap is not None):
                    self.fail("conditions.yaml", ident, f"{scope}.pressure_cap", "is required with action cap_pressure and only then")
                if scope == "whole_session" and r.action == "avoid":
                    self.fail("conditions.yaml", ident, "whole_session.action", "'avoid' is for one region; use stop_and_refer for the whole session")
                if c.kind == "red_flag" and r.action != "stop_and_refer":
                    self.fail("conditions.yaml", ident, f"{scope}.action", "a red flag must stop and refer")
            if c.kind == "red_flag" and not c.referral:
                self.fail("conditions.yaml", ident, "referral", "a red flag must say where to refer")
        for ident, q in t["quiz.yaml"].items():
            if not q.lesson:
                self.fail("quiz.yaml", ident, "lesson", "is empty")
        for ident, case in t["case_studies.yaml"].items():
            sel = case.selection
            self.refs("case_studies.yaml", ident, "selection.symptoms", sel.symptoms, "symptoms.yaml", "symptom")
            self.refs("case_studies.yaml", ident, "selection.regions", sel.regions, "regions.yaml", "region")
            for pc in sel.conditions:
                self.refs("case_studies.yaml", ident, "selection.conditions", [pc.id], "conditions.yaml", "condition")
                if pc.region is not None:
                    self.refs("case_studies.yaml", ident, "selection.conditions.region", [pc.region], "regions.yaml", "region")


def read_knowledge(directory: Path | str) -> Knowledge:
    """Read and check every file in `directory` (no cache: use `load_knowledge`)."""
    directory = Path(directory)
    tables = {}
    for file, (top, model, key) in FILES.items():
        tables[file] = _parse(file, _read(directory / file, top), model, key)
    _Checker(tables).run()
    return Knowledge(directory, tables)


@lru_cache(maxsize=4)
def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """The course's knowledge, loaded once per directory and shared (records are frozen)."""
    return read_knowledge(DEFAULT_DIR if directory is None else directory)
