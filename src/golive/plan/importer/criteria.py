"""Success criteria wherever a document states them: a section titled as criteria (golive.plan.md_success), a box
titled so (`!!! success "Done when"`), or one sentence ("We call it done when: A, B, C."). Each becomes one of the
plan's `success_criteria`, never a step; tracker quick actions and lines about people under them are neither."""

from __future__ import annotations

import re

from golive.plan.importer.headings import CRITERIA_SENTENCE, DONE_LEAD, PAGE_FOOTER, QUICK_ACTION, SUCCESS_WORDS
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean


class CriteriaMixin(ImportState):
    def success(self, idx: int, end: int) -> None:
        """A section titled as the criteria: each row, item or line of it one criterion (a people line stays
        people, a lead ending in ":" and a title item hold none)."""
        for b in self.blocks[idx + 1:end]:
            if b.kind == "heading":
                b.placed = True
            elif b.kind == "table" and b.rows and len(b.rows) > 1:
                for row in b.rows[1:]:
                    cells = [_clean(c) for c in row if _clean(c)]
                    if cells:
                        self.criteria.append((b.line, ": ".join(cells[:2]) if len(cells) > 1 else cells[0]))
                b.placed = True
            elif b.kind in ("item", "para"):
                text = _clean(b.text)
                if self.people_line(b):
                    continue  # "Contacts: ..., escalation: A → B": people, never a criterion
                if b.kind == "para" and text.endswith(":") and "\n" not in text:
                    b.placed = True
                    continue
                if b.kind == "item" and b.children and b.checked is None:
                    b.placed = True
                    continue
                parts = [_clean(p).strip("✅✓✔☑•◦▪‣·* -") for p in text.split("\n")]
                kept = [p for p in parts if p and not QUICK_ACTION.match(p) and not PAGE_FOOTER.match(p)]
                self.criteria += [(b.line, p) for p in kept]
                # a paragraph of tracker commands or page furniture only stays unplaced: listed, never a criterion
                b.placed = bool(kept) or not any(parts)

    def box_criteria(self) -> None:
        """A box titled as success criteria (`!!! success "Done when"`, `:::tip Success criteria`, `<Callout
        title="Success criteria">`) holds the plan's criteria wherever it stands, even inside a rollback section:
        never steps of the phase or level around it."""
        said: set[int] = set()
        for b in self.blocks:
            if b.placed or not b.box or not SUCCESS_WORDS.search(b.box.lower()):
                continue
            b.placed = True
            if b.kind == "table" and len(b.rows) > 1:
                for row in b.rows[1:]:
                    cells = [_clean(c) for c in row if _clean(c)]
                    if cells:
                        self.criteria.append((b.line, ": ".join(cells[:2])))
            elif b.kind in ("para", "item"):
                text = _clean(b.text)
                if text.lower().startswith(b.box.lower()):
                    text = text[len(b.box):].lstrip(" :")
                for part in text.split("\n"):
                    part = _clean(part).strip("✅✓✔☑ -*•")
                    if part:
                        self.criteria.append((b.line, part))
            else:
                continue
            if b.box not in {self.blocks[i].box for i in said}:
                self.inferred.append(f"line {b.line}: the box '{b.box}' holds success criteria -> success_criteria")
            said.add(self.blocks.index(b))

    def sentence_criteria(self) -> None:
        """"We call it done when: error rate under 1%, p95 under 250 ms, no lag by noon.", "Done = one leader, two
        replicas". A paragraph whose short
        lead says success criteria and whose criteria follow the colon in the same sentence, wherever it stands:
        the plan's criteria, one per part (a comma and a space, or a semicolon: "1,204" is one number)."""
        for b in self.blocks:
            if b.placed or b.kind != "para" or b.box:
                continue
            m = CRITERIA_SENTENCE.match(_clean(b.text).replace("\n", " "))
            if m is None or not (SUCCESS_WORDS.search(m.group(1).lower()) or DONE_LEAD.fullmatch(m.group(1))):
                continue
            parts = [p.strip(" .") for p in re.split(r";\s*|,\s+", m.group(2)) if p.strip(" .")]
            if not parts:
                continue
            self.criteria += [(b.line, p) for p in parts]
            b.placed = True
            self.inferred.append(f"line {b.line}: '{m.group(1)}:' and {len(parts)} criteria after it ->"
                                 " success_criteria")
