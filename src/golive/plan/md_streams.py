"""Clients that stream, and daemons kept in the foreground, until someone stops them: a run that starts one waits
forever (md_shell.never_ends)."""

from __future__ import annotations

import re


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


#: Daemons and their switch to stay in the foreground (`slurmdbd -D`, `sshd -D`, `haproxy -db`): started so, they
#: serve until someone presses Ctrl-C, and a step that runs them never ends (set 10 08: `slurmdbd -D -vvv` run
#: until "Conversion done").
_FOREGROUND_SWITCH = {"slurmdbd": "-D", "slurmctld": "-D", "slurmd": "-D", "sshd": "-D", "munged": "-F",
                      "haproxy": "-db", "crond": "-n", "rsyslogd": "-n", "dnsmasq": "-d", "named": "-g",
                      "postfix": "start-fg", "php-fpm": "-F", "chronyd": "-d", "avahi-daemon": "--no-drop-root"}
#: Long options many daemons share for the same thing.
_FOREGROUND_LONG = frozenset({"--foreground", "--nodaemon", "--no-daemon", "--no-detach", "--nofork", "--no-fork",
                              "--no-daemonize"})


def foreground(prog: str, args: list[str], flags: set[str]) -> bool:
    """A daemon told to stay in the foreground: it runs until stopped (`timeout --foreground` bounds its command and
    is no daemon)."""
    switch = _FOREGROUND_SWITCH.get(prog)
    if switch is not None and (switch in args or (switch.startswith("-") and len(switch) == 2 and any(
            a.startswith("-") and not a.startswith("--") and switch[1] in a[1:] for a in args))):
        return True
    if prog == "nginx" and any(re.sub(r"\s+", " ", a).strip() == "daemon off;" for a in args):
        return True
    return prog != "timeout" and bool(flags & _FOREGROUND_LONG)


def commands_of(words: list[str]) -> list[list[str]]:
    """Words of a remote command (`ssh host 'a && sudo b -D'`, split by shlex) cut at the shell's control
    operators: each command is judged on its own."""
    out: list[list[str]] = [[]]
    for word in words:
        if word in ("&&", "||", ";", "|", "&"):
            out.append([])
        elif word.endswith(";"):  # `ls; tail -f x`: shlex keeps the `;` on the word before it
            out[-1].append(word[:-1])
            out.append([])
        else:
            out[-1].append(word)
    return [c for c in out if c]
