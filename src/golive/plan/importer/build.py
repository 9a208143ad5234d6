"""Turn what was found into the plan mapping and the summary lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from golive.errors import PlanError, PlanIssue
from golive.plan.importer.accepted import accept_said, curl_statuses
from golive.plan.importer.carry import Carried, carry_state
from golive.plan.importer.conditions import settle
from golive.plan.importer.covers import derive, is_data, mark_read_only, restores_by_hand
from golive.plan.importer.examples import fill_examples
from golive.plan.importer.gate_decision import decision_limit, decision_until
from golive.plan.importer.level_decided import decided_levels
from golive.plan.importer.level_first import carry_conditions, settle_first
from golive.plan.importer.level_position import place
from golive.plan.importer.state import ImportState
from golive.plan.importer.step_time import fit_timeouts, step_title
from golive.plan.importer.text import PLACEHOLDER_VARS, Unplaced, _duration_text, _slug
from golive.plan.importer.unset_vars import forget_unheld
from golive.plan.md_exit import accept_counts
from golive.plan.md_secrets import secret_like
from golive.plan.md_step import Command

#: Where a command sets a variable: at the start of a statement (`export NAME=`, `NAME=$(…)`, `readonly NAME=`) or
#: as an option that hands it to a program (`docker run -e NAME=…`, `env NAME=…`).
_SETS_NAME = re.compile(r"(?m)(?:^\s*|[;&|(]\s*|\s(?:-e|--env|env)\s+)(?:export\s+|readonly\s+|"
                        r"declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)=")


class BuildMixin(ImportState):
    def build(self, title: str, description: list[str]) -> CommentedMap:
        self.stepless_gates()
        self.gates_before_stages()  # "Go/No-Go before stage 4": stage 4 waits for the decision
        phases = [p for p in self.phases if p["steps"]]
        for p in self.phases:
            if not p["steps"]:
                self.unplaced.append(Unplaced(p["line"], f"phase '{p['name']}'", "has no steps; left out"))
        if not phases:
            raise PlanError([PlanIssue(self.source, 1, 1, "", "no deployment steps found: expected headings like"
                                       " '## Phase 1: Database migration (30 minutes)' with fenced commands or"
                                       " checklist items under them")])
        # before anything reads the steps (vars, covers, carried state): what runs is checked against where it is
        self.guard(phases, sorted(self.levels, key=lambda x: x["level"]))
        taken = self.placeholders | self.needed | set(self.exported)
        for steps, about in [*((p["steps"], p["description"]) for p in phases),
                             *((lv["steps"], lv["description"]) for lv in self.levels)]:
            for value, var in fill_examples(steps, about, taken):
                self.placeholders.add(var)
                self.conversions.append(f"`{value}` is only an example, the document says -> ${{{var}}}, a plan var"
                                        " to fill in (never run as written)")
        root = CommentedMap()
        name = title or Path(self.source).stem
        core = re.sub(r"(?i)\b(production\s+)?(deployment|release|rollout|go-?live)\s+(plan|checklist|runbook)\b"
                      r"|\bdeployment\b|\bchecklist\b|\bplan\b", " ", name)
        service = _slug(core) or _slug(name) or "service"
        root["name"] = name[:200]
        root["service"] = service
        root.yaml_add_eol_comment("TODO: derived from the title; set the real service name", "service")
        root["environment"] = "production"
        root.yaml_add_eol_comment("TODO: check the environment name", "environment")
        self.analysis = self.canary_analysis()
        text = "\n".join(description)[:2000]
        if self.thresholds and not self.canaries:
            # Nothing can judge them automatically; keep them in the plan for the people watching the run.
            extra = "Rollback criteria (roll back when exceeded): " + ", ".join(
                f"{t.label} (line {t.line})" for t in self.thresholds)[:500]
            text = (text[:2000 - len(extra) - 1] + "\n" + extra) if text else extra
        if self.window_undated is not None:  # kept for the people, said in the summary, never made a window
            line, said = self.window_undated
            note = f"Window (not set: no date, or a zone that could be two; line {line}): {said}"
            text = (text[:2000 - len(note) - 1] + "\n" + note) if text else note
        if text:
            root["description"] = text
        forget_unheld(self, str([p["steps"] for p in phases]) + str([lv["steps"] for lv in self.levels]))
        vars_map = self.vars_map()
        if vars_map:
            root["vars"] = vars_map
        if self.version is not None:
            root["version"] = CommentedMap({"from": self.version[0], "to": self.version[1]})
            root.yaml_add_eol_comment(f"{self.src_name}:{self.version[2]}", "version")
        if self.window:
            root["window"] = CommentedMap(self.window)
            root.yaml_add_eol_comment(f"{self.src_name}:{self.window_line}", "window")
        self.signoff_gates(phases)
        self.substeps_as_steps(phases)
        self.prose_after_blocks()  # a repeat of the block before it stands after that block's steps
        roles = {id(p): self.gate_role(p) or self.person_gate(p) for p in phases if p["gate"]}  # deciders first
        self.drop_fragments()
        self.conversions += fit_timeouts([*phases, *self.levels], self.blocks)  # the time the document gives
        if self.approvers:
            approvers = CommentedMap()
            for role_name, people in self.approvers.items():
                seq_p = CommentedSeq(people)
                for i, person in enumerate(people):
                    if person in self.handles:  # `--by kavyashri-as`; the document wrote `@kavyashri-as`
                        seq_p.yaml_add_eol_comment(f"written {self.handles[person]}", i)
                approvers[role_name] = seq_p
            root["approvers"] = approvers
            root.yaml_add_eol_comment("TODO: people for every role (sign-off / contacts tables)", "approvers")
        seq = CommentedSeq()
        for p in phases:
            pm = CommentedMap()
            pm["name"] = p["name"][:200]
            if p["description"]:
                pm["description"] = "\n".join(p["description"])
            if p["timebox"]:
                pm["timebox"] = _duration_text(p["timebox"])
            pm["steps"] = CommentedSeq(p["steps"])
            if p["gate"]:
                pm["gate"] = CommentedMap({"description": p["gate"][0] or "Go/No-Go"})
                pm["gate"].yaml_add_eol_comment(f"{self.src_name}:{p['gate'][1]}", "description")
                role = roles[id(p)]
                if role is not None:
                    pm["gate"]["approvals"] = CommentedMap({"role": role})
                    if p.get("gate_count", 1) > 1:  # "both say go": each of them approves
                        pm["gate"]["approvals"]["count"] = p["gate_count"]
                    until = decision_until(p["gate"][0], self.window, self.window_offset)
                    if until is not None:  # "No answer by 10:15 = NO-GO": silence ends the wait as a NO-GO
                        pm["gate"]["approvals"]["until"] = until
                        self.conversions.append(f"line {p['gate'][1]}: no decision by {until} is a NO-GO -> the"
                                                " approval's until")
                    limit = decision_limit(f"{p['gate'][0]} {p.get('gate_who', '')}")
                    if limit is not None:  # "no answer within 15 minutes = NO-GO": silence ends the wait as a NO-GO
                        pm["gate"]["approvals"]["timeout"] = _duration_text(limit / 60)
                        self.conversions.append(f"line {p['gate'][1]}: no decision within {_duration_text(limit / 60)}"
                                                " is a NO-GO -> the approval's timeout")
                    p["gate_role"] = role
                    self.conversions.append(f"line {p['gate'][1]}: Go/No-Go of '{p['name']}' decided by {role} ->"
                                            " a gate approval by that role")
            pm.yaml_add_eol_comment(f"{self.src_name}:{p['line']}", "name")
            seq.append(pm)
        root["phases"] = seq
        self.own_switches()
        self.ramp_limits()
        if self.levels:
            levels = CommentedSeq()
            ordered = sorted(self.levels, key=lambda x: x["level"])
            settle(ordered, {lv["level"]: any(is_data(s) for s in lv["steps"]) for lv in ordered})
            settle_first(ordered)
            for n in carry_conditions(ordered):
                self.inferred.append(f"rollback level {n} runs a level kept for its condition (first/then): it is"
                                     " a person's choice too (when:), never applied by golive by itself")
            derived = derive(ordered, phases)
            for name, line, text in self.box_triggers:
                lv_for = next((lv for lv, (covers, _why) in zip(ordered, derived, strict=True) if name in covers),
                              None)  # the first level (the lightest) that undoes that phase
                if lv_for is not None:
                    lv_for["description"].append(f"Trigger (line {line}, '{name}'): {text}")
                    self.inferred.append(f"line {line}: the box of when to roll back in '{name}' -> the trigger of"
                                         f" rollback level {lv_for['level']}")
            ramp_level = next((lv for lv, (covers, _why) in zip(ordered, derived, strict=True)
                               if set(covers) & self.ramp_phases), None) if self.thresholds else None
            if ramp_level is not None:  # no canary holds the limits: the level that undoes the ramp says them
                ramp_level["description"].append("Trigger (the limits of the traffic ramp): " + ", ".join(
                    f"{t.label} (line {t.line})" for t in self.thresholds))
            for lv, (covers, _why) in zip(ordered, derived, strict=True):
                lv["covers"] = covers
            restores = {lv["level"]: any(is_data(s) or restores_by_hand(s) for s in lv["steps"]) for lv in ordered}
            self.inferred += place(ordered, phases, restores)
            self.inferred += decided_levels(ordered)  # a level a person decides is offered, never applied
            for n in carry_conditions(ordered):  # a level "before X" kept a person's runs it: a person's too
                self.inferred.append(f"rollback level {n} runs a level kept for its condition: a person's choice too")
            for lv, (_covers, why) in zip(ordered, derived, strict=True):
                covers = lv["covers"]
                lm = CommentedMap()
                lm["level"] = lv["level"]
                lm["name"] = lv["name"][:200]
                if lv["description"]:
                    lm["description"] = "\n".join(lv["description"])
                lm["covers"] = covers
                lv["covers"], lv["why"] = covers, why
                if any(is_data(s) for s in lv["steps"]):
                    lm["restores_data"] = True
                    self.inferred.append(f"line {lv['line']}: rollback level {lv['level']} brings data back"
                                         " (restore / downgrade / DDL): restores_data")
                elif any(restores_by_hand(s) for s in lv["steps"]):
                    lm["restores_data"] = True
                    self.inferred.append(f"line {lv['line']}: rollback level {lv['level']} has a person bring data"
                                         " back (FLASHBACK / RESTORE DATABASE, pg_restore): restores_data")
                if lv.get("when"):
                    lm["when"] = lv["when"]
                    self.conversions.append(f"line {lv['line']}: rollback level {lv['level']} is for '{lv['when']}'"
                                            " -> when: a person's choice (golive rollback RUN --level"
                                            f" {lv['level']}), never applied by golive on a failure")
                if lv.get("first"):
                    lm["first"] = lv["first"]
                    self.conversions.append(f"line {lv['line']}: rollback level {lv['level']} says run level"
                                            f" {', '.join(map(str, lv['first']))} first -> first: (run before its"
                                            " steps, whoever chooses it)")
                if lv.get("then"):
                    lm["then"] = lv["then"]
                    self.conversions.append(f"line {lv['line']}: rollback level {lv['level']} says then level"
                                            f" {', '.join(map(str, lv['then']))} -> then: (run after its steps)")
                lm["steps"] = CommentedSeq(lv["steps"])
                lm.yaml_add_eol_comment(f"{self.src_name}:{lv['line']}", "level")
                levels.append(lm)
            root["rollback"] = CommentedMap({"levels": levels})
        # the same classifier as covers, on each step's own commands (before carried state is put in front)
        marked = mark_read_only([s for p in phases for s in p["steps"]]
                                + [s for lv in self.levels for s in lv["steps"]])
        if marked:
            self.conversions.append(f"{marked} step{'s' if marked != 1 else ''} only read (status, list, get, a"
                                    " SELECT, a GET, --dry-run, ...: no write, no writer in a pipe, no redirection"
                                    " to a file) -> read_only: true (no undo needed; a phase of them leaves nothing"
                                    " for a rollback level to cover)")
        places = [*((p["steps"], p["description"]) for p in phases),
                  *((lv["steps"], lv["description"]) for lv in self.levels)]
        for steps, description in places:
            for at, statuses in accept_said(steps, description):
                self.conversions.append(f"step '{step_title(steps[at])}': the document says exit status"
                                        f" {', '.join(map(str, statuses[1:]))} is no failure -> expect_exit:"
                                        f" {statuses} (kept at [0], the step stopped the deployment on the outcome"
                                        " the document calls normal)")
        curled = sum(curl_statuses(steps) for steps, _d in places)
        if curled:
            self.conversions.append(f"{curled} http step{'s' if curled != 1 else ''} made from curl with no status"
                                    " stated -> expect status 2xx/3xx, what curl accepts (an API answers 201/204"
                                    " to a POST/PUT: a step left at 200 failed when the call had worked)")
        counted = sum(len(accept_counts(steps, description)) for steps, description in places)
        if counted:
            self.conversions.append(f"{counted} shell step{'s' if counted != 1 else ''} end with `grep -c` and the"
                                    " document wants 0 -> expect_exit: [0, 1], or [1] where no person's check follows"
                                    " (grep exits 1 when it counts 0: the step had failed exactly when nothing"
                                    " matched)")
        # after covers are derived: those read each step's own commands. A notebook's cells each run in a process
        # of their own (a `%%bash` cell's `cd` never reaches the next cell): nothing is carried there
        carried = carry_state(phases, sorted(self.levels, key=lambda x: x["level"]),
                              [(b.line, b.text) for b in self.preambles]) if not self.own_processes else Carried()
        if carried.said:
            self.conversions.append("shell state set by a block (" + "; ".join(carried.said)[:300] + ") -> carried"
                                    " in front of every later shell step, undo and rollback level (the document"
                                    " runs its blocks in one shell; a level sees the state in force where it"
                                    " stands)")
        for line, names in carried.saved:
            self.conversions.append(f"line {line}: {', '.join(names)} worked out by a command (or set on one"
                                    " branch): saved by that step as it left it and read back by the later steps,"
                                    " never worked out again")
        self.notes += carried.notes
        if self.criteria:
            crit = CommentedSeq()
            for i, (line, text) in enumerate(self.criteria):
                crit.append(text[:500])
                crit.yaml_add_eol_comment(f"{self.src_name}:{line}", i)
            root["success_criteria"] = crit
        if self.escalation and "contacts" in self.plan_fields():
            esc = CommentedSeq()
            for e in sorted(self.escalation, key=lambda x: x["level"]):
                em = CommentedMap({"level": e["level"], "name": e["name"][:200]})
                if e.get("people"):
                    em["people"] = CommentedSeq(e["people"])
                if e.get("after") is not None:
                    em["after"] = _duration_text(e["after"] / 60) if e["after"] else 0
                em.yaml_add_eol_comment(f"{self.src_name}:{e['line']}", "level")
                esc.append(em)
            root["contacts"] = CommentedMap({"escalation": esc})
        self.tie_restores(root)
        self.summarise(root, phases)
        return root

    def tie_restores(self, root: CommentedMap) -> None:
        """A restore of the database a backup step dumped restores THAT backup: same database string, so the
        restore step finds this run's backup of it (`psql payments < dump.sql` after `pg_dump -h H payments`)."""
        def dbname(url: str) -> str:
            return url.rstrip("/").rsplit("/", 1)[-1]

        backups: dict[str, str] = {}
        for p in root.get("phases", []):
            for st in p["steps"]:
                if "backup" in st:
                    backups.setdefault(dbname(str(st["backup"]["database"])), str(st["backup"]["database"]))
        places = [p["steps"] for p in root.get("phases", [])]
        places += [lv["steps"] for lv in root.get("rollback", {}).get("levels", [])]
        for steps in places:
            for i, st in enumerate(steps):
                if "restore" not in st:
                    continue
                url = backups.get(dbname(str(st["restore"]["database"])))
                if url is not None:
                    st["restore"]["database"] = url
                    self.conversions.append(f"the restore of '{dbname(url)}' restores this run's backup of it"
                                            f" ({url})")
                    continue
                made = self.restores_from.get(id(st))
                if made is None:
                    continue
                # No step of this plan backs that database up, so a `restore` (of this run's backup) would
                # restore nothing the document restores: the document's own command stays, as written.
                cmd, name = made
                steps[i] = self.command_step(Command("shell", {"command": cmd.source}, cmd.line), name)
                self.conversions.append(f"line {cmd.line}: restore of '{st['restore']['database']}' kept as the"
                                        " document's command: no backup step of that database in the plan")

    def set_by_commands(self) -> set[str]:
        """Names the plan's own shell steps assign: `NAME=…`, `export NAME=…`, `-e NAME=…`, `env NAME=…`."""
        names: set[str] = set()
        for holder in [*self.phases, *self.levels]:
            for st in holder["steps"]:
                shell = st.get("shell") if isinstance(st, dict) else None
                cmd = shell.get("command") if isinstance(shell, dict) else shell
                if isinstance(cmd, str):
                    # `PGPASSWORD="${PGPASSWORD}" psql …` (a secret value taken out of the command) sets nothing:
                    # the value still comes from the environment
                    names |= {n for n in _SETS_NAME.findall(cmd)
                              if not re.search(rf"\b{n}=[\"']?\$\{{?{n}\b(?!\w)", cmd)}
        return names

    def vars_map(self) -> CommentedMap:
        """Every name the steps need: lifted exports, env-file entries, placeholders, secret-looking names.
        A secret's value is never written: it is read from the environment when the run starts."""
        out = CommentedMap()
        sources = {m.group(1) for v, _l in self.exported.values() if (m := re.fullmatch(r"\$\{?(\w+)\}?", v))}
        for n, (value, line) in sorted(self.exported.items()):
            m = re.fullmatch(r"\$\{?(\w+)\}?", value)
            secret = secret_like(n, value) or bool(m and secret_like(m.group(1)))
            if m:
                out[n] = CommentedMap({"secret": True, "from_env": m.group(1)} if secret else {"from_env": m.group(1)})
            elif secret:
                out[n] = CommentedMap({"secret": True, "from_env": n})
            elif re.match(r"~|.*:~", value):
                # `export KUBECONFIG=~/.kube/prod`: bash expands the ~ at the export, a plan var never does (kubectl
                # would read a path starting with a literal ~): the run reads it from the environment, expanded
                out[n] = CommentedMap({"from_env": n, "description": f"the document sets {value} (bash expands ~ there;"
                                       f" a plan var does not): set {n} to that path in the environment"})
                self.conversions.append(f"line {line}: `export {n}={value}`: ~ is the shell's to expand, so {n} is"
                                        " read from the environment (set it before the run)")
            else:
                out[n] = CommentedMap({"value": value})
            out.yaml_add_eol_comment(f"{self.src_name}:{line} (export)", n)
        for n, (val, line) in sorted(self.env_vars.items()):
            if n in out:
                continue
            if val is None:
                out[n] = CommentedMap({"secret": True, "from_env": n} if secret_like(n) or re.search(
                    r"(?i)secret|passw|token|key", n) or n in self.env_secrets else {"from_env": n})
            else:
                out[n] = CommentedMap({"value": val})
            out.yaml_add_eol_comment(f"{self.src_name}:{line} (env file)", n)
        # a name the document's own commands set (`export TOKEN="$(vault …)"`, `docker run -e PGPASSWORD_FILE=…`)
        # is theirs to set: required from the environment, the run would refuse to start without it
        names = sorted({w for w in self.words | self.refs if secret_like(w)} - set(out) - sources
                       - self.set_by_commands())
        if self.uses_database_url and "DATABASE_URL" not in names and "DATABASE_URL" not in out:
            names.append("DATABASE_URL")
        if self.db_var and self.db_var not in names and self.db_var not in out:
            names.append(self.db_var)  # the document's own database (its psql/pg_dump target), read by sql steps
        for n in names:
            out[n] = CommentedMap({"secret": True, "from_env": n})
        if names:
            out.yaml_add_eol_comment("secret-looking names in the commands; values come from the environment",
                                     names[0])
        for n in sorted(self.placeholders - set(out)):
            out[n] = CommentedMap({"from_env": n, "description": "fill in: a <placeholder> in the document"})
            out.yaml_add_eol_comment("TODO: fill in", n)
        for n in sorted(self.needed - set(out)):
            out[n] = CommentedMap({"secret": True, "from_env": n} if secret_like(n) else {"from_env": n})
            out.yaml_add_eol_comment("read by a backup/restore/migrate/http step", n)
        self.unset_vars(out)
        if any(not c["own"] for c in self.canaries):
            for n, why in PLACEHOLDER_VARS.items():
                if n not in out:
                    out[n] = CommentedMap({"from_env": n, "description": why})
                    out.yaml_add_eol_comment("TODO: fill in (placeholder for the canary step)", n)
        return out

    def unset_vars(self, out: CommentedMap) -> None:
        """A `$NAME` the steps read that the document sets nowhere: the operator's to give (a var with no default;
        the run refuses to start without it), never run empty (golive.plan.importer.unset_vars)."""
        from golive.plan.importer.unset_vars import shell_scripts, unset_names

        names, sourced = unset_names(shell_scripts([*self.phases, *self.levels]),
                                     set(out) | set(self.env_vars) | set(self.exported) | self.shell_set)
        if names and sourced:
            self.notes.append(f"{', '.join(f'${n}' for n in names)}: read by the steps and set nowhere in the"
                              " document; a file a step sources may set it, else it runs empty: check it")
            return
        for n in names:
            out[n] = CommentedMap({"from_env": n, "description": "set nowhere in the document: give it before the"
                                                                 " run (environment or --var)"})
            out.yaml_add_eol_comment("TODO: the steps read it; the document sets it nowhere", n)
        if names:
            self.conversions.append(f"{', '.join(f'${n}' for n in names)} read by the steps and set nowhere in the"
                                    " document -> plan var(s) with no default: the run refuses to start until"
                                    " given, never runs them empty")

    def summarise(self, root: CommentedMap, phases: list[dict[str, Any]]) -> None:
        s = self.summary
        s.append(f"plan '{root['name']}': service '{root['service']}' (TODO: check), environment 'production'"
                 " (TODO: check)")
        if self.version is not None:
            s.append(f"version (line {self.version[2]}): {self.version[0]} -> {self.version[1]}")
        if self.window:
            w = self.window
            s.append(f"window (line {self.window_line}): {w['start']} - {w['end']} {w['timezone']}"
                     + (f", opening only on {', '.join(w['days'])}" if "days" in w else "")
                     + (f", rollback until {w['rollback_until']}" if "rollback_until" in w else ""))
        elif self.window_undated is not None:
            s.append(f"window: not set: '{self.window_undated[1]}' (line {self.window_undated[0]}) has no date, or a"
                     " zone that could be two (see not placed); it is in the plan description")
        else:
            s.append("window: none found (no 'Deployment Window' section with a date/time)")
        for i, p in enumerate(phases, 1):
            counts: dict[str, int] = {}
            done = 0
            for st in p["steps"]:
                kind = next(k for k in st if k != "name")
                counts[kind] = counts.get(kind, 0) + 1
                if kind == "manual" and isinstance(st[kind], dict) and st[kind].get("done"):
                    done += 1
            parts = [f"{n} {k}" for k, n in counts.items()]
            if done:
                parts.append(f"{done} already ticked")
            extra = f", timebox {_duration_text(p['timebox'])}" if p["timebox"] else ""
            gate = f", gate: \"{p['gate'][0]}\" (line {p['gate'][1]})" if p["gate"] else ", no Go/No-Go criterion"
            if p.get("gate_role"):
                gate += f", approved by {p['gate_role']}"
            s.append(f"phase {i} '{p['name']}' (line {p['line']}): {', '.join(parts)}{extra}{gate}")
        for lv in sorted(self.levels, key=lambda x: x["level"]):
            s.append(f"rollback level {lv['level']} '{lv['name']}' (line {lv['line']}): {len(lv['steps'])} steps;"
                     f" covers: {', '.join(lv.get('covers', [])) or 'nothing'} ({lv.get('why', '')})"
                     + (f"; when: {lv['when']} (a person's choice)" if lv.get("when") else "")
                     + "".join(f"; first level {n}" for n in lv.get("first") or [])
                     + "".join(f"; then level {n}" for n in lv.get("then") or []))
        applied = sorted(lv["level"] for lv in self.levels if lv.get("covers") and lv["steps"] and not lv.get("when"))
        if len(applied) > 1:  # the document may mean its levels to add up; golive's levels replace each other
            s.append(f"rollback levels {', '.join(map(str, applied))}: a failure applies one level, the lightest that"
                     " covers each phase it touched (the heaviest of those); a heavier one is offered to a person, and"
                     " no level also runs a lower one's steps; where the document means it to, name the lower level"
                     " under `then:`")
        s += [f"guard: {g}" for g in self.guarded]
        s += [f"doubt: {g}" for g in self.doubted]
        if self.criteria:
            s.append(f"success criteria: {len(self.criteria)} (from line {self.criteria[0][0]})")
        if self.approvers:
            def shown(p: str) -> str:
                return f"{p} (written {self.handles[p]})" if p in self.handles else p

            s.append("approvers: " + ", ".join(f"{k} ({', '.join(shown(p) for p in v) or 'nobody named'})"
                                               for k, v in self.approvers.items()))
        if self.escalation and "contacts" in root:
            s.append("escalation contacts: " + ", ".join(f"level {e['level']} {e['name']}"
                                                         + (f" ({', '.join(e['people'])})" if e.get("people") else "")
                                                         + (f" after {_duration_text(e['after'] / 60)}"
                                                            if e.get("after") else "")
                                                         for e in sorted(self.escalation, key=lambda x: x["level"])))
        secrets = [n for n, v in root.get("vars", {}).items() if v.get("secret")]
        if secrets:
            s.append("secret vars (from the environment): " + ", ".join(secrets))
        plain_env = sorted(r for r in self.refs if r.upper() == r and not secret_like(r))
        if plain_env:
            s.append("the commands also read these environment variables: " + ", ".join(plain_env))
        self.summarise_traffic()
        self.unplaced.sort(key=lambda u: u.line)

    def summarise_traffic(self) -> None:
        s = self.summary
        for c in self.canaries:
            stages = " -> ".join(f"{st['weight']}%" + (f" for {st['hold']}" if st["hold"] else "")
                                 for st in c["stages"])
            limits = ", ".join(f"{t.label} (line {t.line})" for t in self.analysis) or (
                "no error-rate or latency limit in the document: judged against the stable pool only")
            s.append(f"canary (line {c['line']}) in '{c['phase']}', from {c['merged']} traffic and hold items:"
                     f" {stages}; aborts on {limits}; judged every 1m (golive's default interval)")
        for c in self.canaries:
            if c["own"] and "nginx" in c["own"]:
                s.append(f"canary (line {c['line']}) on the document's {c['own']}: golive counts nginx's requests"
                         " from an access log in its own format, which the document does not set: add `access_log:`"
                         " to the router (nginx `log_format golive '$upstream_addr $status $request_time';`) or an"
                         " `analysis.source`, else the canary cannot judge its limits and goes back to stable")
            elif c["own"]:
                s.append(f"canary (line {c['line']}) on the document's {c['own']}")
        if any(not c["own"] for c in self.canaries):
            s.append("placeholders to fill in: " + ", ".join(PLACEHOLDER_VARS) + " (plan vars read from the"
                     " environment): the document names no router or pools, so a run refuses to start until they"
                     " are set; or write the real router and pool names into the canary step")
        for line, weights, why in self.traffic:
            self.unplaced.append(Unplaced(line, "traffic " + " -> ".join(f"{w}%" for w in weights),
                                          f"not made a canary ({why}): kept as written"))
        carried = {id(t) for t in self.analysis} if self.canaries else set()
        same = {(t.key, t.amount) for t in self.analysis} if self.canaries else set()
        for t in self.thresholds:
            if id(t) in carried or (t.key, t.amount) in same:
                continue  # the limit the canary enforces (written again in a rollback table: the same limit)
            if not self.canaries:
                why = ("not enforced: no traffic progression to make a canary whose `analysis` could carry it;"
                       " kept in the plan description for the people watching the run")
            elif not t.key:
                why = "a canary `analysis` has no field for it (error rate below 100%, p95 and p99 only)"
            else:
                why = "a stricter limit of the same kind is used for the canary analysis"
            self.unplaced.append(Unplaced(t.line, f"threshold {t.label}", why))

