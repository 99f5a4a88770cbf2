"""The plan's wording rules, over the selection space where it is cheap: every condition alone at
every scope it allows, on a few areas, with and without a symptom that reduces feeling.

Each rule is one that a later edit of a sentence, a template or the data could break: areas with
the same advice grouped, the precautions for every session once per page, no brackets inside
brackets, no "as well" with nothing before it, no empty referral, reduced feeling named only when
it was chosen, lesson links that open in a new tab and say so.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from neuropathy_massage import wording
from neuropathy_massage.advisor import PlacedCondition, Selection, plan
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.plan_views import area_groups, general_html, general_precautions, plan_html

KB = load_knowledge()
FEET = ["left_foot_sole", "right_foot_sole", "left_toes", "right_toes"]
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
REDUCING = next(sid for sid, s in KB.symptoms.items() if s.reduces_sensation)
PLAIN = next(sid for sid, s in KB.symptoms.items() if not s.reduces_sensation)


def visible(html: str) -> str:
    """The text a sighted reader sees (visually hidden text, meant for screen readers, left out)."""
    html = re.sub(r'<span class="nm-visually-hidden">.*?</span>', "", str(html))
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def placements():
    """Every condition alone, at every scope it allows (the whole session, or one area)."""
    for cid, c in KB.conditions.items():
        if c.whole_session is not None:
            yield cid, None
        for rid in KB.regions:
            if c.at_region is not None and c.allows_region(rid):
                yield cid, rid


CASES = [(cid, at, sym) for cid, at in placements() for sym in ((), (REDUCING,))]


def plan_for(cid, at, symptoms=()):
    regions = sorted(set(FEET) | ({at} if at else set()))
    return plan(Selection.of(symptoms, regions, [PlacedCondition(id=cid, region=at)], "therapist"), KB)


def test_the_selection_space_is_not_empty():
    assert len(CASES) > 2 * len(KB.conditions)


def nested_brackets(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth > 1:
            return True
    return False


@pytest.mark.parametrize("cid, at, symptoms", CASES)
def test_plan_wording_rules(cid, at, symptoms):
    p = plan_for(cid, at, symptoms)
    html = str(plan_html(p, KB, show_sources=False, link_lessons=True, general=False))
    seen = visible(html)
    where = f"{cid} at {at or 'whole session'} with {symptoms}"
    # no brackets in brackets, and no two bracketed asides in a row
    assert not nested_brackets(seen), f"{where}: brackets inside brackets: {seen}"
    assert ") (" not in seen, f"{where}: two bracketed asides in a row: {seen}"
    # "as well" never opens the plan's help list, and no list item is empty
    assert "as well" not in seen.split("Get help")[0][-40:] and not re.search(r"<li>\s*</li>", html), where
    assert "Refer as well" not in seen
    # reduced feeling is named only when it was chosen
    if not p.reduced_sensation:
        assert not re.search(r"reduced feeling|lost feeling|loss of feeling", seen, re.I), f"{where}: {seen}"
    # the precautions for every session are left out of the plan, and the plan says where they are
    for x in general_precautions(KB):
        assert f"{x.name}." not in seen, where
    if any(KB.precautions[x.id].general for x in p.precautions):
        assert wording.GENERAL_NOTE in seen


@pytest.mark.parametrize("cid, at", [(c, a) for c, a, s in CASES if not s])
def test_areas_with_the_same_advice_are_grouped(cid, at):
    p = plan_for(cid, at)
    for status in ("ok", "avoid"):
        groups = area_groups(p, KB, status)
        advice = [(g.region.pressure_cap, tuple((t.id, t.max_pressure) for t in g.region.techniques), g.reasons)
                  for g in groups]
        assert len(advice) == len(set(advice)), f"{cid} at {at}: two groups with the same advice"
        names = [r.region for r in p.regions if r.status == status]
        assert sum(len(re.findall(r"[,;]", g.name)) + 1 for g in groups) <= len(names) or not groups


def test_both_soles_and_both_toes_read_as_one_group_each():
    p = plan(Selection.of([PLAIN], FEET, [], "therapist"), KB)
    groups = area_groups(p, KB, "ok")
    assert {g.name for g in groups} <= {"Left and right sole of foot, toes", "Left and right sole of foot",
                                        "Left and right toes"}
    shown = visible(plan_html(p, KB))
    assert all(shown.count(f"{g.name} —") == 1 for g in groups)
    assert "Left sole of foot" not in shown and "Right toes" not in shown


def test_lesson_links_open_in_a_new_tab_and_say_so():
    tech = next(iter(KB.techniques.values()))
    p = plan(Selection.of([], tech.regions[:1], [], tech.setting), KB)
    html = str(plan_html(p, KB, link_lessons=True))
    links = re.findall(r"<a [^>]*nm-lesson-link[^>]*>.*?</a>", html)
    assert links, "a plan with a technique links its lesson"
    for a in links:
        assert 'target="_blank"' in a and 'rel="noopener"' in a and "(opens in a new tab)" in a


def test_the_explorer_shows_each_general_precaution_once():
    ex = Explorer(KB)
    ex.symptoms.value = (PLAIN,)
    ex.body_map.selected = FEET
    page = visible(ex.result.value) + " " + visible(ex.general.value)
    for x in general_precautions(KB):
        assert page.count(f"{x.name}.") == 1, x.id
    assert general_precautions(KB) and all(x.when.always for x in general_precautions(KB))


def test_the_general_block_can_leave_out_what_a_page_showed():
    first = general_precautions(KB)[0]
    assert first.name not in visible(general_html(KB, exclude=[first.id]))


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_each_stored_page_shows_a_general_precaution_at_most_once(path):
    html = "".join(
        "".join(out.get("data", {}).get("text/html", ""))
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] for out in cell.get("outputs", ()))
    for x in general_precautions(KB):
        assert html.count(f"<strong>{x.name}.</strong>") <= 1, f"{path.name}: {x.name!r} more than once"


@pytest.mark.parametrize("cid, at", [(c, a) for c, a, s in CASES if not s])
def test_the_summary_says_stop_or_counts_the_areas_and_the_limit(cid, at):
    p = plan_for(cid, at)
    summary = wording.plan_summary(p)
    if p.stop_and_refer:
        assert wording.SUMMARY_STOP in summary and (wording.SUMMARY_EMERGENCY in summary) == p.emergency
        return
    assert "STOP" not in summary and summary.startswith(f"{len(p.regions)} areas")
    caps = [r.pressure_cap for r in p.regions if r.status == "ok"]
    if caps and min(caps) < 5:
        assert summary.endswith(f"pressure limit {min(caps)} of 5")
    avoided = sum(r.status == "avoid" for r in p.regions)
    assert (f"({avoided} to avoid)" in summary) == bool(avoided)


def test_the_explorer_marks_what_changed_and_announces_the_summary():
    ex = Explorer(KB)
    assert ex.verdict.summary == wording.SUMMARY_NONE and ex.verdict.level == "none"
    ex.body_map.selected = [FEET[0]]
    assert wording.CHANGE_MARKS["new"] in visible(ex.result.value)  # the area is new
    assert ex.verdict.level == "ok" and ex.verdict.summary.startswith("1 area")
    capping = min(KB.symptoms, key=lambda s: KB.symptoms[s].pressure_cap)
    ex.symptoms.value = (capping,)
    seen = visible(ex.result.value)
    assert wording.CHANGE_MARKS["changed"] in seen and wording.CHANGE_MARKS["new"] not in seen
    ex.symptoms.value = (capping,)  # no change: nothing marked
    ex.notes.value = "x"
    stop = next(c for c, x in KB.conditions.items() if x.whole_session and x.whole_session.action == "stop_and_refer")
    ex.add(stop)
    assert ex.verdict.level in ("stop", "emergency") and wording.SUMMARY_STOP in ex.verdict.summary
    assert visible(ex.result.value).startswith(wording.CHANGE_MARKS["new"]) or KB.conditions[stop].urgency == "emergency"
    ex.remove(stop)
    assert ex.verdict.level == "ok" and "STOP" not in ex.verdict.summary


def test_the_print_button_carries_the_plan_as_it_is_now():
    ex = Explorer(KB)
    ex.body_map.selected = [FEET[0]]
    assert "<svg" in ex.print_plan.document and f'id="region-{FEET[0]}"' in ex.print_plan.document
    ex.client_name.value = "Sam"
    assert "Session plan for Sam" in ex.print_plan.document
    stop = next(c for c, x in KB.conditions.items() if x.whole_session and x.whole_session.action == "stop_and_refer")
    ex.add(stop)
    assert wording.STOP in visible(ex.print_plan.document)
