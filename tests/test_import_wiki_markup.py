"""Wiki sources saved as `.md` (Sphinx reST, MediaWiki, DokuWiki): what the page means runs, what it does not show
or only shows (staging-only parts, comments, output) never runs, and Markdown documents are not read as wikis."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from importforms import doc_manual, doc_runs, doc_steps, plan_of

RST = """\
=========================
Storage upgrade on stor1
=========================

:Window: Tuesday 8 December 2026, 09:00--13:00 CET

.. |image| replace:: quay.io/ceph/ceph:v19.2.1

1. Pre-checks (20 min)
----------------------

.. code-block:: console

   $ ceph -s | grep health
       health: HEALTH_OK

.. only:: staging

   On staging use the release candidate::

      ceph orch upgrade start --image registry.stage.example/ceph:rc2

..
   Old way, kept for history (a comment: everything indented under `..`)::

      systemctl restart ceph-osd.target

2. Upgrade (60 min)
-------------------

Start
~~~~~

.. parsed-literal::

   ceph orch upgrade start --image |image|

Wait
~~~~

.. code-block:: bash

   for flag in noout noscrub; do
      ceph osd set "$flag"
   done

.. warning::

   Never run ``systemctl restart ceph-osd.target`` while it upgrades.

3. Finish (10 min)
------------------

.. code-block:: bash

   ceph osd require-osd-release squid
"""

MEDIAWIKI = """\
__NOTOC__
'''New VCL for the edge.'''

== 1. Preparation (05:00–05:15) ==
# Update the checkout:
<syntaxhighlight lang="bash">
cd ~/varnish-config
git pull --ff-only
</syntaxhighlight>
<pre>
available   auto    warm    0    vcl_old
</pre>
<!-- Old procedure:
for h in cache0{1..6}; do ssh $h sudo systemctl restart varnish; done -->
# Tell [[Channel:ops|#ops]] the change starts.

== 2. Rollout (05:15–05:35) ==
# Roll out:
<syntaxhighlight lang="bash">
ansible-playbook -i inventory/prod varnish.yml --tags vcl
</syntaxhighlight>
"""

DOKUWIKI = """\
~~NOTOC~~
====== PHP upgrade on the farm ======

^ Role ^ Person ^
| Runs | Pawel Kaminski |

===== 1. Preparation (01:00–01:20) =====

  * Check every minion answers:
<code bash>
salt -C 'G@role:web' test.ping --out=txt | grep -vc ': True'
</code>
/* old way:
<code bash>
salt '*' state.highstate
</code>
*/

===== 2. Canary (01:20–01:50) =====

<code bash>
salt 'web-101' state.apply php
</code>
"""


def test_rst_titles_blocks_and_substitutions_keep_their_meaning() -> None:
    res = import_markdown(RST, "ceph.md")
    names = [p["name"] for p in res.data["phases"]]
    assert len(names) == 3 and names[1].startswith("2. Upgrade"), names  # `~~~~~` titles, never tilde fences
    runs = doc_runs(RST)
    assert "ceph orch upgrade start --image quay.io/ceph/ceph:v19.2.1" in runs  # |image| as Sphinx replaces it
    assert "|image|" not in runs
    loop = next(str(s) for s in doc_steps(RST) if "ceph osd set" in str(s))
    assert "for flag in noout noscrub; do" in loop and "done" in loop  # the loop is one block, never a paragraph
    assert "require-osd-release" in runs
    assert any("reStructuredText" in s for s in res.summary)


def test_rst_staging_only_part_comments_and_warnings_never_run() -> None:
    runs = doc_runs(RST)
    assert "registry.stage.example" not in runs  # `.. only:: staging`: not on the production page
    assert "registry.stage.example" not in doc_manual(RST)
    assert "systemctl restart ceph-osd.target" not in runs  # a `..` comment and a warning's body
    assert "health: HEALTH_OK" not in runs


def test_mediawiki_numbered_items_are_no_phases_and_pre_and_comments_never_run() -> None:
    res = import_markdown(MEDIAWIKI, "vcl.md")
    names = [p["name"] for p in res.data["phases"]]
    assert [n.split(" (")[0] for n in names] == ["1. Preparation", "2. Rollout"], names
    runs = doc_runs(MEDIAWIKI)
    assert "cd ~/varnish-config" in runs and "git pull --ff-only" in runs
    assert "ansible-playbook -i inventory/prod varnish.yml" in runs
    assert "available" not in runs  # `<pre>`: output the page shows
    assert "systemctl restart varnish" not in runs and "systemctl restart varnish" not in doc_manual(MEDIAWIKI)
    assert any("MediaWiki" in s for s in res.summary)


def test_dokuwiki_headings_code_tags_and_comments() -> None:
    data = plan_of(DOKUWIKI)
    names = [p["name"] for p in data["phases"]]
    assert [n.split(" (")[0] for n in names] == ["1. Preparation", "2. Canary"], names
    assert data["name"] == "PHP upgrade on the farm"
    runs = doc_runs(DOKUWIKI)
    assert "test.ping" in runs and "salt 'web-101' state.apply php" in runs
    assert "state.highstate" not in runs  # a `/* */` comment


def test_markdown_is_never_read_as_a_wiki() -> None:
    md = "# Deploy\n\n## 1. Build\n\n```bash\nmake\n```\n\n== not a heading ==\n\n.. note:: text\n"
    res = import_markdown(md, "x.md")
    assert not any(w in s for s in res.summary for w in ("reStructuredText", "MediaWiki", "DokuWiki"))


POLISH_BACK = DOKUWIKI + """
===== Wycofanie =====

**Poziom 1 — tylko kanarek.** Kiedy: błędy 5xx na web-101.
<code bash>
salt 'web-101' state.apply php pillar='{"php": {"version": "8.2"}}'
</code>

**Poziom 2 — cała farma.** Kiedy: więcej niż 1% stron z błędami.
<code bash>
salt -C 'G@role:web' state.apply php pillar='{"php": {"version": "8.2"}}' --batch-size 25%
</code>

===== Kryteria sukcesu =====

  * Wszystkie serwery na PHP 8.3.
"""


def test_polish_way_back_and_criteria_are_no_forward_steps() -> None:
    data = plan_of(POLISH_BACK)
    forward = "\n".join(str(s) for p in data["phases"] for s in p.get("steps") or [])
    assert "version\": \"8.2\"" not in forward and "8.2" not in forward.replace("G@php:8.2", "")
    levels = data["rollback"]["levels"]
    assert [lv["level"] for lv in levels] == [1, 2], levels
    assert "batch-size 25%" in str(levels[1]["steps"]) and "batch-size 25%" not in str(levels[0]["steps"])
    assert any("PHP 8.3" in c for c in data["success_criteria"])


def test_a_backing_out_heading_is_the_way_back() -> None:
    md = ("# Upgrade\n\n## 1. Upgrade\n\n```bash\n./upgrade.sh\n```\n\n"
          "## Backing out\n\n```bash\n./downgrade.sh\n```\n")
    data = plan_of(md)
    forward = "\n".join(str(s) for p in data["phases"] for s in p.get("steps") or [])
    assert "downgrade.sh" not in forward
    assert "downgrade.sh" in str(data["rollback"]["levels"])


def test_mediawiki_note_box_with_its_own_bold_label_is_the_gate_whole() -> None:
    doc = MEDIAWIKI.replace("== 2. Rollout", "{{Note|'''Go/No-Go''' at 05:35: Mette Holm decides.}}\n\n== 2. Rollout")
    gate = plan_of(doc)["phases"][0]["gate"]
    assert "05:35" in gate["description"] and "Note" not in gate["description"], gate
