"""A check on every figure the lessons draw: text big enough to read, nothing covering
anything, nothing cut off (issue 19).

:func:`check_figure` draws a figure once and reports, from the extents matplotlib gives
each piece of text it drew (``Text.get_window_extent``):

- ``small``: text under ``helpers.figures.MIN_FONT_PT`` points at the size it is shown
  (a figure wider than the notebook column is shown shrunk, and its text with it);
- ``overlap``: two pieces of text covering each other;
- ``outside``: text running off the figure's edge;
- ``clipped``: text cut by the axes that clip it;
- ``legend``: a legend drawn on top of plotted lines, bars or points.

While the lessons execute, the check runs inside their kernels without changing them:
``make test-notebooks`` starts each kernel with ``PYTHONSTARTUP`` pointing at
``tools/figure_check_startup.py`` and ``CNN_COURSE_FIGURE_LOG`` naming a log; that file
loads this one without leaving a name in the lesson's namespace, and :func:`install` wraps
``FigureCanvasBase.print_figure`` so that after a figure has been turned into a picture
(inline output, a widget's PNG, an animation frame) the check runs on it and appends
what it found, with the cell that drew it, to the log. Afterwards
``python -m tools.figure_check report LOG`` names each lesson and cell and fails if
anything was found.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from matplotlib.text import Text

from helpers.figures import COLUMN_WIDTH, MIN_FONT_PT

LOG_VARIABLE = "CNN_COURSE_FIGURE_LOG"
CHECKS_PER_FIGURE = 3  # a widget or an animation prints one figure many times; its first pictures decide
SLACK_PX = 1.0  # extents touching within a pixel do not count


@dataclass(frozen=True)
class Finding:
    kind: str  # small, overlap, outside, clipped, legend
    text: str  # the text concerned (both texts for an overlap)
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r} {self.detail}"


@contextlib.contextmanager
def _recording_texts(drawn: list[Text]):
    original = Text.draw

    def draw(self, renderer):
        result = original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return result

    Text.draw = draw
    try:
        yield
    finally:
        Text.draw = original


def _label(text: Text) -> str:
    s = " ".join(text.get_text().split())
    return s if len(s) <= 40 else s[:37] + "..."


def shown_scale(fig: Figure) -> float:
    """How much the page shrinks the figure: 1 unless it is wider than the notebook column."""
    return min(1.0, COLUMN_WIDTH / fig.get_figwidth())


def _data_boxes(ax, renderer) -> np.ndarray:
    """Display-space boxes (x0, y0, x1, y1) of what the axes plot: line points, bars, markers."""
    boxes = []
    for line in ax.get_lines():
        if not line.get_visible() or len(line.get_xydata()) == 0:
            continue
        xy = np.asarray(line.get_xydata(), dtype=float)
        if len(xy) > 1:  # points along each segment, so a legend over a straight stretch is seen too
            t = np.linspace(0, 1, 12)[:, None, None]
            xy = (xy[:-1][None] * (1 - t) + xy[1:][None] * t).reshape(-1, 2)
        pts = line.get_transform().transform(xy)
        pts = pts[np.isfinite(pts).all(axis=1)]
        boxes.extend((x, y, x, y) for x, y in pts)
    for patch in ax.patches:
        if patch.get_visible() and patch.get_label() != "_nolegend_" or patch.get_visible():
            bb = patch.get_window_extent(renderer)
            if bb.width > 0 and bb.height > 0:
                boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    for coll in ax.collections:
        if not coll.get_visible():
            continue
        offsets = np.asarray(coll.get_offsets(), dtype=float)
        if offsets.ndim == 2 and len(offsets) and coll.get_offset_transform() is not None:
            pts = coll.get_offset_transform().transform(offsets)
            boxes.extend((x, y, x, y) for x, y in pts if np.isfinite(x) and np.isfinite(y))
    return np.asarray(boxes, dtype=float).reshape(-1, 4)


def _inside(boxes: np.ndarray, bb) -> bool:
    if len(boxes) == 0:
        return False
    hit = ((boxes[:, 2] > bb.x0 + SLACK_PX) & (boxes[:, 0] < bb.x1 - SLACK_PX)
           & (boxes[:, 3] > bb.y0 + SLACK_PX) & (boxes[:, 1] < bb.y1 - SLACK_PX))
    return bool(hit.any())


def _outline(text: Text, box: np.ndarray, renderer) -> np.ndarray:
    """The four corners (display pixels) of ``text``'s rectangle, turned as it is drawn."""
    lines = text.get_text().split("\n")
    sizes = [renderer.get_text_width_height_descent(line or " ", text.get_fontproperties(), ismath=False)
             for line in lines]
    width = max(w for w, _, _ in sizes)
    height = sum(h for _, h, _ in sizes) * (text.get_linespacing() if len(lines) > 1 else 1.0)
    angle = np.deg2rad(text.get_rotation())
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    half = np.array([[-width, -height], [width, -height], [width, height], [-width, height]]) / 2
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return centre + half @ turn.T


