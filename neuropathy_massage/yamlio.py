"""Reading the course's YAML safely: bounded size, UTF-8 only, no duplicate keys, no aliases.

PyYAML's safe loaders accept a mapping key given twice (the last one silently wins: a second
`pressure_cap: 5` would replace a safety limit of 1) and expand aliases (a few lines of
anchors can grow into gigabytes). The course's data carries safety limits, so this module
refuses both, refuses files over `MAX_BYTES`, and reports every problem in one line naming the
file and, where it can, the record and the field.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: Largest data file read (the biggest, quiz.yaml, is well under 200 KB).
MAX_BYTES = 1_000_000

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 5x faster


class YamlProblem(ValueError):
    """A data file that cannot be read; the message is one line."""


class _Duplicate(yaml.MarkedYAMLError):
    pass


class _StrictLoader(_Base):
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            if key in seen:
                raise _Duplicate(problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _where(text: str, line: int, key_field: str) -> str:
    """`record 'id': field 'a.b'` for a 0-based line of the document (the innermost key at or
    before that line, found by walking the composed document); "" when it cannot tell."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return ""
    record, path = "", []
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if isinstance(node, yaml.SequenceNode):
            items = [(i, v) for i, v in enumerate(node.value) if v.start_mark.line <= line]
            if not items:
                break
            index, node = items[-1]
            if not record and isinstance(node, yaml.MappingNode):
                ident = next((v.value for k, v in node.value if k.value == key_field), None)
                record = f"record {ident!r}" if ident is not None else f"record #{index + 1}"
            continue
        pairs = [(k, v) for k, v in node.value if k.start_mark.line <= line]
        if not pairs:
            break
        key, node = pairs[-1]
        if record:
            path.append(str(key.value))
        if key.start_mark.line == line:
            break
    if not record:
        return ""
    return f"{record}: field {'.'.join(path)!r}" if path else record


def read_yaml(path: Path, key_field: str = "id"):
    """The parsed content of one YAML file, or `YamlProblem` naming what is wrong and where."""
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlProblem(f"{name}: file is missing from {path.parent}") from None
    if size > MAX_BYTES:
        raise YamlProblem(f"{name}: file is {size:,} bytes; the course reads at most {MAX_BYTES:,}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(f"{name}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}") from None
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise YamlProblem(f"{name}: line {mark.line + 1}: anchors and aliases (& and *) are not allowed "
                                  "in the course data; write the value out")
        return yaml.load(text, Loader=_StrictLoader)
    except _Duplicate as exc:
        mark = exc.problem_mark
        where = _where(text, mark.line, key_field)
        where = f" {where}:" if where else ""
        raise YamlProblem(f"{name}:{where} {exc.problem} (line {mark.line + 1}): each key once") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"{name}: not valid YAML{at}: {problem}") from None
