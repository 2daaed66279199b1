"""PostgreSQL stores: dumped by ``pg_dump`` from an exported snapshot, restored by
``pg_restore`` in a single transaction, so the counts reported are those of the dump.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from workbook.store import tables as T
from workbook.store.archive import (
    Summary,
    Unusable,
    driver_reason,
    is_store,
    refuse_newer,
    staging,
    summarise,
    temporary_engine,
    why_occupied,
)

PG_BIN_GLOB = "usr/lib/postgresql/*/bin"  # Debian keeps each major version's tools here


# -- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from PATH, else Debian's newest server bin folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/").glob(f"{PG_BIN_GLOB}/{name}"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)],
    )
    if candidates:
        return str(candidates[-1])
    raise Unusable(
        f"the PostgreSQL program {name} was not found; install the PostgreSQL client "
        "programs (Debian package 'postgresql-client') or put their folder on PATH"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for the command line and an environment carrying the password.

    The password goes in ``PGPASSWORD``, not the arguments, which other users can list.
    """
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # no stdin: a missing password fails (--no-password) instead of waiting at a prompt
    done = subprocess.run(
        args, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        tool = Path(args[0]).name
        raise Unusable(f"{tool} failed: " + " / ".join(lines[:3]) if lines else f"{tool} failed")
    return done


def pg_backup(url: str, output: Path) -> Summary:
    uri, env = _libpq(url)
    try:
        pg_dump = _pg_tool("pg_dump")
        with (
            temporary_engine(url) as engine,
            engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
            conn.begin(),
        ):
            if not is_store(conn):
                raise Unusable("the database holds no workbook store (no meta table); check --db")
            held = summarise(conn, "postgres")
            # pg_dump reads the very snapshot the counts above came from
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            with staging(output) as staged:
                _run(
                    [
                        pg_dump,
                        "--no-password",
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={staged}",
                        f"--dbname={uri}",
                    ],
                    env,
                )
                _run([_pg_tool("pg_restore"), "--list", str(staged)], env)  # readable?
        return held
    except SQLAlchemyError as exc:
        raise Unusable(driver_reason(exc)) from None


def _dump_schema_version(file: Path, env: dict[str, str]) -> int:
    """The schema version recorded in a dump's ``meta`` table, without restoring it."""
    sql = _run(
        [_pg_tool("pg_restore"), "--data-only", "--table=meta", "--file=-", str(file)], env
    ).stdout
    match = re.search(r"^schema_version\t(\d+)$", sql, re.MULTILINE)
    if match is None:
        raise Unusable("it is a pg_dump archive but not of a workbook store (no schema version)")
    return int(match.group(1))


def pg_restore(file: Path, url: str) -> None:
    uri, env = _libpq(url)
    try:
        version = _dump_schema_version(file, env)
        refuse_newer(version)
        with temporary_engine(url) as engine, engine.begin() as conn:
            names = inspect(conn).get_table_names()
            ours = [n for n in names if n in T.metadata.tables]
            if ours:  # no writer may slip in between the check and the drop
                conn.exec_driver_sql(
                    "LOCK TABLE " + ", ".join(f'"{n}"' for n in ours) + " IN ACCESS EXCLUSIVE MODE"
                )
            occupied = why_occupied(conn)
            if occupied:
                raise Unusable(
                    f"{occupied}. Restore into a new, empty database "
                    "(createdb NAME, then --db postgresql://.../NAME)."
                )
            # an empty store's tables (as Store.open made them) give way to the backup's
            reflected = MetaData()
            reflected.reflect(conn, only=ours)
            reflected.drop_all(conn)
        _run(
            [
                _pg_tool("pg_restore"),
                "--no-password",
                "--single-transaction",  # all or nothing
                "--no-owner",  # the restoring role owns the tables, whoever made the dump
                "--no-privileges",
                f"--dbname={uri}",
                str(file),
            ],
            env,
        )
    except SQLAlchemyError as exc:
        raise Unusable(driver_reason(exc)) from None
