"""Charts for the annual report, drawn with matplotlib in a Japanese font that ships
in a pip package (matplotlib-fontja's IPAexGothic), so no system font is needed.

Every chart is PNG bytes at print resolution, the same bytes for the same data.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

DPI = 200
WIDTH_MM = 160.0
_COLORS = ["#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E"]


@lru_cache(maxsize=1)
def _font_name() -> str:
    import matplotlib_fontja
    from matplotlib import font_manager

    path = Path(matplotlib_fontja.__file__).parent / "fonts" / "ipaexg.ttf"
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _figure(height_mm: float):
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_MM / 25.4, height_mm / 25.4), dpi=DPI)
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    # No software/date metadata: the same data must give the same bytes.
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style():
    import matplotlib

    return matplotlib.rc_context({
        "font.family": _font_name(), "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
        "axes.unicode_minus": False, "svg.hashsalt": "sasaeai",
    })


def meetings_against_target(names: list[str], held: list[int], planned: list[int] | None, targets: list[int],
                            height_mm: float = 70) -> bytes:
    """Bars of meetings held per council, the target as a marker, and (while the year runs) the 見込み.

    `planned` is None once the year is over: then only held meetings are drawn.
    """
    with _style():
        fig = _figure(height_mm)
        ax = fig.add_subplot()
        x = range(len(names))
        ax.bar(x, held, color=_COLORS[0], label="開催済")
        tops = list(held)
        if planned is not None:
            # Hatched and pale so nobody reads the 見込み as meetings that took place.
            ax.bar(x, planned, bottom=held, color="white", edgecolor=_COLORS[4], hatch="///", linewidth=0.8,
                   label="見込み（今後の予定）")
            tops = [h + p for h, p in zip(held, planned)]
        ax.scatter(x, targets, marker="_", s=600, linewidths=2.5, color=_COLORS[1], label="年間目標", zorder=3)
        ax.set_xticks(list(x), [_wrap(n) for n in names])
        _unit_label(ax, "回")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=3)
        ax.set_ylim(0, max([*targets, *tops, 1]) * 1.25)
        fig.tight_layout()
        return _png(fig)


def meetings_histogram(counts: list[int], targets: list[int], height_mm: float = 70) -> bytes:
    """For many councils: how many councils met how many times, with the usual target marked."""
    from collections import Counter

    with _style():
        fig = _figure(height_mm)
        ax = fig.add_subplot()
        freq = Counter(counts)
        xs = list(range(0, max([*counts, *targets, 1]) + 1))
        ax.bar(xs, [freq[x] for x in xs], color=_COLORS[0], label="協議体数")
        target = sorted(targets)[len(targets) // 2] if targets else 0
        ax.axvline(target - 0.5, color=_COLORS[1], linewidth=2, label=f"年間目標（{target}回）")
        ax.axvline(2.5, color=_COLORS[2], linewidth=1.5, linestyle="--", label="3回未満は承認型会議の恐れ")
        ax.set_xticks(xs)
        ax.set_xlabel("年度内の開催回数（開催済）")
        _unit_label(ax, "協議体数")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        fig.tight_layout()
        return _png(fig)


def horizontal_counts(labels: list[str], counts: list[int], unit: str, height_mm: float | None = None) -> bytes:
    """A horizontal bar per label (member make-up by 団体種別, issues by stage)."""
    height_mm = height_mm or max(40.0, 7.0 * len(labels) + 18)
    with _style():
        fig = _figure(height_mm)
        ax = fig.add_subplot()
        y = list(range(len(labels)))[::-1]
        bars = ax.barh(y, counts, color=_COLORS[0])
        ax.set_yticks(y, labels)
        ax.bar_label(bars, labels=[f"{c}{unit}" for c in counts], padding=3, fontsize=8)
        ax.set_xlim(0, max([*counts, 1]) * 1.2)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if not labels:
            _nothing(ax)
        fig.tight_layout()
        return _png(fig)


def stacked_by_area(areas: list[str], kinds: list[str], counts: dict[str, list[int]],
                    height_mm: float = 75) -> bytes:
    """Activities per area, stacked by kind."""
    with _style():
        fig = _figure(height_mm)
        ax = fig.add_subplot()
        bottom = [0] * len(areas)
        x = range(len(areas))
        for i, kind in enumerate(kinds):
            values = counts[kind]
            ax.bar(x, values, bottom=bottom, color=_COLORS[i % len(_COLORS)], label=kind)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(list(x), [_wrap(a) for a in areas])
        _unit_label(ax, "件")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(0, max([*bottom, 1]) * 1.3)
        if kinds:
            ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=4)
        else:
            _nothing(ax)
        fig.tight_layout()
        return _png(fig)


def _unit_label(ax, unit: str) -> None:
    """The y axis unit written upright above the axis, as Japanese charts do (a sideways 回 reads badly)."""
    ax.set_ylabel(f"（{unit}）", rotation=0, ha="right", va="bottom")
    ax.yaxis.set_label_coords(0.0, 1.02)


def _nothing(ax) -> None:
    ax.text(0.5, 0.5, "該当なし", transform=ax.transAxes, ha="center", va="center", fontsize=11, color="#808080")


def _wrap(text: str, width: int = 7) -> str:
    """Break long Japanese names for tick labels (no spaces to break at)."""
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def font_path() -> Path:
    """The IPAexGothic file that ships with matplotlib-fontja."""
    from importlib.util import find_spec

    # Found, not imported: importing the package imports matplotlib (0.16 s), and the 名札
    # cards only need the file's metrics.
    spec = find_spec("matplotlib_fontja")
    return Path(spec.submodule_search_locations[0]) / "fonts" / "ipaexg.ttf"
