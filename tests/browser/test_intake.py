"""The intake and consent step in the served explorer: answering the intake, by mouse and by
keyboard, changes the plan exactly as the advisor says; consent unticked says it is needed, ticked
says given; today's pain reaches the session note; axe reports zero violations on that page state.

Which question is used is chosen from the data by what it records (blood thinners: a
whole-session pressure limit; a wound: an area to avoid); the expected plan text is computed by
the advisor for the same selection.
"""

from __future__ import annotations

import re

from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.knowledge import load_knowledge

from . import helpers
from .test_explorer import TIMEOUT_MS, open_explorer, plan_pane, region

KB = load_knowledge()
SOLE = "left_foot_sole"
#: A symptom whose own limit is above the blood thinners' limit, so that the yes lowers it.
SYMPTOM = next(sid for sid, s in KB.symptoms.items()
               if s.pressure_cap > KB.conditions["blood_thinners"].whole_session.pressure_cap)


def question_recording(cid: str) -> str:
    return next(qid for qid, q in KB.intake.items() if cid in q.records)


def limit_text(selection: Selection) -> str:
    cap = plan(selection, KB).region(SOLE).pressure_cap
    return f"{KB.regions[SOLE].name} — pressure limit: level {cap} of 5"


def test_answering_the_intake_changes_the_plan(course_server, page, requested_urls):
    from playwright.sync_api import expect

    open_explorer(course_server, page)
    intake = page.locator(".nm-intake")
    expect(intake).to_contain_text("Consent needed", timeout=TIMEOUT_MS)
    expect(intake).to_contain_text("Nothing recorded from the intake yet")

    page.get_by_label(KB.symptoms[SYMPTOM].name, exact=True).click()
    region(page, SOLE).click()
    before = limit_text(Selection.of([SYMPTOM], [SOLE]))
    expect(plan_pane(page)).to_contain_text(before, timeout=TIMEOUT_MS)

    # The questions are under a button (drawn when opened); the status and consent stay in view.
    consent_lines = sum(q.answer == "consent" for q in KB.intake.values())
    assert intake.locator(".nm-intake-item").count() == consent_lines  # the consent line stays in view
    opener = page.get_by_role("button", name=re.compile(r"^Ask the intake questions \(\d+\)$"))
    expect(opener).to_have_attribute("aria-expanded", "false", timeout=TIMEOUT_MS)  # a disclosure button
    opener.click()
    expect(intake.locator(".nm-intake-item")).to_have_count(len(KB.intake), timeout=TIMEOUT_MS)
    hide = page.get_by_role("button", name="Hide the intake questions")
    expect(hide).to_be_visible()
    expect(hide).to_have_attribute("aria-expanded", "true", timeout=TIMEOUT_MS)

    # Yes to blood thinners, by mouse: the condition is recorded and the limit falls.
    thinners = page.locator(f".nm-intake-{question_recording('blood_thinners')}")
    thinners.get_by_label("Yes", exact=True).check()
    after = limit_text(Selection.of([SYMPTOM], [SOLE], ["blood_thinners"]))
    assert after != before
    expect(plan_pane(page)).to_contain_text(after, timeout=TIMEOUT_MS)
    name = KB.conditions["blood_thinners"].name
    expect(intake.locator(".nm-intake-status")).to_contain_text(name, timeout=TIMEOUT_MS)
    expect(page.locator(".nm-recorded")).to_contain_text(name, timeout=TIMEOUT_MS)  # a ticked checkbox each

    # A wound, by keyboard: Space on "Yes", then tick the area under "where?" with Space (a
    # checkbox per area: no Ctrl/Cmd-click for a second one).
    wound = question_recording("open_wound")
    item = page.locator(f".nm-intake-{wound}")
    item.get_by_label("Yes", exact=True).focus()
    page.keyboard.press("Space")
    where = item.locator(".nm-checklist")
    expect(where).to_be_visible(timeout=TIMEOUT_MS)
    expect(intake.locator(".nm-intake-status")).to_contain_text("choose where", timeout=TIMEOUT_MS)
    where.get_by_label(KB.regions[SOLE].name, exact=True).focus()
    page.keyboard.press("Space")
    expect(plan_pane(page)).to_contain_text(f"AVOID {KB.regions[SOLE].name}", timeout=TIMEOUT_MS)
    expect(region(page, SOLE)).to_have_class(re.compile(r"\bavoid\b"), timeout=TIMEOUT_MS)

    # Pain today reaches the note; consent ticked says given.
    intake.get_by_label(re.compile(r"^Pain today")).select_option(label="6")
    page.get_by_role("button", name="Write the session note or referral letter").click()  # made when opened
    expect(page.get_by_label("Pain before (0–10)", exact=True)).to_have_value("6", timeout=TIMEOUT_MS)
    consent = intake.locator(".nm-intake-consent-box input[type=checkbox]")
    consent.check()
    expect(intake.locator(".nm-intake-status")).to_contain_text("Consent given", timeout=TIMEOUT_MS)
    helpers.save_screenshot(page, "explorer-intake-answered")

    helpers.assert_no_error_output(page)
    helpers.assert_no_axe_violations(page, label="explorer with the intake answered")
    helpers.assert_only_local_requests(requested_urls, "explorer intake")
