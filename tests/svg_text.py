"""The font size of every text element of an SVG figure, in the figure's own units, as a browser
would compute it: the figure's <style> rules (type, class and descendant selectors, by
specificity and order), `style` attributes, `font-size` presentation attributes, inheritance
(em and % of the parent), and the scale of any `transform` on the way down.

Multiplied by (display width / viewBox width), that is the size the text is drawn at in CSS px
(an <img> with `height: auto` keeps the viewBox's aspect ratio). Anything this reader does not
understand (a pseudo-class, an attribute selector, a keyword size, a nested <svg>) is an error
naming the figure, never a silent guess: the figures are hand-written and can stay this simple.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import tinycss2

SVG_NS = "{http://www.w3.org/2000/svg}"
TEXT_TAGS = {"text", "tspan", "textPath"}
DEFAULT_FONT_SIZE = 16.0  # CSS "medium": what the root inherits inside an <img>
_SIMPLE = re.compile(r"^(?P<tag>[A-Za-z][\w-]*|\*)?(?P<classes>(\.[\w-]+)*)$")


class FigureStyleError(ValueError):
    pass


@dataclass(frozen=True)
class Text:
    text: str
    font_size: float  # in the figure's user units (viewBox units), transforms included


@dataclass(frozen=True)
class _Compound:
    tag: str | None
    classes: frozenset[str]

    def matches(self, el: ET.Element) -> bool:
        if self.tag and self.tag != "*" and _local(el.tag) != self.tag:
            return False
        return self.classes <= set((el.get("class") or "").split())


@dataclass(frozen=True)
class _Rule:
    selector: tuple[_Compound, ...]  # descendant combinators between the parts
    specificity: tuple[int, int]
    order: int
    font_size: str

    def matches(self, el: ET.Element, ancestors: list[ET.Element]) -> bool:
        *before, last = self.selector
        if not last.matches(el):
            return False
        i = len(ancestors) - 1
        for part in reversed(before):
            while i >= 0 and not part.matches(ancestors[i]):
                i -= 1
            if i < 0:
                return False
            i -= 1
        return True


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _compound(text: str, where: str) -> _Compound:
    m = _SIMPLE.match(text)
    if not m or not text:
        raise FigureStyleError(f"{where}: selector part {text!r} is not a type or class selector")
    classes = frozenset(c for c in m.group("classes").split(".") if c)
    return _Compound(m.group("tag"), classes)


def _font_size_of(declarations, where: str) -> str | None:
    found = None
    for decl in tinycss2.parse_declaration_list(declarations, skip_whitespace=True, skip_comments=True):
        if decl.type != "declaration":
            continue
        name = decl.lower_name
        value = tinycss2.serialize(decl.value).strip()
        if name == "font-size":
            found = value
        elif name == "font":
            sizes = [t for t in re.split(r"[\s/]+", value) if re.fullmatch(r"[\d.]+(px|em|%)?", t)]
            if not sizes:
                raise FigureStyleError(f"{where}: cannot read the size in 'font: {value}'")
            found = sizes[0]
    return found


def _rules(root: ET.Element, where: str) -> list[_Rule]:
    rules: list[_Rule] = []
    for style in root.iter(f"{SVG_NS}style"):
        sheet = tinycss2.parse_stylesheet(style.text or "", skip_whitespace=True, skip_comments=True)
        for rule in sheet:
            if rule.type == "at-rule":
                raise FigureStyleError(f"{where}: @{rule.at_keyword} rules are not supported in a figure")
            if rule.type != "qualified-rule":
                continue
            size = _font_size_of(rule.content, where)
            if size is None:
                continue
            for selector in tinycss2.serialize(rule.prelude).split(","):
                parts = tuple(_compound(p, where) for p in selector.split())
                if not parts:
                    continue
                spec = (sum(len(p.classes) for p in parts), sum(1 for p in parts if p.tag and p.tag != "*"))
                rules.append(_Rule(parts, spec, len(rules), size))
    return rules


def _resolve(value: str, parent: float, where: str) -> float:
    value = value.strip()
    m = re.fullmatch(r"([\d.]+)\s*(px|em|%)?", value)
    if not m:
        raise FigureStyleError(f"{where}: font-size {value!r} is not a number, px, em or %")
    number, unit = float(m.group(1)), m.group(2)
    return number * parent if unit == "em" else number * parent / 100 if unit == "%" else number


_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)")


def transform_scale(transform: str | None) -> float:
    """How much a transform scales areas' side lengths (the square root of its determinant)."""
    scale = 1.0
    for name, args in _TRANSFORM.findall(transform or ""):
        nums = [float(n) for n in re.split(r"[\s,]+", args.strip()) if n]
        if name == "matrix":
            a, b, c, d = nums[:4]
            scale *= math.sqrt(abs(a * d - b * c))
        elif name == "scale":
            sx = nums[0]
            sy = nums[1] if len(nums) > 1 else sx
            scale *= math.sqrt(abs(sx * sy))
    return scale


def _own_text(el: ET.Element) -> str:
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join("".join(parts).split())


def text_sizes(svg: str, where: str = "figure", within: tuple[str, ...] = ()) -> list[Text]:
    """Every text element with text of its own, with its font size in user units. `within`: the
    classes of the element the SVG is inlined in (its scoped rules then match)."""
    root = ET.fromstring(svg)
    rules = sorted(_rules(root, where), key=lambda r: (r.specificity, r.order))
    out: list[Text] = []

    def walk(el: ET.Element, ancestors: list[ET.Element], parent_size: float, scale: float) -> None:
        tag = _local(el.tag)
        if tag == "svg" and any(_local(a.tag) == "svg" for a in ancestors):
            raise FigureStyleError(f"{where}: a nested <svg> is not supported")
        if tag in ("style", "defs", "title", "desc", "marker", "pattern", "symbol"):
            return  # not drawn where it stands
        size = parent_size
        if el.get("font-size"):
            size = _resolve(el.get("font-size"), parent_size, where)
        for rule in rules:
            if rule.matches(el, ancestors):
                size = _resolve(rule.font_size, parent_size, where)
        inline = _font_size_of(el.get("style") or "", where) if el.get("style") else None
        if inline:
            size = _resolve(inline, parent_size, where)
        scale *= transform_scale(el.get("transform"))
        if tag in TEXT_TAGS:
            own = _own_text(el)
            if own:
                out.append(Text(own, size * scale))
        for child in el:
            walk(child, ancestors + [el], size, scale)

    outer = [ET.Element("div", {"class": " ".join(within)})] if within else []
    walk(root, outer, DEFAULT_FONT_SIZE, 1.0)
    return out


def view_box_width(svg: str) -> float:
    root = ET.fromstring(svg)
    return float(re.split(r"[\s,]+", root.get("viewBox", "").strip())[2])


def smallest_text_px(svg: str, display_width: float, where: str = "figure",
                     within: tuple[str, ...] = ()) -> Text | None:
    """The smallest text of the figure shown `display_width` CSS px wide, its size in CSS px."""
    texts = text_sizes(svg, where, within)
    if not texts:
        return None
    factor = display_width / view_box_width(svg)
    smallest = min(texts, key=lambda t: t.font_size)
    return Text(smallest.text, smallest.font_size * factor)
