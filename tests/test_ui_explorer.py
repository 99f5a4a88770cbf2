"""The Symptom Explorer driven in plain Python, as a learner would use it.

Setting `.value` fires the observers and `Button.click()` the handlers (ipywidgets 8 uses a dummy
comm without a kernel); every view writes into widget values, which we read as text. Also the
body-map widget on its own, and the session-plan handout (escaping included).
"""

from __future__ import annotations

import base64
import re
from html import unescape
from html.parser import HTMLParser

import pytest
import traitlets

from neuropathy_massage.advisor import ConditionAt, Selection, plan
from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.body_map import BodyMap, inline_svg
from neuropathy_massage.ui.explorer import Explorer
from neuropathy_massage.ui.export import FILE_NAME, handout_html

KB = load_knowledge()
XSS = "<img src=x onerror=alert(1)>"


def text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


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
    assert "Choose at least one body region" in result(ex)
    assert "Chosen regions: none yet" in text(ex.regions_list.value)
    assert ex.body_map.selected == [] and ex.body_map.marks == {}


def test_every_control_is_labelled(ex):
    for sid, box in ex.symptom_boxes.items():
        assert box.description == KB.symptoms[sid].name
    for w in (ex.setting, ex.reduced, ex.condition, ex.where, ex.placed, ex.client_name, ex.notes):
        assert w.description.strip(), w
    for b in (ex.add_condition, ex.remove_condition, ex.clear_regions):
        assert b.description.strip()
    # each symptom's description is shown right under its checkbox
    rows = [c for c in ex.children[0].children if "nm-symptom" in c._dom_classes]
    assert len(rows) == len(KB.symptoms)
    for row, s in zip(rows, KB.symptoms.values()):
        assert row.children[0].description == s.name
        assert text(row.children[1].value) == " ".join(s.description.split())


def test_burning_pain_on_left_sole_gives_effleurage_up_to_level_2(ex):
    ex.symptom_boxes["burning_pain"].value = True
    ex.body_map.selected = ["left_foot_sole"]
    assert ex.selection.symptoms == {"burning_pain"} and ex.selection.regions == {"left_foot_sole"}
    out = result(ex)
    assert "Left sole of foot — pressure limit: level 2 of 5" in out
    assert "Effleurage (long gliding strokes) — up to level 2 of 5" in out
    assert "STOP" not in out and "AVOID" not in out
    assert "Burning nerve pain is easily worsened" in out  # the reason for the cap
    assert "Adapt:" in out  # the adaptation for burning pain
    effleurage = KB.techniques["effleurage"]
    assert f'href="{effleurage.lesson}.ipynb"' in ex.result.value  # link to the lesson teaching it
    assert "Sources" in out and "Walton" in out
    assert "&lt;" not in ex.result.value  # nothing escaped twice (tags shown as text)
    assert ex.body_map.marks == {"left_foot_sole": "ok"}
    assert "Left sole of foot: suitable" in text(ex.regions_list.value)


def test_open_wound_on_left_sole_makes_it_avoid(ex):
    ex.symptom_boxes["burning_pain"].value = True
    ex.body_map.selected = ["left_foot_sole", "right_foot_sole"]
    ex.condition.value = "open_wound"
    assert [v for _, v in ex.where.options][:2] == ["left_foot_sole", "right_foot_sole"]  # no whole session
    ex.where.value = "left_foot_sole"
    ex.add_condition.click()
    out = result(ex)
    assert "AVOID Left sole of foot" in out and "Broken skin is not massaged" in out
    assert "Right sole of foot — pressure limit: level 2 of 5" in out
    assert ex.body_map.marks == {"left_foot_sole": "avoid", "right_foot_sole": "ok"}
    assert "Left sole of foot: AVOID" in text(ex.regions_list.value)
    assert [label for label, _ in ex.placed.options] == ["Open wound, cut, blister or ulcer — at Left sole of foot"]
    # removing it brings the sole back
    ex.placed.value = ex.placed.options[0][1]
    ex.remove_condition.click()
    assert "AVOID" not in result(ex) and ex.placed.options == ()


def test_a_condition_on_an_unchosen_region_chooses_it(ex):
    ex.add("bruise", "right_toes")
    assert ex.body_map.selected == ["right_toes"]
    assert "AVOID Right toes" in result(ex)
    assert "now chosen on the map" in text(ex.conditions_note.value)


def test_blood_clot_for_the_whole_session_stops_everything(ex):
    ex.symptom_boxes["numbness"].value = True
    ex.body_map.selected = ["left_lower_leg", "left_foot_top"]
    ex.condition.value = "blood_clot"
    ex.where.value = ""  # whole session
    ex.add_condition.click()
    out = result(ex)
    assert out.index("STOP — do not massage") < out.index("Blood clot")
    assert "Refer urgently to a doctor" in out
    for t in KB.techniques.values():
        assert t.name not in out  # no technique at all
    assert "pressure limit" not in out
    assert ex.plan.stop_and_refer and all(r.status == "avoid" for r in ex.plan.regions)
    assert set(ex.body_map.marks.values()) == {"avoid"}


