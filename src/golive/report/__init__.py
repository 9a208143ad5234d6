"""Run reports (HTML, Markdown, JSON) and change-management evidence, built from a run's event log.

Building a report needs the typed plan (pydantic and the plan's step kinds), so the builder is imported when a
report is built, not by `golive log` or `golive runs`, which only read `golive.report.describe` or
`golive.report.outcome`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.errors import UsageError

if TYPE_CHECKING:
    from golive.plan.model import Plan
    from golive.report.builder import build
    from golive.report.model import Report
    from golive.store.base import Store


def __getattr__(name: str) -> Any:
    if name == "Report":
        from golive.report.model import Report

        return Report
    if name == "build":
        from golive.report.builder import build

        return build
    raise AttributeError(name)

FORMATS = {"html": "html", "md": "md", "markdown": "md", "json": "json"}

__all__ = ["FORMATS", "Report", "build", "render", "report_for", "write_reports"]


def render(report: Report, fmt: str) -> str:
    kind = FORMATS.get(fmt)
    if kind == "html":
        from golive.report.html import render_html

        return render_html(report)
    if kind == "md":
        from golive.report.markdown import render_markdown

        return render_markdown(report)
    if kind == "json":
        from golive.report.json import render_json

        return render_json(report)
    raise UsageError(f"unknown report format '{fmt}' (html, md or json)")


def report_for(store: Store, run_id: str, plan: Plan | None = None) -> Report:
    from golive.report.builder import build

    info = store.get_run(run_id)
    return build(store.events(info.id), plan)


def write_reports(store: Store, run_id: str, directory: Path, plan: Plan | None = None) -> list[Path]:
    """Write RUN.html, RUN.md and RUN.json into `directory` (atomically: a reader never sees half a file)."""
    report = report_for(store, run_id, plan)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for ext in ("html", "md", "json"):
        path = directory / f"{report.run_id}.{ext}"
        tmp = path.with_suffix(f".{ext}.tmp")
        if ext == "json":  # written as it is encoded (golive.report.json.iter_json)
            from golive.report.json import iter_json

            with tmp.open("w", encoding="utf-8") as f:
                f.writelines(iter_json(report))
        else:
            tmp.write_text(render(report, ext), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
