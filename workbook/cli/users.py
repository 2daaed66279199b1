"""``workbook users add|list|remove``: who may sign in through JupyterHub, and to what (#9).

Beside :mod:`workbook.cli.access`: the commands about who may do what read together.
The administrator runs them on the server, outside JupyterHub (under the hub nobody is a
local administrator).
"""

from __future__ import annotations

import click

from workbook.access import Role
from workbook.cli.options import DB_OPTION, ROLE_CHOICE, open_store, when
from workbook.store import HubUser


def _line(user: HubUser) -> str:
    reach = user.identity().describe()
    state = "active" if user.active else f"removed {when(user.removed_at)}"
    shown = f"{user.username} ({user.name})" if user.name != user.username else user.username
    return (
        f"{shown}: {reach}; {state}; added {when(user.created_at)} by {user.created_by}; "
        f"last seen {when(user.last_seen_at)}"
    )


@click.group("users")
def users_group() -> None:
    """Hub users: map JupyterHub usernames to a role and agencies (see deploy/README.md)."""


@users_group.command("add")
@DB_OPTION
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, default=Role.MEMBER.value, show_default=True)
@click.option("--name", default=None, help="Whom it is, as saves show it (default: USERNAME).")
@click.option("--partnership", "partnership_id", default=None, help="Needed without --cycle.")
@click.option("--cycle", "cycle_id", default=None, help="Limit the user to one cycle.")
@click.option("--agency", "agencies", multiple=True, help="An agency (repeat for several).")
def add(
    db: str | None,
    username: str,
    role: str,
    name: str | None,
    partnership_id: str | None,
    cycle_id: str | None,
    agencies: tuple[str, ...],
) -> None:
    """Let hub user USERNAME in as an agency member, chair, analyst or administrator.

    Adding someone already in the list replaces what they reach (the old entry is kept).
    """
    with open_store(db) as store:
        user, replaced = store.hub_users.add(
            username,
            Role(role),
            name=name,
            partnership_id=partnership_id,
            agencies=agencies,
            cycle_id=cycle_id,
        )
    verb = "Changed" if replaced is not None else "Added"
    click.echo(f"{verb} {user.username}: {user.identity().describe()}.")
    if replaced is not None:
        click.echo(f"  (was: {replaced.identity().describe()})")


@users_group.command("list")
@DB_OPTION
@click.option("--removed", is_flag=True, help="Every entry ever made, removed ones too.")
def list_users(db: str | None, removed: bool) -> None:
    """List the hub users: what each reaches, when added, when last seen."""
    with open_store(db) as store:
        found = store.hub_users.listing(removed=removed)
    if not found:
        click.echo("No hub users.")
    for user in found:
        click.echo(_line(user))


@users_group.command("remove")
@DB_OPTION
@click.argument("username")
def remove(db: str | None, username: str) -> None:
    """Withdraw hub user USERNAME's access at once (their saves and history are kept)."""
    with open_store(db) as store:
        user = store.hub_users.remove(username)
    click.echo(f"Removed {user.username} at {when(user.removed_at)}.")
