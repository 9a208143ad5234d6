"""What a fenced block means beyond its language tag: the guards that keep a block from running as something
it is not.

Each answers one question about a block (or the sentence before it) and is pure text work; the importer
(golive.plan.importer.fences) turns a "yes" into text or a person's step, never into a command:

- the sentence (or the block's own first comment) says the block is not to be run here: an example, staging
  only, "do NOT run in prod", in several languages;
- the sentence says the block is what a command prints ("Expected output:");
- the block is SQL written for a client session (`postgres=#` prompts, psql's `\\c`, MySQL's `DELIMITER`) or
  for MySQL;
- a command of the block opens an interactive session or an editor (`sudo -i`, `psql` with no `-c`,
  `kubectl exec -it ... bash`, `vi`), so the lines after it are typed in there, not run by the script;
- the block is written for cmd.exe, for fish, or is a config file (indented directives) that parses as bash.

Prompts and console transcripts are read by golive.plan.md_prompts.
"""

from __future__ import annotations

import re

from golive.plan.md_prompts import sql_prompted

#: Said of a block that is not to be run here: an example, for another environment, do not run in prod.
#: English, German, French, Spanish, Italian, Portuguese, Dutch.
NOT_HERE = re.compile(
    r"(?i)\bexamples?\s+only\b|\bjust\s+an?\s+example\b|\bfor\s+illustration\b|\billustrat(?:ion|ive)\s+only\b|"
    r"\bsample\s+only\b|\bonly\s+an?\s+example\b|"
    r"\b(?:in|on|for|against)\s+(?:the\s+)?(?:staging|stage|dev|development|test|testing|qa|uat|sandbox|local|"
    r"pre-?prod)(?:\s+(?:env(?:ironment)?|cluster|system|server))?\s+only\b|"
    r"\b(?:staging|dev|test|qa|uat|sandbox|local)[\s-]only\b|"
    r"\bonly\s+(?:in|on|for|against)\s+(?:the\s+)?(?:staging|stage|dev|development|test|testing|qa|uat|sandbox|"
    r"local|pre-?prod)\b|"
    r"\b(?:do\s*n[o']t|never|must\s+not|should\s+not|not\s+to\s+be)\s+(?:be\s+)?(?:run|execute|use|paste)d?\s+"
    r"(?:(?:it|this|these|them|that)\s+)?(?:in|on|against)\s+(?:the\s+)?prod(?:uction)?\b(?!\s+(?:until|before))|"
    r"\bnot\s+(?:for|in|on)\s+prod(?:uction)?\b|"
    # German
    r"\bnicht\s+(?:\w+\s+){0,3}(?:ausf(?:ü|ue)hren|starten|laufen\s+lassen)\b|\bnicht\s+in\s+(?:der\s+)?"
    r"produktion\b|\bnur\s+(?:in|auf|f(?:ü|ue)r)\s+(?:der\s+|dem\s+)?(?:staging|test|testsystem|entwicklung|dev)\b|"
    r"\bnur\s+(?:als\s+)?beispiel\b|\bbeispiel\s*(?:\(|,)?\s*nicht\b|"
    # French
    r"\bne\s+(?:pas|jamais)\s+(?:l[ae]s?\s+|l')?(?:ex(?:é|e)cuter|lancer)\b|\bpas\s+en\s+prod(?:uction)?\b|"
    r"\b(?:uniquement|seulement)\s+(?:en|sur)\s+(?:recette|staging|pr(?:é|e)-?prod|test)\b|"
    r"\bexemple\s+(?:uniquement|seulement)\b|\b(?:à|a)\s+titre\s+d'exemple\b|"
    # Spanish / Portuguese
    r"\bno\s+(?:lo\s+)?(?:ejecut|corr)(?:ar|es|e)\b|\bn(?:ã|a)o\s+(?:o\s+)?execut(?:ar|e)\b|"
    r"\bs(?:ó|o)lo\s+(?:en|como)\s+(?:staging|pruebas|ejemplo)\b|\bapenas\s+(?:em|no|como)\s+(?:staging|teste|"
    r"exemplo)\b|\bno\s+en\s+producci(?:ó|o)n\b|\bn(?:ã|a)o\s+em\s+produ(?:ç|c)(?:ã|a)o\b|"
    # Italian / Dutch
    r"\bnon\s+(?:lo\s+)?(?:eseguire|lanciare)\b|\bnon\s+in\s+produzione\b|\bsolo\s+(?:in|su)\s+(?:staging|test|"
    r"collaudo)\b|\bsolo\s+(?:come\s+)?esempio\b|\bniet\s+(?:\w+\s+){0,2}uitvoeren\b|\balleen\s+(?:op|in)\s+"
    r"(?:staging|test)\b")