def _polygons_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two convex polygons overlap by more than SLACK_PX (separating axis test)."""
    for poly in (a, b):
        for k in range(len(poly)):
            edge = poly[(k + 1) % len(poly)] - poly[k]
            axis = np.array([-edge[1], edge[0]]) / (np.hypot(*edge) or 1.0)
            pa, pb = a @ axis, b @ axis
            if pa.max() < pb.min() + SLACK_PX or pb.max() < pa.min() + SLACK_PX:
                return False
    return True


def check_figure(fig: Figure, *, min_pt: float = MIN_FONT_PT) -> list[Finding]:
    """Draw ``fig`` once and return what makes its text hard to read (empty if nothing)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    drawn: list[Text] = []
    with _recording_texts(drawn):
        fig.draw_without_rendering()
    renderer = fig._get_renderer()
    scale = shown_scale(fig)
    findings: list[Finding] = []
    seen: set[int] = set()
    texts = [t for t in drawn if not (id(t) in seen or seen.add(id(t)))]
    boxes = []
    width, height = fig.bbox.width, fig.bbox.height
    for t in texts:
        bb = t.get_window_extent(renderer)
        boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
        shown = t.get_fontsize() * scale
        if shown < min_pt - 1e-6:
            findings.append(Finding("small", _label(t), f"is {shown:.1f} pt as shown (at least {min_pt:g})"))
        if bb.x0 < -SLACK_PX or bb.y0 < -SLACK_PX or bb.x1 > width + SLACK_PX or bb.y1 > height + SLACK_PX:
            findings.append(Finding("outside", _label(t), "runs off the edge of the figure"))
        clip = t.get_clip_box() if t.get_clip_on() else None
        if clip is not None and (bb.x0 < clip.x0 - SLACK_PX or bb.x1 > clip.x1 + SLACK_PX
                                 or bb.y0 < clip.y0 - SLACK_PX or bb.y1 > clip.y1 + SLACK_PX):
            findings.append(Finding("clipped", _label(t), "is cut off by the axes"))
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if len(b) > 1:
        over = ((b[:, None, 0] < b[None, :, 2] - SLACK_PX) & (b[None, :, 0] < b[:, None, 2] - SLACK_PX)
                & (b[:, None, 1] < b[None, :, 3] - SLACK_PX) & (b[None, :, 1] < b[:, None, 3] - SLACK_PX))
        for i, j in zip(*np.nonzero(np.triu(over, k=1))):
            # the boxes of rotated text are wider than the text: compare the turned rectangles themselves
            if texts[i].get_rotation() % 90 or texts[j].get_rotation() % 90:
                if not _polygons_overlap(_outline(texts[i], b[i], renderer), _outline(texts[j], b[j], renderer)):
                    continue
            findings.append(Finding("overlap", f"{_label(texts[i])} / {_label(texts[j])}", "cover each other"))
    legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    for legend in legends:
        if legend is None or not legend.get_visible():
            continue
        bb = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible() and ax.bbox.overlaps(bb) and _inside(_data_boxes(ax, renderer), bb):
                findings.append(Finding("legend", ax.get_title() or "(untitled axes)", "legend covers plotted data"))
                break
    return findings


# --------------------------------------------------------------------------- #
# In a lesson's kernel: check every figure as it is printed, log the findings.
# --------------------------------------------------------------------------- #

def install(log: str | os.PathLike) -> None:
    """Check every figure printed from now on, appending findings to ``log`` (JSON lines)."""
    log = Path(log)
    original = FigureCanvasBase.print_figure
    checks: dict[int, int] = {}
    cell = {"source": ""}  # the cell running now (its source names it in the report)
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        shell.events.register("pre_run_cell", lambda info: cell.update(source=info.raw_cell or ""))

    def print_figure(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        fig = self.figure
        if checks.get(id(fig), 0) < CHECKS_PER_FIGURE and not getattr(print_figure, "busy", False):
            checks[id(fig)] = checks.get(id(fig), 0) + 1
            print_figure.busy = True
            try:
                findings = check_figure(fig)
            except Exception as error:  # the check must never break a lesson: log it instead
                findings = [Finding("error", type(error).__name__, str(error))]
            finally:
                print_figure.busy = False
            if findings:
                title = fig._suptitle.get_text() if fig._suptitle is not None else ""
                title = title or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")
                entry = {"cell": cell["source"], "figure": title, "findings": [asdict(f) for f in findings]}
                with log.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(entry) + "\n")
        return result

    FigureCanvasBase.print_figure = print_figure


# --------------------------------------------------------------------------- #
# After the lessons ran: the report.
# --------------------------------------------------------------------------- #

def _cells(notebooks: Path) -> dict[str, tuple[str, int]]:
    where = {}
    for path in sorted(notebooks.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                where.setdefault("".join(cell["source"]).strip(), (path.name, i))
    return where


def report(log: Path, notebooks: Path) -> int:
    """Print the findings in ``log`` by lesson and cell; the number of figures with findings."""
    if not log.exists():
        print(f"figure check: no findings ({log} was not written)")
        return 0
    where = _cells(notebooks)
    entries, keys = [], set()
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        lesson, cell = where.get(entry["cell"].strip(), ("(cell not in a stored lesson)", -1))
        key = (lesson, cell, json.dumps(entry["findings"]))  # an animation's frames differ in title only
        if key not in keys:
            keys.add(key)
            entries.append((lesson, cell, entry))
    for lesson, cell, entry in sorted(entries, key=lambda e: (e[0], e[1])):
        first = entry["cell"].strip().splitlines()[0] if entry["cell"].strip() else ""
        print(f"{lesson} cell {cell} ({first[:60]}) figure {entry['figure']!r}:")
        by_kind: dict[str, list[Finding]] = {}
        for f in entry["findings"]:
            by_kind.setdefault(f["kind"], []).append(Finding(**f))
        for kind, found in by_kind.items():  # a few examples of each kind, and how many there are
            more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
            print("    " + "; ".join(str(f) for f in found[:3]) + more)
    print(f"figure check: {len(entries)} figure(s) with findings")
    return len(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.figure_check", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="print a log's findings by lesson; exit 1 if there are any")
    rep.add_argument("log", type=Path)
    rep.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    args = parser.parse_args(argv)
    return 1 if report(args.log, args.notebooks) else 0


if __name__ == "__main__":
    sys.exit(main())
