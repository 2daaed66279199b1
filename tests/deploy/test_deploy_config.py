"""The hub's configuration files load and say what deploy/README.md says (issue #9).

Fast checks, no server started: the end-to-end test (test_hub.py) runs the local stack;
these also cover the production (OIDC) branch and the on-paper Kubernetes values, which
cannot be run here.
"""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from traitlets.config.loader import PyFileConfigLoader

from tests.support.kernels import run_async

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))

import workbook_hub  # noqa: E402

OIDC = {
    "WORKBOOK_HUB_AUTH": "oidc",
    "OIDC_CLIENT_ID": "workbook",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_CALLBACK_URL": "https://workbook.example.gov.uk/hub/oauth_callback",
}
TENANT = "/tenant-id/v2.0"
"""Where Entra ID puts an issuer: its endpoints are not ``{issuer}/authorize``."""


class Issuer(http.server.BaseHTTPRequestHandler):
    """A fake OpenID provider's discovery document, Entra ID's shape (issue #18)."""

    document: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != f"{TENANT}/.well-known/openid-configuration":
            self.send_error(404)
            return
        body = json.dumps(self.document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fake issuer on 127.0.0.1; OIDC_ISSUER and the rest set to sign in with it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Issuer)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    address = f"{base}{TENANT}"
    Issuer.document = {
        "issuer": address,
        "authorization_endpoint": f"{base}/tenant-id/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/tenant-id/oauth2/v2.0/token",
        "userinfo_endpoint": f"{base}/oidc/userinfo",
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name, value in {**OIDC, "OIDC_ISSUER": address + "/"}.items():
        monkeypatch.setenv(name, value)
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _load(path: Path) -> Any:
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


@pytest.fixture
def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("WORKBOOK_HUB_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("WORKBOOK_DB", "postgresql://workbook@db/workbook")
    monkeypatch.setenv("CONFIGPROXY_AUTH_TOKEN", "t")
    return tmp_path / "hub"


def test_the_production_config_signs_in_with_oidc(hub_env: Path, issuer: str) -> None:
    c = _load(DEPLOY / "jupyterhub_config.py")
    assert c.JupyterHub.authenticator_class == "generic-oauth"
    oauth = c.GenericOAuthenticator
    # from the discovery document, not built from the issuer's address
    assert oauth.authorize_url == Issuer.document["authorization_endpoint"]
    assert oauth.token_url == Issuer.document["token_endpoint"]
    assert oauth.userdata_url == Issuer.document["userinfo_endpoint"]
    assert c.Authenticator.post_auth_hook is workbook_hub.known_to_the_workbook
    assert oauth.username_claim == "email"
    assert "openid" in oauth.scope
    assert oauth.allow_all is True
    assert c.Authenticator.admin_users == set()
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert c.JupyterHub.db_url == f"sqlite:///{hub_env / 'jupyterhub.sqlite'}"
    assert c.Spawner.default_url == "/voila/render/index.ipynb"
    assert c.Spawner.notebook_dir == str(ROOT / "notebooks")
    assert c.Spawner.environment == {
        "JUPYTER_CONFIG_DIR": str(DEPLOY / "singleuser"),
        "JUPYTER_PATH": str(ROOT / "share" / "jupyter"),
        "WORKBOOK_IDENTITY": "hub",
        "WORKBOOK_DB": "postgresql://workbook@db/workbook",
    }
    assert c.ConfigurableHTTPProxy.command == [
        str(DEPLOY / "node_modules/.bin/configurable-http-proxy")
    ]
    culler = c.JupyterHub.services[0]
    assert culler["name"] == "idle-culler"
    assert "--timeout=3600" in culler["command"]


def test_an_issuer_is_read_from_its_discovery_document(issuer: str) -> None:
    found = workbook_hub.discover(issuer + "/")
    assert found["authorize_url"].endswith("/tenant-id/oauth2/v2.0/authorize")
    Issuer.document = {**Issuer.document, "issuer": "https://elsewhere.example/"}
    with pytest.raises(ValueError, match="names the issuer 'https://elsewhere.example/'"):
        workbook_hub.discover(issuer)
    Issuer.document = {"issuer": issuer, "authorization_endpoint": "x"}
    with pytest.raises(ValueError, match="token_endpoint, userinfo_endpoint"):
        workbook_hub.discover(issuer)


def test_explicit_endpoints_override_discovery(
    hub_env: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_TOKEN_URL", "https://idp.example/token")
    c = _load(DEPLOY / "jupyterhub_config.py")
    assert c.GenericOAuthenticator.token_url == "https://idp.example/token"
    assert c.GenericOAuthenticator.authorize_url == Issuer.document["authorization_endpoint"]


def test_allowed_groups_limit_who_may_sign_in(
    hub_env: Path, issuer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_ALLOWED_GROUPS", "safeguarding,mase")
    c = _load(DEPLOY / "jupyterhub_config.py")
    assert c.GenericOAuthenticator.allowed_groups == {"safeguarding", "mase"}
    assert "allow_all" not in c.GenericOAuthenticator


def test_the_local_config_checks_passwords(
    hub_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    passwords = tmp_path / "passwords.json"
    workbook_hub.write_password_file(passwords, {"alice": "correct horse"})
    assert passwords.stat().st_mode & 0o777 == 0o600
    assert "correct horse" not in passwords.read_text()
    monkeypatch.setenv("WORKBOOK_HUB_AUTH", "local")
    monkeypatch.setenv("WORKBOOK_HUB_PASSWORDS", str(passwords))
    c = _load(DEPLOY / "jupyterhub_config.py")
    authenticator_class = c.JupyterHub.authenticator_class
    assert authenticator_class.__name__ == "LocalPasswordAuthenticator"

    authenticator = authenticator_class(config=c)

    def sign_in(username: str, password: str) -> str | None:
        data = {"username": username, "password": password}
        return run_async(authenticator.authenticate(None, data))

    assert sign_in("alice", "correct horse") == "alice"
    assert sign_in("Alice", "correct horse") == "alice"  # JupyterHub's normalisation
    assert sign_in("alice", "wrong") is None
    assert sign_in("mallory", "correct horse") is None


def test_a_users_server_runs_voila_only(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _load(DEPLOY / "singleuser" / "jupyter_server_config.py")
    extensions = c.ServerApp.jpserver_extensions
    on = [name for name, on in extensions.items() if on]
    assert on == ["voila.server_extension", "widgets.forkserver"]
    assert c.ServerApp.terminals_enabled is False
    assert c.ServerApp.authorizer_class.__name__ == "VoilaOnlyAuthorizer"
    assert "execute_request" not in c.MappingKernelManager.allowed_message_types
    assert "comm_msg" in c.MappingKernelManager.allowed_message_types
    voila = json.loads((ROOT / "voila.json").read_text())
    assert c.VoilaConfiguration.template == voila["VoilaConfiguration"]["template"] == "workbook"
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.MappingKernelManager.cull_idle_timeout == 600
    assert c.VoilaConfiguration.prelaunch_hook is workbook_hub.only_the_owner


def test_pages_are_for_the_servers_owner_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from tornado.web import HTTPError

    class Handler:
        def __init__(self, username: str) -> None:
            self.current_user = type("User", (), {"username": username})()

    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    workbook_hub.only_the_owner(Handler("alice"), None, "")
    with pytest.raises(HTTPError) as refused:
        workbook_hub.only_the_owner(Handler("admin"), None, "")
    assert refused.value.status_code == 403


def test_passwords_are_hashed_with_scrypt() -> None:
    record = workbook_hub.hash_password("pw")
    assert record.startswith("scrypt$16384$8$1$")
    assert record != workbook_hub.hash_password("pw")  # salted
    assert workbook_hub.check_password("pw", record)
    assert not workbook_hub.check_password("pw2", record)
    assert not workbook_hub.check_password("pw", "plain")


def test_the_proxy_is_pinned_by_the_lock_file() -> None:
    package = json.loads((DEPLOY / "package.json").read_text())
    lock = json.loads((DEPLOY / "package-lock.json").read_text())
    wanted = package["dependencies"]["configurable-http-proxy"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "an exact version"
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == wanted
    assert (DEPLOY / ".gitignore").read_text().strip().endswith("node_modules/")


def test_the_kubernetes_values_mirror_the_local_config() -> None:
    values = YAML(typ="safe").load((DEPLOY / "z2jh" / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["defaultUrl"] == "/voila/render/index.ipynb"
    assert single["extraEnv"]["JUPYTER_CONFIG_DIR"].endswith("/deploy/singleuser")
    assert single["extraEnv"]["WORKBOOK_IDENTITY"] == "hub"
    assert "secretKeyRef" in single["extraEnv"]["WORKBOOK_DB"]["valueFrom"]
    assert values["cull"] == {"enabled": True, "timeout": 3600, "every": 300}
    assert values["hub"]["config"]["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert values["hub"]["config"]["Authenticator"]["admin_users"] == []
    assert values["proxy"]["https"]["enabled"] is True


def test_the_demo_users_are_two_agency_members_and_a_chair() -> None:
    entries = YAML(typ="safe").load((DEPLOY / "demo-users.yaml").read_text())
    users = [u for u in entries if u.get("workbook", True)]
    # and one sign-in the workbook does not know, to see the refusal (issue #18)
    assert [u["username"] for u in entries if u.get("workbook") is False] == ["visitor"]
    assert sorted(u["role"] for u in users) == ["chair", "member", "member"]
    members = [u for u in users if u["role"] == "member"]
    assert len({a for u in members for a in u["agencies"]}) == 2


class _Log:
    """What the hook tells the hub's log."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def warning(self, message: str, *args: object) -> None:
        self.said.append(message % args)


def test_sign_in_is_refused_to_whoever_the_workbook_does_not_know(
    store: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub's post-auth hook (issue #18): checked before any server is started."""
    from workbook.access import Role

    store.hub_users.add("alice@example.gov.uk", Role.CHAIR, name="Alice", partnership_id="tp")
    monkeypatch.setenv("WORKBOOK_DB", db_url)
    log = _Log()
    authenticator = type("Authenticator", (), {"log": log})()
    alice = {"name": "alice@example.gov.uk", "auth_state": None}
    assert workbook_hub.known_to_the_workbook(authenticator, None, alice) is alice
    assert workbook_hub.known_to_the_workbook(authenticator, None, {"name": "mallory"}) is None
    store.hub_users.remove("alice@example.gov.uk")
    assert workbook_hub.known_to_the_workbook(authenticator, None, alice) is None
    assert len(log.said) == 2
    assert log.said[0].startswith("workbook: refused mallory before any server started: ")
    assert "alice@example.gov.uk" in log.said[1]
    assert "withdrawn" in log.said[1]