#: Words that make what follows conditional: "If it fails,", "Only if ...:", "Optional:", "In case of ...:",
#: "Falls ...", "Wenn nötig", "Si ...", "Se ...", "Solo si ...". ("When ...", "Once ..." order steps in time.)
CONDITION = re.compile(r"(?i)^\W*(?:\d+[.)]\s*)?(?:only\s+)?(?:if|unless|in\s+case|should\s+\w+|optional(?:ly)?|"
                       r"as\s+needed|where\s+needed|if\s+needed|if\s+necessary|falls|wenn|nur\s+wenn|bei\s+bedarf|"
                       r"optional|si|seulement\s+si|au\s+besoin|solo\s+si|en\s+caso\s+de|se|solo\s+se|"
                       r"in\s+caso\s+di|indien|alleen\s+als)\b")
#: A sentence introducing what a command prints, not what to run: "Expected output:", "You should see:",
#: "It prints:", "Sample response:", "Ausgabe:", "Sortie attendue :", "Salida esperada:".
OUTPUT_LEAD = re.compile(
    r"(?i)(?:\b(?:expected|sample|example|typical|correct|healthy|good)\s+(?:output|result|response|answer)s?\b"
    r"|(?:^|[.;!]\s*)(?:the\s+|its\s+|(?:the\s+)?command(?:'s)?\s+)?output(?:\s+(?:should|must|will)\s+(?:be|look\s+like|"
    r"read|show|say|contain))?"
    r"|\byou\s+(?:should|will|must)\s+(?:see|get)\b|\bshould\s+(?:print|show|output|return|look\s+like|say|"
    r"read|answer|respond(?:\s+with)?)\b|\b(?:it|this|which|that)\s+(?:prints?|returns?|shows?|outputs?|answers?|"
    r"responds?)\b(?:\s+something\s+like)?"
    r"|\b(?:erwartete\s+)?ausgabe\b|\bsortie(?:\s+attendue)?\b|\bsalida(?:\s+esperada)?\b|\boutput\s+atteso\b|"
    r"\bsa(?:í|i)da(?:\s+esperada)?\b|\bverwachte\s+uitvoer\b)"
    r"(?:\s*\([^)\n]{0,40}\)|\s*\(?(?:something|roughly|like|this|the\s+following|as\s+follows|e\.g\.|approximately|similar\s+to)\)?)*"
    r"\s*:\s*$")

def not_here(text: str) -> str | None:
    """The words of `text` saying a block is not to be run here (an example, staging only, not in prod)."""
    m = NOT_HERE.search(text)
    return m.group(0) if m else None


def leading_comment(text: str, marks: tuple[str, ...] = ("#",)) -> str:
    """The comment lines a block starts with, joined (a shebang is no comment)."""
    out: list[str] = []
    for ln in text.split("\n"):
        s = ln.strip()
        if not s:
            continue
        if s.startswith("#!") or not s.startswith(marks):
            break
        out.append(s.lstrip("#-/ ").strip())
    return " ".join(out)


def is_output_lead(text: str) -> bool:
    """The sentence before a block says the block is what something prints ("Expected output:")."""
    return bool(OUTPUT_LEAD.search(text.strip()))


