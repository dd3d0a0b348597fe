"""What `make bench` found, as goals met or not and as the markdown table in README.md.

:func:`goals` judges a results dict against the issue's goals (never asserted in tests);
:func:`render_table` writes the table; :func:`update_readme` puts it between the bench
markers of README.md (atomically). benchmarks/run.py produces the results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from helpers.files import write_atomic

MARK_START = "<!-- bench:start -->"
MARK_END = "<!-- bench:end -->"

# Goals from the issue, checked against the measurements (never asserted in tests).
GOAL_COURSE_SECONDS_TO_99 = 10.0
GOAL_SPEEDUP = 10.0
GOAL_FASHION_ACCURACY = 0.92
GOAL_FASHION_SECONDS = 60.0
GOAL_COURSE_TOTAL_SECONDS = 300.0
GOAL_PEAK_RSS_MB = 2048.0
GOAL_LOAD_SECONDS = 0.5


def _get(d: dict | None, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def goals(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each goal of the issue: the measured value, the goal, and whether it is met
    (None when the section was not run)."""

    def goal(value: Any, text: str, ok: Callable[[Any], bool]) -> dict[str, Any]:
        return {"value": value, "goal": text, "met": None if value is None else bool(ok(value))}

    course_99 = _get(results, "mnist", "course", "seconds_to_99")
    course_ran = _get(results, "mnist", "course") is not None
    ratio = _get(results, "mnist", "ratio_pytorch_examples_to_course")
    every_seed = _get(results, "mnist", "course", "every_seed_final_at_target") is not False
    fa = _get(results, "fashion", "course", "test_accuracy")
    fs = _get(results, "fashion", "course", "median_seconds")
    if fs is None:
        fs = _get(results, "fashion", "course", "seconds")
    out = {
        "mnist_course_seconds_to_99": goal(course_99 if course_99 is not None else (float("inf") if course_ran else None),
                                           "median <= 10 s, every seed >= 99.0% at the end",
                                           lambda v: v <= GOAL_COURSE_SECONDS_TO_99 and every_seed),
        "mnist_speedup_vs_pytorch_examples": goal(ratio, ">= 10x", lambda v: v >= GOAL_SPEEDUP),
        "fashion_accuracy_and_seconds": goal(
            None if fa is None else [fa, fs], "median >= 92% in median <= 60 s",
            lambda v: v[0] >= GOAL_FASHION_ACCURACY and v[1] <= GOAL_FASHION_SECONDS,
        ),
        "course_total_seconds": goal(_get(results, "course", "total_seconds"), "<= 300 s", lambda v: v <= GOAL_COURSE_TOTAL_SECONDS),
        "course_all_notebooks_ran": goal(_get(results, "course", "failed"), "no notebook fails", lambda v: not v),
        "course_peak_rss_mb": goal(_get(results, "course", "peak_rss_mb"), "< 2048 MiB", lambda v: v < GOAL_PEAK_RSS_MB),
        "load_mnist_seconds": goal(_get(results, "micro", "load_mnist", "cold_seconds"), "< 0.5 s", lambda v: v < GOAL_LOAD_SECONDS),
        "conv2d_numpy_over_torch": goal(_get(results, "micro", "conv", "conv2d_ratio"), "<= 3x", lambda v: v <= 3.0),
        "kernel_editor_update_ms": goal(_get(results, "micro", "conv", "kernel_editor_update_ms"), "< 50 ms", lambda v: v < 50.0),
    }
    if _get(results, "course", "complete") is False and out["course_total_seconds"]["met"]:
        out["course_total_seconds"]["met"] = None  # not all notebooks ran: unknown yet
    if out["mnist_course_seconds_to_99"]["value"] == float("inf"):
        out["mnist_course_seconds_to_99"]["value"] = None
        out["mnist_course_seconds_to_99"]["met"] = False
    return out


def _s(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f} s"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}%"


def _seed_list(seeds: list[dict[str, Any]]) -> str:
    """Every seed's final accuracy and training seconds, e.g. 'seed 0: 99.10% in 7.4 s, ...'."""
    return ", ".join(f"seed {r['seed']}: {_pct(r['test_accuracy'])} in {_s(r['train_seconds'])}" for r in seeds)


def _met(g: dict[str, Any] | None) -> str:
    if not g or g["met"] is None:
        return ""
    return "yes" if g["met"] else "**no**"


