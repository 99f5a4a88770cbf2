# Jupyter server configuration for hosting the course inside a Jupyter server (Binder,
# JupyterHub) instead of with `make serve`: put this folder on JUPYTER_CONFIG_PATH and
# share/jupyter on JUPYTER_PATH (see docs/SERVING.md, "Binder and JupyterHub").
# The settings are the course's own (neuropathy_massage.voila_config), so Voila's pages use
# the course template and navigation and idle kernels are culled the same way.
from neuropathy_massage.voila_config import server_extension_config

c = get_config()  # noqa: F821
c.merge(server_extension_config())
