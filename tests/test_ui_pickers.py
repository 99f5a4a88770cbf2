"""The one ConditionPicker: checkboxes, not lists; "Where it applies" from the data, reset on every
change of condition, so a recorded condition is always one the data allows there."""

from __future__ import annotations

import ipywidgets as W

from neuropathy_massage.knowledge import load_knowledge
from neuropathy_massage.ui.pickers import WHOLE_SESSION, ConditionPicker, SymptomPicker

KB = load_knowledge()


def allowed(cid: str) -> list[str]:
    c = KB.conditions[cid]
    scopes = [WHOLE_SESSION] if c.whole_session is not None else []
    return scopes + ([r for r in KB.regions if c.allows_region(r)] if c.at_region is not None else [])


def test_where_offers_exactly_the_scopes_the_data_allows_and_resets_on_every_change():
    picker = ConditionPicker(KB)
    ids = list(KB.conditions)
    for before, after in zip(ids, ids[1:] + ids[:1]):
        picker.condition.value = before
        picker.where.value = picker.where.options[-1][1]  # the learner picks the last scope offered
        picker.condition.value = after
        values = [v for _, v in picker.where.options]
        assert sorted(values) == sorted(allowed(after)), after
        assert picker.where.value == values[0], f"{before} -> {after}: the previous choice was kept"
        picker.add_button.click()
        for c in picker.value:  # whatever was recorded, the data allows it there
            assert (c.region or WHOLE_SESSION) in allowed(c.id), c


def test_no_list_needs_ctrl_click_and_every_recorded_condition_is_a_checkbox():
    picker = ConditionPicker(KB)
    symptoms = SymptomPicker(KB)
    widgets = [picker, symptoms]
    seen = []
    while widgets:
        w = widgets.pop()
        seen.append(w)
        widgets.extend(getattr(w, "children", ()))
    assert not any(isinstance(w, (W.Select, W.SelectMultiple)) for w in seen)
    cid = next(c for c in KB.conditions if KB.conditions[c].whole_session is not None)
    picker.add(cid)
    box, = picker.recorded.children
    assert isinstance(box, W.Checkbox) and box.value is True and box.description == picker.label(picker.value[0])
    box.value = False
    assert picker.value == () and picker.recorded.children == ()