#: A client's own command (psql `\\c db`, `\\set`, `\\i`, `... \\gexec`, sqlite3 `.backup`), or MySQL's
#: `DELIMITER //`. (Lines typed at a client's prompt are read by golive.plan.md_prompts.)
_SQL_META = re.compile(r"(?m)^\s*\\[A-Za-z!?]|\\g(?:exec|set|x)?\s*;?\s*$|^\s*\.[a-z]+\b(?!\S*\s*=)")
_DELIMITER = re.compile(r"(?im)^\s*DELIMITER\s+\S+")
#: What only MySQL/MariaDB says: `DELIMITER`, backquoted names, `ENGINE=`, `AUTO_INCREMENT`, `INTERVAL 30 DAY`,
#: `ON DUPLICATE KEY`, `SHOW TABLES`-style statements, `LOCK TABLES`, `ROW_COUNT()`, `STRAIGHT_JOIN`.
_MYSQL_SQL = re.compile(r"(?i)^\s*DELIMITER\s+\S+|`\w+`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bINTERVAL\s+-?\d+\s+"
                        r"(?:MICROSECOND|SECOND|MINUTE|HOUR|DAY|WEEK|MONTH|QUARTER|YEAR)\b|\bON\s+DUPLICATE\s+KEY\b|"
                        r"^\s*SHOW\s+(?:FULL\s+)?(?:TABLES|DATABASES|PROCESSLIST|SLAVE|MASTER|REPLICA|BINARY|ENGINE|"
                        r"GRANTS|CREATE|VARIABLES|GLOBAL|SESSION|STATUS|INDEX|COLUMNS)\b|^\s*(?:UN)?LOCK\s+TABLES?\b|"
                        r"\bROW_COUNT\s*\(|\bSTRAIGHT_JOIN\b|\bLAST_INSERT_ID\s*\(", re.M)


def sql_client_text(text: str) -> str | None:
    """Why an SQL block is meant for a client session, not for golive's sql step: prompts, client commands,
    `DELIMITER`. None when it is plain SQL."""
    if sql_prompted(text):
        return "it is typed at an SQL client's prompt (`postgres=#`, `mysql>`)"
    if re.search(r"(?m)^[ \t]*/[ \t]*$", text):
        return "it runs its PL/SQL with SQL*Plus's `/` line (Oracle)"
    if _DELIMITER.search(text):
        return "it changes the client's DELIMITER (MySQL): a stored routine for the mysql client"
    if _SQL_META.search(_without_sql_strings(text)):
        return "it holds the client's own commands (psql `\\c`, `\\set`, `\\gexec`; sqlite3 `.backup`)"
    return None


def is_mysql_sql(text: str) -> bool:
    """SQL that only MySQL/MariaDB runs as written (golive's sql step speaks PostgreSQL and SQLite)."""
    return bool(_MYSQL_SQL.search(_without_sql_strings(text)))


def _without_sql_strings(text: str) -> str:
    text = re.sub(r"(?s)\$(\w*)\$.*?\$\1\$", "$$", text)  # dollar-quoted bodies (PL/pgSQL)
    text = re.sub(r"'(?:[^']|'')*'", "''", text)
    return re.sub(r"(?m)--.*$", "", text)


#: Programs that start an interactive session when given no command to run: what follows them in a block is
#: typed into that session, and run by a script they wait on stdin (or read the rest of the script as input).
_REPLS = {"psql": ("-c", "--command", "-f", "--file", "-l", "--list", "-V", "--version", "--help"),
          "mysql": ("-e", "--execute", "-V", "--version", "--help"),
          "mariadb": ("-e", "--execute", "-V", "--version"),
          "mongo": ("--eval", "--version"), "mongosh": ("--eval", "-f", "--file", "--version"),
          "sqlcmd": ("-Q", "-q", "-i", "-?"),
          "sqlplus": ("-v", "-V", "@"), "cqlsh": ("-e", "--execute", "-f", "--file"),
          "clickhouse-client": ("-q", "--query", "--queries-file"),
          "python": ("-c", "-m", "-V", "--version"), "python3": ("-c", "-m", "-V", "--version"),
          "node": ("-e", "--eval", "-v", "--version", "-p", "--print"), "irb": (), "ipython": ("-c",),
          "bash": ("-c",), "sh": ("-c",), "zsh": ("-c",)}
