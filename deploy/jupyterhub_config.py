"""JupyterHub for the workbook (issue #9): `jupyterhub -f deploy/jupyterhub_config.py`.

One file for the local stack (``make hub``, the end-to-end test) and for a real
deployment, told apart by environment variables (deploy/README.md lists them):

- ``WORKBOOK_DB``: the shared store (PostgreSQL), passed to every user's server.
- ``WORKBOOK_HUB_DIR``: where the hub keeps its own state (its SQLite database, cookie
  secret, the users' home folders). Default: ``/var/lib/workbook-hub``.
- ``WORKBOOK_HUB_URL``: the address the proxy listens on. Default ``http://127.0.0.1:8000``
  (a TLS reverse proxy goes in front, see the README).
- ``WORKBOOK_HUB_AUTH``: ``oidc`` (default: the council's OpenID Connect provider through
  OAuthenticator's GenericOAuthenticator, configured by the ``OIDC_*`` variables) or
  ``local`` (usernames and password hashes in ``WORKBOOK_HUB_PASSWORDS``; trials only).

Each user's server is Jupyter Server with Voila as its extension and nothing else
(deploy/singleuser/jupyter_server_config.py); pages open at ``/user/NAME/voila/render/``.
Who a signed-in user is in the workbook is the administrator's list of hub users
(``workbook users add``), not anything the hub decides.
"""

import os
import secrets
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (traitlets defines get_config in config files)

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
BIN = Path(sys.executable).parent  # the environment the hub runs in has the workbook too
sys.path.insert(0, str(DEPLOY))


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


HUB_DIR = Path(_env("WORKBOOK_HUB_DIR", "/var/lib/workbook-hub"))
HUB_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)

# -- where it listens --------------------------------------------------------------------
c.JupyterHub.bind_url = _env("WORKBOOK_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_env('WORKBOOK_HUB_API_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_env('WORKBOOK_HUB_PROXY_API_PORT', '8001')}"
# configurable-http-proxy from npm, pinned in deploy/package-lock.json (`npm ci`)
c.ConfigurableHTTPProxy.command = [str(DEPLOY / "node_modules/.bin/configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "proxy.pid")
# The hub's own state (users, servers, tokens): not the workbook's store.
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(HUB_DIR / "jupyterhub.pid")
if "CONFIGPROXY_AUTH_TOKEN" not in os.environ:
    # the hub and the proxy it starts share it; a new one each start is fine
    os.environ["CONFIGPROXY_AUTH_TOKEN"] = secrets.token_hex(32)

# -- who signs in ----------------------------------------------------------------------
if _env("WORKBOOK_HUB_AUTH", "oidc") == "local":
    import workbook_hub

    c.JupyterHub.authenticator_class = workbook_hub.LocalPasswordAuthenticator
    c.LocalPasswordAuthenticator.password_file = _env("WORKBOOK_HUB_PASSWORDS")
    c.LocalPasswordAuthenticator.allow_all = True  # whoever is in the file
else:
    # The council's identity provider (Entra ID, Okta, Keycloak, ...) over OpenID Connect.
    import workbook_hub

    issuer = _env("OIDC_ISSUER").rstrip("/")
    c.JupyterHub.authenticator_class = "generic-oauth"
    c.GenericOAuthenticator.client_id = _env("OIDC_CLIENT_ID")
    c.GenericOAuthenticator.client_secret = _env("OIDC_CLIENT_SECRET")
    c.GenericOAuthenticator.oauth_callback_url = _env("OIDC_CALLBACK_URL")
    # the endpoints from the issuer's discovery document (#18); OIDC_*_URL override them
    endpoints = workbook_hub.discover(issuer) if issuer else {}
    for name, variable in (
        ("authorize_url", "OIDC_AUTHORIZE_URL"),
        ("token_url", "OIDC_TOKEN_URL"),
        ("userdata_url", "OIDC_USERINFO_URL"),
    ):
        setattr(c.GenericOAuthenticator, name, _env(variable, endpoints.get(name, "")))
    c.GenericOAuthenticator.scope = ["openid", "email", "profile"]
    # The username the administrator maps with `workbook users add`: the work email.
    c.GenericOAuthenticator.username_claim = _env("OIDC_USERNAME_CLAIM", "email")
    allowed_groups = _env("OIDC_ALLOWED_GROUPS")
    if allowed_groups:
        # only members of these provider groups may sign in at all
        c.GenericOAuthenticator.manage_groups = True
        c.GenericOAuthenticator.auth_state_groups_key = _env(
            "OIDC_GROUPS_CLAIM", "oauth_user.groups"
        )
        c.GenericOAuthenticator.allowed_groups = set(allowed_groups.split(","))
    else:
        # anyone the provider signs in reaches the hub; the workbook still refuses
        # whoever the administrator has not added with `workbook users add`
        c.GenericOAuthenticator.allow_all = True
    c.GenericOAuthenticator.enable_auth_state = False

# Whoever signs in, by the provider or the local file, is checked against the workbook's
# hub users before a server starts: nobody the administrator has not added gets one (#18).
import workbook_hub  # noqa: E402

c.Authenticator.post_auth_hook = workbook_hub.known_to_the_workbook

# Hub administrators could open anyone's server; the workbook's administrator needs no
# hub rights (`workbook users` runs on the server), so there are none.
c.Authenticator.admin_users = set()

# -- each user's server: Voila over notebooks/, nothing else ------------------------------
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: see deploy/README.md
c.SimpleLocalProcessSpawner.home_dir_template = str(HUB_DIR / "home" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = str(ROOT / "notebooks")
c.Spawner.default_url = "/voila/render/index.ipynb"
c.Spawner.environment = {
    "JUPYTER_CONFIG_DIR": str(DEPLOY / "singleuser"),
    # the page template from the workbook itself, as `workbook serve` hands it (#18)
    "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
    # pages act for the signed-in hub user, as mapped by `workbook users add`
    "WORKBOOK_IDENTITY": "hub",
}
if _env("WORKBOOK_DB"):
    c.Spawner.environment["WORKBOOK_DB"] = _env("WORKBOOK_DB")
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "TZ"]  # and nothing else of the hub's
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Stop servers left idle for an hour (their kernels are culled after 10 minutes idle by
# the servers themselves, as under `make serve`).
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={_env('WORKBOOK_HUB_CULL_SECONDS', '3600')}",
        ],
    }
]
