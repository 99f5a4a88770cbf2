"""The Symptom Explorer driven in plain Python, as a learner would use it.

Setting `.value` fires the observers and `Button.click()` the handlers (ipywidgets 8 uses a dummy
comm without a kernel); every view writes into widget values, which we read as text. Which
symptom or condition a test uses is chosen from the data by what it does (tests/picks.py), and
what the explorer shows is compared with the advisor's own plan. Also the body-map widget on its
own, and the session-plan handout (escaping included).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from html.parser import HTMLParser

import pytest
import traitlets

from neuropathy_massage import wording
from neuropathy_massage.advisor import PlacedCondition, Selection, plan
from neuropathy_massage.course import load_course
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.body_map import BodyMap, inline_svg
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.handout import FILE_NAME, MAX_NAME, MAX_NOTES, handout_html
from neuropathy_massage.ui.pickers import WHOLE_SESSION
from picks import condition, symptom_capping_at, text

KB = load_knowledge()
COURSE = load_course()
XSS = "<img src=x onerror=alert(1)>"
SOLE, OTHER_SOLE = "left_foot_sole", "right_foot_sole"


def result(ex: Explorer) -> str:
    return text(ex.result.value)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def tags(html: str) -> list[str]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def downloaded(ex: Explorer) -> str:
    """The handout behind the explorer's download link, decoded from its data: URL."""
    match = re.search(r'download="([^"]+)" href="data:text/html;charset=utf-8;base64,([^"]+)"', ex.download.value)
    assert match, ex.download.value[:300]
    assert match.group(1) == FILE_NAME
    return base64.b64decode(match.group(2)).decode("utf-8")


@pytest.fixture
def ex() -> Explorer:
    return Explorer()


# --------------------------------------------------------------------------- the explorer


def test_starts_with_an_empty_selection_and_says_what_to_do(ex):
    assert ex.selection == Selection()
    assert "Choose at least one body area" in result(ex)
    assert "Chosen areas: none yet" in text(ex.regions_list.value)
    assert ex.body_map.selected == [] and ex.body_map.marks == {}


def test_every_control_is_labelled(ex):
    for sid, box in ex.symptoms.boxes.items():
        assert box.description == KB.symptoms[sid].name
    c = ex.conditions
    for w in (ex.setting, c.condition, c.where, ex.client_name, ex.notes, *c.quick.values()):
        assert w.description.strip(), w
    for b in (c.add_button, ex.clear_regions):
        assert b.description.strip()
    rows = [r for r in ex.symptoms.children if "nm-symptom" in r._dom_classes]
    assert len(rows) == len(KB.symptoms)
    for row, s in zip(rows, KB.symptoms.values()):
        assert row.children[0].description == s.name
        assert text(row.children[1].value) == " ".join(s.description.split())


def test_a_symptom_on_a_sole_gives_the_advisors_limit_and_links_the_lessons(ex):
    symptom = symptom_capping_at(KB, 2)
    ex.symptoms.value = (symptom,)
    ex.body_map.selected = [SOLE]
    assert ex.selection.symptoms == {symptom} and ex.selection.regions == {SOLE}
    out = result(ex)
    sole = ex.plan.region(SOLE)
    assert f"{KB.regions[SOLE].name} — pressure limit: level 2 of 5" in out
    for t in sole.techniques:
        assert f"{t.name} — up to level {t.max_pressure} of 5" in out
        assert f'href="{COURSE.teaching(t.id).file}"' in ex.result.value  # link to the lesson teaching it
    assert KB.symptoms[symptom].cap_reason.split(";")[0] in out  # the reason for the limit
    assert "STOP" not in out and "AVOID" not in out and "Sources" in out
    assert "&lt;" not in ex.result.value  # nothing escaped twice (tags shown as text)
    assert ex.body_map.marks == {SOLE: "ok"}
    assert f"{KB.regions[SOLE].name}: suitable" in text(ex.regions_list.value)


