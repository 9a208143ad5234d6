#!/usr/bin/env bash
# Byte-for-byte comparison of what read commands print, between another checkout's code and this one:
# `report` (html, md, json) and `status` of every run, `plan show` (text and --json, or the positioned errors and
# exit code) of the examples and of a few plans written here (unnamed steps, a failure rolled back, a change
# record, criteria, approvals, a step confirmed ahead, broken plans).
#
#     bench/compare_outputs.sh OTHER/src        # e.g. a worktree of main: git worktree add --detach /tmp/base main
#
# Runs are made with this checkout's golive (the log format is the same), in a temporary directory; the demo's
# run log (.golive/demo/golive.db, from ./scripts/demo) is compared too when it is there.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd); BASE=$(cd "$1" && pwd); PY=$ROOT/.venv/bin/python
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export GOLIVE_USER=tester GOLIVE_STORE=$WORK/store/golive.db
cd "$WORK"; mkdir -p store base new
cat > fail.yaml <<'P'
name: failing
service: svc
environment: prod
version: {from: "1", to: "2"}
approvers: {ops: [ann, bob]}
change: {ticket: CHG-1, reason: because, security_impact: none, testing: ["https://ci.example/1", "evidence.txt"]}
phases:
  - name: one
    timebox: 5m
    steps:
      - shell: echo first
        undo: echo undo-first
      - {name: named, shell: echo second, undo: echo undo-second}
    gate:
      description: first phase done
      checks:
        - check: {type: disk, path: /, min_free: 1KB}
  - name: two
    on_overrun: no-go
    steps:
      - shell: exit 3
      - {shell: echo never, undo: echo never-undo}
rollback:
  levels:
    - {level: 1, name: back, covers: [one, two], steps: [echo level-one]}
success_criteria:
  - works
  - {description: disk ok, check: {check: {type: disk, path: /, min_free: 1KB}}}
P
echo evidence > evidence.txt
cat > wait.yaml <<'P'
name: waiting
service: wsvc
environment: prod
approvers: {ops: [ann]}
phases:
  - name: one
    steps: [echo hi, {manual: {instruction: look}}]
    gate: {approvals: {count: 1, role: ops}}
  - name: two
    steps: [echo two]
P
cat > ahead.yaml <<'P'
name: ahead
service: asvc
environment: prod
routers: {front: {type: builtin, admin: "127.0.0.1:1"}}
phases:
  - name: one
    steps: [{name: look first, manual: {instruction: look}}]
  - name: two
    steps:
      - manual: {instruction: look again}
      - {name: "", switch: {router: front, from: blue, to: green}}
P
printf 'name: bad\nservice: svc\nenvironment: prod\nphases:\n  - name: one\n    steps:\n      - shel: echo typo\n      - shell: 3\n        timeout: forever\n' > bad1.yaml
printf 'name: bad2\nservice: svc\nenvironment: prod\nphases:\n  - name: one\n    steps: [ {shell: echo, undo: {nope: 1}}\n' > bad2.yaml
printf 'name: bad3\nservice: "bad service"\nenvironment: prod\nphases: []\n' > bad3.yaml
G=("$PY" -m golive)
"${G[@]}" run fail.yaml >/dev/null 2>&1; "${G[@]}" run wait.yaml --no-wait >/dev/null 2>&1
"${G[@]}" run ahead.yaml --no-wait >/dev/null 2>&1
ahead=$("${G[@]}" runs --json | "$PY" -c "import json,sys; print(json.load(sys.stdin)[0]['run'])")
"${G[@]}" confirm "$ahead" --phase 2 --by ann --reason ok >/dev/null 2>&1
n=0; diffs=0
both() { # name, args...
  local name=$1; shift
  PYTHONPATH=$BASE "${G[@]}" "$@" >base/$name.out 2>base/$name.err; echo $? >base/$name.rc
  "${G[@]}" "$@" >new/$name.out 2>new/$name.err; echo $? >new/$name.rc
  n=$((n + 1))
  for s in out err rc; do cmp -s base/$name.$s new/$name.$s || { echo "DIFF $name.$s"; diffs=$((diffs + 1)); }; done
}
stores=("$GOLIVE_STORE"); [ -f "$ROOT/.golive/demo/golive.db" ] && { cp "$ROOT/.golive/demo/golive.db" demo.db; stores+=("$WORK/demo.db"); }
for db in "${stores[@]}"; do
  for run in $("$PY" -c "import sqlite3,sys; print(' '.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute('select id from runs')))" "$db"); do
    for f in html md json; do both "report-$run-$f" --store "$db" report "$run" --format $f; done
    both "status-$run" --store "$db" status "$run"
  done
done
for p in "$ROOT"/examples/*/plan.yaml "$WORK"/*.yaml; do
  t=$(basename "$(dirname "$p")")-$(basename "$p")
  both "show-$t" plan show "$p"; both "showjson-$t" plan show --json "$p"
done
echo "compared $n commands (stdout, stderr and exit code of each): $diffs differences"
[ "$diffs" = 0 ]
