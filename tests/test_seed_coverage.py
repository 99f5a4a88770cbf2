"""Every statement of the seed article is held by the course's data (tests/data/seed_facts.yaml).

For each fact: at least one record is named, every named record exists, and each of the fact's
key terms appears in the text of at least one named record. A fact marked `gap` is known to be
missing from the data: its test is a strict xfail, so adding the data turns it into a reminder
to remove the `gap` mark.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from neuropathy_massage import paths
from neuropathy_massage.knowledge import FILES

DEFAULT_DIR = paths.knowledge_dir()

FACTS_FILE = Path(__file__).parent / "data" / "seed_facts.yaml"
FACTS = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))["facts"]


def _records() -> dict[str, dict]:
    """"<file stem>:<record id>" -> the raw record, for every record of every knowledge file."""
    out = {}
    for file, (top, _model, key) in FILES.items():
        data = yaml.safe_load((DEFAULT_DIR / file).read_text(encoding="utf-8"))
        for record in data[top]:
            out[f"{Path(file).stem}:{record[key]}"] = record
    return out


RECORDS = _records()


def text_of(value) -> str:
    """Every string in a record (nested lists and mappings included), joined, lower-cased."""
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):
        return " ".join(text_of(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(text_of(v) for v in value)
    return ""


def test_the_checklist_is_well_formed():
    ids = [f["id"] for f in FACTS]
    assert len(ids) == len(set(ids)), "duplicate fact ids"
    assert len(FACTS) >= 45, "the seed article has more statements than this"
    for f in FACTS:
        assert {"id", "fact", "records", "terms"} <= set(f), f.get("id")
        assert isinstance(f["fact"], str) and f["fact"].strip() and "\n" not in f["fact"], f["id"]
        assert isinstance(f["records"], list) and f["records"], f"{f['id']}: names no record"
        assert isinstance(f["terms"], list) and 1 <= len(f["terms"]) <= 3, f"{f['id']}: 1-3 terms"


def test_every_reference_resolves():
    stems = {Path(file).stem for file in FILES}
    for f in FACTS:
        for ref in f["records"]:
            stem, _, ident = str(ref).partition(":")
            assert stem in stems, f"{f['id']}: {ref!r}: no knowledge file {stem}.yaml"
            assert ref in RECORDS, f"{f['id']}: {ref!r}: no record {ident!r} in {stem}.yaml"


def _param(fact):
    marks = [pytest.mark.xfail(strict=True, reason=f"data gap: {fact['gap']}")] if fact.get("gap") else []
    return pytest.param(fact, id=fact["id"], marks=marks)


@pytest.mark.parametrize("fact", [_param(f) for f in FACTS])
def test_fact_is_in_the_data(fact):
    texts = [text_of(RECORDS[ref]) for ref in fact["records"] if ref in RECORDS]
    assert texts, f"{fact['id']}: none of its records exists"
    missing = [t for t in fact["terms"] if not any(t.lower() in text for text in texts)]
    assert not missing, f"{fact['id']}: {missing} not found in {fact['records']}"


def test_the_seed_article_is_cited_by_the_records_of_the_checklist():
    """Most facts come straight from the seed article, so most records must cite it."""
    cited = [ref for f in FACTS for ref in f["records"]
             if "seed_article" in RECORDS.get(ref, {}).get("sources", [])]
    assert len(cited) >= 0.9 * sum(len(f["records"]) for f in FACTS)
