"""Add question_summaries and sim_summaries, filled from the existing history.

Reading progress then costs the same whatever the history's length. The backfill runs in the
migration's transaction (serialised between workers like every migration). Stop servers of the
previous version before upgrading: they would add answers without updating the summaries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per learner and question from the first and latest of its answers (ids grow in order).
BACKFILL_QUESTIONS = """
INSERT INTO question_summaries (learner_id, question_id, chapter, choice, correct, first_correct,
                                attempts, first_answer_id, last_answer_id, answered_at)
SELECT g.learner_id, g.question_id, l.chapter, l.choice, l.correct, f.correct,
       g.n, g.first_id, g.last_id, l.created_at
FROM (SELECT learner_id, question_id, min(id) AS first_id, max(id) AS last_id, count(*) AS n
      FROM answers GROUP BY learner_id, question_id) AS g
JOIN answers AS l ON l.id = g.last_id
JOIN answers AS f ON f.id = g.first_id
"""
BACKFILL_SIMS = """
INSERT INTO sim_summaries (learner_id, sim_id, kind, events)
SELECT learner_id, sim_id, kind, count(*) FROM sim_events GROUP BY learner_id, sim_id, kind
"""


def upgrade() -> None:
    """Create the two summary tables and fill them from answers and sim_events."""
    op.create_table(
        "question_summaries",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(200), nullable=False),
        sa.Column("chapter", sa.String(200), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("first_correct", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_answer_id", sa.Integer(), nullable=False),
        sa.Column("last_answer_id", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_question_summaries_learner_id_learners",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "question_id", name="pk_question_summaries"),
    )
    op.create_table(
        "sim_summaries",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("sim_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_sim_summaries_learner_id_learners",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "sim_id", "kind", name="pk_sim_summaries"),
    )
    op.execute(BACKFILL_QUESTIONS)
    op.execute(BACKFILL_SIMS)


def downgrade() -> None:
    """Drop the summary tables (the history they were derived from stays)."""
    op.drop_table("sim_summaries")
    op.drop_table("question_summaries")
