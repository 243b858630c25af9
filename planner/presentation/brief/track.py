"""Page 2's track-record block: the horizon's forecast, how the last forecasts fared, and whether
the advice survives a refresh; read from the typed results (`planner.results.Results`), worded by
the catalogue. Nothing is decided here: the numbers and flags come from `planner.inference.forecast`,
`planner.inference.track` and `planner.inference.stability`.
"""

from __future__ import annotations

from planner.presentation.i18n import Messages, round_sig

__all__ = ["MAX_TRACK_RUNS", "track_lines", "track_section"]

#: The brief sums up this many of the latest scored forecasts.
MAX_TRACK_RUNS = 4


def track_lines(results) -> list[str]:
    """The block's sentences in the run's language; empty when the run recorded none of the sections."""
    m = Messages(results.run.language)
    forecast, track, stability = results.forecast, results.track_record, results.stability
    lines: list[str] = []
    if forecast is not None:
        rec, cur = forecast.scenarios["recommended"].total, forecast.scenarios["current"].total
        lines.append(
            m(
                "forecast_line",
                period=m.period(forecast.horizon_weeks, "for"),
                total=m.int(round_sig(rec.total, 3)),
                low=m.int(round_sig(rec.low, 3)),
                high=m.int(round_sig(rec.high, 3)),
                current=m.int(round_sig(cur.total, 3)),
            )
        )
    if track is not None:
        scored = [r for r in track.runs if r.status == "scored"][-MAX_TRACK_RUNS:]
        if scored:
            errors = [abs(r.error) for r in scored if r.error is not None]
            level = forecast.interval if forecast is not None else (track.interval or 0.8)
            lines.append(
                m(
                    "track_summary",
                    n=len(scored),
                    inside=sum(bool(r.inside) for r in scored),
                    level=m.pct(level),
                    error=m.pct(sum(errors) / len(errors) if errors else 0.0),
                )
            )
            gains = [r for r in scored if r.realised_gain is not None and r.forecast_gain is not None]
            if gains:
                lines.append(
                    m(
                        "track_gain",
                        n=len(gains),
                        realised=m.signed(round_sig(sum(r.realised_gain for r in gains))),
                        forecast=m.signed(round_sig(sum(r.forecast_gain for r in gains))),
                    )
                )
        else:
            lines.append(m("track_none"))
        if track.changed:
            lines.append(m("track_changed", n=track.changed))
    if stability is not None:
        lines.append(_stability_line(m, stability))
    return lines


def _stability_line(m: Messages, stability) -> str:
    done = [r for r in stability.refits if r.error is None]
    if not done:
        return m("stability_none")
    weeks = " / ".join(str(r.weeks_dropped) for r in done)
    if stability.direction_holds is False:
        bad = [r.weeks_dropped for r in done if r.direction_holds is False]
        return m("stability_reversed", weeks=min(bad))
    key = "stability_differs" if stability.action_differs else "stability_holds"
    return m(
        key,
        weeks=weeks,
        share=m.number(100 * (stability.share_change or 0.0), 1),
        split=m.number(100 * (stability.split_change or 0.0), 1),
    )


def track_section(results, st) -> list:
    """The block as ReportLab flowables for page 2 (nothing when there is nothing to say)."""
    from reportlab.platypus import Paragraph

    from planner.presentation.brief.layout import esc, section

    lines = track_lines(results)
    if not lines:
        return []
    m = Messages(results.run.language)
    return [*section(m("sec_track"), st), *(Paragraph(esc(t), st["small_ink"]) for t in lines)]
