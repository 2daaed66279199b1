"""The form when the store refuses a save (issue #7, "Nothing lost").

Every failure is provoked for real on the form's store (a SQLite file whose writers wait
0.3 s for a lock, or a fresh PostgreSQL database): another connection holding the write
lock, a page limit, ``query_only``, the folder moved away, a killed backend. The model
must keep ``dirty`` and everything typed, say in words what happened, try again on the
manual clock with a growing wait, and save normally once the store is back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, text

from tests.support.factories import sqlite_integrity
from tests.support.programs import psycopg_conninfo
from widgets.form import FormModel
from workbook.schema.responses import Answer, Status
from workbook.store import Store

COMPLETE = {
    "p-1": {"rating": "amber", "evidence": "Audit"},
    "p-2": {"rating": "red"},
    "i-1": {"rating": "amber"},
}
BIG = "e" * 10_000  # a long answer needs new pages in the file


@pytest.fixture
def form_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite in its own folder with a 0.3 s lock wait; PostgreSQL for ``postgres`` tests."""
    if request.node.get_closest_marker("postgres"):
        return request.getfixturevalue("pg_databases")("wbform")
    return f"sqlite:///{tmp_path}/store/form.db?timeout=0.3"


@pytest.fixture
def model(form_store: Store, form_scheduler) -> FormModel:
    opened = FormModel(form_store, schedule=form_scheduler, clock=form_scheduler.clock)
    opened.author = "Lead"
    assert opened.open("c2", "alpha"), opened.message
    return opened


def db_file(store: Store) -> Path:
    return Path(store.engine.url.database)


