"""The typed records of the course's knowledge, and the one selection type.

Every record is a frozen pydantic model with `extra="forbid"`, so a typo in the YAML (`txet:`)
is an error, not a silently missing field. What each field means: docs/DATA.md. The loader that
reads them and checks their cross-references is `neuropathy_massage.knowledge`.
"""

from __future__ import annotations

from typing import Iterable, Literal, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PRESSURE_MIN = 1
PRESSURE_MAX = 5

Setting = Literal["therapist", "self"]
SETTINGS: tuple[str, ...] = ("therapist", "self")

#: What a technique touches when it is used on one chosen region, and how far a placed condition
#: reaches: the region itself, the whole hand or foot of that side (`limb`), or the whole arm or
#: leg of that side (`segment`). `Knowledge.footprint` turns one into region ids.
Reach = Literal["region", "limb", "segment"]
REACHES: tuple[str, ...] = ("region", "limb", "segment")

#: How soon help is needed, most urgent first (wording.URGENCY holds the words).
Urgency = Literal["emergency", "urgent", "prompt", "routine"]
URGENCIES: tuple[str, ...] = ("emergency", "urgent", "prompt", "routine")


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Sourced(Record):
    sources: tuple[str, ...] = Field(min_length=1)


class Source(Record):
    """A reference, with its citation as far as it could be checked. A detail that could not be
    confirmed is left out and named in `verified`; nothing is guessed (docs/DATA.md)."""

    id: str
    title: str
    kind: str
    publisher: str
    authors: Optional[str] = None
    year: Optional[int] = None
    journal: Optional[str] = None
    volume: Optional[str] = None
    issue: Optional[str] = None
    pages: Optional[str] = None
    article_number: Optional[str] = None
    edition: Optional[str] = None
    isbn: Optional[str] = None
    doi: Optional[str] = None
    url: Optional[str] = None
    #: The id of the source that replaces this one (kept so that older records still resolve).
    superseded_by: Optional[str] = None
    note: str
    #: How the citation was checked, and which details could NOT be confirmed.
    verified: str

    @field_validator("authors")
    @classmethod
    def _no_trailing_stop(cls, value):
        if value is not None and value.endswith("."):
            raise ValueError("write authors without a trailing full stop (the citation adds one)")
        return value


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
    #: The whole arm (hand and forearm) or the whole leg (foot and lower leg) it belongs to.
    segment: Literal["arm", "leg"]
    area: str


class Symptom(Sourced):
    id: str
    name: str
    description: str
    typical_regions: tuple[str, ...] = Field(min_length=1)
    pressure_cap: int
    #: A lower limit in self-massage (the person cannot judge pressure on skin they cannot feel).
    self_pressure_cap: Optional[int] = None
    cap_reason: str
    reduces_sensation: bool = False
    affects_balance: bool = False


class Mechanism(Sourced):
    id: str
    name: str
    summary: str
    how: tuple[str, ...] = Field(min_length=1)
    #: What the course's sources do and do not show about this claim.
    evidence: str
    figure: Optional[str] = None


class Technique(Sourced):
    """A therapist technique or a self-care routine (told apart by `setting`)."""

    id: str
    name: str
    setting: Setting
    purpose: str
    steps: tuple[str, ...] = Field(min_length=1)
    direction: str
    pressure_min: int
    pressure_max: int
    duration: str
    mechanisms: tuple[str, ...] = Field(min_length=1)
    regions: tuple[str, ...] = Field(min_length=1)
    #: What it touches when used on one chosen region (its footprint), and why, in words; the
    #: reason may name the footprint as `{area}` ("the tub puts the whole {area} in water").
    touches: Reach
    touches_reason: str
    adaptations: Mapping[str, str] = Field(default_factory=dict)  # symptom id -> what to change
    not_when: tuple[str, ...] = ()
    uses_warm_water: bool = False
    figures: tuple[str, ...] = ()


class Trigger(Record):
    """When a precaution is shown: any one of the filled-in triggers is enough; `only_in`, when
    given, keeps it to those settings."""

    always: bool = False
    settings: tuple[Setting, ...] = ()
    reduced_sensation: bool = False
    affects_balance: bool = False
    warm_water: bool = False
    symptoms: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    only_in: tuple[Setting, ...] = ()

    def fires(self) -> bool:
        """Whether any trigger is filled in (a precaution with none would never be shown)."""
        return bool(self.always or self.settings or self.reduced_sensation or self.affects_balance
                    or self.warm_water or self.symptoms or self.conditions)


