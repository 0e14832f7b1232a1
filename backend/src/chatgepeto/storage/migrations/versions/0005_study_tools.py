"""study tools: sets, items, quiz attempts, flashcard schedules; answer signals for analytics

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retrieval_score", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("not_in_material", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("tutor", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "study_sets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("collection_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=True),
        sa.Column("page_from", sa.Integer(), nullable=True),
        sa.Column("page_to", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_study_sets_listing", "study_sets", ["collection_id", "created_at"])
    op.create_index("ix_study_sets_document_id", "study_sets", ["document_id"])
    op.create_index("ix_study_sets_job_id", "study_sets", ["job_id"])

    op.create_table(
        "study_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["study_sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_study_items_set_position", "study_items", ["set_id", "position"])

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("set_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["set_id"], ["study_sets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quiz_attempts_user", "quiz_attempts", ["set_id", "user_id", "created_at"])

    op.create_table(
        "card_schedules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("last_rating", sa.String(length=8), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["study_items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_id", "user_id", name="uq_card_schedule"),
    )
    op.create_index("ix_card_schedules_due", "card_schedules", ["user_id", "due"])


def downgrade() -> None:
    op.drop_index("ix_card_schedules_due", table_name="card_schedules")
    op.drop_table("card_schedules")
    op.drop_index("ix_quiz_attempts_user", table_name="quiz_attempts")
    op.drop_table("quiz_attempts")
    op.drop_index("ix_study_items_set_position", table_name="study_items")
    op.drop_table("study_items")
    op.drop_index("ix_study_sets_job_id", table_name="study_sets")
    op.drop_index("ix_study_sets_document_id", table_name="study_sets")
    op.drop_index("ix_study_sets_listing", table_name="study_sets")
    op.drop_table("study_sets")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("tutor")
        batch_op.drop_column("not_in_material")
        batch_op.drop_column("retrieval_score")
