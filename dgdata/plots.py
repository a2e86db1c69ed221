"""Matplotlib views of the usage, billing and transcript frames.

Each plot takes frame(s) from :mod:`dgdata.frames`, draws on ``ax`` (a new figure when None)
and returns the Axes.  The numbers it draws come from a small pure function returning the
table behind the plot, to inspect, test or re-plot yourself:

- ``usage_requests`` frames: :func:`spend_over_time` (:func:`spend_table`),
  :func:`hours_by_method` (:func:`hours_table`), :func:`requests_by_status`
  (:func:`status_table`), :func:`top_keys_by_spend` (:func:`key_spend_table`);
- ``balances`` + ``usage_requests``: :func:`balance_burndown` (:func:`burndown`);
- ``words`` / ``utterances`` frames: :func:`confidence_histogram` (:func:`confidence_table`),
  :func:`speaker_timeline` (:func:`speaker_segments`), :func:`words_per_minute`
  (:func:`wpm_table`).

Example::

    requests = frames.usage_requests(pages)
    plots.spend_over_time(requests, freq="W", by="model")
    plots.spend_table(requests, freq="W", by="model")  # the stacked bars, as numbers
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import matplotlib.pyplot as plt
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "Burndown",
    "balance_burndown",
    "burndown",
    "confidence_histogram",
    "confidence_table",
    "hours_by_method",
    "hours_table",
    "key_spend_table",
    "requests_by_status",
    "speaker_segments",
    "speaker_timeline",
    "spend_over_time",
    "spend_table",
    "status_table",
    "top_keys_by_spend",
    "words_per_minute",
    "wpm_table",
]

Freq = Literal["D", "W", "M"]
_FREQ_RANGE = {"D": "D", "W": "W-MON", "M": "MS"}
_BAR_DAYS = {"D": 0.8, "W": 5.6, "M": 24.0}
_OTHER = "other"


# --------------------------------------------------------------------------- shared helpers


def _axes(ax: Axes | None) -> Axes:
    return plt.subplots()[1] if ax is None else ax


def _period_start(created: pd.Series, freq: str) -> pd.Series:
    """Each timestamp's period start (UTC midnight; weeks start Monday, months on the 1st)."""
    if freq not in _FREQ_RANGE:
        raise ValueError(f"freq must be one of {sorted(_FREQ_RANGE)}, got {freq!r}")
    day = created.dt.floor("D")
    if freq == "W":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if freq == "M":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    return day


def _labels(requests: pd.DataFrame, by: str | None) -> pd.Series:
    """The group label of each request: a column's value, or the joined tags."""
    if by is None:
        return pd.Series("total", index=requests.index)
    if by in ("tag", "tags"):
        return requests["tags"].map(lambda tags: "+".join(map(str, tags)) or "(untagged)")
    column = {"key": "accessor"}.get(by, by)
    if column not in requests.columns:
        raise ValueError(f"cannot group requests by {by!r}: no such column")
    return requests[column].astype("string").fillna("(unknown)")


def _by_period(
    requests: pd.DataFrame, values: pd.Series, labels: pd.Series, freq: str
) -> pd.DataFrame:
    """Sum ``values`` per (period start, label); every period in the span is a row."""
    created = requests["created"]
    keep = created.notna()
    periods = _period_start(created[keep], freq)
    summed = values[keep].groupby([periods.rename("period"), labels[keep]]).sum()
    table = summed.unstack(fill_value=0) if len(summed) else pd.DataFrame()
    if table.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="period"), dtype="float64")
    span = pd.date_range(table.index.min(), table.index.max(), freq=_FREQ_RANGE[freq])
    table = table.reindex(span, fill_value=0.0).rename_axis("period")
    table.columns = table.columns.astype(object)
    table.columns.name = None
    return table.astype("float64")


def _stacked_bars(ax: Axes, table: pd.DataFrame, freq: str) -> None:
    x = list(pd.DatetimeIndex(table.index).to_pydatetime())
    bottom = [0.0] * len(table)
    for column in table.columns:
        heights = table[column].tolist()
        ax.bar(x, heights, bottom=bottom, width=_BAR_DAYS[freq], label=str(column))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if len(table.columns) > 1:
        ax.legend(fontsize="small")
    ax.figure.autofmt_xdate()


# --------------------------------------------------------------------------- spend


