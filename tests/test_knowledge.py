"""The knowledge loader: the real data loads and is read-only; broken data fails with ONE line
that names the file, the record and the field.

Each broken fixture is a full copy of assets/ in a temporary directory with exactly one thing
changed (see BROKEN below), so the error can only come from that change. The YAML itself is read
safely: duplicate keys, anchors and aliases, oversized files and non-UTF-8 bytes are refused.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pydantic
import pytest
import yaml

from neuropathy_massage import paths, yamlio
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge, read_knowledge

KB = load_knowledge()


# --- the real data ----------------------------------------------------------------------------


def test_every_table_has_records():
    tables = {
        "sources": KB.sources, "pressure_levels": KB.pressure_levels, "regions": KB.regions,
        "symptoms": KB.symptoms, "mechanisms": KB.mechanisms, "techniques": KB.techniques,
        "precautions": KB.precautions, "conditions": KB.conditions,
    }
    for name, table in tables.items():
        assert len(table) > 0, name
    assert KB.techniques_for("therapist") and KB.techniques_for("self")
    assert sorted(KB.pressure_levels) == [1, 2, 3, 4, 5]


def test_every_sourced_record_names_existing_sources():
    tables = [KB.pressure_levels, KB.regions, KB.symptoms, KB.mechanisms, KB.techniques,
              KB.precautions, KB.conditions, KB.quiz, KB.case_studies]
    for table in tables:
        for ident, record in table.items():
            assert record.sources, ident
            assert set(record.sources) <= set(KB.sources), ident


def test_the_seed_article_is_a_source():
    assert "seed_article" in KB.sources


def test_records_are_frozen():
    with pytest.raises(pydantic.ValidationError):
        KB.symptoms["numbness"].pressure_cap = 5
    with pytest.raises(pydantic.ValidationError):
        KB.conditions["suspected_clot"].at_region.action = "avoid"
    assert KB.symptoms["numbness"].pressure_cap == 3


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        KB.symptoms["new"] = KB.symptoms["numbness"]
    with pytest.raises(TypeError):
        del KB.conditions["suspected_clot"]


def test_load_knowledge_is_cached():
    assert load_knowledge() is load_knowledge()
    assert load_knowledge() is KB


def test_read_knowledge_reads_afresh():
    fresh = read_knowledge(paths.knowledge_dir())
    assert fresh is not KB
    assert list(fresh.symptoms) == list(KB.symptoms)


# --- broken copies ------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    """A copy of the course's assets/ (knowledge beside its figures); returns its knowledge folder."""
    target = tmp_path / "assets"
    shutil.copytree(paths.package_assets(), target)
    return target / "knowledge"


def _edit_yaml(directory: Path, file: str, change) -> None:
    path = directory / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _record(data: dict, top: str, ident: str) -> dict:
    return next(r for r in data[top] if r.get("id") == ident)


def _missing_field(d):
    del _record(d, "symptoms", "numbness")["cap_reason"]


def _unknown_mechanism(d):
    _record(d, "techniques", "effleurage")["mechanisms"].append("telepathy")


def _pressure_cap_7(d):
    _record(d, "symptoms", "tingling")["pressure_cap"] = 7


def _unknown_source(d):
    _record(d, "mechanisms", "endorphins")["sources"] = ["seed_article", "my_aunt"]


def _red_flag_that_only_caps(d):
    _record(d, "conditions", "suspected_clot")["at_region"] = {
        "action": "cap_pressure", "pressure_cap": 1, "reason": "Be gentle."}


def _unknown_region_in_routine(d):
    _record(d, "routines", "foot_roller")["regions"] = ["left_foot_sole", "left_ear"]


def _technique_min_above_max(d):
    _record(d, "techniques", "petrissage")["pressure_min"] = 4


def _misspelt_field(d):
    _record(d, "precautions", "inspect_skin")["txet"] = "typo"


def _unknown_action(d):
    _record(d, "conditions", "bruise")["at_region"]["action"] = "ignore"


