"""The JSON door, run as a learner's script would: `python -m neuropathy_massage catalog|plan`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuropathy_massage.advisor import Selection, plan
from neuropathy_massage.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KB = load_knowledge()


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "neuropathy_massage", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
    )


def run_plan(selection) -> subprocess.CompletedProcess:
    return run("plan", stdin=selection if isinstance(selection, str) else json.dumps(selection))


def assert_one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- catalog ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    result = run("catalog")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_catalog_is_a_list_of_named_records(catalog):
    assert isinstance(catalog, list) and catalog
    for row in catalog:
        assert {"id", "name", "kind"} <= set(row), row
        assert row["id"] and row["name"]


def test_catalog_has_every_kind(catalog):
    assert {"symptom", "region", "condition", "technique", "routine"} <= {row["kind"] for row in catalog}


def test_catalog_lists_every_id_of_the_data(catalog):
    by_kind = {}
    for row in catalog:
        by_kind.setdefault(row["kind"], []).append(row["id"])
    assert by_kind["symptom"] == list(KB.symptoms)
    assert by_kind["region"] == list(KB.regions)
    assert by_kind["condition"] == list(KB.conditions)
    assert by_kind["technique"] + by_kind["routine"] == list(KB.techniques)


def test_catalog_says_where_a_condition_may_be_placed(catalog):
    rows = {row["id"]: row for row in catalog if row["kind"] == "condition"}
    assert rows["open_wound"]["at_region"] and not rows["open_wound"]["whole_session"]
    assert rows["sudden_weakness"]["whole_session"] and not rows["sudden_weakness"]["at_region"]
    for cid, c in KB.conditions.items():
        assert rows[cid]["condition_kind"] == c.kind and rows[cid]["urgency"] == c.urgency
        assert rows[cid]["spread"] == c.spread and rows[cid]["regions"] == list(c.regions)
    assert any(r["urgency"] == "emergency" for r in rows.values())


# --- plan --------------------------------------------------------------------------------------------

FOOT_WOUND = {
    "symptoms": ["burning_pain"],
    "regions": ["left_foot_sole", "right_foot_sole", "left_hand_palm"],
    "conditions": [{"id": "open_wound", "region": "left_foot_sole"}],
    "setting": "therapist",
}


def test_plan_foot_wound_with_burning_pain():
    result = run_plan(FOOT_WOUND)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["stop_and_refer"] is False
    assert out["red_flags"] == []
    assert any(KB.conditions["open_wound"].referral in r for r in out["referral_reasons"])
    assert out["referrals"] == [{"condition": "open_wound", "urgency": KB.conditions["open_wound"].urgency,
                                 "text": out["referral_reasons"][0]}]
    regions = {r["region"]: r for r in out["regions"]}
    assert [r["region"] for r in out["regions"]] == ["left_hand_palm", "left_foot_sole", "right_foot_sole"]  # order of regions.yaml
    assert regions["left_foot_sole"]["status"] == "avoid"
    assert regions["left_foot_sole"]["techniques"] == []
    assert regions["left_foot_sole"]["pressure_cap"] is None
    for rid in ("right_foot_sole", "left_hand_palm"):
        assert regions[rid]["status"] == "ok"
        assert regions[rid]["pressure_cap"] == 2
        assert [t["id"] for t in regions[rid]["techniques"]] == ["effleurage", "petrissage", "myofascial_release"]
        assert {t["max_pressure"] for t in regions[rid]["techniques"]} == {2}
    assert {"consult_provider", "stop_if_pain"} <= {p["id"] for p in out["precautions"]}
    assert "seed_article" in out["sources"]
    # the door gives exactly the advisor's plan
    assert out == plan(Selection.of(FOOT_WOUND["symptoms"], FOOT_WOUND["regions"],
                                    [("open_wound", "left_foot_sole")])).to_dict()


@pytest.mark.parametrize("region", [None, "left_lower_leg"])
def test_plan_suspected_clot_stops(region):
    result = run_plan({"regions": ["left_lower_leg", "left_foot_sole"],
                       "conditions": [{"id": "suspected_clot", "region": region}]})
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["stop_and_refer"] is True and out["urgency"] == "urgent" and out["emergency"] is False
    assert out["referral_reasons"] and out["stop_reasons"][0]["urgency"] == "urgent"
    assert all(r["techniques"] == [] for r in out["regions"])


def test_plan_emergency_comes_first():
    emergency = next(cid for cid, c in KB.conditions.items() if c.urgency == "emergency" and c.whole_session)
    result = run_plan({"regions": ["left_foot_sole"],
                       "conditions": [{"id": "suspected_clot", "region": None}, {"id": emergency, "region": None}]})
    out = json.loads(result.stdout)
    assert out["emergency"] is True and out["urgency"] == "emergency"
    assert [s["condition"] for s in out["stop_reasons"]] == [emergency, "suspected_clot"]


def test_plan_footprint_is_structured_data():
    result = run_plan({"symptoms": ["numbness"], "regions": ["left_foot_sole", "left_toes"],
                       "conditions": [{"id": "open_wound", "region": "left_foot_sole"}], "setting": "self"})
    out = json.loads(result.stdout)
    toes = next(r for r in out["regions"] if r["region"] == "left_toes")
    assert {"technique": "marble_foot_tub", "touches": "limb", "blocked_region": "left_foot_sole",
            "condition": "open_wound", "condition_region": "left_foot_sole", "because": "avoid"} in toes["footprint_out"]
    assert "marble_foot_tub" not in [t["id"] for t in toes["techniques"]]
    assert any(KB.techniques["marble_foot_tub"].name in r for r in toes["reasons"])


def test_plan_defaults_to_an_empty_therapist_selection():
    result = run_plan("{}")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["regions"] == [] and out["stop_and_refer"] is False


# --- bad input: exit 2, one line, no traceback --------------------------------------------------------


@pytest.mark.parametrize("text", ["{", "not json", '{"symptoms": [}', ""])
def test_bad_json(text):
    line = assert_one_line_error(run_plan(text))
    assert "not valid JSON" in line


@pytest.mark.parametrize(
    "selection, bad, valid",
    [
        ({"symptoms": ["telepathy"]}, "telepathy", list(KB.symptoms)),
        ({"regions": ["left_ear"]}, "left_ear", list(KB.regions)),
        ({"conditions": [{"id": "bad_karma", "region": None}]}, "bad_karma", list(KB.conditions)),
        ({"setting": "spa"}, "spa", ["therapist", "self"]),
    ],
    ids=["symptom", "region", "condition", "setting"],
)
def test_unknown_id(selection, bad, valid):
    line = assert_one_line_error(run_plan(selection))
    assert repr(bad) in line
    for ident in valid:
        assert ident in line


@pytest.mark.parametrize(
    "selection",
    [
        {"conditions": "open_wound"},
        {"conditions": [{"id": "bruise", "region": "left_toes", "severity": 3}]},
        {"conditions": [["bruise", "left_toes"]]},
        {"conditions": [{"id": "bruise", "region": 7}]},
        {"symptoms": "numbness"},
        {"regions": [1, 2]},
        {"setting": ["self"]},
        {"symptom": ["numbness"]},
        ["numbness"],
        {"conditions": [{"id": "open_wound"}]},  # needs a region
    ],
    ids=["conditions-not-list", "condition-extra-key", "condition-pair", "region-not-str",
         "symptoms-not-list", "regions-not-str", "setting-not-str", "unknown-key", "not-object",
         "region-only-condition"],
)
def test_wrong_shapes(selection):
    line = assert_one_line_error(run_plan(selection))
    assert line.startswith("error: ")


def test_unknown_command():
    result = run("massage")
    assert result.returncode == 2
    assert "usage" in result.stderr and "Traceback" not in result.stderr


# json.loads raises RecursionError for very deeply nested input and a plain ValueError for an
# integer longer than 4300 digits: both must still end as a one-line error, not a traceback.
@pytest.mark.parametrize("text", ["[" * 100_000, '{"symptoms": [' + "1" * 5000 + "]}"],
                         ids=["nested-too-deep", "huge-integer"])
def test_pathological_json_is_a_one_line_error(text):
    assert_one_line_error(run_plan(text))


# --- bounds: size, encoding, echo, output -------------------------------------------------------------

from neuropathy_massage.cli import ECHO_CHARS, MAX_INPUT_BYTES  # noqa: E402
from neuropathy_massage.records import MAX_CONDITIONS  # noqa: E402


def run_bytes(data: bytes, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuropathy_massage", "plan", *args], input=data,
                          capture_output=True, cwd=ROOT, timeout=60)


def test_input_larger_than_the_bound_is_refused_without_reading_it_all():
    result = run_bytes(b'{"symptoms": ["' + b"a" * (MAX_INPUT_BYTES + 10) + b'"]}')
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().strip() == f"error: the selection is larger than {MAX_INPUT_BYTES // 1024} KiB"


def test_input_that_is_not_utf8_is_one_line():
    result = run_bytes(b'{"symptoms": ["\xff"]}')
    assert result.returncode == 2
    assert result.stderr.decode().strip().startswith("error: the input is not UTF-8 text")


def test_a_long_unknown_id_is_shortened_in_the_message():
    line = assert_one_line_error(run_plan({"symptoms": ["x" * 5000]}))
    assert len(line) < 1000 and "x" * 5000 not in line
    line = assert_one_line_error(run_plan({"symptom": ["x"], "y" * 5000: 1}))
    assert len(line) < 400, line


def test_too_many_conditions_are_refused():
    conditions = [{"id": f"c{i}", "region": None} for i in range(MAX_CONDITIONS + 1)]
    line = assert_one_line_error(run_plan({"conditions": conditions}))
    assert f"more than {MAX_CONDITIONS} conditions" in line


def test_a_closed_stdout_is_one_line_and_exit_2():
    """The reader went away before the plan was written: no traceback, no 'Exception ignored'."""
    import os as _os

    read_end, write_end = _os.pipe()
    _os.close(read_end)
    result = subprocess.run([sys.executable, "-m", "neuropathy_massage", "catalog"], stdout=write_end,
                            stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    _os.close(write_end)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith("error: could not write the output"), err


def test_a_full_disk_is_one_line_and_exit_2():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "neuropathy_massage", "catalog"], stdout=full,
                                stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 2 and len(err.splitlines()) == 1 and "could not write" in err, err


def test_echo_bound_is_documented():
    text = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    assert f"{MAX_INPUT_BYTES // 1024} KiB" in text and f"{ECHO_CHARS} characters" in text
