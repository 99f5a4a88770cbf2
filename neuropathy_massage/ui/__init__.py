"""Views of the course (ipywidgets and HTML). Thin: state lives in the advisor's inputs and outputs.

Nothing here is imported by the advisor or the knowledge loader (one direction of flow).
"""

from neuropathy_massage.ui.render import (
    body_map_html,
    figure_html,
    plan_html,
    plan_text,
    sources_html,
    technique_html,
)

__all__ = ["body_map_html", "figure_html", "plan_html", "plan_text", "sources_html", "technique_html"]
