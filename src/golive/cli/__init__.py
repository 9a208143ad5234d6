"""The `golive` command. Exit codes: 0 succeeded, 1 failed and rolled back, 2 bad input,
3 waiting for a person, 4 rollback failed (needs a human now), 70 internal error."""

from golive.cli.entry import console, main

__all__ = ["console", "main"]
