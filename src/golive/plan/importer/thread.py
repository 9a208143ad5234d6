"""A runbook that is an email thread: a printed or pasted conversation ("From: / Sent: / To: / Subject:" blocks,
or Gmail's "**Name** <address>  date" lines), whose plan is one message of it.

    **Omar Farouk** <omar@example.com>	Mon, Nov 30, 2026 at 11:02 AM      <- a message starts
    To: search-team@example.com
    Hi all, first draft: ...                                                <- an earlier draft: never run
    > Hi all, first draft for the v7 reindex                                <- a quoted copy: never read again

The thread is read before the Markdown is parsed, line for line (every line keeps its number, so the plan's
comments still cite the document): header lines, quoted copies, signatures and every message but the plan are
blanked, and listed in the summary as not placed. The plan is the newest message that holds commands to run (a
later message replaces an earlier draft of the plan, as a thread means it); replies without commands are read for
people only. What stays is the plan message as a document: its subject the title, its lines in capitals
("STEPS", "IF IT GOES WRONG") its sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from golive.plan.importer.text import Unplaced

#: Gmail's printed thread: `**Omar Farouk** <omar@example.com>	Mon, Nov 30, 2026 at 11:02 AM`.
_SENDER = re.compile(r"^\s*(?:\*\*|__)?(?P<name>[^*_<>@\n\t:]{2,80}?)(?:\*\*|__)?\s*<(?P<mail>[^<>\s@]+@[^<>\s]+)>"
                     r"\s*(?P<date>.*\d.*)?$")
#: "From: Omar Farouk <omar@example.com>", and as mail programs write it in German, French, Spanish, Portuguese.
_FROM = re.compile(r"(?i)^\s*(?:\*\*|__)?(?:from|von|de|da)\s*:(?:\*\*|__)?\s*(?P<name>[^<\[\n]*?)\s*"
                   r"(?:[<\[](?:mailto:)?(?P<mail>[^<>\[\]\s@]+@[^<>\[\]\s]+)[>\]])?\s*$")
_HEADER = re.compile(r"(?i)^\s*(?:\*\*|__)?(?P<key>to|cc|bcc|reply-to|date|sent|subject|an|gesendet|betreff|datum|"
                     r"envoy[ée]|[àa]|objet|para|enviado|asunto|assunto|fecha|data)\s*:(?:\*\*|__)?\s*(?P<value>.*)$")
#: "On Mon, Nov 30, 2026 at 3:10 PM Rosa <rosa@example.com> wrote:" (and its German and French forms): a quote
#: follows.
_QUOTE_INTRO = re.compile(r"(?i)^\s*(?:on\s.{4,160}\swrote|am\s.{4,160}\sschrieb.{0,80}|le\s.{4,160}\sa\s[ée]crit)"
                          r"\s*:\s*$")
_ORIGINAL = re.compile(r"(?i)^\s*-{2,}\s*(?:original message|forwarded message|urspr[üu]ngliche nachricht|"
                       r"message d'origine|mensaje original)\s*-{2,}\s*$")
#: Gmail's count line under the subject: "4 messages".
_COUNT = re.compile(r"(?i)^\s*\d+\s+messages?\s*$")
#: A line in capitals that heads a part of a plain-text mail: "STEPS", "IF IT GOES WRONG", "ROLLBACK PLAN:".
_CAPS = re.compile(r"^\s*(?:\*\*)?(?=[^a-z]*[A-Z]{2})[A-Z0-9][A-Z0-9 /&'()+,-]{1,60}?:?(?:\*\*)?\s*$")
_SIG = re.compile(r"^\s*--\s*$")
#: Header keys only a mail has (a date or a subject), in the languages of _HEADER.
_DATED = ("date", "sent", "subject", "gesendet", "betreff", "datum", "envoyé", "envoye", "objet", "enviado", "asunto",
          "assunto", "fecha", "data")
#: A procedure starts with a numbered item: "1)", "1.", "Step 1".
_FIRST_STEP = re.compile(r"^\s{0,3}(?:1[.)]|step\s+1\b)", re.I)


@dataclass
class Message:
    start: int  # 0-based index of its first header line
    end: int  # one past its last line
    sender: str
    when: datetime | None
    body: list[int] = field(default_factory=list)  # 0-based indexes of its own (unquoted) lines


@dataclass
class Thread:
    text: str
    #: (line, role, person): people the messages name ("Rosa (search lead)", a signature, "(Grace Kim, EM)").
    people: list[tuple[int, str, str]]
    unplaced: list[Unplaced]
    notes: list[str]


def _when(text: str) -> datetime | None:
    from dateutil import parser

    try:
        when: datetime = parser.parse(re.sub(r"\bat\b", " ", text), fuzzy=True)
    except (ValueError, OverflowError):
        return None
    # "Mon, 30 Nov 2026 11:02:00 +0100" and "Mon, Nov 30, 2026 at 11:02 AM" in one thread: compared in UTC, naive
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


#: What a mail program writes as a message's date: a time, and a month or weekday name or a numeric date.
_MAIL_DATE = re.compile(r"(?i)(?=.*\b\d{1,2}:\d{2}\b)(?=.*(?:\b(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|"
                        r"jul|aug|sep|oct|nov|dec|lun|mer|jeu|ven|sam|dim)[a-zé]*\.?\b|"
                        r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}\.\d{1,2}\.\d{2,4}))")


def _headers(lines: list[str]) -> list[tuple[int, int, str, datetime | None]]:
    """(first line, one past the last header line, sender, date) of each message's header block. A sender line
    needs a mail address and a date ("**Ana Lima** <ana@x.example>  Mon, Nov 30, 2026 at 9:15 AM"; a contact
    line with a phone number is none); a "From:" line needs a person or an address, and a date or a subject
    under it ("**From:** 1.9.3 / **To:** 2.0.0" is a version change, not a mail)."""
    from golive.plan.importer.roles import strict_person

    out: list[tuple[int, int, str, datetime | None]] = []
    i = 0
    while i < len(lines):
        gmail = _SENDER.match(lines[i])
        if gmail is not None and not _MAIL_DATE.search(gmail.group("date") or ""):
            gmail = None
        outlook = _FROM.match(lines[i]) if gmail is None else None
        if outlook is not None and outlook.group("mail") is None and not strict_person(outlook.group("name")):
            outlook = None
        if gmail is None and outlook is None:
            i += 1
            continue
        j = i + 1
        keys: dict[str, str] = {}
        while j < len(lines) and (h := _HEADER.match(lines[j])):
            keys[h.group("key").lower()] = h.group("value")
            j += 1
        if outlook is not None and not any(k in keys for k in _DATED):
            i += 1
            continue  # "From: Ana Lima" in a paragraph: no mail header without a date or a subject under it
        name = (gmail or outlook).group("name").strip() if (gmail or outlook) else ""  # type: ignore[union-attr]
        date = (gmail.group("date") if gmail else None) or next(
            (v for k, v in keys.items() if k in ("sent", "date", "gesendet", "datum", "envoyé", "envoye", "enviado",
                                                 "fecha", "data")), "")
        out.append((i, j, name, _when(date) if date else None))
        i = j
    return out


def read_thread(text: str) -> Thread | None:
    """The thread rewritten as the plan message's document (line numbers kept); None when `text` is no thread."""
    lines = text.split("\n")
    heads = _headers(lines)
    if not heads or (len(heads) < 2 and heads[0][1] == heads[0][0] + 1):
        return None  # one sender line with no "To:" / "Cc:" under it: a line about a person, not a mail
    out = list(lines)
    unplaced: list[Unplaced] = []
    notes: list[str] = []
    messages: list[Message] = []
    for n, (start, stop, sender, when) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        msg = Message(start, end, sender, when)
        quoting = False
        signed = False
        for k in range(stop, end):
            line = lines[k]
            if _QUOTE_INTRO.match(line) or _ORIGINAL.match(line):
                quoting = True  # "On ... wrote:" / "-----Original Message-----": what follows is a copy
            if _SIG.match(line):
                signed = True
            if quoting or line.lstrip().startswith(">") or signed:
                continue
            msg.body.append(k)
        messages.append(msg)
    people = _people(lines, messages)
    plan = _plan_message(lines, messages)
    for k in range(0, heads[0][0]):  # the subject above the first message: the title
        if _COUNT.match(lines[k]):
            out[k] = ""
        elif lines[k].strip() and not any(ln.strip() for ln in lines[:k]):
            subject = re.sub(r"^\s*(?:\*\*|__)(.*?)(?:\*\*|__)\s*$", r"\1", lines[k]).strip()
            if not subject.startswith("#"):
                out[k] = f"# {subject}"
    title = any(ln.startswith("# ") for ln in out[: heads[0][0]])
    for msg in messages:
        own = set(msg.body)
        kept = msg is plan
        for k in range(msg.start, msg.end):
            if kept and k in own:
                continue
            out[k] = ""
        what = f"message from {msg.sender or 'someone'}" + (f" ({msg.when:%a %d %b %Y %H:%M})" if msg.when else "")
        if kept:
            notes.append(f"lines {msg.start + 1}-{msg.end}: the plan is the {what}; the thread's other messages,"
                         " quoted copies and signatures are left out")
            if not title:
                subject = next((h.group("value") for k in range(msg.start, msg.end)
                                if (h := _HEADER.match(lines[k])) and h.group("key").lower() in
                                ("subject", "betreff", "objet", "asunto", "assunto")), "")
                if subject.strip():
                    out[msg.start] = "# " + re.sub(r"(?i)^\s*((re|fwd?|aw|wg|tr)\s*:\s*)+", "", subject).strip()
            _sections(out, msg)
        elif _runs(lines, msg.body):
            unplaced.append(Unplaced(msg.start + 1, f"{what}: an earlier version of the plan",
                                     "a later message of the thread replaces it: never run"))
        elif any(lines[k].strip() for k in msg.body):
            unplaced.append(Unplaced(msg.start + 1, f"{what}: a reply", "no commands: read for the people it names"))
        quoted = [k for k in range(msg.start, msg.end) if k not in own and lines[k].strip()
                  and lines[k].lstrip().startswith(">")]
        if quoted and kept:
            unplaced.append(Unplaced(quoted[0] + 1, f"{len(quoted)} quoted lines", "a copy of an earlier message"))
    return Thread("\n".join(out), people, unplaced, notes)