class Precaution(Sourced):
    id: str
    name: str
    text: str
    #: The lesson section it belongs to (before, communication, when_to_stop, ...): lessons show
    #: the precautions of a group, never a hand-typed list of ids.
    group: str
    when: Trigger
    #: True for a precaution that holds in every session: a page shows it once, not with every plan.
    general: bool = False


Action = Literal["avoid", "cap_pressure", "stop_and_refer", "adapt"]
#: The kinds of condition, from the most serious (wording.KIND_LABEL holds the words).
Kind = Literal["red_flag", "contraindication", "caution"]
KINDS: tuple[str, ...] = ("red_flag", "contraindication", "caution")


class Response(Record):
    """What a condition does at one scope: avoid the region, cap the pressure, stop and refer, or
    adapt (the pressure limit unchanged; the plan shows the reason)."""

    action: Action
    pressure_cap: Optional[int] = None
    #: A lower cap in self-massage (with `cap_pressure` only).
    self_pressure_cap: Optional[int] = None
    #: Joint movement only gentle, within an easy range (no stretching, pulling or forcing).
    joint_movement: Optional[Literal["gentle"]] = None
    #: No heat and no warm water where it applies: rules out routines that use warm water on
    #: any area of their footprint.
    no_heat: bool = False
    reason: str


class Condition(Sourced):
    id: str
    name: str
    kind: Kind
    description: str
    at_region: Optional[Response] = None
    whole_session: Optional[Response] = None
    referral: Optional[str] = None
    #: How soon the referral is needed (required with a referral, and on every red flag).
    urgency: Optional[Urgency] = None
    #: When it becomes an emergency (the words of the plan, after the referral).
    escalation: Optional[str] = None
    #: Massage only once the client's doctor has agreed.
    requires_clearance: bool = False
    reduces_sensation: bool = False
    affects_balance: bool = False
    #: The regions it may be placed on (empty = any region), e.g. foot red flags on the feet.
    regions: tuple[str, ...] = ()
    #: How far its `at_region` response reaches from where it is placed (lymph nodes removed on
    #: one side: the whole arm of that side).
    spread: Reach = "region"
    #: What to ask the client about it (its condition card); without it the card asks about the
    #: description.
    ask: Optional[str] = None

    def allows_region(self, region_id: str) -> bool:
        """Whether the condition may be placed on this region."""
        return self.at_region is not None and (not self.regions or region_id in self.regions)


class QuizOption(Record):
    text: str
    correct: bool
    explanation: str


QuizKind = Literal["recall", "judgement"]


class QuizItem(Sourced):
    id: str
    lesson: str
    #: recall: a fact the lesson states; judgement: a decision on a short scenario (a client, a
    #: situation). The bank keeps at least a third judgement items (tests/test_quiz_bank.py).
    kind: QuizKind = "recall"
    question: str
    options: tuple[QuizOption, ...] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _one_right_answer(cls, options):
        if sum(o.correct for o in options) != 1:
            raise ValueError("exactly one option must be marked correct")
        return options


class Figure(Record):
    id: str
    file: str
    title: str
    alt: str


IntakeAnswer = Literal["yes_no", "pain", "consent"]
#: The longest question or note the intake shows (plain words are short).
MAX_INTAKE_TEXT = 400


class IntakeQuestion(Record):
    """One line of the explorer's intake step (knowledge/intake.yaml): a yes/no health question
    whose "yes" records conditions (and asks where, for a condition kept to one area), the pain
    rating of today (0-10), or the consent line. It records; it never diagnoses."""

    id: str = Field(max_length=60)
    topic: str = Field(min_length=1, max_length=60)  # the heading it is shown under
    answer: IntakeAnswer = "yes_no"
    question: str = Field(min_length=1, max_length=MAX_INTAKE_TEXT)
    #: The condition ids a "yes" records (for the whole session, unless the question asks where).
    records: tuple[str, ...] = ()
    #: The "where?" question, for a condition placed on an area: a "yes" records it there.
    where: Optional[str] = Field(default=None, max_length=MAX_INTAKE_TEXT)
    #: The areas "where?" offers (empty: every area the condition allows).
    regions: tuple[str, ...] = ()
    #: Offered under "where?" as well: the words for recording it for the whole session.
    whole_session_option: Optional[str] = Field(default=None, max_length=MAX_INTAKE_TEXT)
    #: What a "yes" means, in words, when it records no condition (or needs saying).
    note: Optional[str] = Field(default=None, max_length=MAX_INTAKE_TEXT)

    @model_validator(mode="after")
    def _fits_its_answer(self):
        if self.answer != "yes_no" and (self.records or self.where or self.regions or self.whole_session_option):
            raise ValueError(f"a {self.answer} line records no condition and asks no 'where'")
        if self.answer == "yes_no" and not self.records and not self.note:
            raise ValueError("a yes/no question names the condition ids a yes records, or says in `note` what a yes means")
        if self.where is None and (self.regions or self.whole_session_option):
            raise ValueError("`regions` and `whole_session_option` go with `where`")
        if self.where is not None and len(self.records) != 1:
            raise ValueError("a question that asks where records exactly one condition")
        return self


