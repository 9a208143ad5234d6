"""The document moves traffic with its own commands: the canary takes over the router they name exactly, or,
where golive cannot drive that router, the document's commands are the ramp itself, with its holds as `wait`
steps and a person's check of its limits at each stage (never a placeholder canary, never a weight set twice)."""

from __future__ import annotations

import copy
import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from golive.plan.importer.own_router import WeightMove, weight_move
from golive.plan.importer.state import ImportState

#: A command that writes traffic weights: `weight=90` (nginx, sed), `"weight": 5` (an Istio/Gateway patch),
#: `set weight` (HAProxy's runtime API), `Weight=10` (AWS listener rules), `canary-weight=` (ingress-nginx), and a
#: platform's own split: `--revision-weight a=90 b=10` (Azure Container Apps), `update-traffic --to-revisions`
#: (Cloud Run), `--splits` (App Engine), `AdditionalVersionWeights` (Lambda aliases).
OWN_WEIGHTS = re.compile(r"(?i)\bweight=\d|\bweight=\[|[\"']weight[\"']\s*:\s*\d|\bset[ -]weight\b|canary-weight"
                         r"|\bWeight=\d|--[\w-]*weights?\b|\bupdate-traffic\b|--to-revisions?\b|--splits\b"
                         r"|AdditionalVersionWeights|\btraffic\s+set\b")


def _command(step: CommentedMap) -> object:
    shell = step.get("shell")
    return shell.get("command") if isinstance(shell, dict) else shell


def _line_of(step: CommentedMap) -> str:
    """The document line a step came from (its `# doc.md:N` comment)."""
    for item in step.ca.items.values():
        for tok in item or []:
            m = re.search(r":(\d+)\s*$", getattr(tok, "value", "") or "")
            if m:
                return m.group(1)
    return "?"



