"""The lesson page (ui/lesson.py), the views of the knowledge (ui/lesson_views.py), the try-it
widgets (ui/tryits.py) and the quiz, driven in plain Python: set a value, read what the view
shows. Expectations come from the data and the advisor. No kernel, no browser."""

from __future__ import annotations

import re
from html import unescape

import ipywidgets as W
import pytest
import yaml

from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.course import LESSON_SHAPED, load_course
from neuropathy_massage.knowledge import load_knowledge, read_knowledge
from neuropathy_massage.ui import lesson_views as L
from neuropathy_massage.ui.lesson import LessonPage
from neuropathy_massage.ui.quiz import Quiz
from neuropathy_massage.ui.tryits import MechanismLinks, SymptomExplorer, TechniqueTryIt
from picks import symptom_with_lowest_cap, text

KB = load_knowledge()
COURSE = load_course()
TECHNIQUES = tuple(t.id for t in KB.techniques_for("therapist"))


def shown(fragment) -> str:
    return text(re.sub(r'src="data:[^"]*"', "", str(fragment)))


def controls(widget) -> list:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += controls(child)
    return out


# --------------------------------------------------------------------------- the lesson page


@pytest.mark.parametrize("lesson", [lesson.id for lesson in COURSE.lessons])
def test_header_and_footer_come_from_the_course_model(lesson):
    page = LessonPage(lesson)
    item = COURSE.lesson(lesson)
    head = str(page.header())
    assert f"<h1>{item.title}</h1>" in unescape(head) and item.summary in unescape(head)
    assert "<style>" in head  # the views' stylesheet travels with the first output
    if item.kind in LESSON_SHAPED:
        assert all(o in unescape(head) for o in item.objectives)
        assert f"about {item.minutes} minutes" in head
        for b in item.builds_on:
            assert f'href="{COURSE.lesson(b).file}"' in head
    foot = str(page.footer())
    nxt = COURSE.next(lesson)
    if nxt is not None:
        assert f'href="{nxt.file}"' in foot and nxt.title in unescape(foot)
    else:
        assert "Where next" in foot
    assert repr(page.header()) == f"<{item.title}: header>"  # the text nbval compares is stable


def test_the_footer_cites_exactly_what_the_page_showed():
    page = LessonPage(COURSE.teaching(TECHNIQUES[0]).id)
    note = COURSE.notes_for(page.lesson.id)  # the footer's "For trainers" shows the trainer's notes
    trainers = set(note.sources) if note else set()
    assert ("<h2>Sources</h2>" in str(page.footer())) == bool(trainers)  # nothing else shown yet
    card = page.technique_card()
    foot = str(page.footer())
    for source in KB.cite(card.sources):
        assert source.title in unescape(foot)
    assert set(page.cited) == set(card.sources) | trainers
    page.quiz()
    assert {s for item in KB.quiz_for(page.lesson.id) for s in item.sources} <= set(page.cited)


def test_a_page_shows_only_what_its_lesson_teaches():
    lesson = COURSE.teaching(TECHNIQUES[0])
    page = LessonPage(lesson.id)
    assert KB.techniques[TECHNIQUES[0]].purpose in shown(page.technique_card())
    other = next(t for t in TECHNIQUES if t not in lesson.teaches.techniques)
    with pytest.raises(ValueError, match="does not teach"):
        page.technique_card(other)
    groups = {KB.precautions[p].group for p in lesson.teaches.precautions}
    listed = shown(page.precautions(*groups))
    assert all(KB.precautions[p].name in listed for p in lesson.teaches.precautions)
    untaught = {p.group for p in KB.precautions.values()} - groups
    if untaught:
        with pytest.raises(ValueError, match="teaches no precaution"):
            page.precautions(*untaught)


def test_lesson_map_links_every_lesson_with_objectives_and_time():
    html = unescape(str(L.lesson_map(COURSE)))
    for lesson in COURSE.lessons[1:]:
        assert f'href="{lesson.file}"' in html and f"about {lesson.minutes} minutes" in html
        assert f"{COURSE.number(lesson.id)} · {lesson.title}" in html
        assert all(o in html for o in lesson.objectives)
    assert f">0 · {COURSE.home.title}<" not in html  # the home page is not a lesson of the map
    assert not re.search(r"<h[12]\b", html), "rendered HTML uses <h3> at most"


# --------------------------------------------------------------------------- try-its


def test_symptom_explorer_describes_and_marks_regions():
    w = SymptomExplorer()
    assert "Tick a symptom" in text(w.view.value) and "No area is marked" in w.view.value
    sid, symptom = next(iter(KB.symptoms.items()))
    w.picker.boxes[sid].value = True
    assert w.symptoms == (sid,)
    view = text(w.view.value)
    assert symptom.description.split(",")[0] in view
    for rid in symptom.typical_regions:
        assert f"{KB.regions[rid].name}: selected" in view  # the list under the map, not colour alone
    w.picker.set()
    assert "Tick a symptom" in text(w.view.value)


def test_symptom_marks_cover_typical_regions():
    sid = next(iter(KB.symptoms))
    marks = L.symptom_marks([sid])
    assert set(marks) == set(KB.symptoms[sid].typical_regions) and set(marks.values()) == {"selected"}


