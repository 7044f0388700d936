"""Cold start: import + init of each function's handler module in a fresh process.

Each child takes ``perf_counter`` right before ``import functions.<group>.app``
(which builds the FastAPI app, Mangum, the Powertools decorators and the boto3
client) and right after, and prints the difference. The baseline child does the
same with ``bench.baseline_app``. Function and baseline children alternate
(order flipped every round) so that both see the same machine noise; the
ratio compares each function with the baseline runs paired with it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .env import GROUPS, ROOT, lambda_environment

BASELINE = "bench.baseline_app"
# os._exit: no interpreter teardown (Lambda never runs it either), so the wall
# time is spawn + interpreter start + import/init.
_CHILD = "\n".join(
    (
        "import os, sys, time",
        "t0 = time.perf_counter()",
        "{imports}",
        "t1 = time.perf_counter()",
        "print('BENCH_MS', (t1 - t0) * 1000.0)",
        "sys.stdout.flush()",
        "os._exit(0)",
    )
)
_RESULT = re.compile(r"^BENCH_MS (\S+)$", re.MULTILINE)


@dataclass
class Samples:
    inside: list[float] = field(default_factory=list)  # import + init, measured in the child (ms)
    wall: list[float] = field(default_factory=list)  # spawn to exit, measured here (ms)


@dataclass
class ColdResult:
    runs: int
    interpreter: Samples
    functions: dict[str, Samples]
    baselines: dict[str, Samples]  # the baseline runs paired with each function

    def rows(self) -> list[tuple[str, float, float, float, float]]:
        """(group, function ms, baseline ms, ratio, function wall ms), medians."""
        out = []
        for group in GROUPS:
            fn = statistics.median(self.functions[group].inside)
            base = statistics.median(self.baselines[group].inside)
            out.append((group, fn, base, fn / base, statistics.median(self.functions[group].wall)))
        return out

    def minima(self, group: str) -> tuple[float, float]:
        """(function, baseline) fastest runs: the least disturbed by other load."""
        return min(self.functions[group].inside), min(self.baselines[group].inside)


def _child(module: str | None, service: str) -> tuple[float, float]:
    imports = f"import {module}" if module else ""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD.format(imports=imports)],
        env=lambda_environment(service),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000.0
    match = _RESULT.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"cold-start child for {module} failed:\n{done.stdout}\n{done.stderr}")
    return float(match.group(1)), wall


def _record(samples: Samples, measured: tuple[float, float]) -> None:
    samples.inside.append(measured[0])
    samples.wall.append(measured[1])


def measure(runs: int = 11, progress=print) -> ColdResult:
    # One unmeasured child each: writes the .pyc caches, warms the page cache.
    for group in GROUPS:
        _child(f"functions.{group}.app", group)
    _child(BASELINE, "baseline")
    result = ColdResult(runs, Samples(), {g: Samples() for g in GROUPS}, {g: Samples() for g in GROUPS})
    for round_no in range(runs):
        _record(result.interpreter, _child(None, "empty"))
        for group in GROUPS:
            pair = [("fn", f"functions.{group}.app", group), ("base", BASELINE, "baseline")]
            if round_no % 2:
                pair.reverse()
            for side, module, service in pair:
                target = result.functions if side == "fn" else result.baselines
                _record(target[group], _child(module, service))
        progress(f"  cold start: round {round_no + 1}/{runs}", end="\r", flush=True)
    progress(" " * 40, end="\r")
    return result


def report(result: ColdResult) -> list[str]:
    interp = statistics.median(result.interpreter.wall)
    lines = [
        f"Cold start: import + init measured inside a fresh process, median of {result.runs} runs (ms)",
        f"  interpreter start (empty child, spawn to exit, wall): {interp:.1f} ms",
        f"  {'function':<10} {'import+init':>11} {'baseline':>9} {'ratio':>6} {'child wall':>11}"
        f"   {'fastest fn / base':>17} {'ratio':>6}",
    ]
    for group, fn, base, ratio, wall in result.rows():
        low_fn, low_base = result.minima(group)
        flag = "" if ratio <= 1.0 else "  (target <= 1.0)"
        lines.append(
            f"  {group:<10} {fn:11.1f} {base:9.1f} {ratio:6.2f} {wall:11.1f}"
            f"   {low_fn:8.1f} / {low_base:6.1f} {low_fn / low_base:6.2f}{flag}"
        )
    lines.append("  (child wall: spawn + interpreter start + import/init; fastest: the least disturbed runs)")
    return lines


ImportRow = tuple[int, int, int, str]  # cumulative µs, self µs, depth, module


def importtime_rows(module: str, service: str) -> list[ImportRow]:
    """``python -X importtime -c "import <module>"`` once, parsed."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=lambda_environment(service),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((int(cumulative_us), int(self_us), depth, name.strip()))
    return rows


def importtime_report(module: str, rows: list[ImportRow], baseline: list[ImportRow] | None = None) -> list[str]:
    """The top 15 imports by cumulative time and the top 10 by self time; with the
    baseline's rows, also what only ``module`` loads, by top-level package."""
    total = sum(r[1] for r in rows)
    lines = [f"  -X importtime {module}: {len(rows)} modules, {total / 1000:.0f} ms self time in all"]
    lines.append("    top 15 by cumulative (ms, indented by depth):")
    lines += [f"      {c / 1000:7.1f}  {'  ' * min(d, 6)}{n}" for c, _, d, n in sorted(rows, reverse=True)[:15]]
    lines.append("    top 10 by self time (ms):")
    lines += [f"      {s / 1000:7.1f}  {n}" for _, s, _, n in sorted(rows, key=lambda r: r[1], reverse=True)[:10]]
    if baseline is not None:
        known = {r[3] for r in baseline}
        extra: dict[str, tuple[int, int]] = {}
        for _, own, _, name in rows:
            if name not in known:
                package = name.split(".", 1)[0]
                count, us = extra.get(package, (0, 0))
                extra[package] = (count + 1, us + own)
        extra_us = sum(us for _, us in extra.values())
        lines.append(
            f"    not loaded by the baseline: {sum(c for c, _ in extra.values())} modules, "
            f"{extra_us / 1000:.0f} ms self time; by top-level package (ms, modules):"
        )
        ranked = sorted(extra.items(), key=lambda kv: kv[1][1], reverse=True)[:12]
        lines += [f"      {us / 1000:7.1f}  {package} ({count})" for package, (count, us) in ranked]
    return lines
