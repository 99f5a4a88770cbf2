"""Views of the course (ipywidgets and HTML). Thin: state lives in the advisor's inputs and outputs.

Rooms (docs/ARCHITECTURE.md): `views` (the Jinja2 environment and fragments) and `plan_views`,
`lesson_views` (HTML of plans and of the knowledge); `pickers`, `body_map`, `quiz` (widgets);
`tryits`, `practice`, `explorer` (the widgets lessons and the dashboard show); `lesson` (what a
lesson notebook calls); `handout`. Nothing here is imported by the advisor or the knowledge loader.
"""

from neuropathy_massage.ui.safety import install_quiet_tracebacks as _install

_install()  # in a kernel: callback errors go to the server log, never to the page
