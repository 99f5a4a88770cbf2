"""A print button for a document the course renders (the completion record, the session note, the
referral letter): an anywidget whose front end is `printing.js`, beside this file.

The document is a complete HTML page from the course's templates (autoescaped; its own print
styles for one A4 page, `static/paper.css`). A click prints that document alone, from a hidden,
sandboxed frame, so the page around it (the explorer, the navigation) is not printed. Nothing
leaves the browser and nothing is kept on the server.

Synced state: `document` (the page to print; the button is disabled while it is empty), `label`
(the button's text, its accessible name), `printed` (how many times the browser opened printing;
set by the front end, read by the tests).
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_HERE = Path(__file__).resolve().parent
#: The longest document the button carries (a one-page note is about 10,000 characters).
MAX_DOCUMENT = 200_000


class PrintButton(anywidget.AnyWidget):
    _esm = _HERE / "printing.js"
    _css = _HERE / "printing.css"
    document = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Print").tag(sync=True)
    printed = traitlets.Int(0).tag(sync=True)

    @traitlets.validate("document")
    def _bounded(self, proposal):
        if len(proposal["value"]) > MAX_DOCUMENT:
            raise traitlets.TraitError(f"a printed document is at most {MAX_DOCUMENT} characters")
        return proposal["value"]

    @traitlets.validate("label")
    def _named(self, proposal):
        if not proposal["value"].strip():
            raise traitlets.TraitError("a print button needs a label (its accessible name)")
        return proposal["value"]
