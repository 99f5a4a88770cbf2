"""The widgets and views of lessons 00-05 (neuropathy_massage/ui/lessons.py) and the quiz widget,
driven in plain Python: set a value, read what the view shows. No kernel, no browser."""

from __future__ import annotations

import re
import shutil
from html import unescape

import ipywidgets as W
import pytest
import yaml

from neuropathy_massage.knowledge import DEFAULT_DIR, load_knowledge, read_knowledge
from neuropathy_massage.ui import lessons as L
from neuropathy_massage.ui.quiz import Quiz

KB = load_knowledge()


def text(html: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    html = re.sub(r'src="data:[^"]*"', "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def controls(widget) -> list:
    """Every widget in a tree."""
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += controls(child)
    return out


# --------------------------------------------------------------------------- the course map


def test_course_has_every_lesson_in_order():
    stems = [lesson.stem for lesson in L.course()]
    assert stems[0] == "00_course_home" and stems[-1] == "10_symptom_explorer"
    assert [s[:2] for s in stems] == [f"{n:02d}" for n in range(11)]
    for lesson in L.course():
        assert lesson.title and lesson.line and lesson.minutes > 0
        assert 3 <= len(lesson.objectives) <= 5, lesson.stem


def test_lesson_map_links_every_lesson_with_objectives_and_time():
    html = L.lesson_map_html()
    for lesson in L.course()[1:]:
        assert f'href="{lesson.file}"' in html
        assert f"about {lesson.minutes} minutes" in html
        for objective in lesson.objectives:
            assert objective in unescape(html)
    assert 'href="00_course_home.ipynb">00' not in html.split("Builds on")[0]  # the home page is not a lesson
    assert not re.search(r"<h[12]\b", html), "rendered HTML uses <h3> at most"


def test_next_lesson_and_objectives():
    assert L.next_lesson("03_effleurage").stem == "04_petrissage"
    assert L.next_lesson("10_symptom_explorer") is None
    assert "Choose a pressure level" in L.objectives_html("03_effleurage")
    assert "about 30 minutes" in L.before_you_start_html("04_petrissage")
    assert 'href="03_effleurage.ipynb"' in L.before_you_start_html("04_petrissage")


# --------------------------------------------------------------------------- lesson 01


def test_symptom_explorer_describes_and_marks_regions():
    w = L.SymptomExplorer()
    assert "Tick a symptom" in text(w.view.value)
    assert "No region is marked" in w.view.value
    w.picker.boxes["burning_pain"].value = True
    shown = text(w.view.value)
    assert KB.symptoms["burning_pain"].description.split(",")[0] in shown
    assert "Left sole of foot: selected" in shown  # the list under the map, not colour alone
    assert "Left forearm: selected" not in shown
    w.picker.boxes["muscle_weakness"].value = True
    assert "Left forearm: selected" in text(w.view.value)
    w.picker.set()
    assert "Tick a symptom" in text(w.view.value)


def test_symptom_marks_cover_typical_regions():
    marks = L.symptom_marks(["numbness"])
    assert set(marks) == set(KB.symptoms["numbness"].typical_regions)
    assert set(marks.values()) == {"selected"}


# --------------------------------------------------------------------------- lesson 02


def test_mechanism_links_follow_the_choice():
    w = L.MechanismLinks()
    w.choice.value = "petrissage"
    shown = text(w.view.value)
    assert "Relaxing tight muscles" in shown and "uses 2 of the 4 mechanisms" in shown
    assert "does not rely on: Endorphin release; Calming over-sensitive nerves" in shown
    assert 'href="04_petrissage.ipynb"' in w.view.value
    w.choice.value = "foot_roller"
    assert "self-care routine" in text(w.view.value)
    assert 'alt="' in w.view.value  # the mechanism figures come with alt text


def test_mechanism_matrix_marks_in_words():
    shown = text(L.mechanism_matrix_html())
    for t in KB.techniques.values():
        assert t.name in shown
    assert "✔ uses" in shown


# --------------------------------------------------------------------------- lessons 03-05: Try it


def test_petrissage_burning_pain_caps_at_level_2():
    w = L.TechniqueTryIt("petrissage")
    w.picker.boxes["burning_pain"].value = True
    shown = text(w.view.value)
    assert "Petrissage (gentle kneading) is offered" in shown
    assert "up to level 2 of 5" in shown
    assert KB.symptoms["burning_pain"].cap_reason.split(";")[0] in shown  # the reason is shown
    assert KB.techniques["petrissage"].adaptations["burning_pain"] in shown


def test_petrissage_left_out_for_touch_hypersensitivity():
    w = L.TechniqueTryIt("petrissage")
    w.picker.boxes["touch_hypersensitivity"].value = True
    shown = text(w.view.value)
    assert "Petrissage (gentle kneading) is left out" in shown
    assert "needs at least pressure level 2, and the limit here is 1" in shown
    assert "is offered" not in shown


def test_effleurage_stays_in_for_touch_hypersensitivity_at_level_1():
    w = L.TechniqueTryIt("effleurage")
    w.picker.set("touch_hypersensitivity", "numbness")
    shown = text(w.view.value)
    assert "up to level 1 of 5" in shown
    assert KB.techniques["effleurage"].adaptations["touch_hypersensitivity"] in shown
    assert KB.techniques["effleurage"].adaptations["numbness"] in shown
    assert "Extra caution where feeling is reduced" in shown  # numbness brings the precautions


def test_no_symptom_means_the_techniques_own_top():
    w = L.TechniqueTryIt("myofascial_release")
    shown = text(w.view.value)
    assert "none yet" in shown
    assert "up to level 3 of 5" in shown and "never goes above level 3" in shown


def test_try_it_always_says_when_to_stop():
    for tid in ("effleurage", "petrissage", "myofascial_release"):
        for symptoms in ((), ("touch_hypersensitivity",), ("sharp_jabbing_pain", "tingling")):
            shown = text(L.technique_try_html(tid, symptoms))
            assert "When to stop and seek a health professional" in shown
            assert KB.precautions["stop_if_pain"].text in shown


def test_try_it_agrees_with_the_advisor_everywhere():
    """For every single symptom and every technique: offered at the advisor's level, or left out."""
    for tid in ("effleurage", "petrissage", "myofascial_release"):
        tech = KB.techniques[tid]
        for sid, symptom in KB.symptoms.items():
            shown = text(L.technique_try_html(tid, [sid]))
            if symptom.pressure_cap < tech.pressure_min:
                assert f"{tech.name} is left out" in shown, (tid, sid)
            else:
                assert f"up to level {min(symptom.pressure_cap, tech.pressure_max)} of 5" in shown, (tid, sid)


def test_unknown_technique_is_refused():
    with pytest.raises(KeyError):
        L.TechniqueTryIt("deep_tissue")


# --------------------------------------------------------------------------- views of the data


def test_pressure_range_marks_in_words():
    shown = text(L.pressure_range_html("petrissage"))
    assert "uses level 2 to 3 of 5" in shown
    assert shown.count("✔ in range") == 2 and shown.count("— outside") == 3


def test_adaptations_table_shows_left_out_rows():
    shown = text(L.adaptations_html("myofascial_release"))
    assert "Left out: it needs at least level 2" in shown
    assert KB.techniques["myofascial_release"].adaptations["numbness"] in shown


def test_conditions_and_red_flags():
    shown = text(L.conditions_html())
    for c in KB.conditions.values():
        assert c.name in shown
    flags = text(L.red_flags_html())
    assert all(c.name in flags for c in KB.conditions.values() if c.kind == "red_flag")


def test_technique_figures_side_by_side_with_alt_text():
    html = L.technique_figures_html("effleurage")
    assert "display:flex" in html
    assert html.count("<img") == 2 and all(
        re.search(r'alt="[^"]+"', img) for img in re.findall(r"<img[^>]*>", html))
    assert KB.techniques["effleurage"].steps[0] in unescape(html)


# --------------------------------------------------------------------------- labels and escaping


@pytest.mark.parametrize("make", [L.SymptomExplorer, L.MechanismLinks, lambda: L.TechniqueTryIt("effleurage"),
                                  lambda: Quiz("03_effleurage")])
def test_every_control_has_a_label(make):
    for w in controls(make()):
        if isinstance(w, (W.Checkbox, W.Dropdown, W.RadioButtons, W.SelectMultiple, W.ToggleButtons)):
            assert w.description.strip(), f"unlabelled {type(w).__name__}"


def test_data_is_escaped(tmp_path):
    """A symptom name or description holding markup is shown as text, never as markup."""
    shutil.copytree(DEFAULT_DIR, tmp_path / "k")
    path = tmp_path / "k" / "symptoms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["symptoms"][0]["name"] = "<script>alert(1)</script>"
    data["symptoms"][0]["description"] = "<b>bold</b> & more"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    kb = read_knowledge(tmp_path / "k")
    sid = data["symptoms"][0]["id"]
    views = [L.symptoms_html(kb), L.symptom_details_html([sid], kb), L.adaptations_html("effleurage", kb),
             L.technique_try_html("effleurage", [sid], kb)]
    w = L.SymptomExplorer(kb)
    w.picker.boxes[sid].value = True
    views.append(w.view.value)
    for html in views:
        assert "<script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;bold&lt;/b&gt;" in html


# --------------------------------------------------------------------------- the quiz widget


@pytest.mark.parametrize("lesson", ["00_course_home", "01_understanding_neuropathy", "02_how_massage_helps",
                                    "03_effleurage", "04_petrissage", "05_myofascial_release"])
def test_every_lesson_has_at_least_three_quiz_items(lesson):
    items = KB.quiz_for(lesson)
    assert len(items) >= 3
    for item in items:
        assert all(o.explanation for o in item.options)
        assert item.sources and all(s in KB.sources for s in item.sources)


def test_quiz_feedback_and_score():
    quiz = Quiz("04_petrissage")
    n = len(quiz.questions)
    assert f"Score: 0 of {n} right" in text(quiz.score.value) and f"(0 of {n} answered)" in text(quiz.score.value)
    first, second = quiz.questions[0], quiz.questions[1]
    right = next(i for i, o in enumerate(first.item.options) if o.correct)
    first.choice.value = right
    assert text(first.feedback.value).startswith("✔ Right.")
    assert first.item.options[right].explanation in text(first.feedback.value)
    assert f"Score: 1 of {n} right" in text(quiz.score.value)
    wrong = next(i for i, o in enumerate(second.item.options) if not o.correct)
    second.choice.value = wrong
    feedback = text(second.feedback.value)
    assert feedback.startswith("✘ Not quite.")
    assert second.item.options[wrong].explanation in feedback
    correct = next(o for o in second.item.options if o.correct)
    assert f"The right answer is “{correct.text}”" in feedback
    assert f"Score: 1 of {n} right" in text(quiz.score.value) and f"(2 of {n} answered)" in text(quiz.score.value)
    second.choice.value = next(i for i, o in enumerate(second.item.options) if o.correct)
    assert f"Score: 2 of {n} right" in text(quiz.score.value)