# --------------------------------------------------------------------------- the selection


class PlacedCondition(Record):
    """A condition recorded for the whole session (`region` None) or at one region."""

    id: str = Field(max_length=100)
    region: Optional[str] = Field(default=None, max_length=100)


#: The most conditions one selection may carry (a client rarely has more than a handful).
MAX_CONDITIONS = 64


class Selection(Record):
    """What a learner chose: the one selection type of the course (advisor, widgets, JSON door,
    case studies). Ids are checked against the knowledge by `advisor.validate`."""

    symptoms: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    conditions: frozenset[PlacedCondition] = Field(default=frozenset(), max_length=MAX_CONDITIONS)
    setting: Setting = "therapist"

    @classmethod
    def of(cls, symptoms: Iterable[str] = (), regions: Iterable[str] = (),
           conditions: Iterable = (), setting: str = "therapist") -> "Selection":
        """A selection from plain values; a condition may be an id (whole session), an
        (id, region) pair, a mapping with `id` and `region`, or a PlacedCondition."""
        placed = []
        for c in conditions:
            if isinstance(c, PlacedCondition):
                placed.append(c)
            elif isinstance(c, str):
                placed.append(PlacedCondition(id=c))
            elif isinstance(c, Mapping):
                placed.append(PlacedCondition(**c))
            else:
                cid, region = c
                placed.append(PlacedCondition(id=cid, region=region))
        for name, value in (("symptoms", symptoms), ("regions", regions)):
            if isinstance(value, str):
                raise ValueError(f"{name} must be a list of ids, not the single string {value!r}")
        return cls(symptoms=frozenset(symptoms), regions=frozenset(regions),
                   conditions=frozenset(placed), setting=setting)


class CaseExpectation(Record):
    """What the advisor's plan for a case must show, so that the case's right choice is checked
    against the advisor (tests/test_ui_practice.py) and adding a case needs no test edit."""

    #: The plan stops and refers (then nothing below but `precautions` and `reduced_sensation`).
    stop: bool = False
    #: The regions the plan avoids: exactly these.
    avoid: tuple[str, ...] = ()
    #: The pressure limit of every other chosen region (region id -> level 1-5).
    pressure: Mapping[str, int] = Field(default_factory=dict)
    #: The techniques or routines the plan offers somewhere: exactly these.
    offered: tuple[str, ...] = ()
    #: The techniques left out somewhere because the limit is below their minimum: exactly these.
    left_out: tuple[str, ...] = ()
    #: Precautions the plan must show (it may show more).
    precautions: tuple[str, ...] = ()
    reduced_sensation: bool = False
    #: Words the right choice says (any case): the choice and the plan tell the same story.
    right_choice_says: str = Field(min_length=1)


class CaseStudy(Sourced):
    id: str
    lesson: str
    title: str
    story: str
    selection: Selection
    question: str
    choices: tuple[QuizOption, ...] = Field(min_length=2)
    teaching_points: tuple[str, ...] = Field(min_length=1)
    expect: CaseExpectation

    @field_validator("choices")
    @classmethod
    def _one_best_choice(cls, choices):
        if sum(o.correct for o in choices) != 1:
            raise ValueError("exactly one choice must be marked correct")
        return choices


# --------------------------------------------------------------------------- trainer notes


class CaseReasoning(Record):
    """For a trainer: why a case study's right choice is right, in the order of the case lesson's
    questions, and why each wrong choice tempts."""

    case: str
    reasoning: tuple[str, ...] = Field(min_length=1, max_length=8)
    distractors: str = Field(min_length=1)


class TrainerNote(Sourced):
    """A trainer's notes on one lesson (knowledge/trainer_notes.yaml, keyed by lesson id; checked
    against the course by the course loader)."""

    lesson: str
    minutes: int = Field(ge=1, le=480)  # class time, reading and practice together
    timing: str = Field(min_length=1)  # how those minutes divide
    demonstration: str = Field(min_length=1)
    questions: tuple[str, ...] = Field(min_length=2, max_length=2)  # two questions for discussion
    mistakes: tuple[str, ...] = Field(min_length=1, max_length=8)
    cases: tuple[CaseReasoning, ...] = ()