_EDITORS = frozenset({"vi", "vim", "nvim", "nano", "emacs", "pico", "joe", "mcedit", "sudoedit", "vipw", "vigr",
                      "visudo"})
_SHELLS = frozenset({"bash", "sh", "zsh", "ash", "fish", "psql", "mysql", "redis-cli", "rails", "python", "python3",
                     "irb", "node", "mongosh", "mongo", "sqlplus", "cqlsh", "ksh", "pwsh", "powershell"})


def _prompts(prog: str, args: list[str]) -> bool:
    """A CLI that asks on the terminal when it is not told: `gh run watch` with no run id (it offers a list to pick
    from, and without a terminal stops: "run ID required"), `gh auth login`, `aws configure`, `gcloud init`, `az
    login` (a browser), `docker login` with no password from stdin, `npm login`."""
    plain = [a for a in args if not a.startswith("-")]
    if prog == "gh":
        if plain[:2] in (["run", "watch"], ["run", "view"], ["run", "rerun"], ["workflow", "view"]):
            return len(plain) == 2
        return plain[:2] == ["auth", "login"] and "--with-token" not in args
    if prog == "aws":
        return plain[:1] == ["configure"] and len(plain) == 1
    if prog == "gcloud":
        return plain[:1] == ["init"] or (plain[:2] == ["auth", "login"] and not any(
            a.startswith("--cred-file") for a in args))
    if prog == "az":
        return plain[:1] == ["login"] and not any(a in ("--service-principal", "--identity", "-i") for a in args)
    if prog in ("docker", "podman", "helm", "buildah", "skopeo") and "login" in plain[:2]:
        return not any(a in ("--password-stdin", "-p", "--password") or a.startswith("--password=") for a in args)
    return prog in ("npm", "yarn", "pnpm") and plain[:1] in (["login"], ["adduser"])