def _runs(lines: list[str], body: list[int], inline: bool = False) -> bool:
    """The message holds commands to run: a fenced or indented block that reads as commands; with `inline`, two
    or more list items that are plainly commands ("1. Stop the web tier: `sudo systemctl stop shop-web`", as a
    plain-text mail's plan reads once golive.plan.importer.plain_text has marked them)."""
    from golive.plan.importer.items import code_command
    from golive.plan.importer.state import ImportState
    from golive.plan.md_blocks import parse_blocks

    text = "\n".join(lines[k] for k in body)
    blocks = parse_blocks(text)
    if inline:
        return sum(1 for b in blocks if b.kind == "item" and code_command(b.raw) is not None) >= 2
    return any(b.kind == "fence" and ImportState.runs(b) for b in blocks)


def _plan_message(lines: list[str], messages: list[Message]) -> Message | None:
    """The newest message with commands (by its date when every such message has one, else the last written);
    messages with blocks of commands first, else those with commands in their numbered items."""
    runs = [m for m in messages if _runs(lines, m.body)]
    if not runs:
        # no message with a block of commands: a plain-text mail's numbered commands (a reply with one inline
        # command is no plan: two at least)
        runs = [m for m in messages if _runs(lines, m.body, inline=True)]
    if not runs:
        return None
    dated = [(m.when, m.start, m) for m in runs if m.when is not None]
    if len(dated) == len(runs):
        return max(dated, key=lambda d: (d[0], d[1]))[2]
    return runs[-1]


