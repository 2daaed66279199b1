"""The append-only store, on SQLite and on PostgreSQL (``store``/``db_url`` fixtures).

The ``store`` fixture holds partnership ``tp`` and cycle ``c1`` (framework ``test-fw``:
criteria ``p-1``, ``p-2``, ``i-1``; scale red < amber < green) inviting ``alpha`` and
``beta``; ``gamma`` is a member of the partnership but not invited.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text, update

from tests.support.data import without_action_ids
from workbook.errors import Conflict, ResponseError, StorageError
from workbook.schema.responses import Action, Answer, Status
from workbook.store import Store, migrations, revisions, tables
from workbook.store import returns as return_repository

CYCLE = "c1"
T0 = dt.datetime(2020, 2, 10, 9, 30, tzinfo=dt.UTC)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def revision_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(tables.revision))


def answer_rows(store: Store, agency: str = "alpha") -> dict[int, list[str]]:
    """Criterion ids stored in each revision of a return: what each save wrote."""
    query = (
        select(tables.revision.c.number, tables.answer.c.criterion_id)
        .select_from(tables.revision)
        .outerjoin(tables.answer, tables.answer.c.revision_id == tables.revision.c.id)
        .where(tables.revision.c.cycle_id == CYCLE, tables.revision.c.agency_id == agency)
        .order_by(tables.revision.c.number, tables.answer.c.criterion_id)
    )
    rows: dict[int, list[str]] = {}
    with store.engine.connect() as conn:
        for number, criterion in conn.execute(query):
            rows.setdefault(number, [])
            if criterion is not None:
                rows[number].append(criterion)
    return rows


def snapshot(store: Store) -> tuple[int, dict[int, list[str]], dict[str, Status]]:
    return revision_count(store), answer_rows(store), store.statuses(CYCLE)


# ------------------------------------------------------------------ revisions


def test_first_save_creates_revision_1(store: Store) -> None:
    assert store.latest(CYCLE, "alpha") is None
    answers = {"p-1": Answer(rating="red", evidence="Audit")}
    state = store.save(CYCLE, "alpha", answers, author="Return lead", based_on=None, at=T0)
    assert (state.revision, state.status, state.author) == (1, Status.DRAFT, "Return lead")
    latest = store.latest(CYCLE, "alpha")
    assert latest is not None
    assert (latest.revision, latest.status, latest.saved_at) == (1, Status.DRAFT, T0)
    assert latest.answers == answers
    assert store.latest(CYCLE, "beta") is None


def test_each_save_stores_only_the_criteria_that_changed(store: Store) -> None:
    first = {"p-1": Answer(rating="red"), "p-2": Answer(rating="amber")}
    s1 = store.save(CYCLE, "alpha", first, author="a", based_on=None)
    second = {**first, "p-2": Answer(rating="green"), "i-1": Answer(evidence="New")}
    s2 = store.save(CYCLE, "alpha", second, author="a", based_on=s1.revision)
    third = {k: v for k, v in second.items() if k != "p-1"}  # p-1 cleared
    s3 = store.save(CYCLE, "alpha", third, author="a", based_on=s2.revision)
    assert (s1.revision, s2.revision, s3.revision) == (1, 2, 3)
    assert answer_rows(store) == {1: ["p-1", "p-2"], 2: ["i-1", "p-2"], 3: ["p-1"]}
    assert store.latest(CYCLE, "alpha").answers == third


def test_at_returns_old_states_unchanged_after_later_saves(store: Store) -> None:
    v1 = {"p-1": Answer(rating="red", evidence="First")}
    v2 = {"p-1": Answer(rating="amber", evidence="Second"), "p-2": Answer(rating="green")}
    v3 = {"p-2": Answer(rating="red")}
    number = None
    for hours, answers in enumerate((v1, v2, v3)):
        number = store.save(
            CYCLE, "alpha", answers, author=f"author {hours}", based_on=number, at=at(hours)
        ).revision
    for n, expected in ((1, v1), (2, v2), (3, v3)):
        state = store.at(CYCLE, "alpha", n)
        assert (state.revision, state.answers, state.author) == (n, expected, f"author {n - 1}")
        assert state.saved_at == at(n - 1)
    assert store.latest(CYCLE, "alpha").answers == v3
    with pytest.raises(StorageError, match="No revision named"):
        store.at(CYCLE, "alpha", 4)


def test_history_lists_who_when_status_and_changes(store: Store, make_answers) -> None:
    answers = make_answers()
    partial = {"p-1": answers["p-1"]}
    s1 = store.save(CYCLE, "alpha", partial, author="Return lead", based_on=None, at=at(0))
    changed = {**partial, "p-1": partial["p-1"].model_copy(update={"rating": "green"})}
    s2 = store.save(
        CYCLE, "alpha", changed, author="Head of service", based_on=s1.revision, at=at(1)
    )
    complete = {**answers, "p-1": changed["p-1"]}
    s3 = store.save(
        CYCLE,
        "alpha",
        complete,
        author="Return lead",
        based_on=s2.revision,
        status=Status.SUBMITTED,
        at=at(2),
    )
    store.reopen(CYCLE, "alpha", author="MASE chair", reason="Add the audit for p-1")

    history = store.history(CYCLE, "alpha")
    assert [(h.number, h.based_on, h.status, h.author) for h in history] == [
        (1, None, Status.DRAFT, "Return lead"),
        (2, 1, Status.DRAFT, "Head of service"),
        (3, 2, Status.SUBMITTED, "Return lead"),
        (4, s3.revision, Status.REOPENED, "MASE chair"),
    ]
    assert [h.saved_at for h in history[:3]] == [at(0), at(1), at(2)]
    assert history[3].saved_at > at(2)
    every = ["rating", "evidence", "going_well", "development", "actions"]
    assert history[0].changes == {"p-1": every}
    assert history[1].changes == {"p-1": ["rating"]}
    assert history[2].changes == {"p-2": every, "i-1": every}
    assert history[3].changes == {}
    assert history[3].note == "Add the audit for p-1"
    assert store.history(CYCLE, "beta") == []


# ------------------------------------------------------------- refusals write nothing


def test_stale_based_on_raises_conflict_and_writes_nothing(store: Store) -> None:
    s1 = store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    store.save(CYCLE, "alpha", {"p-1": Answer(rating="amber")}, author="b", based_on=s1.revision)
    before = snapshot(store)
    with pytest.raises(Conflict) as caught:
        store.save(CYCLE, "alpha", {"p-1": Answer(rating="green")}, author="a", based_on=1)
    assert (caught.value.based_on, caught.value.latest) == (1, 2)
    assert "Reload it, then save again" in str(caught.value)
    with pytest.raises(Conflict):
        store.save(CYCLE, "alpha", {"p-2": Answer(rating="green")}, author="c", based_on=None)
    assert snapshot(store) == before
    assert store.latest(CYCLE, "alpha").answers == {"p-1": Answer(rating="amber")}


def test_a_save_ahead_of_the_store_is_a_conflict(store: Store) -> None:
    with pytest.raises(Conflict):
        store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=3)
    assert revision_count(store) == 0


def test_a_no_op_autosave_adds_no_revision(store: Store) -> None:
    answers = {"p-1": Answer(rating="red", evidence="Same")}
    s1 = store.save(CYCLE, "alpha", answers, author="a", based_on=None, at=T0)
    again = store.save(
        CYCLE, "alpha", {**answers, "p-2": Answer()}, author="b", based_on=s1.revision
    )
    assert again.revision == 1
    assert again.author == "a"
    assert revision_count(store) == 1


def test_submit_with_missing_ratings_lists_them_and_writes_nothing(
    store: Store, make_answers
) -> None:
    s1 = store.save(CYCLE, "alpha", make_answers(criteria=("p-1",)), author="a", based_on=None)
    before = snapshot(store)
    with pytest.raises(ResponseError) as caught:
        store.save(
            CYCLE,
            "alpha",
            make_answers(criteria=("p-1", "i-1")),
            author="a",
            based_on=s1.revision,
            status=Status.SUBMITTED,
        )
    assert [(p.where, p.field, p.message) for p in caught.value.problems] == [
        ("p-2", "rating", "not rated")
    ]
    assert caught.value.source == "c1/alpha"
    assert snapshot(store) == before


def test_a_submitted_return_is_read_only(store: Store, make_answers) -> None:
    answers = make_answers()
    s1 = store.save(CYCLE, "alpha", answers, author="a", based_on=None, status=Status.SUBMITTED)
    before = snapshot(store)
    edited = {**answers, "p-1": Answer(rating="red", evidence="Changed my mind")}
    with pytest.raises(StorageError, match="cannot go from submitted to draft"):
        store.save(CYCLE, "alpha", edited, author="a", based_on=s1.revision)
    with pytest.raises(StorageError, match="it must be reopened by the chair") as caught:
        store.save(
            CYCLE,
            "alpha",
            edited,
            author="a",
            based_on=s1.revision,
            status=Status.REOPENED,
            note="x",
        )
    assert caught.value.kind == "read_only"
    with pytest.raises(StorageError, match="cannot go from submitted to submitted"):
        store.save(
            CYCLE, "alpha", answers, author="a", based_on=s1.revision, status=Status.SUBMITTED
        )
    assert snapshot(store) == before


def test_reopening_needs_a_reason_which_is_recorded(store: Store, make_answers) -> None:
    answers = make_answers()
    store.save(CYCLE, "alpha", answers, author="a", based_on=None, status=Status.SUBMITTED)
    for reason in ("", "   "):
        with pytest.raises(StorageError, match="Reopening needs a reason"):
            store.reopen(CYCLE, "alpha", author="MASE chair", reason=reason)
    assert revision_count(store) == 1

    reopened = store.reopen(CYCLE, "alpha", author="MASE chair", reason="Evidence for p-1 is thin")
    assert (reopened.revision, reopened.status) == (2, Status.REOPENED)
    assert store.history(CYCLE, "alpha")[-1].note == "Evidence for p-1 is thin"
    assert store.statuses(CYCLE)["alpha"] == Status.REOPENED

    # once reopened the agency can edit and submit again
    edited = {**answers, "p-1": answers["p-1"].model_copy(update={"evidence": "Audit added"})}
    s3 = store.save(CYCLE, "alpha", edited, author="a", based_on=2, status=Status.REOPENED)
    s4 = store.save(
        CYCLE, "alpha", edited, author="a", based_on=s3.revision, status=Status.SUBMITTED
    )
    assert (s3.revision, s4.revision) == (3, 4)
    assert answer_rows(store)[3] == ["p-1"]
    assert store.latest(CYCLE, "alpha").answers["p-1"].evidence == "Audit added"


def test_reopening_a_return_that_does_not_exist(store: Store) -> None:
    with pytest.raises(StorageError, match="No return named 'c1/alpha'"):
        store.reopen(CYCLE, "alpha", author="MASE chair", reason="Why")


def test_a_save_failing_mid_transaction_leaves_the_previous_revision(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    s1 = store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    before = snapshot(store)
    reached = []

    def explode(*args, **kwargs):
        # called for the answer rows, i.e. after the revision row has been inserted
        reached.append(args[2])
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(revisions, "answer_values", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save(
            CYCLE, "alpha", {"p-1": Answer(rating="green")}, author="a", based_on=s1.revision
        )
    assert reached == ["p-1"]
    monkeypatch.undo()

    assert snapshot(store) == before
    assert store.latest(CYCLE, "alpha").answers == {"p-1": Answer(rating="red")}
    # and the store still works: the failed save did not take revision number 2
    assert (
        store.save(CYCLE, "alpha", {"p-1": Answer(rating="green")}, author="a", based_on=1).revision
        == 2
    )


def test_unknown_rating_is_refused(store: Store) -> None:
    with pytest.raises(ResponseError, match="unknown rating 'purple'"):
        store.save(CYCLE, "alpha", {"p-1": Answer(rating="purple")}, author="a", based_on=None)
    with pytest.raises(ResponseError, match="no criterion 'x-1'"):
        store.save(CYCLE, "alpha", {"x-1": Answer(rating="red")}, author="a", based_on=None)
    assert revision_count(store) == 0


def test_an_agency_not_invited_is_refused(store: Store) -> None:
    with pytest.raises(StorageError, match="It is not invited to cycle 'c1'"):
        store.save(CYCLE, "gamma", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    with pytest.raises(StorageError, match="No agency named 'nobody'"):
        store.save(CYCLE, "nobody", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    with pytest.raises(StorageError, match="No cycle named 'c9'"):
        store.save("c9", "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    assert revision_count(store) == 0


def test_a_save_needs_an_author(store: Store) -> None:
    with pytest.raises(ValueError, match="author"):
        store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="  ", based_on=None)


# ---------------------------------------------------------- frameworks and statuses


def test_put_framework_is_idempotent_but_a_changed_version_is_refused(
    store: Store, make_framework
) -> None:
    framework = store.cycle_framework(CYCLE)
    store.put_framework(framework)
    store.put_framework(make_framework())  # loaded again from YAML: same content
    assert store.frameworks() == [("test-fw", "1.0", "Test framework")]

    changed = make_framework(title="Test framework (edited)")
    with pytest.raises(StorageError, match="already in the store with different content"):
        store.put_framework(changed)
    assert store.framework("test-fw", "1.0").title == "Test framework"

    store.put_framework(make_framework(title="Test framework (edited)", version="1.1"))
    assert [v for _, v, _ in store.frameworks()] == ["1.0", "1.1"]
    assert store.cycle_framework(CYCLE).version == "1.0"


def test_statuses_include_invited_agencies_that_have_not_started(
    store: Store, make_answers
) -> None:
    assert store.statuses(CYCLE) == {"alpha": Status.NOT_STARTED, "beta": Status.NOT_STARTED}
    store.save(CYCLE, "beta", make_answers(), author="b", based_on=None, status=Status.SUBMITTED)
    store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="a", based_on=None)
    assert store.statuses(CYCLE) == {"alpha": Status.DRAFT, "beta": Status.SUBMITTED}
    assert set(store.returns(CYCLE)) == {"alpha", "beta"}


def test_installed_partnership_reads_back(store: Store) -> None:
    assert store.partnerships() == [("tp", "Test partnership")]
    assert [a.id for a in store.agencies("tp")] == ["alpha", "beta", "gamma"]
    (cycle,) = store.cycles("tp")
    assert (cycle.id, cycle.framework_id, cycle.framework_version) == (CYCLE, "test-fw", "1.0")
    assert cycle.agencies == ("alpha", "beta")
    assert cycle.timetable.returns_due == dt.date(2020, 3, 2)


# ------------------------------------------------------------------- schema version


def test_a_store_from_a_newer_version_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(
            update(tables.meta).where(tables.meta.c.key == "schema_version").values(value="99")
        )
    with pytest.raises(StorageError, match="newer version") as caught:
        Store.open(db_url)
    assert (caught.value.found, caught.value.supported) == (99, tables.SCHEMA_VERSION)


def _next_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upgrade: str) -> int:
    """This workbook's Alembic steps and one more, as the next schema change would add."""
    now = tables.SCHEMA_VERSION
    steps = tmp_path / "steps"
    shutil.copytree(migrations.STEPS, steps, ignore=shutil.ignore_patterns("__pycache__"))
    name = migrations.revision_of(now + 1)
    (steps / "versions" / f"s{name}_extra.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {name!r}\n"
        f"down_revision = {migrations.revision_of(now)!r}\n\n\n"
        f"def upgrade() -> None:\n{textwrap.indent(upgrade, '    ')}\n"
    )
    monkeypatch.setattr(migrations, "STEPS", steps)
    monkeypatch.setattr(tables, "SCHEMA_VERSION", now + 1)
    return now


