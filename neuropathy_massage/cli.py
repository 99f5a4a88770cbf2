"""Command line: the JSON door (`catalog`, `plan`) for scripts and instructors, and `serve`.

    python -m neuropathy_massage catalog            # every id the course knows, as JSON
    python -m neuropathy_massage plan < sel.json    # a selection in, the plan out, as JSON
    python -m neuropathy_massage serve [--port N] [--host H]

Bad input ends with exit code 2 and one line on stderr naming what is wrong; never a traceback.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from neuropathy_massage.advisor import SelectionError, Selection, plan
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge

USAGE = "usage: python -m neuropathy_massage {catalog,plan,serve} (plan reads a selection as JSON on stdin)"


class InputError(ValueError):
    """The JSON given to `plan` is not a selection."""


def catalog() -> list[dict]:
    kb = load_knowledge()
    rows = [{"id": s.id, "name": s.name, "kind": "symptom"} for s in kb.symptoms.values()]
    rows += [{"id": r.id, "name": r.name, "kind": "region"} for r in kb.regions.values()]
    rows += [
        {"id": c.id, "name": c.name, "kind": "condition", "condition_kind": c.kind,
         "at_region": c.at_region is not None, "whole_session": c.whole_session is not None}
        for c in kb.conditions.values()
    ]
    rows += [
        {"id": t.id, "name": t.name, "kind": "technique" if t.setting == "therapist" else "routine"}
        for t in kb.techniques.values()
    ]
    return rows


def _list_of_str(data: dict, key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"'{key}' must be a list of id strings")
    return value


def selection_from_json(text: str) -> Selection:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError("not a selection: the JSON is nested far too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise InputError(f"not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError("the selection must be a JSON object with symptoms, regions, conditions and setting")
    extra = sorted(set(data) - {"symptoms", "regions", "conditions", "setting"})
    if extra:
        raise InputError(f"unknown key(s) {', '.join(map(repr, extra))}; expected symptoms, regions, conditions, setting")
    conditions = data.get("conditions", [])
    if not isinstance(conditions, list):
        raise InputError("'conditions' must be a list of {\"id\": ..., \"region\": ... or null}")
    placed = []
    for i, c in enumerate(conditions):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or set(c) - {"id", "region"}:
            raise InputError(f"conditions[{i}] must be {{\"id\": \"...\", \"region\": \"...\" or null}}")
        if c.get("region") is not None and not isinstance(c["region"], str):
            raise InputError(f"conditions[{i}].region must be a region id or null")
        placed.append((c["id"], c.get("region")))
    setting = data.get("setting", "therapist")
    if not isinstance(setting, str):
        raise InputError("'setting' must be \"therapist\" or \"self\"")
    return Selection.of(_list_of_str(data, "symptoms"), _list_of_str(data, "regions"), placed, setting)


def run_plan(stdin: TextIO) -> dict:
    return plan(selection_from_json(stdin.read())).to_dict()


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    command = argv[0] if argv else ""
    if command == "serve":
        from neuropathy_massage.serving import main as serve_main

        return serve_main(argv[1:])
    try:
        if command == "catalog" and len(argv) == 1:
            result = catalog()
        elif command == "plan" and len(argv) == 1:
            result = run_plan(stdin)
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except (InputError, SelectionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"error in the course data: {exc}", file=sys.stderr)
        return 2
    try:
        json.dump(result, stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
        stdout.flush()
    except BrokenPipeError:  # the reader (e.g. `head`) went away: not an error of ours
        return 0
    return 0
