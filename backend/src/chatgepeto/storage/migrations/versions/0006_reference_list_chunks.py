"""chunks: reference_list, the entries of a bibliography, which retrieval ranks after prose

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference_list", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _flag_stored_reference_lists()


def _flag_stored_reference_lists() -> None:
    """Flag the chunks already stored, so documents ingested before this revision get the
    ranking without being uploaded again (the text is in SQL; nothing is embedded)."""
    from chatgepeto.ingestion.references import is_reference_list

    bind = op.get_bind()
    chunks = sa.table(
        "chunks",
        sa.column("id", sa.String),
        sa.column("text", sa.Text),
        sa.column("reference_list", sa.Boolean),
    )
    last = ""
    while True:
        rows = bind.execute(
            sa.select(chunks.c.id, chunks.c.text)
            .where(chunks.c.id > last)
            .order_by(chunks.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        flagged = [{"chunk_id": id_} for id_, text in rows if is_reference_list(text)]
        if flagged:
            bind.execute(
                chunks.update()
                .where(chunks.c.id == sa.bindparam("chunk_id"))
                .values(reference_list=True),
                flagged,
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.drop_column("reference_list")
