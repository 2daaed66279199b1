"""The workbook's small pieces for JupyterHub (issue #9); see deploy/README.md.

Loaded by ``deploy/jupyterhub_config.py`` in the hub, and by
``deploy/singleuser/jupyter_server_config.py`` in each user's server (``deploy/`` is on
their ``PYTHONPATH``). Everything else is JupyterHub, Jupyter Server and Voila as they
come.

- :class:`LocalPasswordAuthenticator`: for the local stack (``make hub``) and the tests
  only, where no identity provider is at hand: usernames and scrypt password hashes in a
  JSON file. A real deployment signs people in with the council's OpenID Connect provider
  (``oauthenticator.generic.GenericOAuthenticator``, in the same config).
- :class:`VoilaOnlyAuthorizer`: in a user's server, only the owner gets in, and only to
  read and to talk to the kernels of the Voila pages they opened: no file is written, no
  kernel started, restarted or deleted through the REST API, no terminal. Together with
  ``MappingKernelManager.allowed_message_types`` (no ``execute_request``), a user can fill
  in forms but cannot run code with the server's store credentials.
- :func:`only_the_owner`: the same owner check for Voila's pages, which Jupyter Server's
  authorizer does not see (they are only ``@authenticated``). A hub administrator or a
  user a server was shared with would otherwise act as its owner, since the page's
  identity comes from the server's ``JUPYTERHUB_USER``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
"""scrypt cost: about 50 ms and 16 MiB a check, enough for a local test stack."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$SALT$HASH`` (hex) for the password file.

    >>> record = hash_password("correct horse", salt=b"0" * 16)
    >>> record.split("$")[:4], check_password("correct horse", record)
    (['scrypt', '16384', '8', '1'], True)
    """
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    cost = f"{SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}"
    return f"scrypt${cost}${salt.hex()}${digest.hex()}"


def check_password(password: str, record: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` record (in constant time)."""
    try:
        kind, n, r, p, salt, digest = record.split("$")
        if kind != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


def write_password_file(path: Path, passwords: dict[str, str]) -> None:
    """Write ``{username: password}`` hashed to ``path``, readable by its owner only."""
    records = {name: hash_password(password) for name, password in passwords.items()}
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps({"users": records}, indent=2) + "\n", encoding="utf-8")


# -- in the hub ----------------------------------------------------------------------------

try:
    from jupyterhub.auth import Authenticator
    from traitlets import Unicode
except ImportError:  # imported by tests and the launcher without JupyterHub: helpers only
    pass
else:

    class LocalPasswordAuthenticator(Authenticator):  # type: ignore[misc]
        """Usernames and scrypt password hashes from a JSON file; for local trials and tests.

        The file (``{"users": {"name": "scrypt$..."}}``, see :func:`write_password_file`)
        is read at each sign-in, so users can be added without restarting the hub.
        """

        password_file = Unicode(
            "",
            config=True,
            help="JSON file of usernames and password hashes (deploy/workbook_hub.py).",
        )

        def _records(self) -> dict[str, str]:
            try:
                data = json.loads(Path(self.password_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                self.log.error("Cannot read the password file %s: %s", self.password_file, exc)
                return {}
            users = data.get("users", {}) if isinstance(data, dict) else {}
            return {str(k): str(v) for k, v in users.items()}

        async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
            username = self.normalize_username(data.get("username", ""))
            record = self._records().get(username)
            if record is None:
                check_password(data.get("password", ""), hash_password("x"))  # same time
                return None
            return username if check_password(data.get("password", ""), record) else None


# -- in each user's server -----------------------------------------------------------------


def _owner() -> str:
    return os.environ.get("JUPYTERHUB_USER", "")


def only_the_owner(handler: Any, notebook: Any, cwd: str) -> None:
    """Voila's ``prelaunch_hook``: refuse a page to anyone but the server's owner."""
    from tornado.web import HTTPError

    user = handler.current_user
    name = getattr(user, "username", None) or getattr(user, "name", None)
    if not name or name != _owner():
        raise HTTPError(403, "Only the owner of this server may open its pages.")


try:
    from jupyterhub.singleuser.extension import JupyterHubAuthorizer
except ImportError:
    pass
else:

    class VoilaOnlyAuthorizer(JupyterHubAuthorizer):  # type: ignore[misc]
        """Only the server's owner; reading, and talking to existing kernels; nothing else."""

        def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
            if not super().is_authorized(handler, user, action, resource):
                return False
            if getattr(user, "username", None) != _owner():
                return False
            allowed = action == "read" or (action == "execute" and resource == "kernels")
            if not allowed:
                self.log.warning(
                    "Refused %s %s to %s (the workbook's servers only show Voila pages)",
                    action,
                    resource,
                    user.username,
                )
            return allowed


# -- signing in (issue #18) -----------------------------------------------------------------


def discover(issuer: str, *, timeout: float = 10.0) -> dict[str, str]:
    """The OpenID Connect endpoints the issuer publishes in its discovery document.

    Entra ID, Keycloak and Okta each put ``authorize``, ``token`` and ``userinfo`` at paths
    of their own, so they are read from ``{issuer}/.well-known/openid-configuration``
    (OpenID Connect Discovery 1.0), never built from the issuer's address. The document
    must name the same issuer, as the specification requires, or it is refused.
    """
    import urllib.request

    issuer = issuer.rstrip("/")
    address = f"{issuer}/.well-known/openid-configuration"
    with urllib.request.urlopen(address, timeout=timeout) as answer:
        document = json.loads(answer.read().decode("utf-8"))
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ValueError(
            f"{address} names the issuer {document.get('issuer')!r}, not {issuer!r}; "
            "check OIDC_ISSUER"
        )
    wanted = {
        "authorize_url": "authorization_endpoint",
        "token_url": "token_endpoint",
        "userdata_url": "userinfo_endpoint",
    }
    missing = [key for key in wanted.values() if not document.get(key)]
    if missing:
        raise ValueError(f"{address} does not give {', '.join(missing)}")
    return {ours: str(document[theirs]) for ours, theirs in wanted.items()}


def known_to_the_workbook(authenticator: Any, handler: Any, authentication: Any) -> Any:
    """JupyterHub's ``post_auth_hook``: only users the workbook's administrator added get in.

    Whoever the identity provider (or the local password file) signs in is checked against
    the workbook's hub users (``workbook users add``) before the hub starts a server for
    them; anyone else, or anyone removed, is refused at the sign-in page (None), and the
    hub's log says why. A store that cannot be read refuses everyone.
    """
    from workbook.errors import AccessDenied, StorageError
    from workbook.store import Store

    name = str(authentication["name"])
    try:
        with Store.open(create=False, migrate=False) as store:
            store.hub_users.identify(name)
    except (AccessDenied, StorageError) as exc:
        authenticator.log.warning("workbook: refused %s before any server started: %s", name, exc)
        return None
    return authentication
