"""The knowledge loader: the real data loads and is read-only; broken data fails with ONE line
that names the file, the record and the field.

Each broken fixture is a full copy of assets/knowledge in a temporary directory with exactly one
thing changed (see BROKEN below), so the error can only come from that change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pydantic
import pytest
import yaml

from neuropathy_massage.knowledge import DEFAULT_DIR, FILES, KnowledgeError, load_knowledge, read_knowledge

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
        KB.conditions["blood_clot"].at_region.action = "avoid"
    assert KB.symptoms["numbness"].pressure_cap == 3


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        KB.symptoms["new"] = KB.symptoms["numbness"]
    with pytest.raises(TypeError):
        del KB.conditions["blood_clot"]


def test_load_knowledge_is_cached():
    assert load_knowledge() is load_knowledge()
    assert load_knowledge() is KB


def test_read_knowledge_reads_afresh():
    fresh = read_knowledge(DEFAULT_DIR)
    assert fresh is not KB
    assert list(fresh.symptoms) == list(KB.symptoms)


# --- broken copies ------------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    target.mkdir()
    for file in FILES:
        shutil.copy(DEFAULT_DIR / file, target / file)
    return target


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
    _record(d, "conditions", "dvt_signs")["at_region"] = {
        "action": "cap_pressure", "pressure_cap": 1, "reason": "Be gentle."}


def _unknown_region_in_routine(d):
    _record(d, "routines", "foot_roller")["regions"] = ["left_foot_sole", "left_ear"]


def _technique_min_above_max(d):
    _record(d, "techniques", "petrissage")["pressure_min"] = 4


def _misspelt_field(d):
    _record(d, "precautions", "inspect_skin")["txet"] = "typo"


def _unknown_action(d):
    _record(d, "conditions", "bruise")["at_region"]["action"] = "ignore"


# (file, edit, record id, field, a word the message must contain)
BROKEN = {
    "missing required field": ("symptoms.yaml", _missing_field, "numbness", "cap_reason", "required"),
    "unknown mechanism id": ("techniques.yaml", _unknown_mechanism, "effleurage", "mechanisms", "telepathy"),
    "pressure cap 7": ("symptoms.yaml", _pressure_cap_7, "tingling", "pressure_cap", "7"),
    "unknown source id": ("mechanisms.yaml", _unknown_source, "endorphins", "sources", "my_aunt"),
    "red flag not stop_and_refer": ("conditions.yaml", _red_flag_that_only_caps, "dvt_signs", "at_region.action", "red flag"),
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
    _edit_yaml(directory, "symptoms.yaml", lambda d: d["symptoms"].append(dict(d["symptoms"][0])))
    first = KB.symptoms[next(iter(KB.symptoms))].id
    with pytest.raises(KnowledgeError, match=rf"^symptoms\.yaml: record '{first}': field 'id': duplicate"):
        read_knowledge(directory)


def test_an_untouched_copy_loads(tmp_path):
    """The fixtures above fail because of their one change, not because of the copying."""
    assert list(read_knowledge(_copy(tmp_path)).conditions) == list(KB.conditions)
