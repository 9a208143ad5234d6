"""The team console: the runs a team has, one run live, and its decisions taken in the browser.

It reads the same run log the CLI writes, and a decision made here is the CLI's decision (golive.run.decisions)
taken by a logged-in person: the role and separation of duties are checked the same way, and the server's key
seals what it vouches for (how the person logged in, from where), so `golive audit verify` checks it away from
this machine. See docs/web.md."""
