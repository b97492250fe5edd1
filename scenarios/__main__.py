"""python -m scenarios run FILE.json [--adapter NAME] [--log PATH] [--seed N]

Runs one scenario file (JSON, the same dict the runner takes) and writes its event log."""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .adapters import ADAPTERS, make_adapter
from .runner import run_scenario


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario file")
    run.add_argument("file")
    run.add_argument("--adapter", default="fasterapi-inprocess", choices=sorted(ADAPTERS))
    run.add_argument("--log", help="write the event log (JSON lines) here")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    args = parser.parse_args(argv)
    scenario = json.loads(Path(args.file).read_text())
    if args.seed is not None:
        scenario["seed"] = args.seed
    result = run_scenario(scenario, make_adapter(args.adapter), Path(tempfile.mkdtemp(prefix="scenario-")),
                          log_path=Path(args.log) if args.log else None)
    print(f"{result.status}: {scenario.get('id', args.file)} on {args.adapter} ({result.seconds:.2f} s)")
    if result.detail:
        print(result.detail)
    return 0 if result.status in ("pass", "unsupported") else 1


if __name__ == "__main__":
    sys.exit(main())
