"""The words of a contacts section that are not people: the keys and values of service-level lines, and the
escalation word. Escalation ladders (escalation.py) and roles (roles.py) both need them to tell a rung or a role from
a promise about time; kept here so that neither module imports the other for them (roles is read by escalation).
"""

from __future__ import annotations

import re

#: Keys and headers of service-level lines: times and percentages, never people.
SLA_KEY = re.compile(r"(?i)^\W*(sla|slo|response(\s+time)?|resolution(\s+time)?|rto|rpo|uptime|availability|mttr|"
                     r"mtta|acknowledge?ment|time to (respond|resolve|acknowledge)|severity|priority|p[0-4])\b")
#: A value that is a time or an amount: "< 4 hours", "15 minutes", "99.9%".
MEASURE = re.compile(r"(?i)^\W*[<>≤≥~]?\s*\d+(\.\d+)?\s*(%|s|sec|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)?\b")
#: The escalation word as runbooks write it, also in German, Spanish, Portuguese and French ("Eskalation",
#: "Escalado", "Escalamiento", "Escalonamento", "Escalade").
#: Chinese, Japanese and Korean runbooks write it "上报", "联系顺序" (contact order: never "升级", which is also an
#: upgrade), "エスカレーション", "에스컬레이션".
ESCALATION_WORD = (r"(?:escalat|eskalat|escalad|escalam|escalon|escala[cç]|escalier|上报|上報|エスカレーション|"
                   r"에스컬레이션|(?:联系|联络|聯繫|聯絡|連絡)(?:顺序|順序|先順)|연락\s*순서|eskalac|эскалац)\w*")
