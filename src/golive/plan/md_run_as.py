"""Who the document runs a command as: the one reader of "as postgres", "als Benutzer app", "以 postgres 用户",
`sudo su - wmsadm` followed by more lines, and of whether the command switches user itself.

golive's shell step runs every command as golive's own user: the plan model has no `user:` field. A command the
document runs as another user, made a shell step, runs as the wrong user (other files, other rights, another
home and PATH). The document's own switch kept whole (`sudo -u postgres psql ...`, `su - app -c '...'`) does what
it means; a sentence that says "as X" before a command that does not switch, or a standalone `sudo su - X` (each
step is its own process, so the later steps run as golive's user), does not. Those become a person's step that
says who runs the exact lines (golive.plan.importer.fences, golive.plan.importer.items).
"""

from __future__ import annotations

import re

#: A user name as written: `postgres`, wmsadm, www-data, svc_app.
_NAME = r"`?([a-z_][a-z0-9_.-]*[a-z0-9_])`?"
#: Accounts named bare after "as" ("as postgres, run ..."), where a bare word could be English ("as needed").
_ACCOUNTS = r"(?:root|postgres|oracle|mysql|www-data|nginx|apache|deploy|deployer|git|jenkins|elasticsearch|redis|" \
            r"kafka|tomcat|zookeeper|hdfs|hadoop|mongod|mongodb|rabbitmq|grafana|prometheus|gitlab-runner|" \
            r"[a-z][a-z0-9]*adm|svc[_-][a-z0-9_-]+|[a-z][a-z0-9]*_(?:user|svc|app))"
#: Words after "as the ... user" that name no account: "as the same user", "as your own user".
_NOT_A_USER = frozenset({"same", "your", "own", "current", "normal", "regular", "non-root", "unprivileged",
                         "a", "an", "any", "this", "that", "other", "logged-in", "login", "correct", "right"})
#: "As prometheus scrapes every 15 s, ...": a bare account name followed by a verb is the subject of a clause
#: ("as" = because/while), not the user a command runs as; "as postgres, run", "as root on db1" still are.
_NOT_A_CLAUSE = (r"(?!\s+(?!(?:user|account|run|runs|execute|type|do|on|in|at|with|and|then|to|via|from|for|inside|"
                 r"using|into|or|the|only|again|here|there|now|first|before|after|until|is|was)\b)[a-z]+\b)")
#: A sentence that says the command runs as another user, in several languages; group 1 (or 2 ...) the user.
_AS_USER = re.compile(
    r"(?i:\bas\s+(?:the\s+)?)" + _NAME + r"(?i:\s+(?:user|account|service\s+account)\b)|"
    r"(?i:\bas\s+(?:the\s+)?user\s+)" + _NAME + r"|"
    r"(?i:\bas\s+)`([a-z_][a-z0-9_.-]*)`|"
    r"(?i:\b(?:as|become|log\s+in\s+as|logged\s+in\s+as)\s+)(" + _ACCOUNTS + r")\b(?![-\w])" + _NOT_A_CLAUSE + "|"
    r"(?i:\bswitch\s+to\s+(?:the\s+)?)" + _NAME + r"(?i:\s+(?:user|account)\b)|"
    r"(?i:\bswitch\s+to\s+user\s+)" + _NAME + r"|"
    r"(?i:\bals\s+(?:(?:der\s+|dem\s+)?(?:Benutzer|User|Nutzer)\s+))" + _NAME + r"|"
    r"(?i:\bals\s+)(" + _ACCOUNTS + r")\b(?![-\w])|"
    r"(?i:\ben\s+tant\s+qu[e']\s*(?:(?:l')?utilisateur\s+)?)" + _NAME + r"|"
    r"(?i:\bcomo\s+(?:el\s+)?usuario\s+)" + _NAME + r"|"
    r"(?i:\bcome\s+(?:l')?utente\s+)" + _NAME + r"|"
    r"以\s*" + _NAME + r"\s*(?:用户|用戶|身份|账号|帐号)|切换到\s*" + _NAME + r"\s*(?:用户|用戶)|"
    r"(?:用户|用戶)\s*" + _NAME + r"\s*(?:执行|運行|运行|身份)|"
    r"" + _NAME + r"\s*ユーザー?(?:で|として|に切り替え)")
#: A command that opens another user's (or root's) shell, written alone: the lines after it are typed there.
_OPENS = re.compile(
    r"^(?:sudo\s+su|su|doas\s+su)(?:\s+(?:-|-l|--login))?(?:\s+([a-z_][a-z0-9_.-]*))?\s*$|"
    r"^(?:sudo|doas)\s+(?:-[A-Za-z]*[is][A-Za-z]*\s+)?(?:-u\s+([a-z_][a-z0-9_.-]*)\s+)?"
    r"(?:-[A-Za-z]*[is][A-Za-z]*|--login|--shell)(?:\s+-u\s+([a-z_][a-z0-9_.-]*))?\s*$|"
    r"^sudo\s+-[A-Za-z]*i[A-Za-z]*u\s*([a-z_][a-z0-9_.-]*)\s*$|"
    r"^(?:sudo\s+)?(?:runuser|machinectl\s+shell)\s+(?:-l\s+|-\s+)?([a-z_][a-z0-9_.-@]*)\s*$")
