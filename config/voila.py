# The one Voila configuration of the course.
#
# Read by `make serve` and the browser tests (neuropathy_massage/serving.py passes
# --Voila.config_file_paths=[<this folder>]) and by Voila running as a Jupyter server
# extension on Binder (binder/start puts this folder on JUPYTER_CONFIG_PATH, and
# jupyter_server_config.py beside this file loads it into the server). Every setting is
# explained in docs/SERVING.md. It is not at the project root on purpose: a voila.py there
# would shadow the voila package for `python -m voila` run from the root.
# Command-line flags (host, port) win over this file.

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# --- Pages --------------------------------------------------------------------------
# Our template (share/jupyter/voila/templates/course): <main> landmark, page title, course
# navigation, skip link, focus and print styles, friendly error messages, no CDN links.
c.VoilaConfiguration.template = "course"
c.VoilaConfiguration.theme = "light"
# Learners see the dashboards, not the code.
c.VoilaConfiguration.strip_sources = True
# Never show a traceback to a learner; the template turns any error into a short message.
c.VoilaConfiguration.show_tracebacks = False
c.VoilaExecutor.show_tracebacks = False
c.VoilaExecutor.cell_error_instruction = (
    "This part of the page could not be shown. Reload the page; if it happens again, "
    "tell your course leader."
)
# The folder page (/) is our accessible course contents list, not the JupyterLab file browser.
c.VoilaConfiguration.classic_tree = True
# Adds page_config["course"]: page title and Home / Previous / Next links.
try:
    from neuropathy_massage.serving import course_page_config
except ImportError:  # the package is not installed here: pages lose only their navigation
    pass
else:
    c.VoilaConfiguration.page_config_hook = course_page_config

# --- Kernels ------------------------------------------------------------------------
# Pre-heat: each notebook gets a kernel that has already run it, so a page is interactive
# about 30 % sooner. The explorer, the page most learners open together, gets two, or as many
# as `serve --class-size N` asks for (a class arriving together then finds its kernels ready;
# each costs about 70 MB).
import os  # noqa: E402

c.VoilaConfiguration.preheat_kernel = True
c.VoilaConfiguration.default_pool_size = 1
c.VoilaKernelManager.kernel_pools_config = {
    "default": {"pool_size": 1},
    "10_symptom_explorer.ipynb": {"pool_size": max(1, int(os.environ.get("NEUROPATHY_COURSE_EXPLORER_POOL", "2")))},
}
# Wait a second after a pooled kernel is taken before starting its replacement. With a class
# pool (`serve --class-size N`) a whole class takes its kernels at once, and N replacements
# starting together on a small machine stall every learner's clicks: start them two minutes
# later, when the class is settled in.
c.VoilaKernelManager.fill_delay = 120 if os.environ.get("NEUROPATHY_COURSE_EXPLORER_POOL") else 1
# Voila 0.5.13 never shuts a kernel down when its page closes (voila#1458), so culling is
# what frees them: a kernel whose page is gone (no websocket) and that has been idle for
# 2 minutes is shut down; kernels of open pages are left alone however long the learner
# reads; the pre-heated pool is never culled (Voila protects it).
c.MappingKernelManager.cull_idle_timeout = 120
c.MappingKernelManager.cull_interval = 30
# nbclient waits only 4 s (iopub_timeout) for a cell's outputs after the cell finishes, then
# logs "Timeout waiting for IOPub output" and drops them: on a busy 2-core machine (a class
# arriving together) that left pages with no widgets at all. Wait long enough instead.
c.VoilaExecutor.iopub_timeout = 60
c.MappingKernelManager.cull_connected = False
# A pooled kernel handed to a page must not be culled before the page connects (the idle time it
# inherits from the pool can already be past the timeout): neuropathy_massage/kernels.py.
c.VoilaConfiguration.multi_kernel_manager_class = "neuropathy_massage.kernels.HandOutGraceKernelManager"
c.HandOutGraceKernelManager.hand_out_grace = 120
# After kernels are shut down (a class leaving), hand the server's freed memory back to the system
# 5 s after the last of them: glibc otherwise keeps it, and the server stays at its high-water mark.
c.HandOutGraceKernelManager.release_memory_after = 5
c.MappingKernelManager.cull_busy = False
# Kernels listen on Unix sockets (ipc), not TCP ports. For TCP the server picks each new kernel's
# five ports by binding port 0 and letting the port go; while a class arrives, the server's own
# connections to the other kernels take ports from the same range, and now and then one takes a
# port before the new kernel binds it. That kernel dies ("Address already in use") and Voila
# 0.5.13 never finishes its page: 4 of 540 learners waited for ever in soaks of back-to-back
# classes of 30, none of 480 on sockets (docs/PERFORMANCE.md). Socket files have no such race. Voila keeps them beside the
# connection files, in a new folder under the system temporary folder; where that path would be
# too long for a socket (or on Windows), kernels stay on TCP.
import tempfile  # noqa: E402

try:
    from neuropathy_massage.kernels import ipc_transport_fits
except ImportError:
    pass
else:
    if ipc_transport_fits(os.path.join(tempfile.gettempdir(), "voila_xxxxxxxx")):
        c.KernelManager.transport = "ipc"

# --- Server -------------------------------------------------------------------------
c.Voila.open_browser = False
