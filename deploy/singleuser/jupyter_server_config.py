"""Each user's server under JupyterHub: the workbook's Voila pages and nothing else (#9).

The spawner (deploy/jupyterhub_config.py) points ``JUPYTER_CONFIG_DIR`` here and puts
``deploy/`` on ``PYTHONPATH``. Voila runs as Jupyter Server's extension, so its pages are
at ``/user/NAME/voila/render/PAGE.ipynb`` over the workbook's ``notebooks/``. Voila's own
settings come from the workbook's voila.json, as for ``make serve``; what differs under a
hub is set here. Both are where :mod:`workbook.config` finds them: the checkout under
``make hub``, the installed package in the image (deploy/z2jh/Dockerfile).
"""

import json
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (traitlets defines get_config in config files)

DEPLOY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(DEPLOY))
import workbook_hub  # noqa: E402

from workbook import config  # noqa: E402

settings = json.loads((config.ROOT / "voila.json").read_text(encoding="utf-8"))
# The pages, unless the spawner names the folder (its --notebook-dir wins over this)
c.ServerApp.root_dir = str(config.ROOT / "notebooks")

# Only Voila (and the template its pages' kernels fork from): no JupyterLab, no notebook
# UI, no terminals, no language server.
c.ServerApp.jpserver_extensions = {
    "voila.server_extension": True,
    # the pages' kernel template starts with the server (widgets/forkserver/)
    "widgets.forkserver": True,
    "jupyterlab": False,
    "notebook_shim": False,
    "jupyter_lsp": False,
    "jupyter_server_terminals": False,
}
c.ServerApp.terminals_enabled = False
# Only the owner, only reading and the Voila pages' own kernels (deploy/workbook_hub.py).
c.ServerApp.authorizer_class = workbook_hub.VoilaOnlyAuthorizer
# A page's browser side only talks to widgets: no code reaches a kernel from the browser.
c.MappingKernelManager.allowed_message_types = [
    "comm_open",
    "comm_msg",
    "comm_close",
    "comm_info_request",
    "kernel_info_request",
]
# Kernels of closed pages are culled as under `make serve` (voila#1458).
for name, value in settings.get("MappingKernelManager", {}).items():
    setattr(c.MappingKernelManager, name, value)
# The page template, tracebacks hidden, no template override... (preheating is Voila's
# standalone feature only; the server extension starts a kernel per page).
for name, value in settings.get("VoilaConfiguration", {}).items():
    if name not in {"preheat_kernel", "default_pool_size"}:
        setattr(c.VoilaConfiguration, name, value)
c.VoilaConfiguration.prelaunch_hook = workbook_hub.only_the_owner
# The demo and test stack runs every user's server as the same OS user; as root in CI.
if os.geteuid() == 0:
    c.ServerApp.allow_root = True
