"""The brief's two pages as ReportLab flowables, drawn from a `BriefView` (nothing is decided here)."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from planner import CATEGORIES
from planner.presentation.brief.layout import (
    CONTENT_W,
    FONT_BOLD,
    INK,
    MAX_SCENARIOS,
    MAX_WARNINGS_PAGE1,
    MAX_WARNINGS_PAGE2,
    PANEL,
    QUALITY_COLORS,
    RULE,
    TINT,
    ChartSlot,
    badge_width,
    esc,
    section,
    side_by_side,
    table_style,
)
from planner.presentation.brief.track import track_section
from planner.presentation.brief.view import BriefView
from planner.presentation.charts import COLORS
from planner.presentation.charts import brief as brief_charts
from planner.presentation.i18n import Messages, languages, round_sig

__all__ = ["page_one", "page_two", "BADGE_FONT_SIZE"]

BADGE_FONT_SIZE = 9
RECOMMENDED_TINT = "#e6f4ee"


def _swatch(category: str) -> str:
    return f'<font color="{COLORS[category]}">■</font> '


def quality_badge_width() -> float:
    """Wide enough for every language's quality marks (FAIR, KOHTALAINEN...)."""
    marks = []
    for lang in languages():
        m = Messages(lang)
        marks += [m.quality(q)[0] for q in ("good", "fair", "weak", None)]
    return max(25 * mm, badge_width(marks, FONT_BOLD, BADGE_FONT_SIZE))


# -- page 1 -------------------------------------------------------------------------------------


def _header(v: BriefView, st) -> list:
    items = [Paragraph(esc(v.title), st["title"])]
    if v.organisation:
        items.append(
            Paragraph(esc(v.organisation), ParagraphStyle("org", st["meta"], fontName=FONT_BOLD, textColor=INK))
        )
    items += [Spacer(1, 1), Paragraph(esc(v.subtitle), st["meta"]), Spacer(1, 9)]
    return items


def _headline_box(v: BriefView, st) -> list:
    """The decision (verb first, bold), its reason, the gain's parts and the next step, in one box."""
    head = v.headline
    accent = COLORS["recommended"] if head.action == "move" else QUALITY_COLORS.get(v.quality, QUALITY_COLORS[None])
    if head.action == "keep" and head.kind in ("no_better_split", "small_gain"):
        accent = QUALITY_COLORS[None]
    cells = [Paragraph(esc(head.text), st["headline"]), Spacer(1, 3), Paragraph(esc(head.reason), st["lead"])]
    if v.gain_parts:
        cells += [Spacer(1, 3), Paragraph(esc(v.gain_parts), st["lead"])]
    if v.held_note:
        cells += [Spacer(1, 3), Paragraph(esc(v.held_note), st["lead"])]
    if head.next_step:
        cells += [Spacer(1, 5), Paragraph(f"<b>{esc(head.next_step)}</b>", st["lead"])]
    box = Table([[cells]], colWidths=[CONTENT_W])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PANEL),
                ("LINEBEFORE", (0, 0), (0, -1), 4, colors.HexColor(accent)),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return [box]


def _glossary(v: BriefView, st, page: int) -> list:
    """One small line naming the technical terms the page keeps, each with its gloss."""
    text = v.glossary(page)
    if not text:
        return []
    return [Spacer(1, 6), Paragraph(f"<b>{esc(v.m('glossary_label'))}</b> {esc(text)}", st["small"])]


