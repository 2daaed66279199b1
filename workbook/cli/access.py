"""``workbook invite|links|revoke|share|serve``: personal links and serving safely (issue #7).

The commands about who may do what read together here, beside :mod:`workbook.cli.users`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import ipaddress
import os
import sys

import click

from workbook import config, demo, demo_links
from workbook.access import DEFAULT_LINK_DAYS, Role, expiry_from_date, link_urls
from workbook.cli.options import DB_OPTION, ROLE_CHOICE, open_store, when
from workbook.store import Store

BASE_URL = "http://127.0.0.1:8866"
SERVE_LINK_HOURS = 24


def _print_link(token: str, urls: dict[str, str], expires: dt.datetime | None, name: str) -> None:
    for label, url in urls.items():
        click.echo(f"  {label}: {url}")
    click.echo(
        f"Send these to {name} only: anyone holding the link acts as them. It expires "
        f"{when(expires)}. Only a hash of it is kept, so it cannot be shown again; "
        "`workbook revoke` withdraws it."
    )


@click.command("invite")
@DB_OPTION
@click.option("--name", required=True, help="Whom the link is for; their saves carry it.")
@click.option("--role", type=ROLE_CHOICE, default=Role.MEMBER.value, show_default=True)
@click.option("--cycle", "cycle_id", default=None, help="Limit the link to one cycle.")
@click.option("--agency", "agencies", multiple=True, help="An agency (repeat for several).")
@click.option("--partnership", "partnership_id", default=None, help="Needed without --cycle.")
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=f"Last day the link works (default: {DEFAULT_LINK_DAYS} days from now).",
)
@click.option("--base-url", default=BASE_URL, show_default=True, help="Where Voila is served.")
def invite(
    db: str | None,
    name: str,
    role: str,
    cycle_id: str | None,
    agencies: tuple[str, ...],
    partnership_id: str | None,
    expires: dt.datetime | None,
    base_url: str,
) -> None:
    """Issue a personal link (member of an agency, chair, analyst or administrator)."""
    expires_at = (
        expiry_from_date(expires.date())
        if expires
        else dt.datetime.now(dt.UTC) + dt.timedelta(days=DEFAULT_LINK_DAYS)
    )
    with open_store(db) as store:
        link, token = store.issue_link(
            name,
            Role(role),
            partnership_id=partnership_id,
            agencies=agencies,
            cycle_id=cycle_id,
            expires_at=expires_at,
        )
    click.echo(f"Link {link.id} for {link.name} ({link.identity().describe()}):")
    urls = link_urls(base_url, token, link.role, cycle_id=cycle_id, agencies=link.agencies)
    _print_link(token, urls, link.expires_at, link.name)


@click.command("links")
@DB_OPTION
@click.option("--active", is_flag=True, help="Only links that still work.")
def links(db: str | None, active: bool) -> None:
    """List personal links: who, what they reach, when they expire, whether withdrawn."""
    now = dt.datetime.now(dt.UTC)
    with open_store(db) as store:
        found = store.links()
    shown = [link for link in found if not active or link.state(now) == "active"]
    if not shown:
        click.echo("No links." if not found else "No active links.")
    for link in shown:
        click.echo(
            f"{link.id:>4}  {link.state(now):<8} {link.name} ({link.identity().describe()}); "
            f"expires {when(link.expires_at)}; last used {when(link.last_used_at)}"
        )


@click.command("revoke")
@DB_OPTION
@click.argument("link_id", type=int)
def revoke(db: str | None, link_id: int) -> None:
    """Withdraw a personal link at once (its number from `workbook links`)."""
    with open_store(db) as store:
        link = store.revoke_link(link_id)
    click.echo(f"Link {link.id} for {link.name} withdrawn at {when(link.revoked_at)}.")


@click.command("share")
@DB_OPTION
@click.option("--cycle", "cycle_id", required=True)
@click.option("--withdraw", is_flag=True, help="Stop sharing: members see only their own.")
def share(db: str | None, cycle_id: str, withdraw: bool) -> None:
    """Share a cycle's submitted returns with every agency member of the partnership."""
    with open_store(db) as store:
        store.share(cycle_id, shared=not withdraw)
        title = store.cycle(cycle_id).title
    click.echo(f"{'Stopped sharing' if withdraw else 'Shared'} {title}.")


def is_loopback(address: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@click.command("serve")
@DB_OPTION
@click.option("--port", default=8866, show_default=True)
@click.option("--ip", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--public",
    is_flag=True,
    help="Allow an address other machines can reach (put a TLS reverse proxy in front).",
)
@click.option(
    "--demo", "with_demo", is_flag=True, help="Create the demo data if the store is empty."
)
@click.option(
    "--links/--no-links",
    default=True,
    show_default=True,
    help=f"Print fresh personal links (valid {SERVE_LINK_HOURS} hours) to start from.",
)
def serve(db: str | None, port: int, ip: str, public: bool, with_demo: bool, links: bool) -> None:
    """Serve the forms and dashboards with Voila (on 127.0.0.1 unless told otherwise)."""
    if not is_loopback(ip):
        if not public:
            raise click.UsageError(
                f"--ip {ip} would let other machines reach the workbook, over plain HTTP. "
                "Serve it on 127.0.0.1 behind a reverse proxy that adds TLS (HTTPS), or, "
                "if such a proxy is already in front of this address, add --public."
            )
        click.echo(
            f"warning: serving on {ip}, reachable from other machines. Only do this behind "
            "a reverse proxy with TLS: personal links carry their token in the address.",
            err=True,
        )
    if importlib.util.find_spec("voila") is None:
        raise click.ClickException("voila is not installed in this environment")
    base_url = f"http://{'127.0.0.1' if ip in ('0.0.0.0', '::') else ip}:{port}"
    with open_store(db, create=with_demo) as store:
        if with_demo and not demo.has_data(store):
            demo.create(store)
            click.echo(f"Demo data written to {store.url}")
        if links:
            _serve_links(store, base_url, with_demo)
        url = store.url
    # the page template from where the workbook is, not a copy in the environment (#18)
    env = config.voila_environment(os.environ)
    if db:
        env["WORKBOOK_DB"] = db
    click.echo(f"Serving {url} on {base_url} (Ctrl-C stops it).")
    os.chdir(config.ROOT)  # voila.json is read from the directory Voila starts in
    # this interpreter's Voila: its kernels import this installation of the workbook
    args = [sys.executable, "-m", "voila", "notebooks/", "--no-browser", f"--port={port}"]
    os.execve(sys.executable, [*args, f"--Voila.ip={ip}"], env)


def _serve_links(store: Store, base_url: str, with_demo: bool) -> None:
    """An administrator's link to start from, and with the demo one per role to try."""
    roles = (Role.CHAIR, Role.MEMBER) if with_demo else ()
    issued = demo_links.issue(
        store, base_url, administrator=True, roles=roles, hours=SERVE_LINK_HOURS
    )
    for link in issued:
        click.echo(f"{link.name} ({link.reach}):")
        for label, url in link.urls.items():
            click.echo(f"  {label}: {url}")
    click.echo(f"These links work for {SERVE_LINK_HOURS} hours; `workbook invite` makes others.")
