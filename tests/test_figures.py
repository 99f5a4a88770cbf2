"""Checks on the course figures in assets/figures: well-formed, accessible, self-contained SVG,
indexed in figures.yaml, and a body map whose region ids match the course's regions."""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

FIG_DIR = Path(__file__).resolve().parent.parent / "assets" / "figures"
INDEX = FIG_DIR / "figures.yaml"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ALLOWED_URIS = {SVG_NS, XLINK_NS}

REGION_IDS = {
    "left_hand_palm", "left_hand_back", "left_fingers",
    "right_hand_palm", "right_hand_back", "right_fingers",
    "left_foot_sole", "left_foot_top", "left_toes",
    "right_foot_sole", "right_foot_top", "right_toes",
    "left_forearm", "right_forearm", "left_lower_leg", "right_lower_leg",
}

SVG_FILES = sorted(FIG_DIR.glob("*.svg"))


def local(tag):
    return tag.rsplit("}", 1)[-1]


def load_index():
    with INDEX.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict) and isinstance(data.get("figures"), list)
    return data["figures"]


def svg_title(path):
    root = ET.parse(path).getroot()
    return next(el for el in root if local(el.tag) == "title").text.strip()


def test_there_are_figures():
    assert SVG_FILES, f"no SVG files in {FIG_DIR}"


@pytest.mark.parametrize("path", SVG_FILES, ids=lambda p: p.name)
def test_svg_is_accessible_and_well_formed(path):
    root = ET.parse(path).getroot()
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert re.fullmatch(r"\s*-?[\d.]+[ ,]+-?[\d.]+[ ,]+[\d.]+[ ,]+[\d.]+\s*", root.get("viewBox", ""))
    assert root.get("role") == "img"
    children = list(root)
    assert len(children) >= 2
    assert local(children[0].tag) == "title" and (children[0].text or "").strip()
    assert local(children[1].tag) == "desc" and (children[1].text or "").strip()
    labelled = (root.get("aria-labelledby") or "").split()
    assert children[0].get("id") in labelled and children[1].get("id") in labelled
    # scales with its container: no fixed pixel size on the root
    for attr in ("width", "height"):
        assert not re.search(r"\d\s*(px)?\s*$", root.get(attr, "")), attr


@pytest.mark.parametrize("path", SVG_FILES, ids=lambda p: p.name)
def test_svg_is_self_contained(path):
    raw = path.read_text(encoding="utf-8")
    assert "@import" not in raw
    root = ET.fromstring(raw)
    for el in root.iter():
        assert local(el.tag) not in {"script", "image", "foreignObject"}, el.tag
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name}"
            if "http://" in value or "https://" in value:
                assert value in ALLOWED_URIS, f"{el.tag} {name}={value!r}"
        if local(el.tag) == "style":
            assert "http" not in (el.text or "") and "url(" not in (el.text or "").replace("url(#", "")
    # namespace declarations are not attributes in ElementTree: check them in the raw text
    for uri in re.findall(r"""xmlns(?::\w+)?\s*=\s*["']([^"']*)["']""", raw):
        assert uri in ALLOWED_URIS, uri
    for m in re.finditer(r"https?://[^\s\"'<>)]*", raw):
        assert m.group(0) in ALLOWED_URIS, m.group(0)


def test_index_matches_folder():
    entries = load_index()
    files = [e["file"] for e in entries]
    assert len(files) == len(set(files)), "duplicate file in figures.yaml"
    assert set(files) == {p.name for p in SVG_FILES}


@pytest.mark.parametrize("entry", load_index() if INDEX.exists() else [],
                         ids=lambda e: str(e.get("id")))
def test_index_entry(entry):
    assert set(entry) >= {"id", "file", "title", "alt"}
    assert entry["file"] == f"{entry['id']}.svg"
    path = FIG_DIR / entry["file"]
    assert path.is_file()
    alt = str(entry["alt"]).strip()
    assert len(alt) >= 20
    assert str(entry["title"]).strip() == svg_title(path)


def test_body_map_regions():
    raw = (FIG_DIR / "body_map.svg").read_text(encoding="utf-8")
    root = ET.fromstring(raw)
    regions = [el for el in root.iter() if (el.get("id") or "").startswith("region-")]
    ids = [el.get("id")[len("region-"):] for el in regions]
    assert len(ids) == len(set(ids)), "duplicate region id"
    assert set(ids) == REGION_IDS
    for el in regions:
        assert el.get("class") == "region", el.get("id")
        assert local(el.tag) in {"g", "path"}
        # code adds classes by string replacement: the exact form must be present
        assert f'id="{el.get("id")}" class="region"' in raw
    # no other element uses the region class
    assert sum(1 for el in root.iter() if "region" in (el.get("class") or "").split()) == 16
    pattern_ids = {el.get("id") for el in root.iter() if local(el.tag) == "pattern"}
    assert {"hatch-avoid", "dots-ok"} <= pattern_ids
    style = "".join(el.text or "" for el in root.iter() if local(el.tag) == "style")
    for rule in (".region.selected", ".region.avoid", ".region.ok", "url(#hatch-avoid)", "url(#dots-ok)"):
        assert rule in style, rule


# Text size at the width each figure is shown: tests/test_figure_legibility.py (every figure, every
# display width the views use).