def spend_table(
    requests: pd.DataFrame, freq: Freq = "D", by: str | None = "model", *, top: int = 8
) -> pd.DataFrame:
    """USD spent per period (rows, UTC period starts) and group (columns), as drawn stacked.

    ``by``: "model", "tag" (the request's tags joined by "+"), "method", "accessor" /
    "api_key_id", any other column of :func:`dgdata.frames.usage_requests`, or None (one
    "total" column).  The ``top`` groups by total spend are kept, largest first; the rest are
    summed into "other", so each row still adds up to the period's spend.  Requests without
    a cost (``usd_available`` False) count as 0; groups that spent nothing are left out.

    Example::

        spend_table(requests, freq="W", by="method").sum(axis=1)  # spend per week
    """
    labels = _labels(requests, by)
    table = _by_period(requests, requests["usd"].fillna(0.0), labels, freq)
    totals = table.sum()
    order = totals[totals != 0].sort_values(ascending=False, kind="stable").index.tolist()
    kept, rest = order[:top], order[top:]
    result = table[kept].copy()
    if rest:
        result[_OTHER] = table[rest].sum(axis=1)
    return result


def spend_over_time(
    requests: pd.DataFrame,
    freq: Freq = "D",
    by: str | None = "model",
    *,
    top: int = 8,
    ax: Axes | None = None,
) -> Axes:
    """Stacked bars of USD spent per day / week / month, split by ``by`` (:func:`spend_table`).

    Example::

        spend_over_time(frames.usage_requests(pages), freq="W", by="tag")
    """
    ax = _axes(ax)
    table = spend_table(requests, freq, by, top=top)
    _stacked_bars(ax, table, freq)
    ax.set_ylabel("USD")
    ax.set_title(f"Spend per {dict(D='day', W='week', M='month')[freq]}")
    return ax


