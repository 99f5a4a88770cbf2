"""The README's lesson table, generated from the course model (assets/course.yaml).

    python tools/readme_table.py           # rewrite the table in README.md
    python tools/readme_table.py --check   # exit 1 if README.md's table is out of date

`make notebooks` runs it; tests/test_readme.py checks the README holds the current table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from neuropathy_massage.course import Course, load_course

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN = "<!-- lessons:begin (generated from assets/course.yaml by tools/readme_table.py) -->"
END = "<!-- lessons:end -->"


def table(course: Course) -> str:
    rows = ["| # | lesson | notebook | what you learn |", "| --- | --- | --- | --- |"]
    for lesson in course.lessons:
        rows.append(f"| {course.number(lesson.id)} | {lesson.title} | `notebooks/{lesson.file}` | {lesson.summary} |")
    return "\n".join(rows)


def updated(text: str, course: Course) -> str:
    if BEGIN not in text or END not in text:
        raise SystemExit(f"README.md has no lesson-table markers ({BEGIN} ... {END})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table(course)}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = updated(text, load_course())
    if "--check" in argv:
        if new != text:
            print("README.md's lesson table is out of date: run python tools/readme_table.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
