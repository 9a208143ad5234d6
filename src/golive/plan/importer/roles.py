"""Roles written inline, as people head their runbooks:

    **Release manager:** Ana Lima · **Deployer:** Bo Chen · **QA:** Eli Roth
    Owner: Database Reliability (DBRE). Primary DBA: **Sunita Rao**. Application lead: **Owen Gallagher**.
    owner: @kwame (primary), @lena (secondary)
    Approver (Go/No-Go): Claire Dubois, Head of Platform.
    | **Requested by** | Oluwaseun Adeyemi (Application Owner) |

Each `Role: person` pair becomes a role of `approvers`; a team ("Database Reliability"), a rotation or a
channel is no person and is left out; "(primary)" / "(backup)" after people is their escalation order.
"""

from __future__ import annotations

import re

from golive.plan.importer.contact_words import ESCALATION_WORD, MEASURE, SLA_KEY
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _PLACEHOLDER, _clean

ROLE_WORDS = re.compile(r"(?i)captain|lead\b|owner|approver|manager|maker|on[\s-]?call|engineer|\bdba\b|sponsor|"
                        r"driver|commander|responsible|reviewer|coordinator|go\s*/\s*no|implementer|deployer|"
                        r"operator|\bqa\b|\bsre\b|tester|director|head of|architect|executor|administrator|\badmin\b|"
                        r"\bvp\b|\bcto\b|\bem\b|signatory|accountable|liaison|point of contact|\bdecision\b|"
                        r"verifier|validator|sign[\s-]?off\b|"
                        # the person a ticket is assigned to (ServiceNow's "Assigned to", Jira's "Assignee")
                        r"\bassigned\s+to\b|\bassignee\b|zugewiesen\s+an|bearbeiter|asignado\s+a|atribu[íi]do\s+a|"
                        r"assign[ée]\s+[àa]|assegnato\s+a|"
                        # the same roles as German, Spanish, Portuguese and French runbooks name them
                        r"verantwortlich|ansprechpartner|freigabe|entscheider|leiter|leitung|durchführung|"
                        r"responsable|responsável|encargado|aprobador|aprovador|gerente|chef de|décideur|"
                        # Italian
                        r"responsabile|referente|reperibile|sistemista|capo\b|approvatore|incaricato")
#: Words of a team, a rotation or a place, never of one person.
_GROUP = re.compile(r"(?i)\bteam\b|squad|\bgroup\b|department|reliability|engineering|operations|\bops\b|platform|"
                    r"infrastructure|services?\b|support|desk|guild|tribe|office|board|committee|\bcab\b|on[\s-]?call|"
                    r"rotation|schedule|channel|pagerduty|#\w")
#: "the library ops lead, Bea Lindgren": a role with its article, then the person's full name as an apposition.
_APPOSITION = re.compile(r"\b(?:the|our|their)\s+([A-Za-z][\w/-]*(?:\s+[A-Za-z][\w/-]*){0,4}),\s+"
                         r"([A-ZÀ-Þ][\w'-]+(?:\s+(?:de|da|van|von|der|del|la|le)?\s*[A-ZÀ-Þ][\w'-]+){1,3})\s*[.;]?\s*$")
#: Keys that gather several people, each with a role of their own: "Approvers", "Change approvers", "Sign-offs".
_MANY_KEY = re.compile(r"(?i)\b(?:approvers|approvals|sign-?offs|signatories|reviewers|contacts|stakeholders|people|"
                       r"deciders|present|absent|attendees|attendance|participants|invited|apologies|crew|staff|"
                       r"personnel|pessoas|personas|personnes|persone)\b|^\W*who\W*$")
#: Keys of minutes that list who attended ("Present:", "Absent:", "Attendees:"): the words after each person are
#: their role, role word or not ("Jonas Weber (security)").
_ATTENDANCE = re.compile(r"(?i)^\W*(?:present|absent|attendees|attendance|participants|invited|apologies)\b")
#: Keys naming a team or a rotation's tooling ("Owner team: Discovery"), not a role a person holds.
_GROUP_KEY = re.compile(r"(?i)\bteam\b|squad|\bgroup\b|department|channel|schedule|rotation|pagerduty|slack")
_ORDER = {"primary": 1, "first": 1, "main": 1, "secondary": 2, "backup": 2, "second": 2, "deputy": 2,
          "alternate": 2, "tertiary": 3, "third": 3}
#: `Key: value` pieces of one line, split where writers put several on a line: ` · `, ` | `, `; `, sentences.
_PIECES = re.compile(r"\s+[·•|]\s+|;\s+|(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bProf\.)"
                     r"(?<!\b[A-Z]\.)\s+(?=(?:\*\*)?[A-Z@])|(?<=\*\*)\.\s+")  # never after "Dr." or "K."
