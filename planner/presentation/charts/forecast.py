"""Chart of the run's forecast: the recent actual weeks, then each split's forecast of all
encounters week by week with the interval of a week's actual count (`planner.inference.forecast.Forecast`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from planner.presentation.charts import COLORS, figure, styled
from planner.presentation.i18n.notebooks import messages

__all__ = ["forecast_chart"]


def forecast_chart(forecast, lang: Any = "en", history: pd.Series | None = None) -> Figure:
    """The forecast of the horizon for the current and the recommended split.

    Parameters
    ----------
    forecast : planner.inference.forecast.Forecast
    lang : str or Messages
        The language of the title, labels and numbers.
    history : Series, optional
        Actual weighted encounters of recent weeks, drawn before the forecast.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = messages(lang)
    level = m.pct(forecast.interval)
    with styled():
        fig = figure(9.0, 3.6)
        ax = fig.subplots()
        if history is not None and len(history):
            ax.plot(history.index, history.to_numpy(), color=COLORS["actual"], lw=1.2, label=m("chart_forecast_actual"))
        for name in ("current", "recommended"):
            frame = forecast.weekly[name]
            colour = COLORS[name]
            ax.plot(frame.index, frame["total"], color=colour, lw=1.8, label=m(f"chart_forecast_{name}"))
            ax.fill_between(frame.index, frame["low"], frame["high"], color=colour, alpha=0.18, lw=0)
        ax.fill_between(
            [], [], [], color=COLORS["recommended"], alpha=0.18, label=m("chart_forecast_interval", level=level)
        )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos=None: m.int(x)))
        ax.set_ylabel(m("chart_forecast_y"))
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4)
        ax.set_title(m("chart_forecast_title"), pad=22)
    return fig
