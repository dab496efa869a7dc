"""The weekly digest chart (matplotlib, headless Agg backend, imported only when a chart is drawn).

Two panels of horizontal stacked bars: progress per post (with the post's next deadline marked in its
label and a red marker at the bar's end) and per county: rekvirerad / fakturerad / avstår / öppen.
"""
from __future__ import annotations

import io
from typing import Any

COLORS = {"rekvirerad": "#4C9F70", "fakturerad": "#2F6DB5", "avstår": "#B0B0B0", "öppen": "#E08A2E"}
LABELS = {"rekvirerad": "Rekvirerad", "fakturerad": "Fakturerad/utbetald", "avstår": "Avstår", "öppen": "Öppen"}


def _short_date(d: Any) -> str:
    from engine.formatting import format_date

    return format_date(d)


def _panel(ax: Any, bars: list[Any], title: str, *, deadlines: bool) -> None:
    from engine.digest import CATEGORIES

    labels = []
    for b in bars:
        label = b.label if len(b.label) <= 42 else b.label[:41] + "…"
        if deadlines and b.next_deadline:
            label += f"\nnästa deadline {_short_date(b.next_deadline)}"
        labels.append(label)
    y = list(range(len(bars)))[::-1]
    left = [0] * len(bars)
    for cat in CATEGORIES:
        values = [b.counts[cat] for b in bars]
        ax.barh(y, values, left=left, color=COLORS[cat], label=LABELS[cat], edgecolor="white", height=0.7)
        for yi, lo, v in zip(y, left, values, strict=True):
            if v:
                ax.text(lo + v / 2, yi, str(v), ha="center", va="center", fontsize=8,
                        color="white" if cat != "avstår" else "black")
        left = [lo + v for lo, v in zip(left, values, strict=True)]
    if deadlines:
        for yi, b in zip(y, bars, strict=True):
            if b.next_deadline:
                ax.plot([b.total], [yi], marker="|", markersize=18, color="#C00000", markeredgewidth=2.5)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8.5)
    ax.set_title(title, fontsize=11, loc="left", fontweight="bold")
    ax.set_xlabel("antal rader i fliken Rekvisitioner", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not bars:
        ax.text(0.5, 0.5, "inga rader", transform=ax.transAxes, ha="center", va="center", color="#888888")


def digest_png(digest: Any, dpi: int = 110) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state, thread-safe

    n_posts, n_counties = max(len(digest.posts), 1), max(len(digest.counties), 1)
    height = 1.6 + 0.55 * n_posts + 0.32 * n_counties + 1.2
    fig = Figure(figsize=(10, height), dpi=dpi)
    grid = fig.add_gridspec(2, 1, height_ratios=[0.55 * n_posts + 0.6, 0.32 * n_counties + 0.6], hspace=0.6)
    ax_posts, ax_counties = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    week_no = digest.week.split("W")[-1].lstrip("0")
    title = f"Stimulans – läget v. {week_no} ({_short_date(digest.today)}), {digest.scope}"
    if digest.next_deadline:
        title += f"\nNästa deadline: {_short_date(digest.next_deadline[0])}"
    fig.suptitle(title, fontsize=12.5, x=0.02, ha="left")
    _panel(ax_posts, digest.posts, "Per post", deadlines=True)
    _panel(ax_counties, digest.counties, "Per län", deadlines=False)
    handles, labels = ax_posts.get_legend_handles_labels()
    if any(b.next_deadline for b in digest.posts):
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], marker="|", linestyle="none", markersize=12, color="#C00000",
                              markeredgewidth=2.5))
        labels.append("nästa deadline (datum i etiketten)")
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.33, right=0.97, top=1 - 1.0 / height, bottom=0.9 / height)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
