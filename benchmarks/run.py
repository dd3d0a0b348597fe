"""`make bench`: how fast the course trains, and what running the whole course costs.

Usage::

    .venv/bin/python -m benchmarks.run                      # everything (< 15 minutes)
    .venv/bin/python -m benchmarks.run --only mnist,course  # some sections
    .venv/bin/python -m benchmarks.run --quick              # tiny smoke run (seconds)
    .venv/bin/python -m benchmarks.run --update-readme      # ...and put the table in README.md
    .venv/bin/python -m benchmarks.run --from-json build/bench.json --update-readme

Sections:

- ``mnist``: time to 99.0% MNIST test accuracy for the course recipe
  (helpers.models.MNIST_RECIPE) and two references (benchmarks/recipes.py), in one run,
  with one training loop and the same threads (benchmarks/time_to_accuracy.py);
- ``fashion``: the Fashion-MNIST recipe's test accuracy and training seconds;
- ``compute``: the course recipe's training FLOP/s against float32 matmul throughput;
- ``course``: wall time and peak kernel memory of executing every notebook;
- ``micro``: benchmarks/bench_conv.py's figures and MNIST load time.

Prints a markdown table (benchmarks/report.py) and writes build/bench.json (atomically).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

if not __package__:  # started as a file: `benchmarks.*` and `tools` would not be importable
    sys.exit("Run the benchmarks as a module, from the course folder: python -m benchmarks.run")

# The imports below come after that check, which must run first.
import numpy as np  # noqa: E402
import torch  # noqa: E402

import helpers.data as hdata  # noqa: E402
from benchmarks import bench_conv  # noqa: E402
from benchmarks.course import run_course  # noqa: E402
from benchmarks.flops import (  # noqa: E402
    count_macs,
    matmul_flops_per_second,
    training_flops_per_sample,
)
from benchmarks.recipes import PYTORCH_EXAMPLES_RECIPE, TUTORIAL_CNN_RECIPE  # noqa: E402
from benchmarks.report import (  # noqa: E402
    GOAL_COURSE_TOTAL_SECONDS,
    GOAL_FASHION_ACCURACY,
    _get,
    goals,
    render_table,
    update_readme,
)
from benchmarks.time_to_accuracy import subset, to_tensors, train_to_target  # noqa: E402
from helpers.data import load_fashion_mnist, load_mnist  # noqa: E402
from helpers.files import write_atomic  # noqa: E402
from helpers.models import FASHION_RECIPE, MNIST_RECIPE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# Run order: training first; executing the notebooks (the longest, least predictable part)
# last, so an interrupted run still has the training figures. The reference recipes'
# wall-clock caps shrink to leave the notebooks GOAL_COURSE_TOTAL_SECONDS of the budget.
SECTIONS = ("micro", "fashion", "mnist", "compute", "course")


# ----------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------


def settings_for(quick: bool) -> dict[str, Any]:
    """Sizes and caps of a run. The full run keeps the whole benchmark under 15 minutes:
    the references stop at 99.0% or at their training-time cap, whichever comes first."""
    if quick:
        return {
            "quick": True,
            "target": 0.99,
            "fashion_target": GOAL_FASHION_ACCURACY,
            "eval_every": 0.5,
            "train_subset": 1024,
            "test_subset": 500,
            "max_batches": 4,
            "caps": {"course": 30.0, "pytorch_examples": 30.0, "tutorial_cnn": 30.0, "fashion": 30.0},
            "wall_caps": {"pytorch_examples": 60.0, "tutorial_cnn": 60.0},
            "seeds": [0],
            "budget_seconds": None,
            "matmul_n": 256,
            "matmul_repeats": 3,
        }
    return {
        "quick": False,
        "target": 0.99,
        "fashion_target": GOAL_FASHION_ACCURACY,
        "eval_every": 0.25,
        "train_subset": None,
        "test_subset": None,
        "max_batches": None,
        # Training-seconds caps. The course recipes run all their epochs (their own
        # goals are <= 10 s and <= 60 s); the references stop at 99.0% or at their cap.
        "caps": {"course": 120.0, "pytorch_examples": 240.0, "tutorial_cnn": 120.0, "fashion": 180.0},
        # Wall-clock caps of the references (evaluations included), shrunk further when
        # needed so that the whole run stays inside budget_seconds.
        "wall_caps": {"pytorch_examples": 300.0, "tutorial_cnn": 150.0},
        # The course recipes run with each of these seeds; their goals are judged on the median.
        "seeds": [0, 1, 2],
        "budget_seconds": 1080.0,
        "matmul_n": 2048,
        "matmul_repeats": 7,
    }


def machine_info() -> dict[str, Any]:
    """CPU model, cores, versions, date: what the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_at_start": load,
    }