def test_a_condition_that_avoids_its_region(ex):
    wound = condition(KB, at_region="avoid", whole_session="none", any_region=True)
    ex.body_map.selected = [SOLE, OTHER_SOLE]
    c = ex.conditions
    c.condition.value = wound
    assert [v for _, v in c.where.options][:2] == [SOLE, OTHER_SOLE]  # chosen regions first, no whole session
    c.where.value = SOLE
    c.add_button.click()
    out = result(ex)
    assert f"AVOID {KB.regions[SOLE].name}" in out and KB.conditions[wound].at_region.reason in out
    assert ex.body_map.marks == {SOLE: "avoid", OTHER_SOLE: "ok"}
    assert c.recorded_labels() == [f"{KB.conditions[wound].name} — at {KB.regions[SOLE].name}"]
    assert all(box.value is True for box in c.recorded.children)  # recorded = ticked
    c.untick(wound, SOLE)
    assert "AVOID" not in result(ex) and c.recorded_labels() == [] and "Removed" in text(c.message.value)


def test_a_condition_on_an_unchosen_region_chooses_it(ex):
    wound = condition(KB, at_region="avoid", any_region=True)
    ex.add(wound, "right_toes")
    assert ex.body_map.selected == ["right_toes"]
    assert f"AVOID {KB.regions['right_toes'].name}" in result(ex)


def test_where_it_applies_offers_only_what_the_condition_allows_and_resets(ex):
    c = ex.conditions
    for cid, cond in KB.conditions.items():
        c.condition.value = cid
        values = [v for _, v in c.where.options]
        assert (WHOLE_SESSION in values) == (cond.whole_session is not None), cid
        assert {v for v in values if v != WHOLE_SESSION} == {r for r in KB.regions if cond.allows_region(r)}, cid
        assert c.where.value == values[0], cid  # reset to the first choice on every change


def test_a_whole_session_stop_stops_everything(ex):
    clot = condition(KB, whole_session="stop_and_refer", kind="contraindication")
    ex.symptoms.value = (next(iter(KB.symptoms)),)
    ex.body_map.selected = ["left_lower_leg", "left_foot_top"]
    ex.conditions.condition.value = clot
    ex.conditions.where.value = WHOLE_SESSION
    ex.conditions.add_button.click()
    out = result(ex)
    assert out.index(wording.STOP) < out.index(KB.conditions[clot].name)
    assert KB.conditions[clot].referral in out
    assert not any(f"{t.name} — up to level" in out for t in KB.techniques.values())
    assert "pressure limit" not in out
    assert ex.plan.stop_and_refer and all(r.status == "avoid" for r in ex.plan.regions)
    assert set(ex.body_map.marks.values()) == {"avoid"}


def test_a_whole_session_red_flag_wins(ex):
    flag = condition(KB, kind="red_flag", no_region=True)
    ex.body_map.selected = ["right_hand_palm"]
    ex.conditions.condition.value = flag
    assert [v for _, v in ex.conditions.where.options] == [WHOLE_SESSION]
    ex.conditions.add_button.click()
    out = result(ex)
    assert wording.STOP in out and f"{wording.KIND_LABEL['red_flag']}, recorded" in out
    if KB.conditions[flag].urgency == "emergency":  # the emergency banner comes first, as the one alert
        assert out.index(wording.EMERGENCY) < out.index(wording.STOP)
        assert ex.result.value.count('role="alert"') == 1


def test_an_emergency_banner_comes_before_the_stop_and_an_urgent_one_has_none(ex):
    emergency = next(cid for cid, c in KB.conditions.items() if c.urgency == "emergency" and c.whole_session)
    urgent = next(cid for cid, c in KB.conditions.items() if c.urgency == "urgent" and c.whole_session
                  and c.whole_session.action == "stop_and_refer")
    ex.body_map.selected = [SOLE]
    ex.add(urgent, None)
    assert wording.EMERGENCY not in result(ex) and wording.STOP in result(ex)
    ex.add(emergency, None)
    out = result(ex)
    assert out.index(wording.EMERGENCY) < out.index(wording.STOP)
    assert out.index(KB.conditions[emergency].name) < out.index(KB.conditions[urgent].name)  # most urgent first