_BOLD_KV = re.compile(r"^\*\*([^*]{1,60}?):?\*\*\s*:?\s*(.*)$", re.S)
_PLAIN_KV = re.compile(r"^([A-Za-z][\w ()/&'.-]{0,60}?)\s*:\s+(.+)$", re.S)


def capital(word: str) -> bool:
    """A name's first letter: a capital, or a letter of a script with no case (김민준, 李娜, ሰላም)."""
    return word[:1].isalpha() and not word[:1].islower()


#: Chinese, Japanese and Korean scripts: a name in them is written without spaces.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
#: Characters of a clause, never of a name: after/before, done, of, when, at, by, is, and; の, は, が, を; 후, 에.
_CLAUSE = re.compile(r"[后後前完之的了时時由是在和与及将把被再并然则]|[のはがをにでと]|[후에의을를는]$")


def looks_like_person(text: str) -> bool:
    """A person's name or handle: `Tom Okafor`, `@priya.n`, `kwame`, `김민준`; not a team, a title or a sentence."""
    text = text.strip()
    if re.fullmatch(r"@[\w.-]+", text):
        return True
    if not text or _GROUP.search(text) or ROLE_WORDS.search(text) or re.search(r"\d|[:;!?@]", text):
        return False
    words = text.split()
    if len(words) == 1 and _CJK.search(text):
        # "李娜", "김민준", "佐々木健太": a name is a few characters; "第一台升级完成后" ("after the first node is
        # upgraded") is a clause, with the words of time and grammar a name never has
        return len(text) <= 5 and not _CLAUSE.search(text) and re.fullmatch(r"[^\W\d_]+", text) is not None
    if len(words) == 1:
        return bool(re.fullmatch(r"[^\W\d_][\w.'’-]*", text))
    particles = {"de", "da", "do", "dos", "das", "van", "von", "der", "den", "la", "le", "di", "bin", "al", "y"}
    return len(words) <= 4 and all(capital(w) or w.lower() in particles for w in words)


def latin_name(name: str, note: str) -> str:
    """"김민준 (Minjun Kim)": a name in a script `golive approve --by` is hard to type, with its Latin spelling in
    brackets, is that person by the Latin spelling; any other name stays as written."""
    if re.search(r"[A-Za-z]", name) or not re.fullmatch(r"[A-Za-zÀ-ɏ][\w'’. -]+", note.strip()):
        return name
    return note.strip() if strict_person(note.strip()) else name


#: Keys of facts about the change, never a role, even next to roles: "Service: Payments Gateway" names no person.
_FACT_KEY = re.compile(r"(?i)^\W*(service|system|app(lication)?|product|component|project|repo(sitory)?|host|server|"
                       r"cluster|region|zone|site|location|data\s?cent(er|re)|env(ironment)?|stage|status|state|tags?|"
                       r"labels?|type|category|change|ticket|issue|tracking|version|release|title|subject|summary|"
                       r"why|what|when|where|how|impact|risk|date|time|window|duration|runs from|reason|scope|"
                       r"customer|client|vendor|supplier|tool|url|link|channel|bridge|"
                       # who wrote or asked for the page, not a part in the change
                       r"requested|requester|author|created|prepared|written|updated|submitted|raised|reported|"
                       r"filed|last edited)\b")
#: "Grace Wanjiru (Head of Platform) approves the Terraform apply": a person, their role, and what they decide.
_PERSON_ROLE_VERB = re.compile(r"(?<![\w@])([A-ZÀ-Þ][\w'-]+(?:\s+[A-ZÀ-Þ][\w'-]+){1,3})\s*\(([^()]{2,40})\)\s+"
                               r"(?:approves|signs?\s+off|decides|gives\s+the\s+go|owns|leads|runs|calls\s+the\s+go)\b")


def _split_people(value: str) -> list[str]:
    """People of one value, split at commas, semicolons, "and", "&", but never inside brackets:
    "Ana Sousa (status page, #wallet-status)" is one person."""
    parts: list[str] = []
    depth, start = 0, 0
    for m in re.finditer(r"[()]|,\s*|;\s*|\s+and\s+|\s+&\s+", value):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(value[start:m.start()])
            start = m.end()
    parts.append(value[start:])
    return [p for p in parts if p.strip()]