def key_spend_table(requests: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` API keys (``accessor``) with the highest spend: columns ``usd``, ``requests``.

    Example::

        key_spend_table(requests, n=3).index.tolist()  # the three most expensive keys
    """
    keys = requests["accessor"].astype("string").fillna("(unknown)")
    grouped = requests.assign(key=keys).groupby("key", sort=False)
    table = pd.DataFrame({"usd": grouped["usd"].sum(), "requests": grouped.size()})
    table = table.sort_values(["usd", "requests"], ascending=False, kind="stable").head(n)
    table.index = table.index.astype(object)
    return table.rename_axis("accessor").astype({"usd": "float64", "requests": "int64"})


def top_keys_by_spend(requests: pd.DataFrame, n: int = 10, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the ``n`` most expensive API keys, largest on top."""
    ax = _axes(ax)
    table = key_spend_table(requests, n)
    ax.barh([str(k) for k in table.index[::-1]], table["usd"].tolist()[::-1])
    ax.set_xlabel("USD")
    ax.set_title(f"Top {len(table)} keys by spend")
    return ax


# --------------------------------------------------------------------------- volume and status


def hours_table(requests: pd.DataFrame) -> pd.DataFrame:
    """Audio hours and request count per processing method (sync / async / streaming).

    Hours are the sum of ``duration``, which Deepgram's usage reference gives in hours.
    """
    methods = requests["method"].astype("string").fillna("(unknown)")
    grouped = requests.assign(method=methods).groupby("method", sort=True)
    table = pd.DataFrame({"hours": grouped["duration"].sum(), "requests": grouped.size()})
    table.index = table.index.astype(object)
    return table.astype({"hours": "float64", "requests": "int64"})


def hours_by_method(requests: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars of audio hours per processing method (:func:`hours_table`)."""
    ax = _axes(ax)
    table = hours_table(requests)
    ax.bar([str(m) for m in table.index], table["hours"].tolist())
    ax.set_ylabel("audio hours")
    ax.set_title("Audio hours by method")
    return ax


def status_table(requests: pd.DataFrame, freq: Freq = "D") -> pd.DataFrame:
    """Requests per period by status: ``succeeded``, ``failed`` and ``other`` (no code, 3xx)."""
    labels = requests["status"].astype("string").fillna(_OTHER)
    ones = pd.Series(1.0, index=requests.index)
    table = _by_period(requests, ones, labels, freq)
    ordered = [s for s in ("succeeded", "failed", _OTHER) if s in table.columns]
    return table.reindex(columns=ordered).astype("int64")


def requests_by_status(requests: pd.DataFrame, freq: Freq = "D", *, ax: Axes | None = None) -> Axes:
    """Stacked bars of requests per period, succeeded vs failed (:func:`status_table`)."""
    ax = _axes(ax)
    _stacked_bars(ax, status_table(requests, freq).astype("float64"), freq)
    ax.set_ylabel("requests")
    ax.set_title("Requests by status")
    return ax


# --------------------------------------------------------------------------- balance


@dataclass(frozen=True)
class Burndown:
    """How long the balance lasts at the recent daily spend (:func:`burndown`).

    ``days_left`` is ``balance / daily_rate`` (infinite with no recent spend); ``projection``
    is the projected balance per day from ``now`` until it reaches zero (at most a year).
    """

    balance: float
    daily_rate: float
    days_left: float
    now: pd.Timestamp
    window_days: int
    projection: pd.DataFrame


def burndown(
    balances: pd.DataFrame,
    requests: pd.DataFrame,
    window_days: int = 7,
    *,
    now: pd.Timestamp | None = None,
    horizon_days: int = 365,
) -> Burndown:
    """Days of balance left at the average daily spend over the last ``window_days``.

    The balance is the sum of ``amount`` over balances in USD (or without units); the rate is
    the spend of requests created in ``(now - window_days, now]`` divided by ``window_days``.
    ``now`` defaults to the newest request (so a saved export gives the same answer later).

    Example::

        burndown(frames.balances(response), frames.usage_requests(pages)).days_left
    """
    if window_days <= 0:
        raise ValueError("window_days must be positive")
    units = balances["units"].astype("string").str.lower()
    balance = float(balances.loc[units.isna() | (units == "usd"), "amount"].sum())
    created = requests["created"]
    if now is None:
        now = created.max() if created.notna().any() else pd.Timestamp.now(tz="UTC")
    now = pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    recent = (created > now - pd.Timedelta(days=window_days)) & (created <= now)
    daily_rate = float(requests.loc[recent, "usd"].sum()) / window_days
    days_left = balance / daily_rate if daily_rate > 0 else math.inf
    days = range(math.ceil(min(max(days_left, 0.0), horizon_days)) + 1)
    projection = pd.DataFrame(
        {"balance": [max(balance - daily_rate * d, 0.0) for d in days]},
        index=pd.DatetimeIndex([now + pd.Timedelta(days=d) for d in days], name="date"),
    )
    return Burndown(balance, daily_rate, days_left, now, window_days, projection)


def balance_burndown(
    balances: pd.DataFrame,
    requests: pd.DataFrame,
    window_days: int = 7,
    *,
    now: pd.Timestamp | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The projected balance at the recent spend rate, annotated with the days left."""
    ax = _axes(ax)
    estimate = burndown(balances, requests, window_days, now=now)
    projection = estimate.projection
    ax.plot(
        list(pd.DatetimeIndex(projection.index).to_pydatetime()), projection["balance"].tolist()
    )
    ax.axhline(0.0, color="grey", linewidth=0.8)
    if math.isinf(estimate.days_left):
        text = f"${estimate.balance:,.2f}: no spend in the last {window_days} days"
    else:
        text = (
            f"{estimate.days_left:,.1f} days left at ${estimate.daily_rate:,.2f}/day "
            f"(last {window_days} days)"
        )
    ax.annotate(text, xy=(0.02, 0.95), xycoords="axes fraction", va="top")
    ax.set_ylabel("USD")
    ax.set_title("Balance burn-down")
    ax.figure.autofmt_xdate()
    return ax


# --------------------------------------------------------------------------- transcripts


def _first_alternative(frame: pd.DataFrame) -> pd.DataFrame:
    if "alternative" in frame.columns:
        return frame[frame["alternative"].fillna(0) == 0]
    return frame


def confidence_table(words: pd.DataFrame, bins: int = 20) -> pd.DataFrame:
    """Word counts per confidence bin on [0, 1]: columns ``left``, ``right``, ``count``."""
    if bins <= 0:
        raise ValueError("bins must be positive")
    edges = [i / bins for i in range(bins + 1)]
    confidence = _first_alternative(words)["confidence"].dropna().clip(0.0, 1.0)
    binned = pd.cut(confidence, edges, include_lowest=True)
    counts = binned.value_counts(sort=False).tolist() if len(confidence) else [0] * bins
    return pd.DataFrame({"left": edges[:-1], "right": edges[1:], "count": counts})


def confidence_histogram(words: pd.DataFrame, bins: int = 20, *, ax: Axes | None = None) -> Axes:
    """Histogram of word confidence (:func:`confidence_table`)."""
    ax = _axes(ax)
    table = confidence_table(words, bins)
    ax.bar(table["left"].tolist(), table["count"].tolist(), width=1 / bins, align="edge")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("confidence")
    ax.set_ylabel("words")
    return ax


def speaker_segments(frame: pd.DataFrame, max_gap: float = 2.0) -> pd.DataFrame:
    """Who speaks when: columns ``speaker``, ``start``, ``end`` (seconds).

    Utterance (or paragraph) frames are used row by row.  A word frame (it has a ``word``
    column) is merged into runs of consecutive words by the same speaker, split where the
    silence between two words exceeds ``max_gap`` seconds.  Speaker <NA> is "unknown".
    """
    frame = _first_alternative(frame).dropna(subset=["start", "end"]).sort_values("start")
    raw = frame["speaker"] if "speaker" in frame.columns else [None] * len(frame)
    labels = ["unknown" if pd.isna(speaker) else str(speaker) for speaker in raw]
    speakers = pd.Series(labels, index=frame.index, dtype=object)
    if "word" not in frame.columns:
        out = pd.DataFrame({"speaker": speakers, "start": frame["start"], "end": frame["end"]})
        return out.reset_index(drop=True).astype({"start": "float64", "end": "float64"})
    new_run = (speakers != speakers.shift()) | (frame["start"] - frame["end"].shift() > max_gap)
    runs = new_run.cumsum()
    grouped = frame.assign(speaker=speakers).groupby(runs, sort=True)
    out = grouped.agg(speaker=("speaker", "first"), start=("start", "min"), end=("end", "max"))
    return out.reset_index(drop=True).astype({"start": "float64", "end": "float64"})


def speaker_timeline(frame: pd.DataFrame, max_gap: float = 2.0, *, ax: Axes | None = None) -> Axes:
    """One row of bars per speaker showing when they talk (:func:`speaker_segments`)."""
    ax = _axes(ax)
    segments = speaker_segments(frame, max_gap)
    speakers = sorted(segments["speaker"].unique().tolist(), key=str)
    for row, speaker in enumerate(speakers):
        mine = segments[segments["speaker"] == speaker]
        widths = (mine["end"] - mine["start"]).tolist()
        ax.barh([row] * len(mine), widths, left=mine["start"].tolist(), label=f"speaker {speaker}")
    ax.set_yticks(range(len(speakers)), [f"speaker {s}" for s in speakers])
    ax.set_xlabel("time (s)")
    return ax


def wpm_table(words: pd.DataFrame, window: float = 60.0) -> pd.DataFrame:
    """Speaking rate per ``window`` seconds: columns ``start`` (s), ``words``, ``wpm``.

    A word counts in the window its ``start`` falls in; every window up to the last word is a
    row (silent ones have 0).  ``wpm`` is ``words * 60 / window``.
    """
    if window <= 0:
        raise ValueError("window must be positive")
    starts = _first_alternative(words)["start"].dropna()
    starts = starts[starts >= 0]
    if starts.empty:
        return pd.DataFrame({"start": [], "words": [], "wpm": []}).astype(
            {"start": "float64", "words": "int64", "wpm": "float64"}
        )
    index = (starts // window).astype("int64")
    counts = index.value_counts().reindex(range(int(index.max()) + 1), fill_value=0)
    table = pd.DataFrame({"start": counts.index * window, "words": counts.to_numpy()})
    table["wpm"] = table["words"] * 60.0 / window
    return table.astype({"start": "float64", "words": "int64", "wpm": "float64"})


def words_per_minute(words: pd.DataFrame, window: float = 60.0, *, ax: Axes | None = None) -> Axes:
    """Speaking rate over the recording, one point per ``window`` seconds (:func:`wpm_table`)."""
    ax = _axes(ax)
    table = wpm_table(words, window)
    ax.plot(table["start"].tolist(), table["wpm"].tolist(), marker="o")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("words per minute")
    return ax
