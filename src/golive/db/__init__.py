"""Databases the `backup`, `restore`, `migrate` and `sql` steps work on: `database` reads a URL, connects, lists
tables and counts rows; `runfiles` keeps the notes those steps leave for later steps."""
