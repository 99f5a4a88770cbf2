"""Command line: the JSON door (`catalog`, `plan`) for scripts and instructors, `check` for course
authors, `serve`, and `hub` (JupyterHub for a school server, docs/DEPLOY.md).

    python -m neuropathy_massage catalog            # every id the course knows, as JSON
    python -m neuropathy_massage plan < sel.json    # a selection in, the plan out, as JSON
    python -m neuropathy_massage check [--data DIR] [--notebooks DIR]
    python -m neuropathy_massage serve [--port N] [--host H] ...
    python -m neuropathy_massage hub [--host H] [--port N] [--profile dashboards|lab] ...

Bad input ends with exit code 2 and one line on stderr naming what is wrong; never a traceback.
`plan` reads at most `MAX_INPUT_BYTES` from stdin. See docs/CLI.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from neuropathy_massage.advisor import SelectionError, plan
from neuropathy_massage.knowledge import KnowledgeError, load_knowledge
from neuropathy_massage.records import SETTINGS, Selection

USAGE = ("usage: python -m neuropathy_massage {catalog,plan,check,serve,hub} "
         "(plan reads a selection as JSON on stdin; serve --help, hub --help and check --help for their options)")
#: The largest selection `plan` reads (a full selection of every id is under 4 KiB).
MAX_INPUT_BYTES = 256 * 1024
#: Longest piece of the learner's input repeated in an error line.
ECHO_CHARS = 60
KEYS = ("symptoms", "regions", "conditions", "setting")


class InputError(ValueError):
    """The input given to `plan` is not a selection."""


def catalog() -> list[dict]:
    kb = load_knowledge()
    rows = [{"id": s.id, "name": s.name, "kind": "symptom"} for s in kb.symptoms.values()]
    rows += [{"id": r.id, "name": r.name, "kind": "region"} for r in kb.regions.values()]
    rows += [
        {"id": c.id, "name": c.name, "kind": "condition", "condition_kind": c.kind, "urgency": c.urgency,
         "at_region": c.at_region is not None, "whole_session": c.whole_session is not None,
         "regions": list(c.regions), "spread": c.spread}
        for c in kb.conditions.values()
    ]
    rows += [
        {"id": t.id, "name": t.name, "kind": "technique" if t.setting == "therapist" else "routine"}
        for t in kb.techniques.values()
    ]
    return rows


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return repr(text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "…")


def _explain(exc: ValidationError) -> str:
    """The first problem pydantic found, in the words of docs/CLI.md."""
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    kind = err["type"]
    if kind == "json_invalid":
        return f"not valid JSON: {err['msg'].removeprefix('Invalid JSON: ')}"
    if kind == "model_type" or not loc:
        return "the selection must be a JSON object with symptoms, regions, conditions and setting"
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"unknown key {_short(loc[0])}; expected {', '.join(KEYS)}"
    if loc[0] == "setting":
        return f"unknown setting {_short(err.get('input'))}; valid settings are: {', '.join(SETTINGS)}"
    if loc[0] == "conditions":
        if len(loc) == 1 and kind == "too_long":
            return f"'conditions' holds more than {err['ctx']['max_length']} conditions"
        if len(loc) == 1:
            return "'conditions' must be a list of {\"id\": ..., \"region\": ... or null}"
        return f"conditions[{loc[1]}] must be {{\"id\": \"...\", \"region\": \"...\" or null}}: {err['msg']}"
    return f"{_short(loc[0])} must be a list of id strings: {err['msg']}"


def selection_from_json(data: bytes | str) -> Selection:
    if isinstance(data, bytes):
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"the selection is larger than {MAX_INPUT_BYTES // 1024} KiB")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the input is not UTF-8 text (byte {exc.start + 1})") from None
    try:
        return Selection.model_validate_json(data)
    except ValidationError as exc:
        raise InputError(_explain(exc)) from None
    except (ValueError, RecursionError) as exc:  # the parser's own limits
        raise InputError(f"not valid JSON: {str(exc).splitlines()[0][:200]}") from None


def _read_stdin(stdin: IO) -> bytes:
    source = getattr(stdin, "buffer", stdin)
    data = source.read(MAX_INPUT_BYTES + 1)
    return data.encode("utf-8") if isinstance(data, str) else data


def run_plan(stdin: IO) -> dict:
    return plan(selection_from_json(_read_stdin(stdin))).to_dict()


def _check_main(argv: list[str], stdout: IO) -> int:
    from neuropathy_massage.check import check

    parser = argparse.ArgumentParser(prog="python -m neuropathy_massage check",
                                     description="Check the knowledge, the course model and the notebooks (docs/DATA.md).")
    parser.add_argument("--data", metavar="DIR", help="an assets folder to check (default: the course's own)")
    parser.add_argument("--notebooks", metavar="DIR", help="a notebooks folder to check (default: the course's own)")
    args = parser.parse_args(argv)
    report = check(Path(args.data) if args.data else None, Path(args.notebooks) if args.notebooks else None)
    if report.problems:
        for line in report.problems:
            print(f"error: {line}", file=sys.stderr)
        print(f"{len(report.problems)} problem(s) found.", file=sys.stderr)
        return 2
    for line in report.checked:
        print(f"checked {line}", file=stdout)
    print("The course data and notebooks are consistent.", file=stdout)
    return 0


def _write(result, stdout: IO) -> int:
    try:
        json.dump(result, stdout, indent=2, ensure_ascii=False)
        stdout.write("\n")
        stdout.flush()
    except OSError as exc:  # closed pipe, full disk: one line, no traceback
        with_devnull()
        print(f"error: could not write the output: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def with_devnull() -> None:
    """Point stdout at the null device, so the interpreter's final flush cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None, stdin: IO | None = None, stdout: IO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    command = argv[0] if argv else ""
    if command == "serve":
        from neuropathy_massage.launch import main as serve_main

        return serve_main(argv[1:])
    if command == "hub":
        from neuropathy_massage.hub import main as hub_main

        return hub_main(argv[1:])
    try:
        if command == "check":
            return _check_main(argv[1:], stdout)
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
    except OSError as exc:
        print(f"error: could not read the input: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return _write(result, stdout)