def interactive(argv: list[str], stdin: bool = False) -> str | None:
    """Why the command opens an interactive session or an editor (the lines after it are typed there), or None.
    `stdin`: the command's input comes from a redirect, a heredoc or a pipe (then it is not interactive)."""
    if not argv:
        return None
    raw = argv
    words = [w.strip("\"'") for w in argv]
    # sudo -i / sudo -s / sudo su / su - app: a root (or another user's) shell; `sudo -u app cmd` runs cmd
    if words[0] in ("sudo", "doas"):
        flags = [w for w in words[1:] if w.startswith("-")]
        rest = [w for w in words[1:] if not w.startswith("-")]
        # (`-iu postgres`: short options run together, the last one taking the next word as its value)
        login = any(f in ("--login", "--shell") or re.fullmatch(r"-[A-Za-z]*[is][A-Za-z]*", f) for f in flags)
        if login and not _after_user(words[1:]):
            who = next((words[i + 1] for i in range(1, len(words) - 1)
                        if words[i] == "--user" or re.fullmatch(r"-[A-Za-z]*u", words[i])), None)
            shell = f"{who}'s shell" if who else "a root shell"  # `sudo -u search -i`: the search user's
            return f"`{' '.join(raw)}` opens {shell}: the lines after it are typed in that shell"
        if rest and rest[0] in ("su", "-"):
            return interactive(rest, stdin)
        return interactive(_after_user(words[1:]), stdin)
    prog = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if prog == "su" and not any(a in ("-c", "--command") or a.startswith("--command=") for a in args):
        return f"`{' '.join(raw)}` opens another user's shell: the lines after it are typed in that shell"
    # (`kubectl -n payments edit configmap x`: the subcommand comes after the global options and their values)
    if prog in _EDITORS or (prog in ("crontab", "kubectl", "systemctl", "oc") and
                            (args[:1] == ["-e"] or "edit" in [a for a in args if not a.startswith("-")][:2])):
        return f"`{' '.join(raw)}` opens an editor: a person makes the change"
    if prog in ("git",) and args[:1] == ["commit"] and not any(
            a in ("--no-edit", "--file") or a.startswith(("--message", "--file=", "-C", "--reuse-message"))
            or re.fullmatch(r"-[a-zA-Z]*[mF]\S*", a) for a in args):
        return f"`{' '.join(raw)}` opens an editor for the message"
    if prog in ("kubectl", "oc", "docker", "podman") and any(a in ("exec", "run", "attach") for a in args[:2]):
        tty = any(a in ("-it", "-ti", "-t", "-i", "--tty", "--stdin", "--interactive") for a in args)
        inner = args[args.index("--") + 1:] if "--" in args else args[-1:]
        name = inner[0].rsplit("/", 1)[-1] if inner else ""
        if tty and not stdin and (args[:1] == ["attach"] or (name in _SHELLS and (
                len(inner) == 1 or interactive(inner) is not None))):
            return f"`{' '.join(raw)}` opens a shell in the container: the lines after it are typed there"
        return None
    if prog == "ssh" and not stdin and not any(re.fullmatch(r"-[A-Za-z]*N[A-Za-z]*", a) for a in args):
        remote = _ssh_rest(args)  # (`ssh -N` is a tunnel: no login, it never ends, md_shell.never_ends)
        if remote is not None and not remote:
            return f"`{' '.join(raw)}` logs in to another host: the lines after it are typed there"
        return None
    if prog == "redis-cli" and not stdin:
        plain = _positional(args, with_value=("-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "--tls",
                                              "--cacert", "--cert", "--key", "-c"))
        if not plain and not any(a in ("--scan", "--bigkeys", "--stat", "--latency", "--rdb", "--pipe", "-r", "-x")
                                 for a in args):
            return f"`{' '.join(raw)}` opens the redis-cli prompt: the lines after it are typed there"
        return None
    if prog == "read" and not stdin:
        return f"`{' '.join(raw)}` waits for an answer on the terminal: a person answers it"
    if not stdin and _prompts(prog, args):
        return f"`{' '.join(raw)}` asks its questions on the terminal (a choice, a login): a person answers them"
    # (`manage.py shell <<'EOF'` reads its input from the heredoc: one non-interactive session, run as written)
    if any(w.endswith("manage.py") for w in words[:2]) and any(a in ("shell", "dbshell") for a in words[1:3]) \
            and not stdin and not any(a in ("-c", "--command") or a.startswith("--command=") for a in words):
        return f"`{' '.join(raw)}` opens a console: the lines after it are typed there"
    if not stdin and ((prog in ("rails", "bin/rails") and args[:1] in (["console"], ["c"], ["dbconsole"])) or
                      (prog in ("flask",) and args[:1] == ["shell"]) or
                      (prog == "manage.py" and args[:1] in (["shell"], ["dbshell"]))):
        return f"`{' '.join(raw)}` opens a console: the lines after it are typed there"
    if prog in _REPLS and not stdin:
        stops = _REPLS[prog]
        def says(a: str, stop: str) -> bool:
            if a == stop or (stop.startswith("--") and a.startswith(stop + "=")):
                return True
            # a short option alone, with its value attached (`-cSELECT`), or in a cluster (`-tAc`)
            cluster = re.fullmatch(r"-([A-Za-z]+)\S*", a)
            return len(stop) == 2 and stop[0] == "-" and cluster is not None and stop[1] in cluster.group(1)

        if any(says(a, stop) for a in args for stop in stops):
            return None
        if prog in ("python", "python3", "node", "bash", "sh", "zsh", "ipython") and \
                any(not a.startswith("-") for a in args):
            return None  # a script to run
        if prog == "sqlplus" and any(a.startswith("@") for a in args):
            return None
        return f"`{' '.join(raw)}` opens the {prog} prompt: the lines after it are typed there"
    if prog in ("sqlite3",) and not stdin and len([a for a in args if not a.startswith("-")]) <= 1:
        return f"`{' '.join(raw)}` opens the sqlite3 prompt: the lines after it are typed there"
    if prog in ("passwd", "mysql_secure_installation", "htpasswd") and not stdin and \
            not any(a in ("-b", "--stdin", "-i") for a in args):
        return f"`{' '.join(raw)}` asks for input on the terminal: a person runs it"
    if _full_screen(prog, args):
        return f"`{' '.join(raw)}` is a full-screen program: a person looks at it and leaves it (a script cannot)"
    return None