def test_self_setting_gives_self_care_routines(ex):
    ex.body_map.selected = [SOLE]
    ex.setting.value = "self"
    out = result(ex)
    assert "Self-care routines by area" in out
    routines = [t.name for t in KB.techniques_for("self") if SOLE in t.regions]
    assert routines and all(name in out for name in routines)
    assert not any(f"{t.name} — up to level" in out for t in KB.techniques_for("therapist"))
    ex.setting.value = "therapist"
    assert "Suitable techniques by area" in result(ex)


def test_quick_checkboxes_record_whole_session_conditions_and_follow_the_list(ex):
    ex.body_map.selected = ["left_toes"]
    cid, box = next(iter(ex.conditions.quick.items()))
    box.value = True
    assert PlacedCondition(id=cid) in ex.selection.conditions and ex.plan.reduced_sensation
    assert ex.conditions.recorded_labels() == [f"{KB.conditions[cid].name} — for the whole session"]
    ex.conditions.untick(cid)
    assert box.value is False and not ex.selection.conditions


def test_the_explorer_shows_the_same_plan_as_the_advisor(ex):
    symptoms = tuple(KB.symptoms)[:2]
    session_cap = condition(KB, whole_session="cap_pressure")
    ex.symptoms.value = symptoms
    ex.body_map.selected = ["left_lower_leg", "right_forearm"]
    ex.add(session_cap, None)
    assert ex.plan == plan(Selection.of(symptoms, ["left_lower_leg", "right_forearm"], [session_cap]))


def test_crafted_or_unknown_state_is_ignored_with_a_message(ex):
    """A page can send any widget state; the explorer never jams on it."""
    c = ex.conditions
    c.value = (("no_such_condition", None), ("x" * 500, "left_toes"), None)
    assert c.value == () and "Ignored" in text(c.message.value)
    c.condition.value = None
    c.add_button.click()
    assert "Choose a condition" in text(c.message.value) and ex.selection.conditions == frozenset()
    ex.symptoms.value = ("not_a_symptom", next(iter(KB.symptoms)))
    assert ex.symptoms.value == (next(iter(KB.symptoms)),)


# --------------------------------------------------------------------------- body map sync


def test_crafted_body_map_state_is_filtered_not_an_error(ex):
    ex.body_map.selected = [None, 7, ["left_toes"], "left_toes", {"x": 1}]
    assert ex.body_map.selected == ["left_toes"] and ex.selection.regions == {"left_toes"}


def test_body_map_selection_and_explorer_regions_stay_in_sync(ex):
    bm = ex.body_map
    bm.toggle("right_fingers")
    bm.toggle("left_fingers")
    assert bm.selected == ["left_fingers", "right_fingers"]  # regions.yaml order
    assert ex.selection.regions == {"left_fingers", "right_fingers"}
    bm.toggle("right_fingers")
    assert ex.selection.regions == {"left_fingers"}
    bm.selected = ["left_toes", "left_toes", "not_a_region"]  # duplicates and unknown ids dropped
    assert bm.selected == ["left_toes"] and ex.selection.regions == {"left_toes"}
    ex.clear_regions.click()
    assert bm.selected == [] and ex.selection.regions == frozenset()


def test_body_map_widget_knows_every_region():
    bm = BodyMap()
    assert bm.order == list(KB.regions)
    assert bm.names == {rid: r.name for rid, r in KB.regions.items()}
    svg = inline_svg()
    for rid in KB.regions:
        assert svg.count(f'id="region-{rid}"') == 1
    assert 'role="img"' not in svg  # a group of checkboxes, not an image
    style = re.search(r"<style>(.*?)</style>", svg, re.S).group(1)
    for rule in re.findall(r"([^{}]+)\{", style):
        for selector in rule.split(","):
            assert selector.strip().startswith((".nm-bodymap", "@")), selector
    with pytest.raises(traitlets.TraitError):
        bm.marks = {"left_toes": "maybe"}
    with pytest.raises(traitlets.TraitError):
        bm.marks = {"elbow": "ok"}


def test_body_map_front_end_is_files_beside_the_class():
    from neuropathy_massage.ui import body_map

    for path, loaded in ((body_map.ESM_FILE, BodyMap._esm), (body_map.CSS_FILE, BodyMap._css)):
        assert path.parent == Path(body_map.__file__).parent and path.is_file()
        assert str(loaded) == path.read_text(encoding="utf-8")
    assert "export default" in str(BodyMap._esm) and "import " not in str(BodyMap._esm)  # no CDN imports


