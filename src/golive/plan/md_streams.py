"""Clients that stream until someone stops them: a run that starts one waits forever (md_shell.never_ends)."""

from __future__ import annotations


def streams(prog: str, args: list[str], flags: set[str]) -> bool:
    """Clients that stream until stopped: `redis-cli --latency`/`monitor`, `az webapp log tail`, `heroku logs
    --tail`, `aws logs tail --follow`, `gcloud ... logs tail`."""
    words = [a.lower() for a in args if not a.startswith("-")]
    if prog == "redis-cli":
        return bool(flags & {"--latency", "--latency-history", "--latency-dist", "--stat", "--bigkeys-watch"}) or \
            any(w in ("monitor", "subscribe", "psubscribe") for w in words)
    tail = any(a == "tail" and i and words[i - 1] in ("log", "logs") for i, a in enumerate(words))
    if prog in ("az", "gcloud") and tail:
        return True
    if prog in ("heroku", "fly", "flyctl", "aws") and ("--tail" in flags or "-t" in flags or "--follow" in flags
                                                      or (prog == "fly" and "logs" in words)):
        return prog != "aws" or tail
    return False
