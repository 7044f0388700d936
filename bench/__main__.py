"""`make bench` = `python -m bench`: cold start, warm latency, DynamoDB cost, an organization at scale.

Options: --only cold,warm,cost,org  --runs N (cold starts per side, default 11)
--calls N / --warmup N (warm, default 2000 / 200)  --importtime (list the
slowest imports of each function)  --profile ROUTE (cProfile one warm route,
e.g. --profile "entries list").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time

from .env import apply_lambda_environment

SECTIONS = ("cold", "warm", "cost", "org")


def _progress(*args, **kwargs) -> None:
    """Progress lines on a terminal only (they overwrite themselves)."""
    if sys.stderr.isatty():
        print(*args, file=sys.stderr, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated: cold,warm,cost,org")
    parser.add_argument("--runs", type=int, default=11, help="cold starts per function and baseline (default 11)")
    parser.add_argument("--calls", type=int, default=2000, help="timed warm calls per route (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed warm calls per route first (default 200)")
    parser.add_argument("--importtime", action="store_true", help="list the top imports of each function")
    parser.add_argument("--profile", metavar="ROUTE", help='cProfile one warm route, e.g. "entries list"')
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    # Before anything imports timetrack: Powertools reads its settings at import.
    apply_lambda_environment("bench", log_level="WARNING")
    started = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"timetrack bench  {dt.datetime.now().isoformat(timespec='seconds')}  Python {platform.python_version()}"
        f"  {platform.machine()}  {os.cpu_count()} CPUs  load {load:.2f}"
    )
    print("Not a test: figures vary with the machine; compare the ratios and the cost table.\n")
    markdown: list[str] = []

    if "cold" in sections:
        from . import coldstart

        cold = coldstart.measure(args.runs, progress=_progress)
        print("\n".join(coldstart.report(cold)), "\n", flush=True)
        if args.importtime:
            print("Imports (-X importtime, one run each; self times are noisy, compare sizes):")
            base_rows = coldstart.importtime_rows(coldstart.BASELINE, "baseline")
            for group in coldstart.GROUPS:
                module = f"functions.{group}.app"
                rows = coldstart.importtime_rows(module, group)
                print("\n".join(coldstart.importtime_report(module, rows, base_rows)), flush=True)
            print("\n".join(coldstart.importtime_report(coldstart.BASELINE, base_rows)), "\n", flush=True)
        interp = statistics.median(cold.interpreter.wall)
        markdown += [
            f"Cold start, import + init in a fresh process (median of {cold.runs}; "
            f"interpreter start {interp:.0f} ms not included):",
            "",
            "| function | import + init | baseline | ratio |",
            "|---|---:|---:|---:|",
        ]
        markdown += [f"| {g} | {fn:.0f} ms | {base:.0f} ms | {r:.2f} |" for g, fn, base, r, _ in cold.rows()]
        markdown.append("")

    if "warm" in sections or args.profile:
        from . import warm

        if "warm" in sections:
            timings, baseline, guards, described = warm.measure(args.warmup, args.calls, progress=_progress)
            print("\n".join(warm.report(timings, baseline, described, args.calls)), "\n", flush=True)
            print("\n".join(warm.guards_report(guards)), "\n", flush=True)
            markdown += [
                f"Warm request through the Lambda handler, DynamoDB stubbed ({args.calls} calls per route):",
                "",
                "| route | p50 | p99 |",
                "|---|---:|---:|",
            ]
            markdown += [f"| {t.name} | {t.p50:.0f} µs | {t.p99:.0f} µs |" for t in timings]
            markdown.append(f"| *{baseline.name}* | {baseline.p50:.0f} µs | {baseline.p99:.0f} µs |")
            markdown.append("")
            markdown += [
                "Rate limit and Idempotency-Key on a warm request (p50; DynamoDB stubbed):",
                "",
                "| | without | with | cost | DynamoDB calls added |",
                "|---|---:|---:|---:|---:|",
            ]
            added = ("1 UpdateItem", "1 UpdateItem", "2 PutItem", "1 PutItem (refused, returns the kept answer)")
            for (what, without, with_), calls in zip(guards, added, strict=True):
                cost = with_.p50 - without.p50
                markdown.append(f"| {what} | {without.p50:.0f} µs | {with_.p50:.0f} µs | {cost:+.0f} µs | {calls} |")
            markdown.append("")
        if args.profile:
            print("\n".join(warm.Bench().profile(args.profile, args.calls)), "\n", flush=True)

    if "cost" in sections:
        from . import cost

        results = cost.measure(progress=_progress)
        print("\n".join(cost.report(results)), "\n", flush=True)
        markdown += [
            "DynamoDB per request (calls / items read), one user's history of 100 vs 20,000 entries:",
            "",
            "| request | 100 entries | 20,000 entries |",
            "|---|---:|---:|",
        ]
        for request in cost.REQUESTS:
            small, large = (results[request.name][size][0] for size in cost.SIZES)
            markdown.append(
                f"| {request.name} | {small.total_calls} / {small.items} | {large.total_calls} / {large.items} |"
            )
        markdown.append("")

    if "org" in sections:
        from . import org_scale

        measured = org_scale.measure(progress=_progress)
        print("\n".join(org_scale.report(measured)), "\n", flush=True)
        markdown += org_scale.markdown(measured)

    print(f"Results (markdown), {time.perf_counter() - started:.0f} s in all:\n")
    print("\n".join(markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
