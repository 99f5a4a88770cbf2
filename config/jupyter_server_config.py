# Jupyter server configuration for hosting the course inside a Jupyter server (Binder,
# JupyterHub) instead of with `make serve`: put this folder on JUPYTER_CONFIG_PATH and
# share/jupyter on JUPYTER_PATH (see docs/SERVING.md, "Binder and JupyterHub").
# It loads voila.py, the one Voila configuration, so the server's kernels are culled the
# same way and Voila's pages use the course template. (Pre-heating exists only in the
# standalone Voila that `make serve` runs.)
c = get_config()  # noqa: F821
load_subconfig("voila.py")  # noqa: F821
