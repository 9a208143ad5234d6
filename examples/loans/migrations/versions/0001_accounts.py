"""1.0.0: accounts and their transactions. Amounts are integer cents.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# BIGSERIAL on PostgreSQL, SQLite's INTEGER PRIMARY KEY (its row id) there
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("number", sa.Text(), nullable=False, unique=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "transactions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_cents", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_index("transactions_account", "transactions", ["account_id"])


def downgrade() -> None:
    op.drop_table("transactions")
    op.drop_table("accounts")