def test_mechanism_links_follow_the_choice():
    w = MechanismLinks()
    for tid, t in KB.techniques.items():
        w.choice.value = tid
        view = text(w.view.value)
        assert f"uses {len(t.mechanisms)} of the {len(KB.mechanisms)} mechanisms" in view
        assert all(KB.mechanisms[m].name in view for m in t.mechanisms)
        assert f'href="{COURSE.teaching(tid).file}"' in w.view.value
    assert 'alt="' in w.view.value  # the mechanism figures come with alt text


def test_mechanism_matrix_marks_in_words():
    view = shown(L.mechanism_matrix())
    assert all(t.name in view for t in KB.techniques.values()) and "✔ uses" in view


def test_try_it_agrees_with_the_advisor_everywhere():
    """For every technique and every single symptom: offered at the advisor's level, or left out."""
    for tid in TECHNIQUES:
        tech = KB.techniques[tid]
        for sid in KB.symptoms:
            view = shown(L.technique_try(tid, [sid]))
            p = plan(Selection.of([sid], tech.regions))
            levels = {t.max_pressure for r in p.regions for t in r.techniques if t.id == tid}
            if not levels:
                assert f"{tech.name} is left out" in view, (tid, sid)
            for level in levels:
                assert f"up to level {level} of 5" in view, (tid, sid)


def test_a_left_out_technique_says_why_in_words_built_from_data():
    sid = symptom_with_lowest_cap(KB)
    cap = KB.symptoms[sid].pressure_cap
    tid = next(t for t in TECHNIQUES if KB.techniques[t].pressure_min > cap)
    w = TechniqueTryIt(tid)
    w.picker.set(sid)
    view = text(w.view.value)
    assert f"{KB.techniques[tid].name} is left out" in view
    assert f"needs at least pressure level {KB.techniques[tid].pressure_min}, and the limit here is {cap}" in view
    assert "is offered" not in view


def test_try_it_always_says_when_to_stop():
    stop = [p for p in KB.precautions.values() if p.group == "when_to_stop" and p.when.always]
    assert stop
    for tid in TECHNIQUES:
        for symptoms in ((), (symptom_with_lowest_cap(KB),), tuple(KB.symptoms)):
            view = shown(L.technique_try(tid, symptoms))
            assert "When to stop and seek a health professional" in view
            assert all(p.text in view for p in stop)


def test_unknown_technique_is_refused():
    with pytest.raises(KeyError):
        TechniqueTryIt("deep_tissue")


# --------------------------------------------------------------------------- views of the data


def test_pressure_range_marks_in_words():
    for tid, t in KB.techniques.items():
        view = shown(L.pressure_range(tid))
        assert f"uses level {t.pressure_min} to {t.pressure_max} of 5" in view
        inside = t.pressure_max - t.pressure_min + 1
        assert view.count("✔ in range") == inside and view.count("— outside") == len(KB.pressure_levels) - inside


def test_adaptations_table_shows_every_symptom():
    for tid, t in KB.techniques.items():
        view = shown(L.adaptations(tid))
        for sid, s in KB.symptoms.items():
            assert s.name in view
            if s.pressure_cap < t.pressure_min:
                assert f"Left out: it needs at least level {t.pressure_min}" in view
            elif sid in t.adaptations:
                assert t.adaptations[sid] in view


def test_conditions_and_red_flags():
    view = shown(L.conditions_table())
    assert all(c.name in view for c in KB.conditions.values())
    flags = shown(L.red_flags())
    assert all(c.name in flags for c in KB.conditions.values() if c.kind == "red_flag")


def test_technique_card_beside_its_figures_with_alt_text():
    for tid, t in KB.techniques.items():
        html = str(L.technique_card(tid))
        assert "nm-side-by-side" in html and "style=" not in html
        imgs = re.findall(r"<img[^>]*>", html)
        assert len(imgs) == len(t.figures) and all(re.search(r'alt="[^"]+"', i) for i in imgs)
        assert t.steps[0] in unescape(html)


# --------------------------------------------------------------------------- labels and escaping


@pytest.mark.parametrize("make", [SymptomExplorer, MechanismLinks, lambda: TechniqueTryIt(TECHNIQUES[0]),
                                  lambda: Quiz(COURSE.teaching(TECHNIQUES[0]).id)])
def test_every_control_has_a_label(make):
    for w in controls(make()):
        if isinstance(w, (W.Checkbox, W.Dropdown, W.RadioButtons, W.SelectMultiple, W.ToggleButtons)):
            assert w.description.strip(), f"unlabelled {type(w).__name__}"


def test_data_is_escaped(assets_copy):
    """A symptom name or description holding markup is shown as text, never as markup."""
    path = assets_copy / "knowledge" / "symptoms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["symptoms"][0]["name"] = "<script>alert(1)</script>"
    data["symptoms"][0]["description"] = "<b>bold</b> & more"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    kb = read_knowledge(assets_copy / "knowledge")
    sid = data["symptoms"][0]["id"]
    views = [L.symptoms_table(kb), L.symptom_details([sid], kb), L.adaptations(TECHNIQUES[0], kb),
             L.technique_try(TECHNIQUES[0], [sid], kb)]
    w = SymptomExplorer(kb)
    w.picker.boxes[sid].value = True
    views.append(w.view.value)
    for html in map(str, views):
        assert "<script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;" in html or "&lt;b&gt;bold&lt;/b&gt;" in html
