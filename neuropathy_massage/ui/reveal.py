"""A part of a page made and drawn only when the learner asks for it: a button that shows or hides it.

The explorer's intake questions and its session note are long (30 controls and 13) and not the
first thing every visit needs (a learner trying the map; the note comes after the session). Behind
a `Reveal` made with `make`, their widgets are created the first time they are needed (the button,
or code that drives them) and drawn when shown, so the page carries about half the widget models
when it opens and becomes interactive sooner. Hiding keeps the widgets and every answer.
"""

from __future__ import annotations

from typing import Callable, Optional

import ipywidgets as W
import traitlets

from neuropathy_massage.ui.models import share_models

#: On a `Reveal` while its content is shown (the page sets aria-expanded on its button from it).
OPEN_CLASS = "nm-reveal-open"


class Reveal(W.VBox):
    """A button labelled `show_label` (closed) or `hide_label` (open) over `content`, or over what
    `make()` returns, made on first need (`ensure`)."""

    shown = traitlets.Bool(False, help="the content is drawn under the button")
    #: synced as a reference only (never drawn by itself): walks of the widget tree, such as
    #: ui/models.py's, reach the content while it is hidden
    content = traitlets.Instance(W.Widget, allow_none=True).tag(sync=True, **W.widget_serialization)

    def __init__(self, content: Optional[W.Widget] = None, *, make: Optional[Callable[[], W.Widget]] = None,
                 show_label: str, hide_label: str, shown: bool = False):
        if (content is None) == (make is None):
            raise ValueError("Reveal needs its content or a function that makes it, not both")
        self._make = make
        self.labels = (show_label, hide_label)
        self.button = W.Button(description=show_label, layout=W.Layout(width="auto"))
        self.button.add_class("nm-reveal-button")
        self.button.on_click(lambda _b: self.toggle())
        super().__init__([self.button])
        self.content = content
        self.add_class("nm-reveal")
        self.shown = shown
        self._draw()

    def ensure(self) -> W.Widget:
        """The content, made now if it was not yet."""
        if self.content is None:
            self.content = share_models(self._make())
        return self.content

    def toggle(self) -> None:
        self.shown = not self.shown

    @traitlets.observe("shown")
    def _draw(self, _change=None) -> None:
        self.button.description = self.labels[1] if self.shown else self.labels[0]
        # the page's script turns this class into the button's aria-expanded (a disclosure button)
        (self.add_class if self.shown else self.remove_class)(OPEN_CLASS)
        self.children = (self.button, self.ensure()) if self.shown else (self.button,)
