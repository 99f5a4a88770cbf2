"""Condition cards: one card per condition of the knowledge, all in one layout (after the
pathology books' decision pages), rendered from the data, so a condition added to
conditions.yaml has its card without any other change.

Each card has a status marker for each scope the condition has (one area, the whole client): a
word and a shape, never colour alone (an octagon for "Stop and refer", a triangle for "Adapt or
avoid the area", a circle for "Proceed with care"); then what it is, what to ask, what to do,
the pressure limit, the referral and the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from neuropathy_massage.knowledge import Knowledge
from neuropathy_massage.records import Condition
from neuropathy_massage.ui.lesson_views import region_names
from neuropathy_massage.wording import KIND_LABEL, URGENCY
from neuropathy_massage.ui.views import Fragment, kb_or_default, render, scale_names

#: action -> (status, its word): the marker's class names the shape drawn (views.css, the template).
STATUS = {
    "stop_and_refer": ("stop", "Stop and refer"),
    "avoid": ("avoid", "Adapt or avoid the area"),
    "cap_pressure": ("care", "Proceed with care"),
    "adapt": ("care", "Proceed with care"),
}
SCOPES = (("at_region", "In one area"), ("whole_session", "For the whole client"))


@dataclass(frozen=True)
class Scope:
    label: str
    status: str  # stop | avoid | care
    word: str
    limit: str
    reason: str


@dataclass(frozen=True)
class Card:
    id: str
    name: str
    kind: str
    description: str
    ask: str
    scopes: tuple[Scope, ...]
    where: tuple[str, ...]  # the regions it may be recorded on (empty: any)
    referral: Optional[str]
    sources: tuple[str, ...]
    urgency: Optional[str] = None  # how soon help is needed, in words (wording.URGENCY)

    def text(self) -> str:
        """Everything the card says, for the search box."""
        parts = [self.name, self.kind, self.description, self.ask, self.referral or "", self.urgency or "", *self.where]
        parts += [f"{s.label} {s.word} {s.limit} {s.reason}" for s in self.scopes]
        return " ".join(parts)


def _limit(action: str, cap: Optional[int], kb: Knowledge) -> str:
    if action == "stop_and_refer":
        return "No massage at all in this session."
    if action == "avoid":
        return "No contact with that area; the rest of the session follows its own limits."
    if action == "adapt":
        return "No limit of its own: adapt as the card says, within the other limits."
    return f"Level {cap} of 5 at most ({scale_names(kb)[cap]})."


def ask_about(condition: Condition) -> str:
    """What to ask: the record's own `ask`, else a question made from its name."""
    if condition.ask:
        return condition.ask
    label = re.sub(r"^red flag:\s*", "", condition.name, flags=re.IGNORECASE)
    label = label[:1].lower() + label[1:]
    then = ("One sign is enough to stop and refer." if condition.kind == "red_flag"
            else "Where is it, and since when?")
    return f"Ask at the start of every session, and look where you can: {label}? {then}"


def card(condition_id: str, kb: Optional[Knowledge] = None) -> Card:
    kb = kb_or_default(kb)
    c = kb.conditions[condition_id]
    scopes = []
    for field, label in SCOPES:
        response = getattr(c, field)
        if response is not None:
            status, word = STATUS[response.action]
            scopes.append(Scope(label, status, word, _limit(response.action, response.pressure_cap, kb), response.reason))
    return Card(c.id, c.name, KIND_LABEL[c.kind], c.description, ask_about(c), tuple(scopes),
                tuple(region_names(c.regions, kb)), c.referral, c.sources,
                URGENCY.get(c.urgency) if getattr(c, "urgency", None) else None)


def cards(kb: Optional[Knowledge] = None, ids: Optional[Iterable[str]] = None) -> list[Card]:
    """The cards of these conditions (default: every one), in the order of conditions.yaml."""
    kb = kb_or_default(kb)
    wanted = set(kb.conditions if ids is None else ids)
    return [card(cid, kb) for cid in kb.conditions if cid in wanted]


def condition_cards(kb: Optional[Knowledge] = None, ids: Optional[Iterable[str]] = None, *,
                    key: bool = True, level: int = 3, prefix: str = "card-") -> Fragment:
    """The cards as HTML (with the key to the markers first, unless `key=False`); headings at
    `level`; element ids start with `prefix` (each card's anchor is `<prefix><condition id>`)."""
    kb = kb_or_default(kb)
    shown = cards(kb, ids)
    html = render("condition_cards.html.j2", cards=shown, key=key, statuses=list(STATUS.values()), level=level,
                  prefix=prefix, titles={s: kb.sources[s].title for c in shown for s in c.sources})
    return Fragment(html, [s for c in shown for s in c.sources], "condition cards")
