"""Shared widget models (ui/models.py): one layout or style model per distinct setting, frozen."""

from __future__ import annotations

import collections

import ipywidgets as W
import pytest
from ipywidgets.widgets.widget_style import Style

from neuropathy_massage.course import load_course
from neuropathy_massage.ui.lesson import LessonPage
from neuropathy_massage.ui.models import FrozenModelError, hidden, share_models, show


def tree(root: W.Widget) -> list[W.Widget]:
    """Every widget reachable from root through its synced traits (as the page's state is)."""
    out, stack, seen = [], [root], set()
    while stack:
        w = stack.pop()
        if not isinstance(w, W.Widget) or id(w) in seen:
            continue
        seen.add(id(w))
        out.append(w)
        for name in w.keys:
            v = getattr(w, name, None)
            stack.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def state_key(w: W.Widget):
    return type(w), repr(sorted((k, repr(v)) for k, v in w.get_state().items() if not k.startswith("_")))


def lesson_widgets():
    """Every widget a lesson notebook can show, through LessonPage (one of each kind)."""
    course = load_course()
    page = LessonPage("symptom_explorer", course=course)
    yield "explorer", page.explorer()
    yield "quiz", LessonPage("effleurage", course=course).quiz()
    yield "try_it", LessonPage("effleurage", course=course).try_it()
    yield "record", LessonPage("completion_record", course=course).completion_record()
    yield "cases", LessonPage("case_studies", course=course).cases()


@pytest.mark.parametrize("name,root", list(lesson_widgets()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_distinct_layout_and_style_is_one_model(name, root):
    models = [w for w in tree(root) if isinstance(w, (W.Layout, Style))]
    by_setting = collections.Counter(state_key(w) for w in models)
    distinct = {id(w) for w in models}
    assert len(distinct) == len(by_setting), f"{name}: {len(distinct)} layout/style models for {len(by_setting)} settings"
    assert all(w.comm is not None for w in models), f"{name}: a closed model is still in use"


def test_the_explorer_carries_far_fewer_models_than_widgets_would_bring():
    root = LessonPage("symptom_explorer").explorer()
    widgets = tree(root)
    shown = [w for w in widgets if not isinstance(w, (W.Layout, Style))]
    layouts = [w for w in widgets if isinstance(w, (W.Layout, Style))]
    print(f"explorer: {len(shown)} widgets, {len({id(w) for w in layouts})} shared layout and style models")
    # without sharing, every DOM widget brings at least its own layout
    assert len({id(w) for w in layouts}) < len([w for w in shown if isinstance(w, W.DOMWidget)]) / 2


def test_a_shared_layout_refuses_a_change_and_show_hides_by_class():
    a, b = W.Button(layout=W.Layout(width="auto")), W.Button(layout=W.Layout(width="auto"))
    share_models(W.VBox([a, b]))
    assert a.layout is b.layout
    with pytest.raises(FrozenModelError, match="shared by several widgets"):
        a.layout.display = "none"
    assert a.layout.display is None and b.layout.display is None  # refused before it changed
    assert share_models(W.Button(layout=W.Layout(width="auto"))).layout.display is None
    show(a, False)
    assert hidden(a) and not hidden(b)
    show(a, True)
    assert not hidden(a)


def test_sharing_survives_closed_models():
    first = W.Button(layout=W.Layout(width="31px"))
    share_models(first)
    first.layout.close()  # as Widget.close_all() does between tests
    second = W.Button(layout=W.Layout(width="31px"))
    share_models(second)
    assert second.layout.comm is not None
