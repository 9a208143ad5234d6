"""Timeline and canary charts as inline SVG, written by hand: the report must open offline, print, and carry
no script. Every label goes through `esc` because plan names and reasons come from outside."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from golive.masking import safe
from golive.report.model import Report
from golive.units import format_duration

W = 960
LEFT = 190
RIGHT = 20
ROW = 28


def esc(text: object) -> str:
    """What `html.escape(str(text), quote=True)` gives; the stdlib module imports its table of 2,000 named
    entities, which escaping never uses, at every run's end (the run writes its HTML report). Control and bidi
    characters are shown, not kept (golive.masking.safe): the page may be printed to a terminal
    (`golive report --format html`), and a U+202E reorders what a browser shows after it."""
    return (safe(text, multiline=True).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _nice_step(span: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400):
        if span / step <= 8:
            return float(step)
    return 86400.0 * max(1, round(span / 86400 / 8))


def timeline(r: Report) -> str:
    """Phases (actual vs timebox), window, rollback shading, gate decisions and approvals on one time axis."""
    t0 = _t(r.started_at)
    ends = [_t(r.finished_at or r.last_event_at)]
    for ph in r.phases:
        if ph.started_at and ph.timebox:
            ends.append(_t(ph.started_at) + timedelta(seconds=ph.timebox))
    span = max(1.0, max((e - t0).total_seconds() for e in ends))
    span *= 1.04
    plot_w = W - LEFT - RIGHT

    def x(at: str | datetime) -> float:
        dt = _t(at) if isinstance(at, str) else at
        return LEFT + max(0.0, min(span, (dt - t0).total_seconds())) / span * plot_w

    rows = [f"Phase {ph.index}: {ph.name}" for ph in r.phases]
    if r.rollback:
        rows.append("Rollback")
    top = 30
    height = top + ROW * len(rows) + 56
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {W} {height}" width="100%"'
        f' role="img" aria-label="Run timeline">',
        "<title>Run timeline</title>",
    ]
    # deployment window, clipped to the view
    if r.window_start and r.window_end:
        ws, we = _t(r.window_start), _t(r.window_end)
        lo, hi = max(0.0, (ws - t0).total_seconds()), min(span, (we - t0).total_seconds())
        if hi > lo:
            out.append(f'<rect class="window" x="{LEFT + lo / span * plot_w:.1f}" y="{top - 6}"'
                       f' width="{(hi - lo) / span * plot_w:.1f}" height="{ROW * len(rows) + 12}">'
                       f"<title>deployment window {esc(r.window_start)} – {esc(r.window_end)}</title></rect>")
        if 0 < (we - t0).total_seconds() < span:
            xe = x(we)
            out.append(f'<line class="window-end" x1="{xe:.1f}" x2="{xe:.1f}" y1="{top - 10}"'
                       f' y2="{top + ROW * len(rows) + 6}"><title>window ends {esc(r.window_end)}</title></line>')
        beyond = [f"{what} ends {esc(at[:16])} (+{esc(format_duration((_t(at) - t0).total_seconds()))})"
                  for what, at in (("window", r.window_end), ("rollback window", r.rollback_until))
                  if at and (_t(at) - t0).total_seconds() >= span]
        if beyond:
            out.append(f'<text class="tick beyond" x="{W - RIGHT}" y="{top - 14}" text-anchor="end">'
                       f"{' · '.join(beyond)} →</text>")
        if r.rollback_until and 0 < (_t(r.rollback_until) - t0).total_seconds() < span:
            xr = x(r.rollback_until)
            out.append(f'<line class="rollback-until" x1="{xr:.1f}" x2="{xr:.1f}" y1="{top - 10}"'
                       f' y2="{top + ROW * len(rows) + 6}"><title>rollback window ends'
                       f" {esc(r.rollback_until)}</title></line>")
    # rollback shading across every row
    if r.rollback:
        x1 = x(r.rollback.started_at)
        x2 = x(r.rollback.finished_at or r.finished_at or r.last_event_at)
        out.append(f'<rect class="rollback-shade" x="{x1:.1f}" y="{top - 6}" width="{max(2.0, x2 - x1):.1f}"'
                   f' height="{ROW * len(rows) + 12}"><title>rollback: {esc(r.rollback.reason)}</title></rect>')
    for i, label in enumerate(rows):
        y = top + i * ROW
        out.append(f'<text class="row-label" x="{LEFT - 8}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end">'
                   f"{esc(label[:28])}</text>")
        out.append(f'<line class="row-line" x1="{LEFT}" x2="{W - RIGHT}" y1="{y + ROW:.1f}" y2="{y + ROW:.1f}"/>')
    for i, ph in enumerate(r.phases):
        if not ph.started_at:
            continue
        y = top + i * ROW + 6
        if ph.timebox:
            xs = x(ph.started_at)
            tb_end = _t(ph.started_at) + timedelta(seconds=ph.timebox)
            out.append(f'<rect class="timebox" x="{xs:.1f}" y="{y - 2}" width="{max(1.0, x(tb_end) - xs):.1f}"'
                       f' height="{ROW - 8}"><title>timebox {esc(format_duration(ph.timebox))}</title></rect>')
        end = ph.finished_at or r.finished_at or r.last_event_at
        xs, xe = x(ph.started_at), x(end)
        cls = "bar overrun" if ph.overrun else ("bar nogo" if ph.status == "no-go" else "bar")
        dur = format_duration((_t(end) - _t(ph.started_at)).total_seconds())
        out.append(f'<rect class="{cls}" x="{xs:.1f}" y="{y + 2}" width="{max(2.0, xe - xs):.1f}"'
                   f' height="{ROW - 16}"><title>{esc(ph.name)}: {esc(dur)} ({esc(ph.status)})</title></rect>')
    rows_of = {ph.index: i for i, ph in enumerate(r.phases)}
    for m in r.markers:
        if m.kind not in ("gate.waiting", "gate.decided", "gate.approved", "gate.rejected", "phase.overrun"):
            continue
        row = rows_of.get(m.phase) if m.phase is not None else None
        if row is None:
            continue
        cx, cy = x(m.at), top + row * ROW + ROW / 2
        if m.kind == "gate.decided":
            cls = "gate go" if m.decision == "go" else "gate nogo"
            out.append(f'<path class="{cls}" d="M{cx:.1f} {cy - 7:.1f} l7 7 l-7 7 l-7 -7 z">'
                       f"<title>{esc(m.label)}</title></path>")
        elif m.kind == "gate.waiting":
            out.append(f'<path class="gate waiting" d="M{cx:.1f} {cy - 7:.1f} l7 7 l-7 7 l-7 -7 z">'
                       f"<title>{esc(m.label)}</title></path>")
        elif m.kind == "phase.overrun":
            out.append(f'<path class="overrun-mark" d="M{cx:.1f} {cy - 7:.1f} l6 11 l-12 0 z">'
                       f"<title>{esc(m.label)}</title></path>")
        else:
            cls = "approval" if m.kind == "gate.approved" else "rejection"
            out.append(f'<circle class="{cls}" cx="{cx:.1f}" cy="{cy - 9:.1f}" r="4">'
                       f"<title>{esc(m.label)}</title></circle>")
    if r.rollback:
        y = top + len(r.phases) * ROW + 6
        x1 = x(r.rollback.started_at)
        x2 = x(r.rollback.finished_at or r.finished_at or r.last_event_at)
        out.append(f'<rect class="bar rollback" x="{x1:.1f}" y="{y + 2}" width="{max(2.0, x2 - x1):.1f}"'
                   f' height="{ROW - 16}"><title>rollback ({esc(r.rollback.status)})</title></rect>')
    # axis
    ay = top + ROW * len(rows) + 10
    out.append(f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{ay}" y2="{ay}"/>')
    step = _nice_step(span)
    s = 0.0
    while s <= span:
        tx = LEFT + s / span * plot_w
        out.append(f'<line class="axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="{ay}" y2="{ay + 5}"/>'
                   f'<text class="tick" x="{tx:.1f}" y="{ay + 17}" text-anchor="middle">+{esc(format_duration(s))}'
                   "</text>")
        s += step
    out.append(f'<text class="tick" x="{LEFT}" y="{ay + 34}">start {esc(r.started_at[:19])}Z</text>')
    out.append(f'<text class="tick" x="{W - RIGHT}" y="{ay + 34}" text-anchor="end">'
               f"{'end' if r.finished_at else 'last event'} {esc((r.finished_at or r.last_event_at)[:19])}Z</text>")
    out.append("</svg>")
    return "\n".join(out)


def line_chart(title: str, unit: str, series: list[tuple[str, str, list[tuple[float, float]]]],
               span: float, *, steps: bool = False,
               marks: list[tuple[float, float, str, str]] | None = None) -> str:
    """A small multi-series chart over seconds since the run started. `steps`: values hold until the next
    point (traffic weights change at once, not gradually). `marks`: (t, value, css class, tooltip) symbols."""
    h, top, bottom = 170, 24, 28
    plot_w, plot_h = W - LEFT - RIGHT, h - top - bottom
    values = [v for _, _, pts in series for _, v in pts]
    vmax = max(values) if values else 1.0
    vmax = vmax * 1.1 if vmax > 0 else 1.0
    span = max(span, 1.0)

    def px(t: float) -> float:
        return LEFT + max(0.0, min(span, t)) / span * plot_w

    def py(v: float) -> float:
        return top + plot_h - v / vmax * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {h}" width="100%" role="img"'
           f' aria-label="{esc(title)}">', f"<title>{esc(title)}</title>",
           f'<text class="chart-title" x="{LEFT}" y="16">{esc(title)}</text>',
           f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{top + plot_h}" y2="{top + plot_h}"/>',
           f'<text class="tick" x="{LEFT - 6}" y="{top + 4}" text-anchor="end">{esc(f"{vmax:.3g}")} {esc(unit)}</text>',
           f'<text class="tick" x="{LEFT - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
           f'<text class="tick" x="{W - RIGHT}" y="{top + plot_h + 14}" text-anchor="end">'
           f"+{esc(format_duration(span))}</text>",
           f'<text class="tick" x="{LEFT}" y="{top + plot_h + 14}">+0s</text>']
    for i, (label, color, pts) in enumerate(series):
        if not pts:
            continue
        line = pts
        if steps:
            line = [pts[0]]
            for (_, v0), (t1, v1) in pairwise(pts):
                line += [(t1, v0), (t1, v1)]
            line.append((span, pts[-1][1]))
        coords = " ".join(f"{px(t):.1f},{py(v):.1f}" for t, v in line)
        out.append(f'<polyline class="series" fill="none" stroke="{esc(color)}" stroke-width="2" points="{coords}">'
                   f"<title>{esc(label)}</title></polyline>")
        for t, v in pts:
            out.append(f'<circle class="point" cx="{px(t):.1f}" cy="{py(v):.1f}" r="2.5" fill="{esc(color)}">'
                       f"<title>{esc(label)}: {esc(f'{v:.4g}')} {esc(unit)} at +{esc(format_duration(t))}</title>"
                       "</circle>")
        out.append(f'<text class="legend" x="{LEFT + 10 + i * 170}" y="{h - 6}" fill="{esc(color)}">'
                   f"■ {esc(label)}</text>")
    for t, v, cls, tip in marks or []:
        out.append(f'<path class="{esc(cls)}" d="M{px(t):.1f} {py(v) - 6:.1f} l6 6 l-6 6 l-6 -6 z">'
                   f"<title>{esc(tip)}</title></path>")
    out.append("</svg>")
    return "\n".join(out)


def canary_charts(r: Report) -> str:
    """Traffic weight with the judge's verdicts on it, then canary vs baseline error rate and p95."""
    if not r.canary:
        return ""
    t0 = _t(r.started_at)
    span = max(1.0, (_t(r.finished_at or r.last_event_at) - t0).total_seconds())

    def since(at: str) -> float:
        return (_t(at) - t0).total_seconds()

    def pts(attr: str, scale: float = 1.0) -> list[tuple[float, float]]:
        return [(since(p.at), float(v) * scale) for p in r.canary if (v := getattr(p, attr)) is not None]

    charts: list[str] = []
    weight = pts("weight")
    marks: list[tuple[float, float, str, str]] = []
    current = 0.0
    for p in r.canary:
        if p.weight is not None:
            current = p.weight
        if p.verdict:
            marks.append((since(p.at), current, f"verdict {p.verdict}",
                          f"verdict {p.verdict.upper()} at {current:g}%: {p.reason or ''}"))
    if weight or marks:
        charts.append(line_chart("Traffic to the new version (◆ verdicts)", "%",
                                 [("canary weight", "#1f6feb", weight)], span, steps=True, marks=marks))
    err = [("canary", "#d1242f", pts("canary_error_rate", 100)), ("baseline", "#57606a",
                                                                    pts("baseline_error_rate", 100))]
    if any(s[2] for s in err):
        charts.append(line_chart("Error rate", "%", err, span))
    p95 = [("canary", "#d1242f", pts("canary_p95")), ("baseline", "#57606a", pts("baseline_p95"))]
    if any(s[2] for s in p95):
        charts.append(line_chart("Latency p95", "ms", p95, span))
    return "\n".join(charts)