class OwnTrafficMixin(ImportState):
    def own_router(self, phase: dict[str, Any], canary: CommentedMap, spec: CommentedMap,
                   weights: list[int]) -> str | None:
        """The document moves traffic with its own commands on a router they name exactly (HAProxy's runtime API,
        nginx weights in its upstream file): the canary runs on that router, and those commands, which are its
        stages, leave the phase (run as well, a weight would be set twice). Returns the router's description,
        or None when the commands do something else or do not say which server is the new one."""
        moves: list[tuple[CommentedMap, WeightMove]] = []
        for st in phase["steps"]:
            shell = st.get("shell")
            cmd = shell.get("command") if isinstance(shell, dict) else shell
            if st is canary or not isinstance(cmd, str) or not OWN_WEIGHTS.search(cmd):
                continue
            move = weight_move(cmd)
            if move is None:
                return None
            moves.append((st, move))
        if not moves or len({m.key() for _s, m in moves}) != 1:
            return None
        servers = sorted({srv for _s, m in moves for srv in m.weights})
        if len(servers) != 2:
            return None

        def new_one(srv: str, other: str) -> bool:  # each move puts it at a stage, and the other at the rest
            return all(m.weights.get(srv) in weights and m.weights.get(other) == 100 - m.weights[srv]
                       for _s, m in moves)

        fits = [(a, b) for a, b in (servers, servers[::-1]) if new_one(a, b)]
        if len(fits) != 1:
            return None
        new, old = fits[0]
        router = dict(moves[0][1].router)
        nginx = router["type"] == "nginx"
        pools = {"stable": [old], "canary": [new]} if nginx else {old: [old], new: [new]}
        cfg = CommentedMap({**router, "pools": CommentedMap({k: CommentedSeq(v) for k, v in pools.items()})})
        spec["router"] = cfg
        spec.ca.items.pop("router", None)  # no placeholder left to mark
        spec["stable"], spec["canary"] = list(pools)
        gone = {id(st) for st, _m in moves}
        phase["steps"] = [st for st in phase["steps"] if id(st) not in gone]
        where = router["upstream_file"] if nginx else f"{router['socket']} backend {router['backend']}"
        said = f"{router['type']} ({where})"
        self.own_routers.append((moves[0][1].key(), cfg, list(pools)))
        self.conversions.append(f"'{phase['name']}': the document's own weight commands (lines "
                                f"{', '.join(_line_of(st) for st, _m in moves)}) move traffic on {said}:"
                                f" the canary runs on that router ({new} the new server, {old} the old one) and"
                                " takes their place, so no weight is set twice"
                                + (" (nginx: only those servers' weights change in that file)" if nginx else ""))
        return said

    def own_switches(self) -> None:
        """A rollback level's command that puts all traffic back on a router a canary took over ("weights 100/0",
        `set weight loans/canary 0` + `loans/stable 100`) is that router's `switch` to the stable pool: the doc's
        command then runs once, as golive's switch (nginx: `down`, as nginx refuses the `weight=0` it writes)."""
        for level in self.levels:
            steps: list[CommentedMap] = []
            for st in level["steps"]:
                shell = st.get("shell")
                cmd = shell.get("command") if isinstance(shell, dict) else shell
                move = weight_move(cmd) if isinstance(cmd, str) and OWN_WEIGHTS.search(cmd) else None
                own = next((o for o in self.own_routers if move is not None and o[0] == move.key()), None)
                if own is None or move is None:
                    steps.append(st)
                    continue
                cfg, (stable, canary) = own[1], own[2]
                servers = {stable: cfg["pools"][stable][0], canary: cfg["pools"][canary][0]}
                back = {servers[stable]: 100, servers[canary]: 0}
                if not move.weights or any(back.get(srv) != w for srv, w in move.weights.items()):
                    steps.append(st)  # some other split: kept as written
                    continue
                line = _line_of(st)
                if not any("switch" in done for done in steps):
                    steps.append(self.step("switch", CommentedMap({"router": copy.deepcopy(cfg), "to": stable}),
                                           int(line)
                                           if line.isdigit() else level["line"], f"All traffic back to {stable}"))
                self.conversions.append(f"line {line}: the document's command putting all traffic back on the"
                                        f" canary's router -> a `switch` to {stable} on that router (rollback level"
                                        f" {level['level']})")
            level["steps"] = steps


    def own_ramp(self, phase: dict[str, Any], canary: CommentedMap, stages: list[dict[str, Any]]) -> bool:
        """The document's own weight commands on a router golive cannot drive (an ingress annotation, a loop of
        its own): no canary. Its commands stay the traffic steps, in order; a command that sets one stage (not a
        script that walks them all) is followed by each stage's hold as a `wait` and a person's step for the next
        move and for the limits. Returns False when the phase has no weight command of its own."""
        steps = phase["steps"]
        own = [st for st in steps if st is not canary and isinstance(_command(st), str)
               and OWN_WEIGHTS.search(str(_command(st)))]
        if not own:
            return False
        weights = [st["weight"] for st in stages]
        rest = [s for s in steps if s is not canary]
        last = max(rest.index(st) for st in own)
        # its code, not its comments ("WEIGHT=5   # then 25, 50, 100" sets one stage; the comment says the rest)
        text = " ".join(re.sub(r"(?m)(?:^|\s)#.*$", " ", str(_command(st))) for st in own)
        walks_all = all(re.search(rf"(?<![\d.]){w}(?![\d.])", text) for w in weights)  # "for p in 10 30 100"
        lines = ", ".join(_line_of(st) for st in own)
        quoted = [] if walks_all else [st for st in rest if any(self.ramp_said([st], w) for w in weights[1:])]
        if quoted:  # the document's sentence for the later stages ("Same for 50 ...") is quoted by their steps now
            rest = [st for st in rest if not any(st is x for x in quoted)]
            last = max(rest.index(st) for st in own)
        added: list[CommentedMap] = []
        if not walks_all:
            for i, st in enumerate(stages):
                said = self.ramp_said(quoted, st["weight"]) if i else None
                if said is not None:  # "Same for 50 (all four at 50) and 100 (...)": the document's own words
                    added.append(self.step("manual", CommentedMap({"instruction": (
                        f"Move traffic to {st['weight']}% as the document says at line {said[0]}: '{said[1]}' (its"
                        f" command for {weights[0]}% is at line {lines})")}), st["line"],
                        f"Traffic to {st['weight']}%"))
                elif i:
                    # the sentence that gives the stage ("For 50% and 100% run the second command again with
                    # `a=50 b=50`, then ..."): its own arguments, never only a guess from the first stage's
                    told = next((b.raw for b in self.blocks if b.line == st["line"] and b.kind in ("para", "item")
                                 and "`" in b.raw), None)
                    added.append(self.step("manual", CommentedMap({"instruction": (
                        f"Move traffic to {st['weight']}% as the document's command at line {lines} does, with"
                        f" {st['weight']} in place of {weights[0]}" + (
                            f"; the document says (line {st['line']}): {' '.join(told.split())}" if told else ""))}),
                        st["line"], f"Traffic to {st['weight']}%"))
                if st.get("hold"):
                    added.append(self.step("wait", CommentedMap({"duration": st["hold"], "reason": (
                        f"hold at {st['weight']}% (line {st['line']})")}), st["line"], None))
                if st["weight"] < 100:
                    check = CommentedMap({"instruction": f"At {st['weight']}%: the document's limits hold"})
                    self.ramp_checks.append(check)
                    added.append(self.step("manual", check, st["line"], f"Check at {st['weight']}%"))
        phase["steps"] = rest[:last + 1] + added + rest[last + 1:]
        self.ramp_phases.add(phase["name"])
        self.conversions.append(
            f"'{phase['name']}': the document moves traffic with its own commands (line {lines}) on a router golive"
            " cannot drive: no canary; "
            + ("that script walks every stage itself (" + " -> ".join(f"{w}%" for w in weights) + ")" if walks_all
               else "they set the first stage, and each later stage is a person's step, with its hold as a `wait`"
                    " and a person's check of the limits"))
        return True

    def ramp_limits(self) -> None:
        """Each person's check of a ramp without a canary says the document's limits, read once it is all read."""
        if not self.ramp_checks:
            return
        limits = "; ".join(f"{t.label} (line {t.line})" for t in self.thresholds) or "none written: as the team" \
            " watches it"
        for check in self.ramp_checks:
            check["instruction"] = (f"{check['instruction']} (roll back when exceeded: {limits}); if not, fail this"
                                    " step and the run rolls back")