#: A nickname in quotes inside a name: 'Jess "jwu" Wu' is Jess Wu.
_NICKNAME = re.compile(r"\s+[\"“‘'][\w.-]{1,20}[\"”’']\s+")
#: "DRI Marta Kowalski", "finance sign-off (go/no-go) Chloé Martin": a role in lower case (or a short name), then
#: the person's full name.
_ROLE_THEN_NAME = re.compile(r"((?:[a-zà-ÿ]|[A-Z]{2,5}\b)[^,;:]{0,40}?)\s+([A-ZÀ-Þ][\w'’-]+(?:\s+(?:de|da|van|von|der|"
                             r"del|la|le|dos|das)?\s*[A-ZÀ-Þ][\w'’-]+){1,3})")


def _noted(text: str) -> tuple[str, str]:
    """"Lena Fischer (owns player comms only)" -> ("Lena Fischer", "owns player comms only")."""
    m = re.fullmatch(r"(.+?)\s*\(([^()]*)\)\s*", text)
    return (m.group(1).strip(), m.group(2).strip()) if m else (text.strip(), "")


def crew_member(part: str) -> tuple[str, str, str] | None:
    """One person of a list that gathers people ("Crew: Live Ops lead — Jess Wu · Backend — Sam Okonkwo", "People:
    Tom Reilly (doing the work), ...", "Who: DRI Marta Kowalski · reviewer Olu Adeyemi"): (role, person, remark),
    the role as the list writes it next to the person; None when the part names no one with a role."""
    text = _NICKNAME.sub(" ", _clean(re.sub(r"\*\*|__", "", part))).strip().rstrip(".")
    dash = re.fullmatch(r"(.{2,60}?)\s+[—–-]\s+(.{2,80})", text)
    if dash:
        (left, lnote), (right, rnote) = _noted(dash.group(1)), _noted(dash.group(2))
        if strict_person(right) and not strict_person(left) and len(left.split()) <= 5:
            return left, right, f"{lnote} {rnote}".strip()  # "Server eng — Andrei Popescu"
        duty = dash.group(2).split(",")[0].strip()
        if strict_person(left) and not strict_person(duty) and len(duty.split()) <= 5 and not re.search(r"\d|@", duty):
            return duty, left, lnote  # "Tom Reilly — Windows on-call"
        return None
    name, note = _noted(text)
    duty = note.split(",")[0].strip()
    if note and strict_person(name) and duty and len(duty.split()) <= 4 and not re.search(r"\d|@|https?:", duty) \
            and duty.lower() not in _ORDER and not strict_person(duty):
        return duty, name, note  # "Tom Reilly (doing the work)", "Dr. Sandra Kim (RCS director, decides ...)"
    m = _ROLE_THEN_NAME.fullmatch(text)
    if m and strict_person(m.group(2)) and not strict_person(m.group(1)):
        role, remark = _noted(m.group(1))
        return role, m.group(2), remark  # "finance sign-off (go/no-go) Chloé Martin"
    return None


#: Words of a Go/No-Go or of counting, never a word of a person's name: "One NO-GO", "No-Go Fatima", "GO Ines".
_NEVER_NAME = frozenset({"go", "no-go", "nogo", "no", "one", "two", "three", "all", "any", "each", "every", "if",
                         "when", "then", "the", "after", "before", "only", "ok", "yes", "gate", "decision"})


#: Words that are a name's as well, written as a name is ("Go" is a Korean surname, "No" a Korean/Vietnamese one):
#: a fragment only when written as a Go/No-Go's word is, in capitals ("GO Ines") or lower case.
_NAME_TOO = frozenset({"go", "no"})


def not_a_name(text: str) -> bool:
    """A word of the text is one no person's name has (`_NEVER_NAME`): a Go/No-Go's or counting word, except "Go" and
    "No" written as a name is (capitalised), which real people are called."""
    for word in text.split():
        w = word.strip(".,:;()*_'\"“”!?")
        if w.lower() in _NEVER_NAME and not (w.lower() in _NAME_TOO and w[:1].isupper() and w[1:].islower()):
            return True
    return False