def _quality_box(v: BriefView, st) -> list:
    key = v.quality if v.quality in ("good", "fair", "weak") else None
    mark, sentence = v.quality_mark
    warnings = v.warnings
    shown = warnings[:MAX_WARNINGS_PAGE1]
    text = f"<b>{esc(v.m('quality_label'))}: {esc(mark)}.</b> {esc(sentence)}"
    if v.quality in ("weak", "fair") and v.quality_reason:
        text += f" {esc(v.quality_reason)}"
    cells = [Paragraph(text, st["body"])]
    for w in shown:
        cells.append(Paragraph(esc(w), st["bullet"], bulletText="•"))
    if len(warnings) > len(shown):
        cells.append(Paragraph(esc(v.m("more_warnings", n=len(warnings) - len(shown))), st["small"]))
    pill_w = quality_badge_width()
    pill = Table([[Paragraph(esc(mark), st["mark"])]], colWidths=[pill_w], rowHeights=[16])
    pill.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(QUALITY_COLORS[key])),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROUNDEDCORNERS", [3, 3, 3, 3]),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    table = Table([[pill, cells]], colWidths=[pill_w + 10, CONTENT_W - pill_w - 10])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(TINT[key])),
                ("LEFTPADDING", (0, 0), (0, -1), 8),
                ("LEFTPADDING", (1, 0), (1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return [Spacer(1, 6), table]


def _split_section(v: BriefView, st, placed: list, figures: dict) -> list:
    m = v.m
    cols = v.split_columns
    head = [Paragraph("", st["cell_head"])] + [Paragraph(esc(c.label), st["cell_head_r"]) for c in cols]
    rows = [head]
    for cat in CATEGORIES:
        row = [Paragraph(_swatch(cat) + esc(m.category(cat, "cap")), st["cell"])]
        for col in cols:
            row.append(
                Paragraph(
                    f"<b>{esc(m.pct(col.shares[cat]))}</b><br/><font size=7 color='#5f6670'>"
                    f"{esc(m.eur(col.euros[cat]))}</font>",
                    st["cell_r"],
                )
            )
        rows.append(row)
    enc_row = [Paragraph(esc(m("row_encounters")), st["cell"])]
    int_row = [Paragraph(esc(m("row_interval", level=v.interval_level)), st["cell"])]
    cost_row = [Paragraph(esc(m("row_cost")), st["cell"])]
    for col in cols:
        enc_row.append(Paragraph(f"<b>{esc(v.enc(col.encounters))}</b>", st["cell_r"]))
        if col.low is not None and col.high is not None:
            int_row.append(Paragraph(esc(m.range(v.enc(col.low), v.enc(col.high))), st["cell_r_small"]))
        else:
            int_row.append(Paragraph("–", st["cell_r"]))
        cost_row.append(Paragraph(esc(m.eur_cost(col.cost)) if col.cost else "–", st["cell_r"]))
    if v.value_objective:
        # the objective's expected value leads; encounters stay as the plain count behind it
        value_row = [Paragraph(esc(m("row_value", objective=v.objective)), st["cell"])]
        value_int = [Paragraph(esc(m("row_interval", level=v.interval_level)), st["cell"])]
        for col in cols:
            value_row.append(Paragraph(f"<b>{esc(v.value_cell(col.value))}</b>", st["cell_r"]))
            value_int.append(Paragraph(esc(v.value_range(col.value_low, col.value_high)), st["cell_r_small"]))
        enc_row = [Paragraph(esc(m("col_encounters")), st["cell"])]
        enc_row += [Paragraph(esc(v.enc(col.encounters)), st["cell_r"]) for col in cols]
        rows += [value_row, value_int, enc_row]
    else:
        rows += [enc_row, int_row, cost_row]
    first_w, col_w = 84, 76
    table = Table(rows, colWidths=[first_w] + [col_w] * len(cols))
    style = table_style(len(rows), zebra=False)
    style.add("LINEABOVE", (0, 4), (-1, 4), 0.6, RULE)
    for i, col in enumerate(cols):
        if col.highlight:
            style.add("BACKGROUND", (i + 1, 0), (i + 1, -1), colors.HexColor(RECOMMENDED_TINT))
    table.setStyle(style)
    left = [table, Spacer(1, 4), Paragraph(esc(v.split_note), st["small"])]
    left += _budget_level(v, st)

    short = {"current": m("col_current"), "recommended": m("col_recommended"), "candidate": m("col_best_found_short")}
    bars = [(short.get(c.key, v.split_label(c.shares)), c.shares) for c in cols]
    highlighted = next((short.get(c.key) for c in cols if c.highlight), None)
    gap = 14
    fig = brief_charts.split_bars(
        bars, m, width=(CONTENT_W - first_w - col_w * len(cols) - gap) / 72, height=1.5, highlight=highlighted
    )
    figures["brief_split"] = fig
    right = [Spacer(1, 6), ChartSlot(fig, placed)] + _funnel_lines(v, st)
    return [side_by_side(left, right, first_w + col_w * len(cols) + gap, gap=gap)]


def _claim_section(v: BriefView, st, placed: list, figures: dict) -> list:
    contrib = v.results.contributions
    rows = {c: {"share": contrib[c].share, "low": contrib[c].low, "high": contrib[c].high} for c in CATEGORIES}
    fig = brief_charts.claim_shares(
        rows,
        v.spend_shares_all_data,
        v.claim_bands,
        v.m,
        width=86 / 25.4,
        height=1.5,
        unknown=[c for c in CATEGORIES if not v.identified(c)],
    )
    figures["brief_claim"] = fig
    texts = v.claim_texts
    right = []
    for i, t in enumerate(texts):
        right += [Paragraph(esc(t), st["body"]), Spacer(1, 5 if i < len(texts) - 1 else 0)]
    return [side_by_side([ChartSlot(fig, placed)], right, 86 * mm + 10, gap=10)]


def _frontier_section(v: BriefView, st, placed: list, figures: dict) -> list:
    rows = v.frontier_rows
    if len(rows) < 2:
        return []
    m = v.m
    story = section(m("sec_frontier"), st)
    points, current_point, labels = v.frontier_points
    fig = brief_charts.frontier(
        points,
        m,
        budget=v.budget,
        current=current_point,
        period=m.period(v.weeks, "noun"),
        width=86 / 25.4,
        height=1.6,
        y_labels=labels,
    )
    figures["brief_frontier"] = fig
    text = v.frontier_text
    story.append(
        side_by_side([ChartSlot(fig, placed)], [Paragraph(esc(text), st["body"])] if text else [], 86 * mm + 10)
    )
    return story


def _budget_level(v: BriefView, st) -> list:
    """Profit plans: how much to spend, beside the split at the fixed budget."""
    text = v.budget_level
    if not text:
        return []
    return [Spacer(1, 5), Paragraph(f"<b>{esc(v.m('budget_level_label'))}</b> {esc(text)}", st["small_ink"])]


def _funnel_lines(v: BriefView, st) -> list:
    """Conversion seen two ways, and the experience warning when the split lowers the score."""
    lines = v.funnel_lines
    warning = v.experience_warning
    if not lines and not warning:
        return []
    story = [Spacer(1, 8), Paragraph(esc(v.m("sec_funnel")), st["cell_head"])]
    for text in lines:
        story += [Spacer(1, 2), Paragraph(esc(text), st["small_ink"])]
    if warning:
        color = QUALITY_COLORS["weak"]
        story += [Spacer(1, 3), Paragraph(f"<font color='{color}'><b>{esc(warning)}</b></font>", st["small_ink"])]
    return story


def page_one(v: BriefView, st, placed: list, figures: dict) -> list:
    m = v.m
    story = _header(v, st)
    story += _headline_box(v, st)
    story += _quality_box(v, st)
    story += section(m("sec_split"), st)
    story += _split_section(v, st, placed, figures)
    story += section(m("sec_claim"), st)
    story += _claim_section(v, st, placed, figures)
    story += _frontier_section(v, st, placed, figures)
    story += _glossary(v, st, 1)
    return story


# -- page 2 -------------------------------------------------------------------------------------


def _head_row(labels: list[str], st) -> list:
    return [Paragraph(esc(h), st["cell_head"] if i == 0 else st["cell_head_r"]) for i, h in enumerate(labels)]


def _scenarios(v: BriefView, st) -> list:
    m = v.m
    story = section(m("sec_scenarios", period=m.period(v.weeks, "noun")), st)
    head = [m("col_scenario")] + [m.category(c, "cap") for c in CATEGORIES]
    valued = v.value_objective
    if valued:
        head += [m("col_encounters"), m("col_value", objective=v.objective), m("col_interval", level=v.interval_level)]
    else:
        head += [m("col_encounters"), m("col_interval", level=v.interval_level), m("col_cost")]
    rows = [_head_row(head, st)]
    style_rows = []
    for label, s, bold in v.scenario_rows[:MAX_SCENARIOS]:
        text = esc(label)
        row = [Paragraph(f"<b>{text}</b>" if bold else text, st["cell"])]
        euros = v.rounded_euros(s)
        for c in CATEGORIES:
            row.append(
                Paragraph(
                    f"{esc(m.eur(euros[c]))}<br/><font size=7 color='#5f6670'>{esc(m.pct(float(s.split[c])))}</font>",
                    st["cell_r"],
                )
            )
        if valued and s.value is not None:
            row.append(Paragraph(esc(v.enc(s.expected_encounters)), st["cell_r"]))
            row.append(Paragraph(f"<b>{esc(v.value_cell(s.value.value))}</b>", st["cell_r"]))
            row.append(Paragraph(esc(v.value_range(s.value.low, s.value.high)), st["cell_r_small"]))
            rows.append(row)
            if bold:
                style_rows.append(len(rows) - 1)
            continue
        row.append(Paragraph(f"<b>{esc(v.enc(s.expected_encounters))}</b>", st["cell_r"]))
        interval = m.range(v.enc(s.low), v.enc(s.high)) if s.low is not None and s.high is not None else "–"
        row.append(Paragraph(esc(interval), st["cell_r"]))
        row.append(Paragraph(esc(m.eur_cost(s.cost_per_encounter)) if s.cost_per_encounter else "–", st["cell_r"]))
        rows.append(row)
        if bold:
            style_rows.append(len(rows) - 1)
    widths = [78, 60, 60, 64, 70, 70] if valued else [86, 64, 64, 64, 68, 82]
    widths.append(CONTENT_W - sum(widths))
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = table_style(len(rows))
    for r in style_rows:
        style.add("BACKGROUND", (0, r), (-1, r), colors.HexColor(RECOMMENDED_TINT))
    table.setStyle(style)
    story.append(table)
    return story


def _share_cell(v: BriefView, category: str) -> str:
    m = v.m
    row = v.results.contributions[category]
    ranged = v.ranged(row)
    span = esc("–".join(v.share_ends(row.low, row.high, unit=False))) if ranged else ""
    if not v.identified(category):
        text = f"<i>{esc(m('chart_claim_unknown'))}</i>"
        return text + (f" <font size=7 color='#5f6670'>({span})</font>" if ranged else "")
    if v.held and ranged:
        # beside a category the data cannot show, a point share rests on a guess of it: the range only
        return f"<b>{span}</b>"
    text = f"<b>{esc(m.pct(row.share))}</b>"
    if ranged:
        text += f" <font size=7 color='#5f6670'>({span})</font>"
    return text


def _contributions(v: BriefView, st) -> list:
    m = v.m
    story = section(m("sec_contrib", data_period=v.data_period), st)
    spend = v.data.spend_by_category.all_data
    head = [m("col_category"), m("col_spend"), m("col_share"), m("col_generated"), m("row_cost"), m("col_marginal")]
    rows = [_head_row(head, st)]
    for c in CATEGORIES:
        row_c = v.results.contributions[c]
        spend_c = spend[c]
        rows.append(
            [
                Paragraph(_swatch(c) + esc(m.category(c, "cap")), st["cell"]),
                Paragraph(esc(m.eur(round_sig(spend_c, 3))) if spend_c is not None else "–", st["cell_r"]),
                Paragraph(_share_cell(v, c), st["cell_r"]),
                Paragraph(esc(v.enc(row_c.encounters)) if row_c.encounters is not None else "–", st["cell_r"]),
                Paragraph(esc(m.eur_cost(row_c.cost_per_encounter)) if row_c.cost_per_encounter else "–", st["cell_r"]),
                Paragraph(
                    esc(m.eur_cost(row_c.marginal_cost_per_encounter)) if row_c.marginal_cost_per_encounter else "–",
                    st["cell_r"],
                ),
            ]
        )
    widths = [78, 72, 100, 75, 72]
    widths.append(CONTENT_W - sum(widths))
    table = Table(rows, colWidths=widths)
    table.setStyle(table_style(len(rows)))
    story += [table, Spacer(1, 3), Paragraph(esc(m("contrib_note", weeks=m.int(v.weeks))), st["small"])]
    return story


def _curves(v: BriefView, st) -> list:
    """Where each category sits on its response curve, as the model judged it."""
    m, model = v.m, v.model
    saturation = model.saturation or {}
    current = v.data.spend_by_category.current
    head = [m("col_category"), m("col_halflife"), m("col_half_sat"), m("col_spend_week", weeks=m.int(v.weeks))]
    head.append(m("col_saturation"))
    rows = [_head_row(head, st)]
    for c in CATEGORIES:
        if c not in (model.half_saturation or {}):
            continue
        per_week = float(current[c]) / v.weeks if v.weeks else None
        level = saturation[c].level if c in saturation else None
        rows.append(
            [
                Paragraph(_swatch(c) + esc(m.category(c, "cap")), st["cell"]),
                Paragraph(esc(v.halflife(c)), st["cell_r"]),
                Paragraph(esc(m.eur(round_sig(model.half_saturation[c], 2))), st["cell_r"]),
                Paragraph(esc(m.eur(round_sig(per_week, 2))) if per_week else "–", st["cell_r"]),
                Paragraph(f"<b>{esc(m.pct(level))}</b>" if level is not None else "–", st["cell_r"]),
            ]
        )
    if len(rows) == 1:
        return []
    widths = [78, 100, 100, 110]
    widths.append(CONTENT_W - sum(widths))
    table = Table(rows, colWidths=widths)
    table.setStyle(table_style(len(rows)))
    return [*section(m("sec_curves"), st), table, Spacer(1, 3), Paragraph(esc(m("curves_note")), st["small"])]


def _model_checks(v: BriefView, st) -> list:
    m = v.m
    story = section(m("sec_model"), st)
    key = v.quality if v.quality in ("good", "fair", "weak") else None
    mark, _ = v.quality_mark
    stats = v.stats_line
    story.append(
        Paragraph(
            f"<font color='{QUALITY_COLORS[key]}'><b>● {esc(m('quality_label'))}: {esc(mark)}</b></font>"
            + (f" · {esc(stats)}" if stats else ""),
            st["body"],
        )
    )
    if v.pooled_note:
        story.append(Paragraph(esc(v.pooled_note), st["body"]))
    warnings = v.warnings
    story.append(Spacer(1, 3))
    for w in warnings[:MAX_WARNINGS_PAGE2]:
        story.append(Paragraph(esc(w), st["bullet"], bulletText="•"))
    if len(warnings) > MAX_WARNINGS_PAGE2:
        story.append(Paragraph(esc(m("more_warnings_report", n=len(warnings) - MAX_WARNINGS_PAGE2)), st["small"]))
    if not warnings:
        story.append(Paragraph(esc(m("no_warnings")), st["body"]))
    return story


def _funnel_detail(v: BriefView, st) -> list:
    """The last horizon's funnel, encounters -> leads -> deals -> revenue with the rates, and the
    customer-experience line."""
    stages = v.funnel_chain
    experience = v.experience_lines
    if not stages and not experience:
        return []
    m = v.m
    story = section(v.funnel_chain_title if stages else m("sec_funnel"), st)
    if stages:
        labels, values = [], []
        arrow = st["small"].clone("rate", alignment=1)
        for i, stage in enumerate(stages):
            labels.append(Paragraph(esc(stage.label), st["cell_head"]))
            values.append(Paragraph(f"<b>{esc(stage.value)}</b>", st["cell"]))
            if i < len(stages) - 1:
                labels.append(Paragraph(f"<font size=11>→</font><br/>{esc(stage.rate or '')}", arrow))
                values.append("")
        n_stages = len(stages)
        stage_w = 68
        arrow_w = (CONTENT_W - stage_w * n_stages) / max(n_stages - 1, 1)
        widths = [stage_w if i % 2 == 0 else arrow_w for i in range(2 * n_stages - 1)]
        table = Table([labels, values], colWidths=widths)
        style = TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
        for i in range(0, 2 * n_stages - 1):
            if i % 2 == 0:
                style.add("BACKGROUND", (i, 0), (i, -1), PANEL)
            else:
                style.add("SPAN", (i, 0), (i, 1))
        table.setStyle(style)
        story.append(table)
        note = v.funnel_chain_note
        if note:
            story += [Spacer(1, 3), Paragraph(esc(note), st["small"])]
    if experience:
        story.append(Spacer(1, 4))
        story += [Paragraph(esc(t), st["small_ink"]) for t in experience]
    if v.experience_warning:
        color = QUALITY_COLORS["weak"]
        story.append(Paragraph(f"<font color='{color}'>{esc(v.experience_warning)}</font>", st["small_ink"]))
    return story


def page_two(v: BriefView, st) -> list:
    m = v.m
    story: list = [
        Paragraph(esc(f"{m('detail_title')} · {v.title}"), st["title"].clone("t2", fontSize=13, leading=16)),
        Spacer(1, 2),
    ]
    story += _scenarios(v, st)
    story += _contributions(v, st)
    story += _funnel_detail(v, st)
    story += _curves(v, st)
    story += _model_checks(v, st)
    story += track_section(v.results, st)
    story += section(m("sec_bounds"), st)
    story += [Paragraph(esc(t), st["body"]) for t in v.bounds_texts]
    story += _glossary(v, st, 2)
    return story
