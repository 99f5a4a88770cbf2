"""One widget model per distinct layout and style: fewer models for the kernel to open, the page to
request and the browser to build before it draws anything.

Every ipywidgets control brings a `Layout` model and most a style model of their own, although
they say one of a dozen things ("width: auto", "description width: initial", nothing at all): the
explorer was 368 models, 233 of them layouts and styles. `share_models(root)` walks a widget tree
once it is built and gives every widget the one shared layout or style with the same settings,
closing the copies (`LessonPage` calls it on every widget it returns).

A shared model is frozen: changing it would change every widget that shares it, so an assignment
to one raises `FrozenModelError` before anything changes. Show and hide a widget with a class instead (`show(widget,
visible)`: the `nm-hidden` class of ui/static/views.css), never with `layout.display`.
"""

from __future__ import annotations

import json
from typing import Iterator

import ipywidgets as W
from ipywidgets.widgets.widget_style import Style

#: The class that hides a widget (ui/static/views.css), so no layout is ever changed after it is shared.
HIDDEN = "nm-hidden"

_shared: dict[tuple[type, str], W.Widget] = {}


class FrozenModelError(RuntimeError):
    """A shared layout or style was changed (it would change every widget sharing it)."""


def _refuse(model: W.Widget, proposal) -> object:
    """A validator of a shared model: its settings stay as they are (checked before any change)."""
    name = proposal["trait"].name
    if proposal["value"] != getattr(model, name):
        raise FrozenModelError(
            f"{type(model).__name__} is shared by several widgets (ui/models.py): setting {name!r} "
            f"would change all of them; give the widget a class instead (show())")
    return proposal["value"]


def _key(model: W.Widget) -> tuple[type, str]:
    state = {k: v for k, v in model.get_state().items() if not k.startswith("_")}
    return type(model), json.dumps(state, sort_keys=True, default=str)


def _is_open(model: W.Widget) -> bool:
    return getattr(model, "comm", None) is not None


def shared(model: W.Widget) -> W.Widget:
    """The shared (frozen) model with the same class and settings as `model` (which is closed
    when another takes its place)."""
    key = _key(model)
    canonical = _shared.get(key)
    if canonical is model:
        return model
    if canonical is None or not _is_open(canonical):
        _shared[key] = model
        model._register_validator(_refuse, [k for k in model.keys if not k.startswith("_")])
        return model
    model.close()
    return canonical


def _widgets_in(widget: W.Widget) -> Iterator[tuple[str, W.Widget | tuple]]:
    for name in widget.keys:
        value = getattr(widget, name, None)
        if isinstance(value, W.Widget) or isinstance(value, (list, tuple)) and any(
                isinstance(v, W.Widget) for v in value):
            yield name, value


def share_models(root: W.Widget) -> W.Widget:
    """Give every widget under `root` (itself included) the shared layout and style with its
    settings; returns `root`. Idempotent."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen or not isinstance(widget, W.Widget):
            continue
        seen.add(id(widget))
        for name, value in _widgets_in(widget):
            if isinstance(value, (W.Layout, Style)):
                canonical = shared(value)
                if canonical is not value:
                    setattr(widget, name, canonical)
            elif isinstance(value, W.Widget):
                stack.append(value)
            else:
                stack.extend(v for v in value if isinstance(v, W.Widget))
    return root


def show(widget: W.Widget, visible: bool) -> None:
    """Show or hide a widget by its class (its layout may be shared). Not an anywidget: its view
    takes the classes it has when drawn and does not follow later changes; hide a box around it."""
    (widget.remove_class if visible else widget.add_class)(HIDDEN)


def hidden(widget: W.Widget) -> bool:
    return HIDDEN in widget._dom_classes