def test_whole_session_red_flag_wins(ex):
    ex.body_map.selected = ["right_hand_palm"]
    ex.condition.value = "sudden_weakness"
    assert [v for _, v in ex.where.options] == [""]  # a whole-session-only red flag
    ex.add_condition.click()
    out = result(ex)
    assert "STOP — do not massage" in out and "Red flags chosen" in out


def test_self_setting_gives_self_care_routines(ex):
    ex.symptom_boxes["tingling"].value = True
    ex.body_map.selected = ["left_foot_sole"]
    ex.setting.value = "self"
    out = result(ex)
    assert "Self-care routines by region" in out
    routines = [t.name for t in KB.techniques_for("self") if "left_foot_sole" in t.regions]
    assert routines and all(name in out for name in routines)
    therapist_only = [t.name for t in KB.techniques_for("therapist")]
    assert not any(f"{name} — up to level" in out for name in therapist_only)
    ex.setting.value = "therapist"
    assert "Suitable techniques by region" in result(ex)


def test_reduced_sensation_checkbox_is_a_whole_session_condition(ex):
    ex.body_map.selected = ["left_toes"]
    ex.reduced.value = True
    assert ConditionAt("reduced_sensation", None) in ex.selection.conditions
    assert ex.plan.reduced_sensation
    assert "level 3 of 5" in result(ex)
    assert [label for label, _ in ex.placed.options] == ["Reduced sensation — whole session"]
    # removing it from the list clears the checkbox too
    ex.placed.value = ex.placed.options[0][1]
    ex.remove_condition.click()
    assert ex.reduced.value is False and not ex.selection.conditions


def test_the_explorer_shows_the_same_plan_as_the_advisor(ex):
    ex.symptom_boxes["sharp_jabbing_pain"].value = True
    ex.symptom_boxes["muscle_weakness"].value = True
    ex.body_map.selected = ["left_lower_leg", "right_forearm"]
    ex.add("weakened_bones", None)
    expected = plan(Selection.of(["sharp_jabbing_pain", "muscle_weakness"], ["left_lower_leg", "right_forearm"],
                                 [("weakened_bones", None)]))
    assert ex.plan == expected


# --------------------------------------------------------------------------- body map sync


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
    # the figure's styles are scoped to the widget, so they cannot restyle the page
    style = re.search(r"<style>(.*?)</style>", svg, re.S).group(1)
    for rule in re.findall(r"([^{}]+)\{", style):
        for selector in rule.split(","):
            assert selector.strip().startswith((".nm-bodymap", "@")), selector
    with pytest.raises(traitlets.TraitError):
        bm.marks = {"left_toes": "maybe"}
    with pytest.raises(traitlets.TraitError):
        bm.marks = {"elbow": "ok"}


# --------------------------------------------------------------------------- handout


def test_handout_contains_the_plan_and_escapes_free_text():
    p = plan(Selection.of(["burning_pain"], ["left_foot_sole"], [("open_wound", "right_foot_sole")]))
    html = handout_html(p, XSS, "Notes with <script>alert(2)</script> & more")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<script" not in html
    assert "img" not in tags(html) and "script" not in tags(html)
    out = text(html)
    assert "Client " + XSS in out
    assert "Date: ________" in out
    assert "Effleurage (long gliding strokes) — up to level 2 of 5" in out
    assert "Open wound, cut, blister or ulcer — at Right sole of foot" in out
    assert "Precautions" in out and "Sources" in out and "Walton" in out
    assert not re.search(r"&lt;/?(div|li|ol|em|h3|span)\b", html)  # nothing of ours escaped twice
    assert "does not diagnose" in out
    assert html.lstrip().startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d", out)  # no clock in the output
    assert ".ipynb" not in html  # lesson links make no sense in a downloaded file
    assert handout_html(p, XSS, "x") == handout_html(p, XSS, "x")  # deterministic


def test_explorer_download_holds_the_current_plan_and_escapes_the_name(ex):
    ex.symptom_boxes["burning_pain"].value = True
    ex.body_map.selected = ["left_foot_sole"]
    ex.client_name.value = XSS
    ex.notes.value = "Feet cold\n<b>bold?</b>"
    html = downloaded(ex)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "img" not in tags(html)
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "Effleurage (long gliding strokes) — up to level 2 of 5" in text(html)
    # the page shows the name escaped as well
    assert "&lt;img src=x onerror=alert(1)&gt;" in ex.handout_for.value and "img" not in tags(ex.handout_for.value)
    assert "<img" not in ex.download.value
    # and the link follows the next change
    ex.add("blood_clot", None)
    assert "STOP — do not massage" in text(downloaded(ex))