def test_an_older_store_is_migrated_by_the_next_alembic_step(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # relative to the current version, so the mechanism stays tested as versions grow
    with Store.open(db_url) as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
    now = _next_step(
        tmp_path,
        monkeypatch,
        'op.create_table("extra_table", sa.Column("k", sa.String(64), primary_key=True))\n'
        'op.add_column("answer", sa.Column("extra_rating", sa.String(64)))',
    )
    with pytest.raises(StorageError, match="workbook migrate"):
        Store.open(db_url, migrate=False)  # pages and commands upgrade nothing
    with Store.open(db_url) as store:
        assert (store.database.found_version, store.schema_version()) == (now, now + 1)
        inspector = inspect(store.engine)
        assert inspector.has_table("extra_table")
        assert "extra_rating" in {c["name"] for c in inspector.get_columns("answer")}
        with store.engine.connect() as conn:
            assert conn.scalar(select(tables.alembic_version.c.version_num)) == (
                migrations.revision_of(now + 1)
            )
    with Store.open(db_url, migrate=False) as store:  # up to date: opened as it is
        assert store.database.found_version == now + 1


def test_a_failed_migration_leaves_the_old_version(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(db_url).close()
    now = _next_step(
        tmp_path,
        monkeypatch,
        'op.execute("CREATE TABLE extra_table (k VARCHAR(64) PRIMARY KEY)")\n'
        'op.execute("ALTER TABLE no_such_table ADD COLUMN x INTEGER")',
    )
    with pytest.raises(StorageError, match="could not be used"):
        Store.open(db_url)
    monkeypatch.undo()
    with Store.open(db_url) as store:
        assert store.schema_version() == now
        assert not inspect(store.engine).has_table("extra_table")
        with store.engine.connect() as conn:
            assert conn.scalar(select(tables.alembic_version.c.version_num)) == (
                migrations.revision_of(now)
            )


def test_a_store_stamped_by_a_newer_workbook_is_refused(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step this workbook does not have means a newer one upgraded the store."""
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(update(tables.alembic_version).values(version_num="f00dface"))
    with pytest.raises(StorageError, match="newer version"):
        Store.open(db_url)


def test_the_alembic_steps_are_one_line_ending_at_this_schema() -> None:
    """Each schema version is one revision, each revising the one before, none branching."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    settings = Config()
    settings.set_main_option("script_location", str(migrations.STEPS))
    steps = ScriptDirectory.from_config(settings)
    assert steps.get_heads() == [migrations.revision_of(tables.SCHEMA_VERSION)]
    line = [s.revision for s in reversed(list(steps.walk_revisions()))]
    assert line == [migrations.revision_of(n) for n in range(1, tables.SCHEMA_VERSION + 1)]
    for step in steps.walk_revisions():
        assert step.doc, f"{step.path}: say what the step changes and why"


def test_a_new_store_is_stamped_at_the_head_as_alembic_reads_it(db_url: str) -> None:
    """A new store is stamped with one row, not Alembic's ``stamp``: Alembic must still read
    it as being at the head, with nothing left to run."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    settings = Config()
    settings.set_main_option("script_location", str(migrations.STEPS))
    with Store.open(db_url) as store, store.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert current == tuple(ScriptDirectory.from_config(settings).get_heads())


def test_a_store_from_before_alembic_is_stamped_where_its_version_says(db_url: str) -> None:
    """The stores every earlier main made have no ``alembic_version``: they open as they are."""
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    with Store.open(db_url, create=False, migrate=False) as store:
        assert store.database.found_version == tables.SCHEMA_VERSION
        with store.engine.connect() as conn:
            assert conn.scalar(select(tables.alembic_version.c.version_num)) == (
                migrations.revision_of(tables.SCHEMA_VERSION)
            )


# ------------------------------------------------------------------ SQLite details


def test_sqlite_file_is_in_wal_mode_and_its_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    with Store.open(f"sqlite:///{path}") as store:
        assert store.schema_version() == tables.SCHEMA_VERSION
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


@pytest.mark.parametrize("where", ["a-file/sub/x.db", "/proc/workbook-test/x.db", "/proc/x.db"])
def test_an_unwritable_location_is_a_storage_error(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-file").write_text("I am a file, not a folder")
    path = where if where.startswith("/") else tmp_path / where
    with pytest.raises(StorageError, match="could not be used"):
        Store.open(f"sqlite:///{path}")


def test_an_unknown_driver_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="could not be used"):
        Store.open("nosuchdb://localhost/x")


# ------------------------------------------------------------------ text and races


def test_unicode_and_multiline_text_round_trip_exactly(store: Store) -> None:
    evidence = "Ñandú — “curly” quotes, ✓ and 😀 and 中文\nsecond line\r\nthird\twith tab  \n\n"
    answers = {
        "p-1": Answer(
            rating="amber",
            evidence=evidence,
            going_well="  leading and trailing spaces  ",
            development="Zeilen:\n• eins\n• zwei",
            actions=(
                Action(
                    text="Über-prüfen\n(2 Schritte)",
                    owner="Équipe — lead",
                    due=dt.date(2020, 12, 31),
                ),
            ),
        )
    }
    s1 = store.save(CYCLE, "alpha", answers, author="Zoë’s team ✓", based_on=None)
    assert without_action_ids(store.latest(CYCLE, "alpha").answers) == answers
    assert store.at(CYCLE, "alpha", s1.revision).answers["p-1"].evidence == evidence
    assert store.history(CYCLE, "alpha")[0].author == "Zoë’s team ✓"


def test_two_writers_based_on_one_revision_only_one_wins(db_url: str, store: Store) -> None:
    s1 = store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="first", based_on=None)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def writer(name: str, rating: str) -> None:
        own = Store.open(db_url)  # as a second Voila kernel would
        try:
            barrier.wait()
            outcomes[name] = own.save(
                CYCLE, "alpha", {"p-1": Answer(rating=rating)}, author=name, based_on=s1.revision
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            outcomes[name] = exc
        finally:
            own.close()

    threads = [
        threading.Thread(target=writer, args=("one", "amber")),
        threading.Thread(target=writer, args=("two", "green")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    conflicts = [n for n, o in outcomes.items() if isinstance(o, Conflict)]
    winners = [n for n, o in outcomes.items() if not isinstance(o, Exception)]
    assert len(conflicts) == 1, outcomes
    assert len(winners) == 1, outcomes
    assert outcomes[conflicts[0]].latest == 2
    latest = store.latest(CYCLE, "alpha")
    assert (latest.revision, latest.author) == (2, winners[0])
    assert latest.answers == outcomes[winners[0]].answers
    assert revision_count(store) == 2


def test_writers_interleaved_inside_the_transaction(
    db_url: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers read revision 1 before either inserts revision 2 (where the database allows).

    PostgreSQL lets both transactions reach the insert, so the loser trips the unique
    revision number and must still get a ``Conflict``. SQLite's ``BEGIN IMMEDIATE``
    keeps the second writer out until the first commits, so the rendezvous times out.
    """
    s1 = store.save(CYCLE, "alpha", {"p-1": Answer(rating="red")}, author="first", based_on=None)
    rendezvous = threading.Barrier(2, timeout=1)
    met = []
    check = return_repository.check_transition

    def wait_for_the_other(*args, **kwargs):
        try:
            rendezvous.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return check(*args, **kwargs)

    monkeypatch.setattr(return_repository, "check_transition", wait_for_the_other)
    outcomes: dict[str, object] = {}

    def writer(name: str, rating: str) -> None:
        own = Store.open(db_url)
        try:
            outcomes[name] = own.save(
                CYCLE, "alpha", {"p-1": Answer(rating=rating)}, author=name, based_on=s1.revision
            )
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever happened
            outcomes[name] = exc
        finally:
            own.close()

    threads = [
        threading.Thread(target=writer, args=(n, r))
        for n, r in (("one", "amber"), ("two", "green"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    kinds = sorted(type(o).__name__ for o in outcomes.values())
    assert kinds == ["Conflict", "ReturnState"], outcomes
    assert met == ([True, True] if db_url.startswith("postgresql") else [False])
    assert revision_count(store) == 2
    assert answer_rows(store) == {1: ["p-1"], 2: ["p-1"]}