def _sections(out: list[str], msg: Message) -> None:
    """Lines in capitals are the message's sections; a procedure with no heading over it gets one."""
    heading = False
    for k in msg.body:
        line = out[k]
        prev = out[k - 1] if k > 0 else ""
        after = out[k + 1] if k + 1 < len(out) else ""
        if _CAPS.match(line) and not prev.strip() and not after.strip() and len(line.split()) <= 6:
            out[k] = "## " + line.strip().strip("*").rstrip(":").strip()
            heading = True
        elif _FIRST_STEP.match(line) and not heading:
            if k > 0 and not out[k - 1].strip() and k - 1 >= msg.start:
                out[k - 1] = "## Steps"
            heading = True


def _people(lines: list[str], messages: list[Message]) -> list[tuple[int, str, str]]:
    """People and their roles as messages name them: the sender's signature ("Omar Farouk | Search SRE | +1 555"),
    a sign-off with the role ("Rosa (search lead)" from Rosa Jiménez), "(Grace Kim, eng manager)" in the text."""
    from golive.plan.importer.roles import ROLE_WORDS, strict_person

    found: list[tuple[int, str, str]] = []
    for msg in messages:
        first = msg.sender.split()[0] if msg.sender.split() else ""
        own = [k for k in range(msg.start, msg.end) if not lines[k].lstrip().startswith(">")]
        for n, k in enumerate(own):
            line = lines[k].strip()
            if _SIG.match(line):
                sig = next((lines[x].strip() for x in own[n + 1:] if lines[x].strip()), "")
                parts = [p.strip() for p in re.split(r"\s+[|·•]\s+|\s+[-–—]\s+|,\s+", sig) if p.strip()]
                if len(parts) >= 2 and strict_person(parts[0]):
                    role = next((p for p in parts[1:] if ROLE_WORDS.search(p) and not re.search(r"\d|@", p)), None)
                    if role:
                        found.append((k + 2, role, parts[0]))
                continue
            sign = re.fullmatch(r"([A-ZÀ-Þ][\w'-]+)(?:\s+[A-ZÀ-Þ][\w'-]+)?\s*\(([^()]{2,40})\)", line)
            if sign and first and sign.group(1) == first and ROLE_WORDS.search(sign.group(2)) \
                    and strict_person(msg.sender):
                found.append((k + 1, sign.group(2).strip(), msg.sender))
                continue
            for m in re.finditer(r"\(\s*([A-ZÀ-Þ][\w'-]+(?:\s+[A-ZÀ-Þ][\w'-]+){1,3})\s*,\s*([^(),]{2,40})\)", line):
                if strict_person(m.group(1)) and ROLE_WORDS.search(m.group(2)):
                    found.append((k + 1, m.group(2).strip(), m.group(1)))
    return found