class WriteLock:
    """Another process's writer: holds SQLite's write lock until released."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def assert_kept(model: FormModel, evidence: str) -> None:
    """Nothing typed is lost: the page still has it and still knows it is unsaved."""
    assert model.dirty
    assert model.answers["p-1"].evidence == evidence
    assert model.criteria["p-1"].evidence == evidence
    assert "Traceback" not in model.message


def test_a_busy_store_is_retried_with_growing_waits_until_it_saves(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    model.set_answer("p-1", rating="green", evidence="Training log")
    assert model.save()  # revision 1
    lock = WriteLock(db_file(form_store))
    try:
        model.set_answer("p-1", evidence="Training log, audited")
        form_scheduler.advance(3)  # the autosave meets the lock
        assert_kept(model, "Training log, audited")
        assert model.message == (
            "Not saved: the store is busy with other saves. Your answers are still on this "
            "page; trying again in 2 seconds."
        )
        assert model.save_state == (
            "Unsaved changes: the store is busy with other saves; trying again"
        )
        assert form_scheduler.waiting == [5.0]

        form_scheduler.advance(2)  # still locked: the wait doubles
        assert model.message.endswith("trying again in 4 seconds.")
        assert form_scheduler.waiting == [9.0]
        model.set_answer("p-2", rating="amber")  # typing does not hurry the retry
        assert form_scheduler.waiting == [9.0]
        assert form_store.latest("c2", "alpha").revision == 1
    finally:
        lock.release()

    form_scheduler.advance(4)
    assert model.message.startswith("Saved at ")
    assert not model.dirty
    assert model.save_state.startswith("Draft, saved at ")
    assert model.retries.failures == 0  # the next failure waits 2 s again
    latest = form_store.latest("c2", "alpha")
    assert latest.revision == 2
    assert latest.answers == {
        "p-1": Answer(rating="green", evidence="Training log, audited"),
        "p-2": Answer(rating="amber"),
    }
    assert sqlite_integrity(db_file(form_store)) == [("ok",)]
    assert form_scheduler.waiting == []


def test_a_full_store_keeps_the_answer_and_asks_for_help(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    def no_room(dbapi_connection, _record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    form_store.engine.dispose()
    event.listen(form_store.engine, "connect", no_room)
    model.set_answer("p-1", rating="green", evidence=BIG)
    assert not model.save()  # "Save now"
    assert_kept(model, BIG)
    assert model.message == (
        "Not saved: the store is full. Your answers are still on this page; trying again "
        "in 2 seconds. If this goes on, tell whoever runs the workbook."
    )
    assert form_store.latest("c2", "alpha") is None

    event.remove(form_store.engine, "connect", no_room)  # space freed
    form_store.engine.dispose()
    form_scheduler.advance(2)
    assert model.message.startswith("Saved at ")
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == BIG
    assert sqlite_integrity(db_file(form_store)) == [("ok",)]


def test_a_read_only_store_keeps_the_answer(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    def query_only(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA query_only=1")

    form_store.engine.dispose()
    event.listen(form_store.engine, "connect", query_only)
    model.set_answer("p-1", rating="red", evidence="Minutes")
    form_scheduler.advance(3)
    assert_kept(model, "Minutes")
    assert model.message.startswith(
        "Not saved: the store can only be read at the moment. Your answers are still on this page"
    )
    event.remove(form_store.engine, "connect", query_only)
    form_store.engine.dispose()
    form_scheduler.advance(2)
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == "Minutes"


def test_an_unreachable_store_is_retried_no_more_often_than_the_cap(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    folder = db_file(form_store).parent
    model.set_answer("p-1", rating="green", evidence="Before the outage")
    assert model.save()
    folder.rename(folder.with_name("unmounted"))
    model.set_answer("p-1", evidence="During the outage")
    started = form_scheduler.now
    form_scheduler.advance(3)
    attempts = [form_scheduler.now]
    for _ in range(6):
        assert_kept(model, "During the outage")
        assert "the store cannot be reached" in model.message
        (due,) = form_scheduler.waiting
        form_scheduler.advance(due - form_scheduler.now)
        attempts.append(form_scheduler.now)
    waits = [round(b - a) for a, b in zip(attempts, attempts[1:], strict=False)]
    assert waits == [2, 4, 8, 16, 30, 30]
    assert model.message.endswith("trying again in 30 seconds.")

    folder.with_name("unmounted").rename(folder)
    form_scheduler.advance(30)
    assert model.message.startswith("Saved at ")
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == "During the outage"
    assert form_store.latest("c2", "alpha").revision == 2
    assert form_scheduler.now - started < 130
    assert sqlite_integrity(db_file(form_store)) == [("ok",)]


def test_a_failed_submit_keeps_the_answers_and_saves_them_as_a_draft(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    for criterion_id, fields in COMPLETE.items():
        model.set_answer(criterion_id, **fields)
    lock = WriteLock(db_file(form_store))
    try:
        assert not model.submit()
        assert model.message == (
            "Not submitted: the store is busy with other saves. Your answers are still on "
            "this page and are saved as a draft as soon as the store allows; then choose "
            "'Submit the return' again."
        )
        assert model.status == Status.NOT_STARTED
        assert_kept(model, "Audit")
    finally:
        lock.release()
    form_scheduler.advance(2)
    assert form_store.latest("c2", "alpha").status == Status.DRAFT  # saved, not submitted
    assert model.submit(), model.message
    assert form_store.latest("c2", "alpha").status == Status.SUBMITTED


def test_nothing_unsaved_means_nothing_to_retry(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    model.set_answer("p-1", rating="green")
    assert model.save()
    lock = WriteLock(db_file(form_store))
    try:
        assert not model.save()  # "Save now" with nothing new, while the store is busy
    finally:
        lock.release()
    assert model.message == "Not saved: the store is busy with other saves. Try again in a moment."
    assert form_scheduler.waiting == []
    assert model.save_state.startswith("Draft, saved at ")


def test_an_error_that_would_recur_is_told_and_not_retried(
    model: FormModel, form_store: Store, form_scheduler
) -> None:
    with form_store.engine.begin() as conn:  # a broken store: retrying cannot help
        conn.execute(text("DROP TABLE answer"))
    model.set_answer("p-1", rating="green", evidence="Kept")
    form_scheduler.advance(3)
    assert_kept(model, "Kept")
    assert model.message.startswith("Not saved: The store at sqlite:")
    assert "no such table: answer" in model.message
    assert form_scheduler.waiting == []


@pytest.mark.postgres
def test_a_lost_postgres_connection_is_retried_and_saves(
    model: FormModel, form_store: Store, form_scheduler, form_db_url: str
) -> None:
    model.set_answer("p-1", rating="green", evidence="Before")
    assert model.save()
    with psycopg.connect(psycopg_conninfo(form_db_url), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    model.set_answer("p-1", evidence="After the restart")
    form_scheduler.advance(3)
    assert_kept(model, "After the restart")
    assert model.message.startswith("Not saved: the store cannot be reached.")
    form_scheduler.advance(2)
    assert model.message.startswith("Saved at ")
    assert form_store.latest("c2", "alpha").answers["p-1"].evidence == "After the restart"
