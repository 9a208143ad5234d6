"""A document's secret values never reach the plan: each becomes a `${VAR}` the run reads from its environment.

Runbooks paste passwords and tokens into commands (`PGPASSWORD=...`, `mysql -pS3cret`, a Bearer header, a URL's
`user:password@`); a plan is shared, committed and printed, so the value stays in the document only."""

from __future__ import annotations

import re

#: Secret-looking names: the English words, the same words in German, French, Spanish, Portuguese, Italian and
#: Dutch (PASSWORT, MOT_DE_PASSE, CONTRASENA, SENHA, WACHTWOORD), and the short suffixes runbooks use for them:
#: `MIRTH_PW`, `DB_PWD`, `LDAP_PASS`, a personal access token `MENDER_PAT`, a pre-shared key `VPN_PSK`, `SVC_CREDS`
#: (bare `PWD` is the shell's working directory, never a secret).
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL"
                         r"|DSN\b|PASSWORT|KENNWORT|GEHEIMNIS|MOT_?DE_?PASSE|JETON|CONTRASE(?:Ñ|N)A|CLAVE_?SECRETA|SENHA"
                         r"|WACHTWOORD|PAROLA_?CHIAVE|_(?:PW|PWD|PASS|PAT|PSK|CREDS)$)")


#: A value no one would keep secret under a `_PAT` name, which also ends "pattern": a pattern (`ERROR|FATAL`,
#: `^5..$`, `.*timeout`, `\bOOM\b`), a small count or a switch. The other short suffixes (`_PW`, `_PASS`, `_PSK`)
#: keep any value secret: `DB_PASS=1234` is a password, however weak.
_NO_SECRET_PAT = re.compile(r"(?i)(?:\d{1,4}|true|false|yes|no|on|off)$|.*(?:\w\|\w|\.\*|\\[bdsw])|\^")


def secret_like(name: str, value: str | None = None) -> bool:
    """A name that holds a secret. Where only a `_PAT` suffix says so, the value the document gives decides too:
    `LOG_PAT='ERROR|FATAL'` is a pattern, and reading it from the environment would only stop the run until someone
    set it (a personal access token `MENDER_PAT=glpat-…` stays secret)."""
    upper = name.upper()
    if upper != name or not SECRET_NAME.search(upper):
        return False
    if value is not None and upper.endswith("_PAT") and not SECRET_NAME.search(upper.removesuffix("_PAT")):
        return not _NO_SECRET_PAT.match(value.strip("\"'"))
    return True


#: A secret's value written into a command: `PGPASSWORD=hunter2`, `export API_TOKEN=ghp_...`, mysql's
#: `-pS3cret`, `--password=x`, `Authorization: Bearer sk_live_...`, a URL's `user:password@`.
_SECRET_ASSIGN = re.compile(r"(?<![\w$])([A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|"
                            r"PRIVATE_KEY|CREDENTIALS?|PASSWORT|KENNWORT|SENHA|WACHTWOORD|CONTRASENA)|"
                            r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:PW|PWD|PASS|PAT|PSK|CREDS))=(?![\"']?\$)(\"[^\"\n]*\"|'[^'\n]*'|[^\s;&|)\"']+)")
_MYSQL_P = re.compile(r"(?<![\w-])((?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport|mysqlcheck)\b"
                      r"[^\n|;&]*?\s)-p(?![\s\"'$])(\S+)")
_PASSWORD_OPT = re.compile(r"(?<![\w-])(--(?:db-|admin-)?password(?:=|\s+))(?![\"']?\$|-)(\"[^\"\n]*\"|'[^'\n]*'|"
                           r"[^\s;&|)]+)")
_BEARER = re.compile(r"(?i)(\bAuthorization:\s*(?:Bearer|Token)\s+)(?![\"']?\$|<)([A-Za-z0-9._~+/=-]{8,})")
_URL_SECRET = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^/\s:@$]+):(?!\$)([^/\s@$]+)@")


def _url_var(scheme: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", scheme.upper()) + "_PASSWORD"


def hide_secrets(text: str, taken: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """`text` with every secret value it writes replaced by a `${VAR}` reference, and those VAR names: the plan
    reads them from the environment, and the value in the document is never copied into it."""
    names: dict[str, str] = {} if taken is None else taken  # var -> the value it stands for (never two values)
    used: list[str] = []

    def keep(name: str, value: str) -> str:
        value = value.strip("\"'")
        base, n = name, 1
        while names.get(name, value) != value:
            n += 1
            name = f"{base}_{n}"
        names[name] = value
        if name not in used:
            used.append(name)
        return "${" + name + "}"

    text = _SECRET_ASSIGN.sub(lambda m: f"{m.group(1)}=\"{keep(m.group(1), m.group(2))}\""
                              if secret_like(m.group(1), m.group(2)) else m.group(0), text)
    text = _MYSQL_P.sub(lambda m: f"{m.group(1)}-p\"{keep('MYSQL_PASSWORD', m.group(2))}\"", text)
    text = _PASSWORD_OPT.sub(lambda m: f"{m.group(1)}\"{keep('PASSWORD', m.group(2))}\"", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{keep('API_TOKEN', m.group(2))}", text)
    text = _URL_SECRET.sub(lambda m: f"{m.group(1)}://{m.group(2)}:{keep(_url_var(m.group(1)), m.group(3))}@", text)
    return text, used