#: Full-screen terminal programs: a person looks around in them and quits; run by a script they fail with no
#: terminal ("failed tty get") or wait for a key forever.
_TUIS = frozenset({"k9s", "htop", "btop", "bpytop", "glances", "nmtui", "ranger", "mc", "ncdu", "lazygit",
                   "lazydocker", "iftop", "iotop", "nethogs", "tig", "ctop", "k8s-tui", "kdash", "nvtop", "bmon",
                   "nload", "iptraf-ng", "pgcenter", "pg_activity", "mytop", "innotop", "dstat-tui", "s-tui"})


def _full_screen(prog: str, args: list[str]) -> bool:
    """`k9s --context prod`, `htop`, `top` (not `top -b`), `tmux attach`, `screen -r`: a person's screen, not a step."""
    if prog in _TUIS:
        return not any(a in ("--version", "-v", "version", "--help", "-h", "info") for a in args)
    if prog in ("top", "atop"):
        return not any(re.fullmatch(r"-[A-Za-z]*[bw][A-Za-z]*\S*", a) for a in args)
    if prog == "tmux":
        plain = [a for a in args if not a.startswith("-")]
        return not plain or (plain[0] in ("attach", "attach-session", "a", "new", "new-session") and "-d" not in args)
    return prog == "screen" and (any(a in ("-r", "-x", "-R") for a in args) or not args)


def _after_user(args: list[str]) -> list[str]:
    """The command after sudo's own options (`-u app`, `-E`, `--`)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1:]
        if a in ("--user", "--group") or re.fullmatch(r"-[A-Za-z]*[ugCDhprtU]", a):
            i += 2  # (`-u app`, `-iu app`: the option's value is the next word)
            continue
        if a.startswith("-"):
            i += 1
            continue
        return args[i:]
    return []


def _positional(args: list[str], with_value: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in with_value:
            skip = True
            continue
        if a.startswith("-"):
            continue
        out.append(a)
    return out


def _ssh_rest(args: list[str]) -> list[str] | None:
    """What follows ssh's destination (the remote command), [] when none; None when no destination is seen."""
    with_value = set("BbcDEeFIiJLlmOopQRSWw")
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) >= 2:
            if a[-1] in with_value and len(a) == 2:
                i += 2
            else:
                i += 1
            continue
        return args[i + 1:]
    return None


#: cmd.exe's own words (`set X=1`, `xcopy /E`, `%VAR%`, `C:\\path`, `\\\\server\\share`, `iisreset`): a
#: block of them is for Windows, never bash.
_CMD_WORDS = re.compile(r"(?im)^\s*(?:@?echo\s+off|set\s+\w+=|xcopy|robocopy|iisreset|sc(?:\.exe)?\s+(?:stop|start|"
                        r"query|config)|net\s+(?:stop|start|use|user)|del\s+/|rmdir\s+/|rd\s+/|mklink|taskkill|"
                        r"copy\s+/|move\s+/|dir\s+/|if\s+errorlevel|call\s+\S+\.(?:bat|cmd)|cd\s+/d|"
                        r"start\s+\"|appcmd|msiexec|wmic|reg\s+(?:add|delete|query))\b")
_WIN_PATH = re.compile(r"(?<![\w/])[A-Za-z]:\\|(?<!\S)\\\\[\w.$-]+\\|%\w+%")


