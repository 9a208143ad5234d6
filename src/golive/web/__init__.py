"""The web dashboard: runs at a glance and one run live, read from the same run log the CLI writes.

It decides nothing. Approvals, confirmations and rollbacks stay in the approver's own shell (`golive approve`),
where identity and separation of duties mean something; the dashboard shows who may decide and the command."""