# --------------------------------------------------------------------------- handout


def test_handout_contains_the_plan_and_escapes_free_text():
    wound = condition(KB, at_region="avoid", any_region=True)
    symptom = symptom_capping_at(KB, 2)
    p = plan(Selection.of([symptom], [SOLE], [(wound, OTHER_SOLE)]))
    html = handout_html(p, XSS, "Notes with <script>alert(2)</script> & more")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "img" not in tags(html) and "script" not in tags(html)
    out = text(html)
    assert "Client " + XSS in out and "Date ______" in out and "Date: " not in out
    for t in p.region(SOLE).techniques:
        assert f"{t.name} — up to level {t.max_pressure} of 5" in out
    assert f"{KB.conditions[wound].name} — at {KB.regions[OTHER_SOLE].name}" in out
    assert "Precautions" in out and "Sources" in out and wording.NOT_ADVICE in out
    assert all(c.name in out for c in KB.conditions.values() if c.kind == "red_flag")
    assert not re.search(r"&lt;/?(div|li|ol|em|h3|span)\b", html)  # nothing of ours escaped twice
    assert html.lstrip().startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d", out)  # no clock in the output
    assert ".ipynb" not in html  # lesson links make no sense in a downloaded file
    assert handout_html(p, XSS, "x") == handout_html(p, XSS, "x")  # deterministic


def test_free_text_is_bounded_in_the_widget_and_in_the_handout(ex):
    ex.client_name.value = "n" * (MAX_NAME + 50)
    ex.notes.value = "x" * (MAX_NOTES + 500)
    assert len(ex.client_name.value) == MAX_NAME and len(ex.notes.value) == MAX_NOTES
    html = handout_html(plan(Selection()), "n" * 10_000, "x" * 100_000)
    assert "n" * (MAX_NAME + 1) not in html and "x" * (MAX_NOTES + 1) not in html


def test_explorer_download_holds_the_current_plan_and_escapes_the_name(ex):
    symptom = symptom_capping_at(KB, 2)
    ex.symptoms.value = (symptom,)
    ex.body_map.selected = [SOLE]
    ex.client_name.value = XSS
    ex.notes.value = "Feet cold\n<b>bold?</b>"
    assert ex.download.value == "", "the handout is made on request, not on every keystroke"
    ex.prepare.click()
    html = downloaded(ex)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "img" not in tags(html)
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in ex.handout_for.value and "img" not in tags(ex.handout_for.value)
    assert "<img" not in ex.download.value
    ex.add(condition(KB, whole_session="stop_and_refer"), None)
    assert ex.download.value == "" and "changed" in text(ex.handout_for.value), "a stale handout is withdrawn"
    ex.prepare.click()
    assert wording.STOP in text(downloaded(ex))


def test_a_plan_that_cannot_be_worked_out_is_withdrawn_not_left_stale(ex, monkeypatch):
    import neuropathy_massage.ui.explorer as explorer

    ex.body_map.selected = [SOLE]
    ex.prepare.click()
    assert ex.body_map.marks and ex.download.value
    monkeypatch.setattr(explorer, "plan", lambda *a, **k: 1 / 0)
    ex.symptoms.value = (next(iter(KB.symptoms)),)  # any change: the advisor fails
    assert wording.NOT_COMPUTED in text(ex.result.value) and 'role="alert"' in ex.result.value
    assert ex.plan is None and ex.body_map.marks == {} and ex.download.value == ""
    assert "Suitable techniques" not in text(ex.result.value)


def test_advice_widgets_are_marked_for_the_fail_safe_watch(ex):
    from neuropathy_massage.ui.views import ADVICE

    # everything that shows the plan, in words or in a few words (the verdict bar), or prints it
    for widget in (ex.verdict, ex.result, ex.general, ex.print_plan, ex.regions_list, ex.body_map, ex.handout_for,
                   ex.download, ex.session_notes):
        assert ADVICE in widget._dom_classes
    assert f"course-maxlength-{MAX_NAME}" in ex.client_name._dom_classes
    assert f"course-maxlength-{MAX_NOTES}" in ex.notes._dom_classes