def is_windows_cmd(text: str) -> bool:
    """An untagged block written for cmd.exe (batch): its own words, drive paths or `%VAR%` references."""
    body = [ln for ln in text.split("\n") if ln.strip() and not re.match(r"\s*(?:rem\b|::|#)", ln, re.I)]
    if not body:
        return False
    hits = sum(1 for ln in body if _CMD_WORDS.match(ln) or _WIN_PATH.search(ln))
    return hits * 2 >= len(body)


#: fish's own forms: `set -gx NAME value`, `set -e NAME`, `end` closing a block, `(cmd)` substitution.
_FISH = re.compile(r"(?m)^\s*set\s+-[gUlxeu]*[gUle][gUlxeu]*\s+[A-Za-z_]\w*\b|^\s*set\s+-x\s+[A-Za-z_]\w*\s+\S|"
                   r"^\s*end\s*$|^\s*funcsave\b|^\s*fisher\s|\$status\b")


def is_fish(text: str) -> bool:
    return bool(_FISH.search(text))


def indented_directives(text: str) -> bool:
    """A config file that parses as bash (HAProxy `frontend http` / `    bind *:80`, an nginx-like file): a line
    that starts a statement indented under a line that opens no block of its own. bash indents only inside
    compound commands, heredocs, strings and continuations."""
    from golive.plan.md_shell import parse

    root = parse(text)
    if root.has_error:
        return False
    lines = text.split("\n")
    starts = [n.start_point for n in root.children if n.type != "comment"]
    if len(starts) < 2:
        return False
    base = min(col for _row, col in starts)
    for row, col in starts:
        prev = lines[row - 1].rstrip() if row > 0 else ""
        if col > base and not prev.endswith(("\\", "|", "&&", "||")):
            return True
    return False


#: Prose that says a command is watched, not run to an end: "in another terminal", "Ctrl-C to stop", "keep an eye
#: on", "leave it running", "in a second window". A run would wait on it forever, or hold the next step back: the
#: command is a person's to start and stop, never a step that runs.
WATCHED = re.compile(
    r"(?i)\bin\s+(?:an)?other\s+(?:terminal|window|tab|shell|session)\b|\bin\s+a\s+(?:second|separate|new)\s+"
    r"(?:terminal|window|tab|shell|session)\b|\bctrl[-+ ]?c\b|\^c\b|\bkeep\s+an\s+eye\s+on\b|\bleave\s+it\s+"
    r"running\b|\bkeep\s+it\s+running\b|\b(?:runs|running)\s+until\s+(?:you\s+)?stop|\buntil\s+you\s+stop\s+it\b|"
    r"\bin\s+einem\s+(?:zweiten|anderen)\s+(?:terminal|fenster)\b|\bdans\s+un\s+autre\s+terminal\b")


