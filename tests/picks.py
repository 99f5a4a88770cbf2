"""Ids chosen from the course's data by what they do, so a test asks for "a condition that avoids
its region" rather than naming one: adding or renaming a record keeps the tests true.

Import it from a test module (`from picks import ...`): pytest puts tests/ on sys.path.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Optional

from neuropathy_massage.knowledge import Knowledge


def condition(kb: Knowledge, *, at_region: Optional[str] = None, whole_session: Optional[str] = None,
              kind: Optional[str] = None, any_region: bool = False, no_region: bool = False) -> str:
    """The first condition (data order) whose responses match: `at_region` / `whole_session` name
    an action ("avoid", "cap_pressure", "stop_and_refer") or "none" for no such scope."""
    for cid, c in kb.conditions.items():
        if kind and c.kind != kind:
            continue
        if at_region and (c.at_region is None if at_region != "none" else False):
            continue
        if at_region and at_region != "none" and c.at_region.action != at_region:
            continue
        if at_region == "none" and c.at_region is not None:
            continue
        if whole_session and whole_session != "none" and (c.whole_session is None or c.whole_session.action != whole_session):
            continue
        if whole_session == "none" and c.whole_session is not None:
            continue
        if any_region and c.regions:
            continue
        if no_region and c.at_region is not None:
            continue
        return cid
    raise LookupError("the data has no such condition")


def symptom_with_lowest_cap(kb: Knowledge) -> str:
    return min(kb.symptoms, key=lambda s: kb.symptoms[s].pressure_cap)


def symptom_capping_at(kb: Knowledge, level: int) -> str:
    return next(s for s, x in kb.symptoms.items() if x.pressure_cap == level)


def region_with_routine(kb: Knowledge) -> str:
    return next(r for r in kb.regions if any(r in t.regions for t in kb.techniques_for("self")))


def region_without_routine(kb: Knowledge) -> str:
    return next(r for r in kb.regions if not any(r in t.regions for t in kb.techniques_for("self")))


def text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", str(html)))).strip()
