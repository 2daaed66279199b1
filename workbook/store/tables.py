"""The store's tables and its schema version (the steps between versions: ``migrations/``).

Returns are append-only: a save inserts one ``revision`` row and one ``answer`` row
per criterion whose state changed. The state of a return at revision *n* is, for
each criterion, its answer in the latest revision ``<= n`` that touched it.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)

SCHEMA_VERSION = 8
"""Bump when the tables change, and add the step as Alembic revision ``migrations/versions``."""

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

alembic_version = Table(
    "alembic_version",
    metadata,
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    comment="Alembic's record of the newest step run (as Alembic makes it).",
)
"""Declared here so a backup, a restore and the empty-store check count it as the store's."""

framework = Table(
    "framework",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", String(32), primary_key=True),
    Column("title", Text, nullable=False),
    Column("definition", Text, nullable=False, comment="Framework as JSON, as validated."),
    Column("digest", String(64), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

partnership = Table(
    "partnership",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("words", Text, nullable=False, default="{}", comment="Its group, board, chair (JSON)."),
)

agency = Table(
    "agency",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("sector", Text, nullable=False),
)

membership = Table(
    "membership",
    metadata,
    Column("partnership_id", ForeignKey("partnership.id"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
    Column("statutory", Boolean, nullable=False, default=False, comment="A statutory partner."),
)

cycle = Table(
    "cycle",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("partnership_id", ForeignKey("partnership.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("framework_id", String(64), nullable=False),
    Column("framework_version", String(32), nullable=False),
    Column("criteria_agreed", Date, nullable=False),
    Column("returns_open", Date, nullable=False),
    Column("returns_due", Date, nullable=False),
    Column("draft_report", Date),
    Column("final_report", Date),
    Column("board_meeting", Date),
    Column("words", Text, nullable=False, default="{}", comment="Words the cycle overrides."),
    Column("shared_returns", Boolean, nullable=False, default=False, comment="Accepts them."),
    ForeignKeyConstraint(
        ["framework_id", "framework_version"], ["framework.id", "framework.version"]
    ),
)

invitation = Table(
    "invitation",
    metadata,
    Column("cycle_id", ForeignKey("cycle.id"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
)

revision = Table(
    "revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("based_on", Integer),
    Column("status", String(16), nullable=False),
    Column("author", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("saved_by", Text, comment="The identity that saved it (link:N, hub:user, local:...)."),
    # two saves based on the same revision cannot both become number n+1
    UniqueConstraint("cycle_id", "agency_id", "number", name="uq_revision_number"),
)

answer = Table(
    "answer",
    metadata,
    Column("revision_id", ForeignKey("revision.id"), primary_key=True),
    Column("criterion_id", String(64), primary_key=True),
    Column("rating", String(64)),
    Column("score", Float, comment="The rating's score, kept for SQL-side analysis."),
    Column("evidence", Text, nullable=False, default=""),
    Column("going_well", Text, nullable=False, default=""),
    Column("development", Text, nullable=False, default=""),
    Column("actions", Text, nullable=False, default="[]", comment="JSON list of actions."),
    Column("carried_forward", Boolean, nullable=False, default=False),
    Column("not_applicable", Boolean, nullable=False, default=False),
    Column("na_reason", Text, nullable=False, default="", comment="Why it does not apply."),
)

Index("ix_answer_criterion", answer.c.criterion_id, answer.c.revision_id)
Index("ix_cycle_partnership", cycle.c.partnership_id)

# -- schema 2: the chair's moderation (issue #4) ---------------------------------------
# Append-only like returns: the current moderated rating of a criterion, or the current
# mark of an action, is its latest row; earlier rows are its history.

moderation = Table(
    "moderation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("criterion_id", String(64), nullable=False),
    Column("rating", String(64), comment="Moderated rating key; NULL keeps the self-rating."),
    Column("comment", Text, nullable=False, default="", comment="The chair's challenge."),
    Column("self_rating", String(64), comment="The agency's rating the chair saw."),
    Column("revision", Integer, comment="The return revision the chair saw."),
    Column("author", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

action_mark = Table(
    "action_mark",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("criterion_id", String(64), nullable=False),
    Column("action_text", Text, nullable=False, comment="Actions are matched by their text."),
    Column("scope", String(16), nullable=False, comment="'partnership' (top 5) or 'agency' (3)."),
    Column("marked", Boolean, nullable=False, comment="False records an unmarking."),
    Column("author", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

Index("ix_moderation_cycle", moderation.c.cycle_id, moderation.c.id)
Index("ix_action_mark_cycle", action_mark.c.cycle_id, action_mark.c.id)

V2_TABLES = (moderation, action_mark)

# -- schema 3: who may see what (issue #7) -----------------------------------------------
# A personal link carries a random token; only its SHA-256 is kept, so the store cannot
# hand a link out again. Revoking stamps the row; nothing else about a link changes
# except when it was last used.

access_link = Table(
    "access_link",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False, comment="Whom the link is for; saves carry it."),
    Column("role", String(16), nullable=False),
    Column("partnership_id", ForeignKey("partnership.id"), comment="NULL: every partnership."),
    Column("agencies", Text, nullable=False, default="[]", comment="JSON list of agency ids."),
    Column("cycle_id", ForeignKey("cycle.id"), comment="NULL: every cycle in scope."),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),
    Column("last_used_at", DateTime(timezone=True)),
)

cycle_share = Table(
    "cycle_share",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("shared", Boolean, nullable=False, comment="False records a withdrawal."),
    Column("author", Text, nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

Index("ix_cycle_share_cycle", cycle_share.c.cycle_id, cycle_share.c.id)

V3_TABLES = (access_link, cycle_share)

# -- schema 4: users who sign in through JupyterHub (issue #9) -----------------------------
# The administrator maps a hub username to a role and its agencies. Removing a user stamps
# the row (history is kept); adding them again, or changing what they reach, adds a new
# row. At most one row per username is active (removed_at NULL), enforced by the index.

hub_user = Table(
    "hub_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(255), nullable=False, comment="As JupyterHub names the user."),
    Column("name", Text, nullable=False, comment="Whom it is; saves carry it as the author."),
    Column("role", String(16), nullable=False),
    Column("partnership_id", ForeignKey("partnership.id"), comment="NULL: every partnership."),
    Column("agencies", Text, nullable=False, default="[]", comment="JSON list of agency ids."),
    Column("cycle_id", ForeignKey("cycle.id"), comment="NULL: every cycle in scope."),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("removed_by", Text),
    Column("last_seen_at", DateTime(timezone=True)),
)

Index("ix_hub_user_username", hub_user.c.username, hub_user.c.id)
# At most one active row per username: a partial unique index, written as the DDL that
# SQLite and PostgreSQL share. As an Index with sqlite_where and postgresql_where,
# SQLAlchemy would load its PostgreSQL dialect to check the argument in every process that
# imports the tables, SQLite's included: 2.2 MiB and 24 ms in each page's kernel (#19).
ACTIVE_USER_INDEX = DDL(  # type: ignore[no-untyped-call]
    "CREATE UNIQUE INDEX uq_hub_user_active ON hub_user (username) WHERE removed_at IS NULL"
)
event.listen(hub_user, "after_create", ACTIVE_USER_INDEX)

V4_TABLES = (hub_user,)

# -- schema 5: evidence beside the ratings (issue #14) -------------------------------------
# An indicator or a case audit is kept whole, as validated JSON, one row per revision: a
# load that changes it adds revision n+1, and the current evidence of a cycle is the
# latest revision of each. A dismissal of a contradiction is append-only in the same way.

evidence_item = Table(
    "evidence_item",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("kind", String(16), nullable=False, comment="'indicator' or 'audit'."),
    Column("key", String(64), nullable=False, comment="The indicator's or audit's id."),
    Column("number", Integer, nullable=False, comment="Its revision, from 1."),
    Column("body", Text, nullable=False, comment="The indicator or audit as JSON, as validated."),
    Column("source", Text, nullable=False, default="", comment="The file it was loaded from."),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("cycle_id", "kind", "key", "number", name="uq_evidence_number"),
)

dismissal = Table(
    "dismissal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("key", String(255), nullable=False, comment="Which contradiction (see evidence)."),
    Column("dismissed", Boolean, nullable=False, comment="False records a restoring."),
    Column("reason", Text, nullable=False, default=""),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

Index("ix_dismissal_cycle", dismissal.c.cycle_id, dismissal.c.id)

V5_TABLES = (evidence_item, dismissal)

# -- schema 6: actions followed to done (issue #15) ----------------------------------------
# An action keeps one id across cycles. Each change (its words, owner, due date, criteria,
# status, or a progress note) is a new ``action_revision``; the action is its latest one.
# ``action_cycle`` says which cycles it was part of: the one it was written in, and each
# later cycle it was brought into while unfinished. A top-5 or top-3 mark is append-only,
# its latest row per (cycle, action, scope) the current one.

tracked_action = Table(
    "tracked_action",
    metadata,
    Column("id", String(16), primary_key=True, comment="A-XXXXXX, kept across cycles."),
    Column("partnership_id", ForeignKey("partnership.id"), nullable=False),
    Column("agency_id", ForeignKey("agency.id"), comment="NULL: the partnership's own action."),
    Column("created_in", ForeignKey("cycle.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

action_revision = Table(
    "action_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", ForeignKey("tracked_action.id"), nullable=False),
    Column("number", Integer, nullable=False, comment="Its revision, from 1."),
    Column("text", Text, nullable=False),
    Column("owner", Text, nullable=False, default=""),
    Column("due", Date),
    Column("criteria", Text, nullable=False, default="[]", comment="JSON list of criterion ids."),
    Column(
        "involves", Text, nullable=False, default="[]", comment="JSON list of agency ids involved."
    ),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False, default="", comment="Why it was dropped."),
    Column("note", Text, nullable=False, default="", comment="A progress note, if one was added."),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("action_id", "number", name="uq_action_revision_number"),
)

action_cycle = Table(
    "action_cycle",
    metadata,
    Column("action_id", ForeignKey("tracked_action.id"), primary_key=True),
    Column("cycle_id", ForeignKey("cycle.id"), primary_key=True),
    Column("carried", Boolean, nullable=False, comment="Brought forward from an earlier cycle."),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

action_top = Table(
    "action_top",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("action_id", ForeignKey("tracked_action.id"), nullable=False),
    Column("scope", String(16), nullable=False, comment="'partnership' (top 5) or 'agency' (3)."),
    Column("state", String(16), nullable=False, comment="nominated/confirmed/challenged/removed."),
    Column("comment", Text, nullable=False, default=""),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

Index("ix_tracked_action_partnership", tracked_action.c.partnership_id)
Index("ix_action_cycle_cycle", action_cycle.c.cycle_id)
Index("ix_action_top_cycle", action_top.c.cycle_id, action_top.c.id)

V6_TABLES = (tracked_action, action_revision, action_cycle, action_top)

# -- schema 7: the board paper (issue #16) --------------------------------------------------
# The chair's highlights of a cycle are kept whole, as validated JSON, one row per save;
# the latest is the current one. Answers gain "not applicable" and its reason; the
# partnership, its cycles and memberships gain the words and dates the papers use
# (columns added by the migration, with defaults that keep every older row as it was).

highlight = Table(
    "highlight",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False),
    Column("number", Integer, nullable=False, comment="Its revision, from 1."),
    Column("body", Text, nullable=False, comment="The highlights as JSON, as validated."),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("cycle_id", "number", name="uq_highlight_number"),
)

V7_TABLES = (highlight,)
V7_COLUMNS = (
    ("answer", "not_applicable", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("answer", "na_reason", "TEXT NOT NULL DEFAULT ''"),
    ("partnership", "words", "TEXT NOT NULL DEFAULT '{}'"),
    ("membership", "statutory", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("cycle", "board_meeting", "DATE"),
    ("cycle", "words", "TEXT NOT NULL DEFAULT '{}'"),
)
"""Columns schema 7 adds to existing tables, with their SQL types for ``ALTER TABLE``."""

# -- schema 8: one return for several partnerships (issue #17) -------------------------------
# A shared return is kept once, under its home cycle (the cycle it was first shared from,
# in whichever partnership); ``shared_return`` says that a cycle of another partnership
# reads and saves an agency's return there. Moderation, highlights and top marks stay
# keyed by each partnership's own cycle. A note for one partnership on one criterion
# ("in Bexley the panel meets monthly") is append-only: its latest row is the current one.

shared_return = Table(
    "shared_return",
    metadata,
    Column("cycle_id", ForeignKey("cycle.id"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True),
    Column("home_cycle_id", ForeignKey("cycle.id"), nullable=False, comment="Where it is kept."),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

partnership_note = Table(
    "partnership_note",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cycle_id", ForeignKey("cycle.id"), nullable=False, comment="The partnership's cycle."),
    Column("agency_id", ForeignKey("agency.id"), nullable=False),
    Column("criterion_id", String(64), nullable=False),
    Column("text", Text, nullable=False, comment="Empty records a note taken away."),
    Column("author", Text, nullable=False),
    Column("saved_by", Text),
    Column("saved_at", DateTime(timezone=True), nullable=False),
)

Index("ix_shared_return_home", shared_return.c.home_cycle_id, shared_return.c.agency_id)
Index("ix_partnership_note_cycle", partnership_note.c.cycle_id, partnership_note.c.id)

V8_TABLES = (shared_return, partnership_note)
V8_COLUMNS = (("cycle", "shared_returns", "BOOLEAN NOT NULL DEFAULT FALSE"),)
"""Columns schema 8 adds to existing tables."""
