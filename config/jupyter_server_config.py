# Jupyter server configuration for the course inside a Jupyter server (JupyterHub through
# `make hub`, Binder, Zero to JupyterHub, or `jupyter server` by hand) instead of `make serve`:
# put this folder on JUPYTER_CONFIG_PATH and share/jupyter on JUPYTER_PATH (the root `start` does
# that on Binder; docs/DEPLOY.md). Everything is built in Python by
# neuropathy_massage.server_extension: the course's pages, kernel manager and culling, no CDN,
# and the learner profile from COURSE_HUB_PROFILE (dashboards only by default).
from neuropathy_massage.server_extension import server_extension_config

c = get_config()  # noqa: F821
c.merge(server_extension_config())
