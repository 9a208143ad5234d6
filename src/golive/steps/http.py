"""`http`: call an HTTP endpoint and check what comes back (status, JSON fields, body text, latency).

    - http: https://example.com/health            # shorthand: GET, expect 200
    - http:
        url: https://${HOST}/api/deploy
        method: POST
        headers: {Authorization: "Bearer ${TOKEN}"}
        json: {version: "${VERSION}"}
        expect: {status: [200, 202], json: {"$.state": accepted}, max_latency: 2s}
        retries: {attempts: 5, interval: 3s, deadline: 1m}

`${VAR}` is replaced in the URL, header values, the body text and the strings of a JSON body (and in
expected strings). Request headers never appear in results: they often carry credentials.

Retries: the request is repeated until every expectation holds, `attempts` are used up, or the
`deadline` (from the first attempt) or the step's `timeout` would pass; waits go through the run's clock.
When only a `deadline` is given, attempts are not limited by count.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BeforeValidator

from golive.checks.request import IDEMPOTENT_METHODS, HttpSpec, run_http, shorthand
from golive.core.step import StepContext, StepResult
from golive.steps.base import StepBase


class HttpStep(StepBase):
    kind: ClassVar[str] = "http"
    http: Annotated[HttpSpec, BeforeValidator(shorthand)]

    @property
    def is_idempotent(self) -> bool:
        """GET/HEAD/OPTIONS change nothing and PUT/DELETE may be repeated by definition; POST/PATCH
        are only safe to repeat when the plan says so with `idempotent: true`."""
        if self.idempotent is not None:
            return self.idempotent
        return self.http.method in IDEMPOTENT_METHODS

    def describe(self) -> str:
        return self.http.describe()

    def execute(self, ctx: StepContext) -> StepResult:
        return run_http(self.http, ctx, self.timeout)
