"""1.1.0: loans (apply -> approve -> disburse -> pay ... -> closed) and their history.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "loans",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.Text(), nullable=False, unique=True),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("principal_cents", sa.BigInteger(), nullable=False),
        sa.Column("annual_rate", sa.Numeric(7, 4), nullable=False),
        sa.Column("tenure_months", sa.Integer(), nullable=False),
        sa.Column("emi_cents", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "loan_events",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("loan_id", sa.BigInteger(), sa.ForeignKey("loans.id"), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger()),
        sa.Column("transaction_id", sa.BigInteger(), sa.ForeignKey("transactions.id")),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_index("loan_events_loan", "loan_events", ["loan_id"])


def downgrade() -> None:
    op.drop_table("loan_events")
    op.drop_table("loans")