def _mnist_rows(results: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows of the MNIST section: each recipe, then the speed-up."""
    rows: list[tuple[str, str, str, str]] = []
    mnist = results.get("mnist")
    if mnist:
        for key, label in (("course", "course (lesson 09)"), ("pytorch_examples", "PyTorch examples recipe"), ("tutorial_cnn", "tutorial CNN")):
            r = mnist.get(key)
            if not r:
                continue
            if r["seconds_to_99"] is not None:
                reached = f"{r['seconds_to_99']:.1f} s (epoch {r['epochs_to_target']:.2f})"
            elif r["stopped"] == "time_cap":
                reached = f"not reached within its {r['cap_seconds']:.0f} s training cap"
            elif r["stopped"] == "wall_cap":
                reached = f"not reached within its {r['wall_cap_seconds']:.0f} s wall-clock cap"
            else:
                reached = f"not within {r['epochs']:.2f} epochs"
            detail = f"{reached}; final {_pct(r['test_accuracy'])} after {_s(r['train_seconds'])} ({r['epochs']:.2f} epochs, {r['stopped'].replace('_', ' ')})"
            if len(r.get("seeds") or []) > 1:
                detail = f"median of {len(r['seeds'])} seeds: {detail}; " + _seed_list(r["seeds"])
            goal_text, met = ("median ≤ 10 s, every seed ≥ 99.0%", _met(g.get("mnist_course_seconds_to_99"))) if key == "course" else ("", "")
            rows.append((f"MNIST to 99.0%: {label}", detail, goal_text, met))
        ratio = mnist.get("ratio_pytorch_examples_to_course")
        if ratio is not None:
            rows.append(("MNIST speed-up: PyTorch examples / course", ("≥ " if mnist.get("ratio_is_lower_bound") else "") + f"{ratio:.1f}×", "≥ 10×", _met(g.get("mnist_speedup_vs_pytorch_examples"))))
    return rows


def _fashion_rows(results: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The Fashion-MNIST reference recipe's row."""
    rows: list[tuple[str, str, str, str]] = []
    fashion = _get(results, "fashion", "course")
    if fashion:
        detail = f"{_pct(fashion['test_accuracy'])} after {_s(fashion['seconds'])} ({fashion['epochs']:.2f} epochs; 92% at {_s(fashion['seconds_to_92'])})"
        if len(fashion.get("seeds") or []) > 1:
            detail = f"median of {len(fashion['seeds'])} seeds: {detail}; " + _seed_list(fashion["seeds"])
        rows.append(("Fashion-MNIST: lesson 10's reference recipe", detail, "median ≥ 92% in median ≤ 60 s", _met(g.get("fashion_accuracy_and_seconds"))))
    return rows


def _compute_rows(results: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The achieved-compute row."""
    rows: list[tuple[str, str, str, str]] = []
    comp = results.get("compute")
    if comp and comp.get("achieved_flops_per_second"):
        rows.append((
            "Achieved compute (MNIST course recipe)",
            f"{comp['achieved_flops_per_second'] / 1e9:.1f} GFLOP/s = {100 * comp['fraction_of_matmul_peak']:.0f}% of matmul {comp['matmul']['flops_per_second'] / 1e9:.1f} GFLOP/s "
            f"({comp['training_flops_per_sample'] / 1e6:.1f} MFLOP/sample × {comp['samples_seen']} samples)",
            "", "",
        ))
    return rows


def _course_rows(results: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Executing every notebook: time and peak memory."""
    rows: list[tuple[str, str, str, str]] = []
    course = results.get("course")
    if course:
        largest = course.get("largest_notebook")
        failed = course.get("failed") or []
        rows.append(("Execute every notebook (one at a time)", f"{course['total_seconds']:.0f} s for {course['notebooks']} notebooks" + (f"; FAILED: {', '.join(failed)}" if failed else "")
                     + ("" if course.get("complete", True) else f" (interrupted: {course['notebooks']} of {course.get('notebooks_expected', '?')} ran)"), "≤ 300 s", _met(g.get("course_total_seconds"))))
        rows.append(("Peak kernel memory (largest lesson)", "—" if course["peak_rss_mb"] is None else f"{course['peak_rss_mb']:.0f} MiB ({largest})", "< 2 GB", _met(g.get("course_peak_rss_mb"))))
    return rows


def _micro_rows(results: dict[str, Any], g: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """MNIST load time and the convolution micro-benchmark."""
    rows: list[tuple[str, str, str, str]] = []
    micro = results.get("micro")
    if micro:
        lm = micro.get("load_mnist")
        if lm:
            rows.append(("`load_mnist(\"train\")` first call / warm", f"{lm['cold_seconds']:.3f} s / {lm['warm_seconds']:.3f} s", "< 0.5 s", _met(g.get("load_mnist_seconds"))))
        conv = micro.get("conv")
        if isinstance(conv, dict) and "error" in conv:
            rows.append(("Convolution micro-benchmark", str(conv["error"]).replace("|", "\\|"), "", ""))
        elif isinstance(conv, dict):
            known = {  # headline figures of benchmarks/bench_conv.py run()
                "conv2d_numpy_ms": ("conv2d (64, 1, 28, 28) × 32 filters 3×3: numpy", "{:.2f} ms", "", None),
                "conv2d_torch_ms": ("conv2d, same tensors: torch", "{:.2f} ms", "", None),
                "conv2d_ratio": ("conv2d numpy / torch", "{:.2f}×", "≤ 3×", lambda v: v <= 3.0),
                "kernel_editor_update_ms": ("Kernel editor update (one typed edit)", "{:.1f} ms", "< 50 ms", lambda v: v < 50.0),
            }
            for k, v in conv.items():
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    continue  # only the top-level figures; details stay in bench.json
                label, fmt, goal_text, ok = known.get(k, (f"conv micro: {k}", "{:.4g}", "", None))
                rows.append((label, fmt.format(v), goal_text, "" if ok is None else ("yes" if ok(v) else "**no**")))
    return rows


def _footer(results: dict[str, Any]) -> list[str]:
    """The machine, load and settings line under the table."""
    m = results.get("machine", {})
    def load(key: str) -> str:
        v = m.get(key)
        return "?" if not v else f"{v[0]:g}"

    took = results.get("total_benchmark_seconds")
    return [
        "",
        f"Measured {m.get('date', '?')} on {m.get('cpu', '?')} ({m.get('usable_cores', '?')} usable cores, "
        f"{_get(results, 'settings', 'threads') or m.get('torch_threads', '?')} torch threads; 1-minute load average "
        f"{load('loadavg_at_start')} at start, {load('loadavg_at_end')} at end), torch {m.get('torch', '?')}, "
        f"numpy {m.get('numpy', '?')}; the benchmark took {'?' if took is None else f'{took / 60:.1f}'} min"
        + (" — QUICK smoke run, not a measurement" if _get(results, "settings", "quick") else "")
        + ("" if results.get("complete", True) else " — INTERRUPTED, partial results")
        + (". Sections started at (UTC, 1-minute load average): " + ", ".join(
            f"{sec} {str(v.get('date', '?'))[11:16]} ({v['loadavg'][0]:g})" if v.get("loadavg") else f"{sec} {str(v.get('date', '?'))[11:16]}"
            for sec, v in sorted(results.get("measured", {}).items(), key=lambda kv: str(kv[1].get("date"))))
           if results.get("measured") else "")
        + ". Training seconds exclude test-set evaluation (every "
        f"{_get(results, 'settings', 'eval_every') or 0.25:g} epoch); the reference recipes stop at 99.0% or at their cap.",
    ]


def render_table(results: dict[str, Any]) -> str:
    """The markdown table (plus machine line) summarizing a results dict."""
    g = results.get("goals") or goals(results)
    rows = [row for section in (_mnist_rows, _fashion_rows, _compute_rows, _course_rows, _micro_rows)
            for row in section(results, g)]
    lines = ["| Benchmark | Result | Goal | Met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    course = results.get("course")
    course_rows = []
    if course and course.get("per_notebook"):
        course_rows = ["", "| Notebook | Seconds | Peak kernel RSS |", "|---|---|---|"]
        for name, r in course["per_notebook"].items():
            rss = "—" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f} MiB"
            course_rows.append(f"| {name} | {r['seconds']:.1f}{'' if r['ok'] else ' (failed)'} | {rss} |")
    footer = _footer(results)
    if results.get("note"):  # a free-text caveat added to a results file by hand
        footer.append("")
        footer.append(f"Note: {results['note']}")
    return "\n".join(lines + course_rows + footer)


def update_readme(readme: Path, table: str) -> None:
    """Replace the text between the bench markers in ``readme`` (atomic write)."""
    text = readme.read_text()
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"readme: expected {MARK_START} ... {MARK_END} markers in {readme}")
    intro = "Latest `make bench` run (`python -m benchmarks.run --update-readme`; every figure is in `build/bench.json`):\n\n"
    new = text[: start + len(MARK_START)] + "\n" + intro + table + "\n" + text[end:]
    write_atomic(readme, new)