#: Prose that ends such a shell: "back to your own account", "zurück zum eigenen Konto", "再回到有 sudo 权限的账号".
LEFT_SHELL = re.compile(
    r"(?i)\b(?:back|return)\s+to\s+(?:your|the|an?)\s+(?:(?:own|normal|regular|admin|sudo|previous|original|"
    r"usual|personal)\s+)*(?:account|user|shell|login|session)\b|\bzur(?:ü|ue)ck\s+(?:zum|zu\s+\w+)\s+(?:\w+\s+)?"
    r"(?:konto|benutzer|account)\b|\b(?:revenez|revenir)\s+(?:à|a|sur)\s+(?:votre|son|le)\s+(?:compte|utilisateur)|"
    r"\b(?:vuelva|volver|volte|voltar)\s+(?:a|à|para)\s+(?:(?:tu|su|sua|a\s+sua)\s+)?(?:cuenta|usuario|conta|"
    r"usu(?:á|a)rio)|回到|切回|退回|返回到?[^，。]{0,20}(?:账号|帐号|用户)|元のユーザー|に戻")
#: "Do not use `sudo su -` here", "never `su - app`": a code span the sentence forbids opens nothing.
_FORBIDS = re.compile(r"(?i)\b(?:do\s*n[o']t|don't|never|not|no|nicht|nie|niemals|kein\w*|pas|jamais|nunca|n(?:ã|a)o|"
                      r"non|mai)\b|不要|别|勿|禁止|しないで|ないで")
#: Lines that end such a shell: `exit`, `logout`, Ctrl-D.
_LEAVES = re.compile(r"(?m)^\s*(?:\$\s+)?(?:exit|logout)\s*$|\bCtrl-D\b|\^D\b")


def said_user(sentence: str) -> str | None:
    """The user the sentence says a command runs as, or None ("as needed", "as the same user" name nobody)."""
    for m in _AS_USER.finditer(sentence):
        user = next((g for g in m.groups() if g), None)
        if user is not None and user.lower() not in _NOT_A_USER:
            return user
    return None


def opened_shell(text: str, prose: bool = False) -> str | None:
    """The user whose shell a line of `text` opens with nothing to run in it (`sudo su - wmsadm`, `sudo -i`,
    `su - app`, `sudo -u search -i`), "root" when none is named; None when no line does, or a later line leaves it
    (`exit`). In `prose` (a paragraph or list item) only code spans and what follows a colon are commands: the
    Italian "caricato su `host`" opens nothing."""
    user: str | None = None
    lines = text.split("\n")
    if prose:
        lines = [m.group(1) for m in re.finditer(r"`([^`\n]+)`", text)
                 if not _FORBIDS.search(re.split(r"[.!?。；;]\s", text[:m.start()])[-1])]
        lines += [m.group(1) for m in re.finditer(r":\s+([^`:\n]+)$", text, re.M)]
    for line in lines:
        core = re.sub(r"^\s*(?:\$|#)\s+", "", line).strip().rstrip(".;")
        if _LEAVES.search(line) and user is not None:
            user = None
            continue
        for clause in re.split(r";\s+|&&", core):
            m = _OPENS.match(clause.strip())
            if m is not None:
                user = next((g for g in m.groups() if g), "root")
    return user


def switches_itself(command: str, user: str) -> bool:
    """Every command line of `command` switches to `user` itself (`sudo -u postgres psql ...`, `su - app -c`,
    `runuser -u app --`) or runs as root through `sudo cmd` (the same whoever types it), so kept whole it runs as
    the document means. A heredoc's body and a line's continuation
    are part of the line that starts them."""
    body = re.sub(r"\\\n", " ", command)
    lines: list[str] = []
    end: str | None = None
    for ln in body.split("\n"):
        if end is not None:
            if ln.strip() == end:
                end = None
            continue
        if ln.strip() and not ln.strip().startswith("#"):
            lines.append(ln)
        h = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", ln)
        if h is not None:
            end = h.group(1)
    u = re.escape(user)
    own = re.compile(
        r"(?<![\w-])(?:sudo|doas)\s+(?:-[A-Za-z]+\s+)*(?:-[A-Za-z]*u\s*|--user[= ])['\"]?" + u + r"\b|"
        r"(?<![\w-])su\s+(?:-\s+|-l\s+|--login\s+)?" + u + r"\s+(?:-c|--command)\b|"
        r"(?<![\w-])runuser\s+(?:-\w+\s+)*(?:-u\s+|-l\s+)?" + u + r"\b" +
        # `sudo cmd` with no other user runs cmd as root whoever types it: the same in X's shell and golive's
        r"|^\s*(?:sudo|doas)\s+(?!(?:-\S+\s+)*(?:-[A-Za-z]*u|--user)\b)(?!-[A-Za-z]*[is]\s*$)(?!su\b)")
    return bool(lines) and all(own.search(ln) for ln in lines)
