"""The PostgreSQL fixtures really reach a server (a throwaway cluster unless configured)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


@pytest.mark.postgres
def test_pg_url_reaches_a_real_postgresql_server(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
    finally:
        engine.dispose()
    assert "PostgreSQL" in version


def test_db_url_is_a_fresh_empty_database(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("create table probe (id integer primary key)"))
            conn.execute(sa.text("insert into probe (id) values (1)"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from probe")).scalar_one() == 1
    finally:
        engine.dispose()