def strict_person(text: str) -> bool:
    """A full name, as a key/value line next to roles gives one: two to four capitalised words ("Yusuf Demir"),
    and nothing else (a handle counts too). Stricter than looks_like_person: the key alone says no role."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", text.strip()).strip()
    if re.fullmatch(r"@[\w.-]+", name):
        return True
    if not_a_name(name):
        return False
    words = name.split()
    if len(words) == 1 and not re.search(r"[A-Za-zÀ-ɏ]", name):
        return looks_like_person(name) and 2 <= len(name) <= 12  # "김민준", "李娜": a whole name in one word
    return 2 <= len(words) <= 4 and looks_like_person(name) and capital(words[0]) and capital(words[-1])


class RolesMixin(ImportState):
    def inline_roles(self, raw: str, line: int) -> bool:
        """Roles and people in one paragraph's (or table cell pair's) text; True when any was found."""
        found = False
        # "Present: A (RM), B (DBA),\nC (product owner)": a list of people that wraps goes on after its comma
        raw = re.sub(r"([,·•;])[ \t]*\n[ \t]*(?=[^\s*_>|#-])", r"\1 ", raw)  # "Backend — Sam ·\nCommunity — Lena"
        # "Product sign-off for each\ncohort step: Hana Sato": a line starting in lower case goes on with the sentence
        raw = re.sub(r"([^\n]*[A-Za-zà-ÿ])[ \t]*\n[ \t]*(?=[a-zà-ÿ])", lambda m: m.group(1) + (
            " " if ":" not in re.split(r"[.!?]\s+|\s[·•|;]\s", m.group(1))[-1] else "\n"), raw)  # not "owner: kwame"
        for text_line in raw.split("\n"):
            pairs = []
            for piece in _PIECES.split(text_line.strip().lstrip(">").strip()):
                m = _BOLD_KV.match(piece.strip()) or _PLAIN_KV.match(piece.strip())
                eq = re.findall(r"(?:^|[,;]\s*)([A-Za-z][\w /&.-]{0,30}?)\s*=\s*([^,;=]+)", m.group(2)) if m else []
                if eq and all(strict_person(_clean(v)) for _k, v in eq):
                    # "Roles: RM = Ana Lima, DBA = Bo Chen": a role and its person per part
                    for k, v in eq:
                        found = self.role_pair(k.strip(), v, line, any_key=True, strict=True) or found
                elif m:
                    pairs.append((_clean(m.group(1)), m.group(2)))
                elif pairs and _MANY_KEY.search(pairs[-1][0]) and piece.strip():
                    # "Change approvers: Ingrid Solberg (Change Manager); Tariq Aziz (Service Owner)": one more
                    pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]}, {piece.strip()}")
                else:
                    for a in _APPOSITION.finditer(_clean(re.sub(r"\*\*|__", "", piece))):
                        # "Sign-off from the library ops lead, Bea Lindgren.": the role, then who holds it
                        if ROLE_WORDS.search(a.group(1)) and strict_person(a.group(2)):
                            self.add_person(a.group(1).strip(), self.person(a.group(2)), line, a.group(0))
                            found = True
            found = self.role_group(pairs, line) or found
            for m in _PERSON_ROLE_VERB.finditer(_clean(re.sub(r"\*\*|__", "", text_line))):
                if ROLE_WORDS.search(m.group(2)) and looks_like_person(m.group(1)):
                    self.add_person(_clean(m.group(2)), self.person(m.group(1)), line, m.group(0))
                    found = True
        return found

    def role_group(self, pairs: list[tuple[str, str]], line: int) -> bool:
        """`key: value` pairs written together (one line, one key/value table): each as role_pair; and when one of
        them is a role, a neighbour whose key is no role word but whose value is a full name alone is that
        person's role too ("Owner: Lena Fischer · Approver: Marco Bianchi · DB: Yusuf Demir",
        "| Comms | Ana Sousa (status page) |" below "| Incident commander | Marta Lindqvist |")."""
        done = [self.role_pair(k, v, line) for k, v in pairs]
        if any(done):
            for (key, value), ok in zip(pairs, done, strict=True):
                if not ok and not _FACT_KEY.match(key) and len(key.split()) <= 3 \
                        and not re.search(r"(?i)" + ESCALATION_WORD, key):
                    self.role_pair(key, value, line, any_key=True, strict=True)
        return any(done)

    def role_pair(self, key: str, value: str, line: int, any_key: bool = False, strict: bool = False) -> bool:
        """`key: value` as a role and its people; `any_key`: the context (a sign-off list) makes any key a role;
        `strict`: only full names count as people (the key is a role only by its neighbours)."""
        key = key.strip().rstrip(":").strip()
        value = _clean(re.sub(r"\*\*|__|`", "", value)).strip().rstrip(".").strip()
        value = re.sub(r"@<([^<>@\n]{2,60})>", r"\1", value)  # "@<Femke Bakker>": an Azure DevOps mention of her
        if SLA_KEY.match(key) or MEASURE.match(value) or len(key.split()) > 6:
            return False
        if _GROUP_KEY.search(key):
            # "Team: Ana Lima (release lead), Bo Chen (DBA)": no role of its own, but each person's role in brackets
            found = False
            for part in _split_people(value):
                note = re.fullmatch(r"\s*(.+?)\s*\(([^()]{2,40})\)\s*", part)
                if note and strict_person(note.group(1)) and ROLE_WORDS.search(note.group(2)):
                    self.add_person(note.group(2).strip(), self.person(note.group(1).strip()), line, key)
                    found = True
            return found
        role = re.sub(r"\s*\([^)]*\)", "", key).strip() or key
        short = re.search(r"\(([A-Z]{2,6})\)", key)
        if short and role != key:
            self.role_aliases.setdefault(short.group(1).lower(), role)  # "Change authoriser (CA)": its short name
        people: list[tuple[str, int | None]] = []
        for part in _split_people(value):
            part = part.strip()
            member = crew_member(part) if _MANY_KEY.search(key) else None
            if member is not None and not _PLACEHOLDER.match(member[1]):
                self.add_person(member[0], self.person(member[1]), line, key)
                if re.search(r"(?i)go\s*/\s*no[\s-]*go", " ".join(member[::2])) and self.decider is None:
                    self.decider = member[0]  # "Producer (calls go/no-go) — Diego Martín" decides the gates
                continue
            note = re.search(r"\(([^)]*)\)\s*$", part)
            name = part[: note.start()].strip() if note else part
            name = re.sub(r"^@(?=[A-ZÀ-Þ][\w'-]*\s+[A-ZÀ-Þ])", "", name)  # a mention: "@Ana Lima" is Ana Lima
            rota = re.search(r"(?i)\b(?:this\s+week|currently|today|tonight|right\s+now|this\s+shift)\W+(.+)$",
                             note.group(1)) if note else None
            if rota and not looks_like_person(name) and strict_person(rota.group(1).strip()):
                name, note = rota.group(1).strip(), None  # "see #data-oncall rota (this week Tariq Aziz)": Tariq
            if " — " in name or " – " in name or " - " in name:  # "Head of Engineering — Tom Becker"
                name = re.split(r"\s+[—–-]\s+", name)[-1].strip()
            if _PLACEHOLDER.match(name) or not looks_like_person(name) or (strict and not strict_person(name)):
                continue
            name = latin_name(name, note.group(1)) if note else name
            if note and name == note.group(1).strip():
                note = None  # "김민준 (Minjun Kim)": the brackets spelled the name, they named no role
            attended = note is not None and _ATTENDANCE.match(key) is not None and len(note.group(1).split()) <= 4 \
                and not re.search(r"\d", note.group(1))
            if note and (ROLE_WORDS.search(note.group(1)) or attended) and (
                    (not ROLE_WORDS.search(key) and (not any_key or strict)) or _MANY_KEY.search(key)):
                # "Requested by: Oluwaseun Adeyemi (Application Owner)": the role is in the brackets; so it is under a
                # key that only gathers people ("Change approvers: Ingrid Solberg (Change Manager); Tariq Aziz
                # (Service Owner)"): each holds the role written after them
                self.add_person(note.group(1).strip(), self.person(name), line, key)
                continue
            order = _ORDER.get(note.group(1).strip().lower()) if note else None
            people.append((self.person(name), order))
        if not people or not (ROLE_WORDS.search(key) or any_key):
            if ROLE_WORDS.search(key) and _PLACEHOLDER.match(value):
                self.approvers.setdefault(role, [])  # "**Release captain:** TBD": the role, nobody named yet
            return False
        for who, _order in people:
            self.add_person(role, who, line, key)
        if re.search(r"go\s*/\s*no[\s-]*go|decision|decides", key, re.I) and not re.search(
                r"(?i)roll\s*-?\s*back|back[\s-]*out|revert|restore", key):  # "Rollback decision" decides no gate
            self.decider = role
        ordered = [(o, who) for who, o in people if o is not None]
        if len(ordered) >= 2 and "contacts" in self.plan_fields() and not self.escalation:
            for level, (o, who) in enumerate(sorted(ordered), 1):
                tag = next(k for k, v in _ORDER.items() if v == o)
                self.escalation.append({"level": level, "name": f"{role} ({tag})", "line": line, "people": [who],
                                        "tentative": True})
            self.inferred.append(f"line {line}: {role}: people marked primary/secondary -> escalation order")
        return True

    def add_person(self, role: str, who: str, line: int, key: str) -> None:
        # "the support duty manager, Rafa Ortiz" and "| Rafa Ortiz (Support Duty Manager) |": one role, as first written
        role = next((r for r in self.approvers if r.lower() == role.lower()), role)
        people = self.approvers.setdefault(role, [])
        if who not in people:
            people.append(who)
            self.inferred.append(f"line {line}: '{key}' -> approvers role '{role}' ({who})")