def _no_urgency(d):
    del _record(d, "conditions", "suspected_clot")["urgency"]


def _emergency_that_caps(d):
    _record(d, "conditions", "open_wound")["urgency"] = "emergency"


def _caution_that_stops(d):
    _record(d, "conditions", "blood_thinners")["whole_session"] = {"action": "stop_and_refer", "reason": "No."}
    _record(d, "conditions", "blood_thinners").update(referral="See a doctor.", urgency="prompt")


def _contraindication_that_caps(d):
    _record(d, "conditions", "bruise")["at_region"] = {"action": "cap_pressure", "pressure_cap": 2, "reason": "Lightly."}


def _self_cap_above(d):
    _record(d, "symptoms", "numbness")["self_pressure_cap"] = 5


def _bad_touches_reason(d):
    _record(d, "routines", "marble_foot_tub")["touches_reason"] = "the tub covers the {foot}"


def _unknown_touches(d):
    _record(d, "routines", "marble_foot_tub")["touches"] = "body"


def _spread_without_region(d):
    _record(d, "conditions", "blood_thinners")["spread"] = "limb"


def _authors_full_stop(d):
    _record(d, "sources", "woods_2011")["authors"] = "R. Woods et al."


def _unknown_superseded(d):
    _record(d, "sources", "iwgdf_2019")["superseded_by"] = "nowhere"


#: A case whose plan works on some regions (its `expect` gives their pressure limits).
WORKING_CASE = next(c.id for c in KB.case_studies.values() if c.expect.pressure)


def _case_expect_missing_a_region(d):
    pressure = _record(d, "cases", WORKING_CASE)["expect"]["pressure"]
    del pressure[next(iter(pressure))]


def _case_expect_unknown_technique(d):
    _record(d, "cases", WORKING_CASE)["expect"]["offered"] = ["telepathy_stroke"]


