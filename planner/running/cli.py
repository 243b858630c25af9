"""The `planner` command: validate params files and run the notebook suite.

Exit codes: 0 everything ok, 1 a run failed, 2 invalid input (params or data); nothing is written
for invalid input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner import CATEGORIES, __version__

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

EPILOG = """\
exit codes:
  0  every run finished (or every file is valid)
  1  at least one run failed; its folder is kept as <time>-failed with the failing notebook
  2  invalid input: a params file or its data has problems (each is listed); nothing was written

examples:
  planner validate params/example.yaml
  planner run params/example.yaml
  planner run params/ --out /srv/reports      # every *.yaml in the folder
  planner run params/ --jobs 2                 # two at a time
  planner run params/ --executor dask --scheduler tcp://scheduler:8786
  planner schema > docs/results.schema.json   # the JSON Schema of results.json
"""


def _params_files(items: list[str]) -> tuple[list[Path], list[str]]:
    """Expand folders to their *.yaml files; report names that are neither."""
    files, missing = [], []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                missing.append(f"{item}: folder holds no *.yaml params files")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{item}: no such params file or folder")
    return files, missing


def cmd_validate(args) -> int:
    from planner.presentation.i18n import Messages
    from planner.running.runner import InputError, validate

    files, missing = _params_files(args.params)
    for m in missing:
        print(f"error: {m}", file=sys.stderr)
    status = EXIT_INVALID if missing else EXIT_OK
    for path in files:
        try:
            p, data = validate(path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = EXIT_INVALID
            continue
        # Numbers and dates in the language of the run's brief, as its reader compares them with
        # a spreadsheet in that language; the sums to the cent match the spreadsheet's own.
        m = Messages(p.report.language)
        h = p.plan.horizon_weeks
        all_eur, last_eur = data.spend_by_category(), data.spend_by_category(h)
        first, last = m.date(data.frame.index[0]), m.date(data.frame.index[-1])
        print(f"{path}: valid")
        print(f"  data        {p.data_path}")
        print(f"  rows        {m.int(data.weeks)} weeks, {first} .. {last}")
        print(f"  sha256      {data.sha256}")
        if data.region_names:
            names = ", ".join(data.region_names)
            count = m.int(len(data.region_names))
            label = {"brand": "brands", "brand x region": "brand x region"}.get(data.unit_kind, "regions")
            print(f"  {label:<12}{count} ({names}); model.regions: {p.model.regions}")
        if p.pool is not None:
            print(f"  pool        '{p.pool}': fitted with the other files of this pool when run in one batch")
        print(f"  {'spend mix':<12}{'all data':>18}{'share':>8}{f'last {m.int(h)} weeks':>20}{'share':>8}")
        for c in CATEGORIES:
            print(
                f"  {c:<12}{m.eur(all_eur[c]):>18}{m.pct(all_eur[c] / all_eur.sum()):>8}"
                f"{m.eur(last_eur[c]):>20}{m.pct(last_eur[c] / last_eur.sum()):>8}"
            )
        labels = {col: f"{c}: {col}" for c, cols in p.data.spend.columns().items() for col in cols}
        width = max(30, *(len(label) + 2 for label in labels.values()))
        print(f"  {'spend read, per column':<{width}}{'all data':>18}{f'last {m.int(h)} weeks':>20}")
        for col, label in labels.items():
            total, last_h = data.frame[col].sum(), data.frame[col].iloc[-h:].sum()
            print(f"  {label:<{width}}{m.eur(total, 2):>18}{m.eur(last_h, 2):>20}")
        ref = p.plan.reference_split
        print("  reference   " + " / ".join(f"{c} {m.pct(ref[c])}" for c in CATEGORIES))
        budget = p.plan.total_budget or float(last_eur.sum())
        source = "params" if p.plan.total_budget else f"actual spend of the last {m.int(h)} weeks"
        print(f"  budget      {m.eur(budget)} for {m.int(h)} weeks ({source})")
        for w in data.warnings:
            print(f"  warning: {w['text']}")
    return status


def cmd_run(args) -> int:
    from planner.running.runner import run_many

    files, missing = _params_files(args.params)
    for m in missing:
        print(f"error: {m}", file=sys.stderr)
    if missing:
        return EXIT_INVALID
    if args.jobs < 1:
        print("error: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_INVALID
    if args.scheduler and args.executor != "dask":
        print("error: --scheduler goes with --executor dask", file=sys.stderr)
        return EXIT_INVALID
    if len(files) > 1:
        how = f"{args.jobs} at a time" if args.executor == "local" else f"on Dask ({args.scheduler or 'local cluster'})"
        print(f"planner: running {len(files)} params files, {how}", file=sys.stderr, flush=True)

    def report(o) -> None:
        if o.status == "ok":
            print(f"planner: {o.params_file}: done in {o.seconds:.1f} s -> {o.run_dir}", file=sys.stderr, flush=True)
        elif o.status == "failed":
            print(f"planner: {o.params_file}: run FAILED: {o.message}", file=sys.stderr, flush=True)
        else:
            print(f"error: {o.message}", file=sys.stderr, flush=True)

    if args.history and not Path(args.history).is_dir():
        print(f"error: --history {args.history}: no such folder", file=sys.stderr)
        return EXIT_INVALID
    outcomes = run_many(
        files,
        args.out,
        jobs=args.jobs,
        executor=args.executor,
        scheduler=args.scheduler,
        on_done=report,
        history=args.history,
    )
    if len(outcomes) > 1:
        _print_summary(outcomes)
    for o in outcomes:
        if o.ok:
            print(o.run_dir)
    if any(o.status == "failed" for o in outcomes):
        return EXIT_FAILED
    return EXIT_INVALID if any(o.status == "invalid" for o in outcomes) else EXIT_OK


def _print_summary(outcomes) -> None:
    print("\n| file | status | run folder | seconds | headline |", file=sys.stderr)
    print("|---|---|---|---:|---|", file=sys.stderr)
    for o in outcomes:
        folder = o.run_dir if o.run_dir else "-"
        print(f"| {o.params_file} | {o.status} | {folder} | {o.seconds:.1f} | {o.headline} |", file=sys.stderr)


def cmd_notebooks(args) -> int:
    import shutil

    from planner.running.runner import NOTEBOOKS_DIR, notebooks

    if not args.copy:
        print(NOTEBOOKS_DIR)
        return EXIT_OK
    target = Path(args.copy)
    clashes = [nb.name for nb in notebooks() if (target / nb.name).exists()]
    if clashes:
        print(f"error: {target} already holds {', '.join(clashes)}; nothing was copied", file=sys.stderr)
        return EXIT_INVALID
    target.mkdir(parents=True, exist_ok=True)
    for nb in notebooks():
        shutil.copyfile(nb, target / nb.name)
        print(target / nb.name)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner",
        description="Measure how many customer encounters content, design and technology spend "
        "generate, and plan next period's budget split.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    v = sub.add_parser(
        "validate",
        help="check params files and their data; print what was read",
        description="Check params files and their data without running anything. Prints the rows, "
        "date range, spend mix by category over the data and over the last horizon, the sum read "
        "from every spend column (to check against your spreadsheet), and the budget, with numbers "
        "and dates written as in the params' report.language.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    v.add_argument("params", nargs="+", metavar="PARAMS", help="params file(s), or folder(s) of *.yaml files")
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser(
        "run",
        help="run the notebook suite for params files",
        description="Run the notebooks (data overview, model, budget plan, brief) with papermill for "
        "each params file. Each run writes <output.dir>/<name>/<YYYYmmdd-HHMMSS>/ with the executed "
        "notebooks, results.json, figures, plan.csv, brief.pdf, report.html, a copy of the params "
        "file, the data's sha256 and a log; <name>/latest names the newest successful run. "
        "The run folder paths are printed on standard output, progress on standard error.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("params", nargs="+", metavar="PARAMS", help="params file(s), or folder(s) of *.yaml files")
    r.add_argument("--out", metavar="DIR", help="write run folders under DIR instead of each file's output.dir")
    r.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="N",
        help="run N params files at a time in parallel processes (default 1)",
    )
    r.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local: processes on this machine (default); dask: a Dask distributed cluster",
    )
    r.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: the scheduler's address, e.g. tcp://10.0.0.5:8786 "
        "(default: a local cluster of --jobs workers). Workers must see the same files.",
    )
    r.add_argument(
        "--history",
        metavar="DIR",
        help="score the forecasts of the earlier runs in DIR (run folders, or a folder of <name>/ folders "
        "of them; default: the earlier runs beside the new one)",
    )
    r.set_defaults(func=cmd_run)

    n = sub.add_parser(
        "notebooks",
        help="print where the notebook suite is installed, or copy it to open in JupyterLab",
        description="Print the folder of the notebook suite that 'planner run' executes (the checkout's "
        "notebooks/, or the copy an installed wheel ships inside the package), or copy the notebooks into a "
        "folder of your own to open them in JupyterLab.",
    )
    n.add_argument("--copy", metavar="DIR", help="copy the notebooks into DIR (never overwrites)")
    n.set_defaults(func=cmd_notebooks)

    s = sub.add_parser(
        "schema",
        help="print the JSON Schema of results.json",
        description="Print the JSON Schema (draft 2020-12) of the results.json every run writes, "
        "as published in docs/results.schema.json. Refresh that file with: "
        "planner schema > docs/results.schema.json",
    )
    s.set_defaults(func=cmd_schema)
    return parser


def cmd_schema(args) -> int:
    import json

    from planner.results import json_schema

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("planner: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
