"""``workbook invite|links|revoke|share|serve`` (issue #7), through click's runner."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from workbook.cli import cli
from workbook.cli.access import is_loopback
from workbook.store import Store


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_invite_prints_a_link_that_identifies_its_holder(db_url: str, store: Store) -> None:
    code, out, _ = run(
        "invite", "--db", db_url, "--name", "Alpha lead", "--cycle", "c1", "--agency", "alpha"
    )
    assert code == 0, out
    form = next(line for line in out.splitlines() if "form.ipynb" in line)
    url = form.split(": ", 1)[1]
    assert urlsplit(url).netloc == "127.0.0.1:8866"
    query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
    assert (query["cycle"], query["agency"]) == ("c1", "alpha")
    holder = store.identify(query["token"]).identity
    assert (holder.name, holder.role.value, sorted(holder.agencies)) == (
        "Alpha lead",
        "member",
        ["alpha"],
    )
    assert "cannot be shown again" in out


def test_links_lists_and_revoke_withdraws(db_url: str, store: Store) -> None:
    assert (
        run("invite", "--db", db_url, "--name", "Chair", "--role", "chair", "--cycle", "c1")[0] == 0
    )
    code, out, _ = run("links", "--db", db_url)
    assert code == 0
    (line,) = [line for line in out.splitlines() if "Chair" in line]
    number = int(line.split()[0])
    assert re.search(r"\bactive\b.*chair for partnership tp, cycle c1", line)
    code, out, _ = run("revoke", "--db", db_url, str(number))
    assert code == 0
    assert f"Link {number} for Chair withdrawn" in out
    assert "No active links." in run("links", "--db", db_url, "--active")[1]
    assert "revoked" in run("links", "--db", db_url)[1]


def test_invite_refuses_an_agency_outside_the_cycle(db_url: str, store: Store) -> None:
    result = CliRunner().invoke(
        cli, ["invite", "--db", db_url, "--name", "G", "--cycle", "c1", "--agency", "gamma"]
    )
    assert result.exit_code != 0
    assert "not invited to 'c1'" in str(result.exception)
    assert store.links() == []


def test_share_and_withdraw(db_url: str, store: Store) -> None:
    assert run("share", "--db", db_url, "--cycle", "c1") == (0, "Shared Cycle one.\n", "")
    assert store.is_shared("c1")
    assert run("share", "--db", db_url, "--cycle", "c1", "--withdraw")[0] == 0
    assert not store.is_shared("c1")


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_a_reachable_address_without_public(address: str) -> None:
    code, _out, err = run("serve", "--ip", address, "--no-links")
    assert code == 2
    assert "TLS" in err
    assert "--public" in err


def test_loopback_addresses() -> None:
    assert all(is_loopback(a) for a in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(is_loopback(a) for a in ("0.0.0.0", "10.0.0.1", "::", "example.org"))
