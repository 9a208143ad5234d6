"""What an AsciiDoc page does not show is never run (issue 14, review of the AsciiDoc front end): a `////` comment
block (an old step kept out of the page: `rm -rf` of a cache, `flushall`), a part under `ifdef`/`ifndef` the page's
attributes leave out (a staging-only `dropdb`), and a part under an `ifeval` golive cannot weigh (never run, and
the summary says so).
A listing inside an example or admonition block (`====`) is a block of its own, not text whose `----` made the
command a heading."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from importforms import doc_manual, doc_runs, plan_of

PAGE = """= Shop upgrade runbook
:version: 2.4
:env-prod:

== Phase 1: deploy

[source,bash]
----
systemctl stop shop
tar -xzf /srv/releases/shop-{version}.tar.gz -C /opt/shop
----

////
Old step, no longer used since 2.3:
[source,bash]
----
rm -rf /var/lib/shop/cache
----
////

ifdef::env-staging[]
[source,bash]
----
dropdb shop && createdb shop
----
endif::env-staging[]

ifndef::env-prod[]
[source,bash]
----
redis-cli -h cache-01 flushall
----
endif::[]

ifdef::env-prod[]
[source,bash]
----
systemctl reload haproxy
----
endif::[]

ifeval::["{backend}" == "redis"]
[source,bash]
----
redis-cli -h cache-01 del sessions:old
----
endif::[]

[WARNING]
====
Before the start, clear the sessions:
[source,bash]
----
redis-cli -h cache-01 del sessions
----
====

[source,bash]
----
systemctl start shop
----
"""


def test_what_the_page_hides_never_runs() -> None:
    runs = doc_runs(PAGE)
    for hidden in ("rm -rf /var/lib/shop/cache", "dropdb shop", "flushall", "del sessions:old"):
        assert hidden not in runs, hidden
    assert "shop-2.4.tar.gz" in runs and "systemctl reload haproxy" in runs  # kept: ifdef::env-prod[] holds


def test_a_part_under_ifeval_is_never_run_and_the_summary_says_why() -> None:
    assert "del sessions:old" not in doc_runs(PAGE) + doc_manual(PAGE)
    summary = " ".join(import_markdown(PAGE, "page.md").summary)
    assert "ifeval" in summary


def test_a_listing_inside_an_admonition_is_a_step_not_a_heading() -> None:
    plan = plan_of(PAGE)
    assert [p["name"] for p in plan["phases"]] == ["Phase 1: deploy"]
    assert "'redis-cli -h cache-01 del sessions'" in doc_runs(PAGE)