# (file, edit, record id, field, a word the message must contain)
BROKEN = {
    "case expect misses a region": ("case_studies.yaml", _case_expect_missing_a_region, WORKING_CASE,
                                    "expect.pressure", "missing"),
    "case expect names an unknown technique": ("case_studies.yaml", _case_expect_unknown_technique, WORKING_CASE,
                                               "expect.offered", "telepathy_stroke"),
    "missing required field": ("symptoms.yaml", _missing_field, "numbness", "cap_reason", "required"),
    "unknown mechanism id": ("techniques.yaml", _unknown_mechanism, "effleurage", "mechanisms", "telepathy"),
    "pressure cap 7": ("symptoms.yaml", _pressure_cap_7, "tingling", "pressure_cap", "7"),
    "unknown source id": ("mechanisms.yaml", _unknown_source, "endorphins", "sources", "my_aunt"),
    "red flag not stop_and_refer": ("conditions.yaml", _red_flag_that_only_caps, "suspected_clot", "at_region.action", "red flag"),
    "red flag without urgency": ("conditions.yaml", _no_urgency, "suspected_clot", "urgency", "how soon"),
    "an emergency that does not stop": ("conditions.yaml", _emergency_that_caps, "open_wound", "urgency", "every scope"),
    "caution that stops": ("conditions.yaml", _caution_that_stops, "blood_thinners", "kind", "red flag"),
    "contraindication that only adapts": ("conditions.yaml", _contraindication_that_caps, "bruise", "kind", "caution"),
    "self cap above the cap": ("symptoms.yaml", _self_cap_above, "numbness", "self_pressure_cap", "above"),
    "unknown footprint name": ("routines.yaml", _bad_touches_reason, "marble_foot_tub", "touches_reason", "'foot'"),
    "unknown touches": ("routines.yaml", _unknown_touches, "marble_foot_tub", "touches", "region"),
    "spread without at_region": ("conditions.yaml", _spread_without_region, "blood_thinners", "spread", "at_region"),
    "authors with a full stop": ("sources.yaml", _authors_full_stop, "woods_2011", "authors", "full stop"),
    "unknown superseding source": ("sources.yaml", _unknown_superseded, "iwgdf_2019", "superseded_by", "nowhere"),
    "unknown region id": ("routines.yaml", _unknown_region_in_routine, "foot_roller", "regions", "left_ear"),
    "pressure_min above pressure_max": ("techniques.yaml", _technique_min_above_max, "petrissage", "pressure_min", "pressure_max"),
    "unknown field": ("precautions.yaml", _misspelt_field, "inspect_skin", "txet", "not permitted"),
    "unknown action": ("conditions.yaml", _unknown_action, "bruise", "at_region.action", "stop_and_refer"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_data_gives_one_line_naming_file_record_and_field(case, tmp_path):
    file, edit, ident, field, word = BROKEN[case]
    directory = _copy(tmp_path)
    _edit_yaml(directory, file, edit)
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{file}: record '{ident}': field '{field}': "), message
    assert word in message, message


def test_unknown_id_message_lists_the_known_ids(tmp_path):
    directory = _copy(tmp_path)
    _edit_yaml(directory, "techniques.yaml", _unknown_mechanism)
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    for known in KB.mechanisms:
        assert known in str(info.value)


def test_bad_yaml_names_the_file_and_the_line(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "regions.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "sources:" in line)
    lines[at] = "    sources: [seed_article"  # unclosed bracket
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith("regions.yaml: not valid YAML at line "), message


def test_a_missing_file_is_named(tmp_path):
    directory = _copy(tmp_path)
    (directory / "precautions.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"^precautions\.yaml: file is missing"):
        read_knowledge(directory)


def test_a_file_without_its_top_level_list_is_named(tmp_path):
    directory = _copy(tmp_path)
    (directory / "mechanisms.yaml").write_text("mechanism:\n  - id: circulation\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^mechanisms\.yaml: expected a top-level key 'mechanisms'"):
        read_knowledge(directory)


def test_a_duplicate_id_is_named(tmp_path):
    directory = _copy(tmp_path)
    _edit_yaml(directory, "symptoms.yaml", lambda d: d["symptoms"].append(copy.deepcopy(d["symptoms"][0])))
    first = KB.symptoms[next(iter(KB.symptoms))].id
    with pytest.raises(KnowledgeError, match=rf"^symptoms\.yaml: record '{first}': field 'id': duplicate"):
        read_knowledge(directory)


def test_an_untouched_copy_loads(tmp_path):
    """The fixtures above fail because of their one change, not because of the copying."""
    assert list(read_knowledge(_copy(tmp_path)).conditions) == list(KB.conditions)


def test_every_problem_is_reported_one_line_each(tmp_path):
    """An author fixing the data sees every problem at once, not one per run."""
    directory = _copy(tmp_path)
    _edit_yaml(directory, "symptoms.yaml", _pressure_cap_7)
    _edit_yaml(directory, "techniques.yaml", _unknown_mechanism)
    _edit_yaml(directory, "precautions.yaml", _misspelt_field)
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    problems = info.value.problems
    assert len(problems) == 3, problems
    assert all("\n" not in p for p in problems)
    assert {p.split(":")[0] for p in problems} == {"symptoms.yaml", "techniques.yaml", "precautions.yaml"}
    assert "(and 2 more problems)" in str(info.value)


def test_a_record_that_fails_does_not_make_others_name_an_unknown_id(tmp_path):
    """A symptom with a broken field is reported once; techniques adapting to it are not."""
    directory = _copy(tmp_path)
    _edit_yaml(directory, "symptoms.yaml", _missing_field)
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    assert len(info.value.problems) == 1, info.value.problems


# --- the YAML itself ------------------------------------------------------------------------------


def _replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_duplicate_key_is_refused_not_silently_replaced(tmp_path):
    """A second `pressure_cap` would otherwise replace a safety limit without a word."""
    directory = _copy(tmp_path)
    symptom = KB.symptoms["touch_hypersensitivity"]
    _replace_line(directory / "symptoms.yaml", f"    pressure_cap: {symptom.pressure_cap}\n",
                  f"    pressure_cap: {symptom.pressure_cap}\n    pressure_cap: 5\n")
    with pytest.raises(KnowledgeError) as info:
        read_knowledge(directory)
    message = str(info.value)
    assert message.startswith("symptoms.yaml: record 'touch_hypersensitivity': field 'pressure_cap': "
                              "duplicate key 'pressure_cap' (line "), message


def test_anchors_and_aliases_are_refused(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "regions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("sources: [seed_article]", "sources: &s [seed_article]", 1)
                    .replace("sources: [seed_article]", "sources: *s", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^regions\.yaml: line \d+: anchors and aliases"):
        read_knowledge(directory)


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    directory = _copy(tmp_path)
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
             for i in range(9)]
    (directory / "mechanisms.yaml").write_text("\n".join(bomb) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^mechanisms\.yaml: line 1: anchors and aliases"):
        read_knowledge(directory)


def test_a_file_larger_than_the_bound_is_refused(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * (yamlio.MAX_BYTES + 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^sources\.yaml: file is [\d,]+ bytes; the course reads at most"):
        read_knowledge(directory)


def test_bytes_that_are_not_utf8_are_one_line(tmp_path):
    directory = _copy(tmp_path)
    path = directory / "precautions.yaml"
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    with pytest.raises(KnowledgeError, match=r"^precautions\.yaml: not UTF-8 text: byte 0xe9 at line \d+$"):
        read_knowledge(directory)


def test_a_figure_the_index_names_must_exist(tmp_path):
    directory = _copy(tmp_path)
    (directory.parent / "figures" / "pressure_scale.svg").unlink()
    with pytest.raises(KnowledgeError, match=r"^figures\.yaml: record 'pressure_scale': field 'file': no file"):
        read_knowledge(directory)


# --- the clinical content's own rules --------------------------------------------------------------

#: For each kind of source, the citation fields it should have; a missing one must be named in
#: `verified` (as "<field> ... NOT" or "NOT ... <field>"), never left out silently or guessed.
CITATION_FIELDS = {
    "journal article": ("authors", "year", "journal", "volume", "pages|article_number", "doi"),
    "guideline": ("authors", "year", "journal", "volume", "pages|article_number", "doi"),
    "book": ("authors", "year", "publisher", "edition", "isbn"),
    "magazine article": ("authors", "year", "publisher", "url"),
}
WEB_FIELDS = ("publisher", "url", "year")


def _named_as_missing(source, field: str) -> bool:
    words = {"pages|article_number": ("pages",), "article_number": ("pages",)}.get(field, (field,))
    text = source.verified.lower()
    return "not" in text and any(w.replace("_", " ") in text or w in text for w in words)


@pytest.mark.parametrize("sid", list(KB.sources))
def test_every_citation_is_complete_or_says_what_could_not_be_verified(sid):
    source = KB.sources[sid]
    for field in CITATION_FIELDS.get(source.kind, WEB_FIELDS):
        present = any(getattr(source, f) for f in field.split("|"))
        assert present or _named_as_missing(source, field), (
            f"{sid}: no {field}, and `verified` does not say that it could not be confirmed")


def test_a_superseded_source_is_cited_only_by_older_quiz_items():
    superseded = {sid for sid, s in KB.sources.items() if s.superseded_by}
    for table in (KB.symptoms, KB.mechanisms, KB.techniques, KB.precautions, KB.conditions, KB.regions):
        for ident, record in table.items():
            assert not superseded & set(record.sources), f"{ident} cites a superseded source"


def test_every_red_flag_and_every_stop_says_how_soon():
    for cid, c in KB.conditions.items():
        stops = any(r is not None and r.action == "stop_and_refer" for r in (c.at_region, c.whole_session))
        if c.kind == "red_flag" or stops:
            assert c.urgency and c.referral, cid
    assert any(c.urgency == "emergency" for c in KB.conditions.values())


def test_reduced_feeling_is_a_caution_not_a_contraindication():
    for cid, c in KB.conditions.items():
        if c.reduces_sensation:
            assert c.kind == "caution", cid


def test_a_suspected_clot_can_be_recorded_on_an_arm_as_well_as_a_leg():
    clots = [c for c in KB.conditions.values() if c.kind == "red_flag" and c.at_region is not None
             and {KB.regions[r].limb for r in c.regions} >= {"forearm", "lower_leg"}]
    assert clots, "no red flag can be placed on both an arm and a leg"


def test_weakened_bones_are_for_the_whole_session_and_a_healing_fracture_is_local():
    bones = [c for c in KB.conditions.values() if "osteoporosis" in c.name.lower()]
    assert bones and all(c.at_region is None and c.whole_session.action == "cap_pressure"
                         and c.whole_session.joint_movement == "gentle" for c in bones)
    assert any("fracture" in c.name.lower() and c.at_region is not None and c.at_region.action == "avoid"
               and c.whole_session is None for c in KB.conditions.values())


def test_a_routine_that_uses_warm_water_touches_the_whole_limb():
    for tid, t in KB.techniques.items():
        if t.uses_warm_water:
            assert t.touches in ("limb", "segment"), tid


def test_a_wound_anywhere_on_a_sole_rules_the_roller_out_on_that_sole_only():
    """The roller presses the whole sole. Its footprint from a sole is that sole, which is one area
    of the body map, so an open wound anywhere on it takes the roller off that sole (the area is
    avoided), while the other sole keeps it. Golden case on the course's own data."""
    from neuropathy_massage.advisor import Selection, plan

    roller = KB.techniques["foot_roller"]
    wound = "open_wound"
    assert KB.conditions[wound].at_region.action == "avoid"
    left, right = (next(r for r in roller.regions if KB.regions[r].side == side) for side in ("left", "right"))
    assert KB.regions[left].limb == "foot" and KB.footprint(left, roller.touches) == (left,)
    p = plan(Selection.of(["numbness"], [left, right], [(wound, left)], "self"), KB)
    assert p.region(left).status == "avoid" and p.region(left).techniques == ()
    assert "foot_roller" in [t.id for t in p.region(right).techniques]
    assert not any(o.technique == "foot_roller" for o in p.region(right).footprint_out)


@pytest.mark.parametrize("cid", ["stroke_signs", "sudden_cold_limb", "chemo_fever_or_unwell"])
def test_the_signs_that_cannot_wait_call_the_emergency_number(cid):
    """The clinical review of issue 10: a stroke (sudden one-sided numbness included), a foot or leg
    suddenly short of blood and a fever during chemotherapy are emergencies, and so stop everywhere."""
    c = KB.conditions[cid]
    assert c.kind == "red_flag" and c.urgency == "emergency"
    assert {r.action for r in (c.at_region, c.whole_session) if r is not None} == {"stop_and_refer"}


@pytest.mark.parametrize("cid", ["sudden_weakness", "rest_pain_or_dark_toe", "poor_foot_circulation"])
def test_the_slower_cases_say_when_they_become_an_emergency(cid):
    """Weakness worsening over days, rest pain and long-standing poor circulation are not
    emergencies themselves, but each names the sudden signs that are."""
    c = KB.conditions[cid]
    assert c.urgency in ("urgent", "prompt") and "emergency number now" in c.escalation
    assert "sudden" in c.escalation.lower()


def test_low_blood_counts_mean_the_lightest_pressure_and_the_cancer_teams_agreement():
    c = KB.conditions["low_blood_counts"]
    assert c.kind == "caution" and c.requires_clearance
    assert c.whole_session.action == "cap_pressure" and c.whole_session.pressure_cap == min(KB.pressure_levels)
