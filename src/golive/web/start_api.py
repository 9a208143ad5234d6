"""Starting runs from the console: the plans directory's listing, one plan's preview, and the start itself.

A plan is named by its place in the listing, never by a path. On a plan whose decisions are signed, the server's
key signs the start on the person's behalf, so the console refuses to start a plan whose signers file does not
list that key to vouch: the run would start with a seal nobody accepts."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from golive.errors import PlanError, UsageError
from golive.plan.model import Plan
from golive.seal.keys import fingerprint
from golive.seal.sealed import not_listed_to_vouch
from golive.seal.signers import signers_for_plan
from golive.web.actions import vouch, where
from golive.web.console import Served
from golive.web.launch import StartFailed, preview, var_arguments
from golive.web.replies import error, json_object, object_field, origin, reply
from golive.web.team import Identity


class StartApi:
    def __init__(self, served: Served) -> None:
        self.s = served

    async def plans(self, request: Request, who: Identity) -> Response:
        return reply(self.s.library.listing())

    def listed_plan(self, plan_id: str) -> tuple[Path, Plan] | Response:
        """The plan the directory lists as `plan_id`, or the answer to give: 404 unlisted, 409 invalid."""
        try:
            path, plan, _ = self.s.library.load(plan_id)
        except KeyError:
            return error(404, f"no plan '{plan_id}' in the plans directory")
        except PlanError as exc:
            return error(409, str(exc))
        return path, plan

    def refusal(self, path: Path, plan: Plan) -> tuple[bool, str | None]:
        """Whether the plan's decisions are signed (a signers file applies: the plan's, $GOLIVE_SIGNERS or the team
        config, found as the runner finds it), and why the console may not start it (None: it may). On a plan with
        signers the server's key signs the start on behalf of the person, so it must be listed to vouch."""
        try:
            signers = signers_for_plan(plan.signers, path.parent)
        except UsageError as exc:
            return True, str(exc)
        server_line = self.s.server_line
        if signers is not None and not signers.vouchers_of(fingerprint(server_line)):
            return True, not_listed_to_vouch(server_line, signers.source)
        return signers is not None, None

    async def plan(self, request: Request, who: Identity) -> Response:
        plan_id = request.path_params["plan_id"]
        found = self.listed_plan(plan_id)
        if isinstance(found, Response):
            return found
        signed, refused = self.refusal(*found)
        return reply({**preview(plan_id, found[1]), "signed": signed, "refused": refused})

    async def start(self, request: Request, who: Identity) -> Response:
        s = self.s
        plan_id = request.path_params["plan_id"]
        found = self.listed_plan(plan_id)
        if isinstance(found, Response):
            return found
        path, plan = found
        try:
            data = await json_object(request)
            if str(data.get("confirm") or "").strip() != plan.service:
                raise UsageError(f"type the service name ({plan.service}) to confirm the start")
            var_args, env = var_arguments(plan, object_field(data, "vars"), object_field(data, "secrets"))
        except UsageError as exc:
            return error(400, str(exc))
        refused = self.refusal(path, plan)[1]
        if refused is not None:
            return error(409, refused)
        from golive.run.start import web_vouch_env

        vouching = web_vouch_env(s.c.accounts.dir / "server-key", who.person, who.how(), where(who, origin(request)))
        try:
            run_id = await s.runners.start(path, var_args, env, who.person, vouching)
        except StartFailed as exc:
            return error(409, str(exc))
        created = s.store.events(run_id)[:1]
        sealed = [vouch(s.store, run_id, s.key, who, "start", f"started plan {plan_id}", origin(request), created[0])] \
            if created else []
        return reply({"ok": True, "run": run_id, "message": f"run {run_id} started by {who.person}",
                      "sealed": sealed})