#: A person or a meeting decides: "decides", "makes the call", "says go", "gives the go", "signs off", "approves",
#: "votes", "Go?", in English, German, French, Spanish, Portuguese, Italian, Dutch, Polish, Russian, Turkish, Chinese,
#: Japanese, Korean.
DECIDED = re.compile(
    r"(?i)\b(?:decides?|decided\s+by|decision\s+(?:by|of|maker)|makes?\s+the\s+call|calls?\s+(?:it|go|the\s+go)\b|"
    r"says?\s+[\"“']?go\b|gives?\s+(?:the\s+)?(?:go|green\s+light|ok)\b|signs?[\s-]*off|sign-off\s+(?:by|from)|"
    r"approv(?:es?|al\s+(?:by|from|of))|votes?\b|vote\s+on|"
    r"(?:renders?|makes?|takes?|gives?|records?)\s+(?:a|the)\s+(?:[\w/-]+\s+){0,4}?decision|"
    r"entscheide[tn]?|entscheidung\s+(?:durch|von|trifft)|gibt\s+(?:das\s+)?go|genehmigt|"
    r"d[ée]cide(?:nt)?|d[ée]cision\s+(?:de|par)|donne\s+(?:le\s+)?(?:go|feu\s+vert)|valide(?:nt)?|approuve(?:nt)?|"
    r"decide[mn]?|decis[ãa]o\s+(?:de|do|da)|decisi[óo]n\s+de|escolhe[mn]?|elige[n]?|aprueba[n]?|aprova[m]?|"
    r"d[áa]\s+o\s+go|da\s+el\s+go|luz\s+verde|sinal\s+verde|sceglie|approva(?:no)?|via\s+libera|"
    r"beslis[t]?|besluit|keurt\s+goed|decyduj[eą]|podejmuje\s+decyzj[eę]|zatwierdza(?:ją)?|"
    r"реша[ею]т|принима[ею]т\s+решение|утвержда[ею]т|да[ёе]т\s+добро|согласу[ею]т|"
    # Dutch, Turkish: "na akkoord van", "met goedkeuring van", "karar verir", "Ayşe'nin onayıyla"
    r"akkoord|goedkeuring|karar\s+ver\w*|kararıyla|kararı\s+ile|onay\w*)\b"
    # Korean, Japanese: "판단 하에" (at the judgement of), "결재", "재가"; "の判断で", "決裁"
    r"|决定|決定|决策人|拍板|审批人|審批人|批准|判断する|承認|결정|승인|판단\s*(?:하에|에\s*따라|으로|후)|결재|재가"
    r"|の判断|判断(?:で|により|の上)|決裁"
    r"|(?<![\w/-])go\s*\?")
#: Silence is a NO-GO: "No answer by 10:15 = NO-GO", "No decision by 19:45 means No-Go", "silence is a no-go",
#: "keine Antwort bis 22:00 = NO-GO", "sem resposta até 23h = NO-GO", "未回复视为 NO-GO".
SILENT_NO = re.compile(
    r"(?i)(?:\bno\s+(?:answer|decision|reply|response|go(?:\s*/\s*no[\s-]*go)?(?![\w-])|call|sign[\s-]*off)|\bsilence|"
    r"\bnobody\s+(?:answers|decides|says)|\bkeine\s+(?:antwort|entscheidung|r[üu]ckmeldung)|\bschweigen|"
    r"\b(?:pas\s+de|sans)\s+(?:r[ée]ponse|d[ée]cision)|\bsilence|\bsin\s+(?:respuesta|decisi[óo]n)|"
    r"\bsem\s+(?:resposta|decis[ãa]o)|\bsil[êe]ncio|\bnessuna\s+(?:risposta|decisione)|\bgeen\s+(?:antwoord|besluit)|"
    r"未回复|没有回复|无回复|无人回复|未决定|沉默|回答がない|응답\s*없)"
    # "= NO-GO", "means a no-go", "If there is no GO by 23:30, we abort", "..., then we roll back"
    r"[^.;\n]{0,60}?(?:=|→|->|,\s*(?:then\s+)?(?:we(?:'ll|\s+will)?\s+)?|\bthen\s+(?:we(?:'ll|\s+will)?\s+)?|"
    r"\bwe(?:'ll|\s+will)?\s+|\bmeans?\b|\bis\b|\bcounts?\s+as\b|\bist\b|\bsignifica\b|\bvaut\b|\bbedeutet\b|"
    r"\best\b|\bes\b|\b[ée]\b|视为|即|等于|とみなす)\s*(?:an?\s+|ein\s+|un\s+|um\s+|uma?\s+)?[\"“']?"
    r"(?:no[\s-]*go|revert|roll\s*back|back[\s-]*out|abort|cancel|stop)")


def people_decide(text: str) -> bool:
    """A Go/No-Go's words have a person or a meeting decide (or say silence is a NO-GO): such a gate needs an
    approval, else golive passes it by itself once the steps succeed. "Database schema successfully deployed"
    decides nothing: it restates the phase's success."""
    return DECIDED.search(text) is not None or SILENT_NO.search(text) is not None