def machine_info_brief() -> dict[str, Any]:
    """When a section started, and the 1/5/15-minute load averages then."""
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {"date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "loadavg": load}


# ----------------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------------


def _mnist_tensors(s: dict[str, Any], mean: float | None, std: float | None, loader: Callable, cache: dict):
    key = (loader.__name__, mean, std)
    if key not in cache:
        tr_img, tr_lab = subset(*loader("train"), s["train_subset"])
        te_img, te_lab = subset(*loader("test"), s["test_subset"])
        cache[key] = (to_tensors(tr_img, tr_lab, mean=mean, std=std), to_tensors(te_img, te_lab, mean=mean, std=std))
    return cache[key]


def _timed_run(recipe, s: dict[str, Any], loader: Callable, cache: dict, *, cap_key: str, target: float, stop_at_target: bool, log,
               wall_cap: float | None = None, seed: int = 0) -> dict[str, Any]:
    train, test = _mnist_tensors(s, recipe.mean, recipe.std, loader, cache)
    log(f"  training {recipe.name}, seed {seed} (batch {recipe.batch_size}, up to {recipe.epochs} epochs, cap {s['caps'][cap_key]:.0f} s training"
        + (f", {wall_cap:.0f} s wall" if wall_cap is not None else "") + ") ...")
    result = train_to_target(
        recipe, train, test,
        target=target,
        eval_every=s["eval_every"],
        stop_at_target=stop_at_target,
        max_train_seconds=s["caps"][cap_key],
        max_wall_seconds=wall_cap,
        max_batches=s["max_batches"],
        seed=seed,
    ).to_dict()
    result["seed"] = seed
    reached = result["seconds_to_target"]
    log(
        f"    {'reached ' + format(target, '.1%') + ' after ' + format(reached, '.1f') + ' s' if reached is not None else 'did not reach ' + format(target, '.1%')}; "
        f"final {result['test_accuracy']:.2%} after {result['train_seconds']:.1f} s training ({result['epochs']:.2f} epochs, {result['stopped']})"
    )
    return result


def bench_mnist(s: dict[str, Any], log=print, deadline: float | None = None) -> dict[str, Any]:
    """The three MNIST recipes, one after the other, in this process (same threads): the
    course recipe once per seed (its figures are the median run's), then the references.

    deadline: time.perf_counter() value by which the references must be done (their wall
    caps shrink to fit; each still gets at least 30 s)."""
    cache: dict = {}
    out: dict[str, Any] = {"course": _over_seeds(
        [_timed_run(MNIST_RECIPE, s, load_mnist, cache, cap_key="course", target=s["target"], stop_at_target=False,
                    log=log, seed=seed) for seed in s["seeds"]], "seconds_to_target")}
    out["course"]["seconds_to_99"] = out["course"]["seconds_to_target"]
    out["course"]["final_test_accuracy"] = out["course"]["test_accuracy"]
    for key, recipe in (("pytorch_examples", PYTORCH_EXAMPLES_RECIPE), ("tutorial_cnn", TUTORIAL_CNN_RECIPE)):
        wall_cap = s["wall_caps"].get(key)
        if wall_cap is not None and deadline is not None:
            left = deadline - time.perf_counter()
            share = 2 / 3 if key == "pytorch_examples" else 1.0  # the tutorial CNN gets the rest
            wall_cap = max(30.0, min(wall_cap, share * left))
        r = _timed_run(recipe, s, load_mnist, cache, cap_key=key, target=s["target"], stop_at_target=True, log=log, wall_cap=wall_cap)
        r["seconds_to_99"] = r["seconds_to_target"]
        r["final_test_accuracy"] = r["test_accuracy"]
        out[key] = r
    course, ref = out["course"], out["pytorch_examples"]
    ratio, lower_bound = None, False
    if course["seconds_to_99"]:
        if ref["seconds_to_99"] is not None:
            ratio = ref["seconds_to_99"] / course["seconds_to_99"]
        else:  # the reference never got there inside its cap: the ratio is at least this
            ratio, lower_bound = ref["train_seconds"] / course["seconds_to_99"], True
    out["ratio_pytorch_examples_to_course"] = ratio
    out["ratio_is_lower_bound"] = lower_bound
    return out


def bench_fashion(s: dict[str, Any], log=print) -> dict[str, Any]:
    """The Fashion-MNIST reference recipe of lesson 10, once per seed; the median run's figures."""
    cache: dict = {}
    runs = [_timed_run(FASHION_RECIPE, s, load_fashion_mnist, cache, cap_key="fashion", target=s["fashion_target"],
                       stop_at_target=False, log=log, seed=seed) for seed in s["seeds"]]
    r = _over_seeds(runs, "test_accuracy", high_is_good=True)
    r["seconds"] = r["train_seconds"]
    r["seconds_to_92"] = r["seconds_to_target"]
    r["median_seconds"] = _median([x["train_seconds"] for x in runs])
    return {"course": r}


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _over_seeds(runs: list[dict[str, Any]], key: str, *, high_is_good: bool = False) -> dict[str, Any]:
    """The median run by ``key`` (a run that never reached the target counts as slowest), with
    every seed's headline figures beside it under ``"seeds"``."""
    def rank(r: dict[str, Any]) -> float:
        v = r[key]
        return (-v if high_is_good else v) if v is not None else float("inf")

    ordered = sorted(runs, key=rank)
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["seeds"] = [{"seed": r["seed"], "seconds_to_target": r["seconds_to_target"], "test_accuracy": r["test_accuracy"],
                        "train_seconds": r["train_seconds"]} for r in runs]
    median["every_seed_final_at_target"] = all(r["test_accuracy"] >= r["target"] for r in runs)
    median["median_over"] = len(runs)
    return median


def bench_compute(s: dict[str, Any], mnist: dict[str, Any] | None, log=print) -> dict[str, Any]:
    if mnist is None or "course" not in mnist:
        log("  (no MNIST run in this invocation: training the course recipe for the FLOP count)")
        mnist = {"course": _timed_run(MNIST_RECIPE, s, load_mnist, {}, cap_key="course", target=s["target"], stop_at_target=False, log=log)}
    run = mnist["course"]
    model = MNIST_RECIPE.build_model()
    macs = count_macs(model, (1, 1, 28, 28))
    per_sample = training_flops_per_sample(model, (1, 28, 28))
    total = per_sample * run["samples_seen"]
    achieved = total / run["train_seconds"] if run["train_seconds"] > 0 else None
    log(f"  measuring float32 matmul throughput ({s['matmul_n']}×{s['matmul_n']}, median of {s['matmul_repeats']}) ...")
    mm = matmul_flops_per_second(s["matmul_n"], s["matmul_repeats"])
    return {
        "model_macs_per_sample": macs,
        "training_flops_per_sample": per_sample,
        "samples_seen": run["samples_seen"],
        "training_flops": total,
        "train_seconds": run["train_seconds"],
        "achieved_flops_per_second": achieved,
        "matmul": mm,
        "fraction_of_matmul_peak": achieved / mm["flops_per_second"] if achieved else None,
        "threads": torch.get_num_threads(),
    }


def bench_micro(s: dict[str, Any], log=print) -> dict[str, Any]:
    out: dict[str, Any] = {}
    log("  benchmarks/bench_conv.py run() ...")
    out["conv"] = bench_conv.run(quick=s["quick"])

    # MNIST load: first call in this process after clearing any in-process cache
    # (the OS file cache may still be warm: "cold-ish"), then warm calls.
    for name in dir(hdata):
        obj = getattr(hdata, name)
        if isinstance(obj, functools._lru_cache_wrapper):
            obj.cache_clear()
    t0 = time.perf_counter()
    hdata.load_mnist("train")
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(3):
        t0 = time.perf_counter()
        hdata.load_mnist("train")
        warm.append(time.perf_counter() - t0)
    out["load_mnist"] = {"cold_seconds": cold, "warm_seconds": float(np.median(warm)), "warm_repeats": len(warm)}
    log(f"  load_mnist('train'): first call {cold:.3f} s, warm {np.median(warm):.3f} s")
    return out


def bench_course(notebook_dir: Path, log=print, on_progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    return run_course(notebook_dir, log=log, on_progress=on_progress)


# ----------------------------------------------------------------------------------------
# Goals, table, README
# ----------------------------------------------------------------------------------------


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to a temporary file in the same folder, then rename it into place."""
    write_atomic(path, text)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


# ----------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections among {','.join(SECTIONS)} (default: all)")
    p.add_argument("--quick", action="store_true", help="tiny smoke run: data subsets, a few batches; numbers mean nothing")
    p.add_argument("--threads", type=int, default=None, help="torch threads for every training run (default: torch's default)")
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json", help="where to write the JSON results")
    p.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of notebooks for the course section")
    p.add_argument("--update-readme", action="store_true", help="replace the table between the bench markers in README.md")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md", help=argparse.SUPPRESS)
    p.add_argument("--from-json", type=Path, default=None, help="do not run: render (and --update-readme) from this results file")
    p.add_argument("--merge", action="store_true",
                   help="keep the sections of the existing --out file that this run does not measure "
                        "(each section records when and under what load it was measured)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds the whole run may take (default 840); the reference recipes' caps shrink to fit")
    args = p.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        p.error(f"--only: unknown section(s) {', '.join(unknown)}; expected some of {', '.join(SECTIONS)}")
    args.sections = [s for s in SECTIONS if s in only]
    if args.threads is not None and args.threads <= 0:
        p.error(f"--threads: expected a positive integer, got {args.threads}")
    return args


def run(args: argparse.Namespace, log=print) -> dict[str, Any]:
    """Run the selected sections; returns the results dict (also written to args.out)."""
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    s = settings_for(args.quick)
    if args.budget is not None:
        s["budget_seconds"] = args.budget
    s["threads"] = torch.get_num_threads()
    results: dict[str, Any] = {"schema": 1, "machine": machine_info(), "settings": s, "sections": args.sections, "errors": {}, "complete": False}
    if args.merge and args.out.is_file():
        old = json.loads(args.out.read_text())
        kept = [sec for sec in SECTIONS if sec in old and sec not in args.sections]
        for sec in kept:
            results[sec] = old[sec]
            results.setdefault("measured", {})[sec] = _get(old, "measured", sec) or {
                "date": _get(old, "machine", "date"), "loadavg": _get(old, "machine", "loadavg_at_start")}
        results["merged_from_earlier_run"] = kept
    t_start = time.perf_counter()
    for section in args.sections:
        log(f"[{section}]")
        results.setdefault("measured", {})[section] = machine_info_brief()
        t0 = time.perf_counter()
        try:
            if section == "mnist":
                deadline = None
                if s["budget_seconds"] is not None:  # leave time for the sections after it
                    reserve = (30.0 if "compute" in args.sections else 0.0) + (
                        GOAL_COURSE_TOTAL_SECONDS if "course" in args.sections else 0.0)
                    deadline = t_start + s["budget_seconds"] - reserve
                results["mnist"] = bench_mnist(s, log, deadline)
            elif section == "fashion":
                results["fashion"] = bench_fashion(s, log)
            elif section == "compute":
                results["compute"] = bench_compute(s, results.get("mnist"), log)
            elif section == "micro":
                results["micro"] = bench_micro(s, log)
            elif section == "course":
                def save_partial(partial: dict[str, Any]) -> None:
                    results["course"] = partial
                    atomic_write_text(args.out, json.dumps(results, indent=1, default=_json_default) + "\n")

                results["course"] = bench_course(args.notebooks, log, save_partial)
        except Exception as exc:  # one broken section must not lose the others
            traceback.print_exc()
            results["errors"][section] = f"{type(exc).__name__}: {exc}"
        results.setdefault("section_seconds", {})[section] = round(time.perf_counter() - t0, 2)
        log(f"  ({time.perf_counter() - t0:.0f} s)")
        # Save after every section: an interrupted run still leaves what it measured.
        results["goals"] = goals(results)
        atomic_write_text(args.out, json.dumps(results, indent=1, default=_json_default) + "\n")
    results["total_benchmark_seconds"] = round(time.perf_counter() - t_start, 2)
    try:
        results["machine"]["loadavg_at_end"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    results["goals"] = goals(results)
    results["complete"] = True
    atomic_write_text(args.out, json.dumps(results, indent=1, default=_json_default) + "\n")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
    else:
        results = run(args)
    table = render_table(results)
    print()
    print(table)
    if args.from_json is None:
        print(f"\nwrote {args.out}")
    if args.update_readme:
        update_readme(args.readme, table)
        print(f"updated the table in {args.readme}")
    if results.get("errors"):
        print(f"\nsections that failed: {', '.join(results['errors'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
