"""tox -e fuzz: builds the libFuzzer targets with clang (FASTERAPI_FUZZ=ON) and runs each for a
bounded time from a copy of its committed corpus (cpp/fuzz/corpus/<target>/), two at a time.
Fails when any target crashes, hangs or breaks an invariant, printing the input that did it;
prints runs, coverage and corpus growth per target.

    python cpp/fuzz/run.py [--seconds N] [--jobs N] [--build DIR] [target ...]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "cpp" / "fuzz" / "corpus"
TARGETS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
DONE = re.compile(r"#(\d+)\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/")


def build(build_dir: Path, jobs: int) -> None:
    env = dict(os.environ, CC="clang", CXX="clang++")  # libFuzzer is clang's
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DFASTERAPI_FUZZ=ON",
                    f"-DPython_EXECUTABLE={sys.executable}"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(build_dir), "--parallel", str(jobs)], check=True, env=env)


def fuzz(target: str, build_dir: Path, seconds: int) -> dict:
    work = build_dir / "runs" / target
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    shutil.copytree(CORPUS / target, corpus)
    seeds = len(list(corpus.iterdir()))
    log = work / "log.txt"
    cmd = [str(build_dir / f"fuzz_{target}"), f"-max_total_time={seconds}", "-timeout=10",
           "-print_final_stats=1", f"-artifact_prefix={work}/", str(corpus)]
    start = time.monotonic()
    with open(log, "wb") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode
    text = log.read_text(errors="replace")
    done = DONE.findall(text)
    runs, cov, ft, corp = done[-1] if done else ("?", "?", "?", "?")
    artifacts = sorted(p for p in work.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    return {"target": target, "rc": rc, "runs": runs, "cov": cov, "ft": ft, "corpus": corp, "seeds": seeds,
            "seconds": time.monotonic() - start, "log": log, "text": text, "artifacts": artifacts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*", default=TARGETS, help=f"default: all ({', '.join(TARGETS)})")
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")),
                    help="per target (env FUZZ_SECONDS; default 60)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", "2")),
                    help="targets fuzzed at once, and build parallelism (env FUZZ_JOBS; default 2)")
    ap.add_argument("--build", type=Path, default=ROOT / "build-fuzz", help="build directory")
    args = ap.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        ap.error(f"unknown targets: {', '.join(sorted(unknown))}")

    t0 = time.monotonic()
    build(args.build.resolve(), args.jobs)
    print(f"fuzz: built in {time.monotonic() - t0:.0f} s; {args.seconds} s per target, {args.jobs} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda t: fuzz(t, args.build.resolve(), args.seconds), args.targets))

    failed = [r for r in results if r["rc"] != 0]
    print(f"{'target':<18} {'runs':>10} {'cov':>6} {'ft':>7} {'corpus':>12}  result")
    for r in results:
        grown = f"{r['seeds']}->{r['corpus']}"
        print(f"{r['target']:<18} {r['runs']:>10} {r['cov']:>6} {r['ft']:>7} {grown:>12}  "
              f"{'ok' if r['rc'] == 0 else 'FAILED (exit %d)' % r['rc']}")
    for r in failed:
        print(f"\n=== {r['target']}: last lines of {r['log']}")
        print("\n".join(r["text"].splitlines()[-40:]))
        for a in r["artifacts"]:
            print(f"input that failed: {a} ({a.stat().st_size} bytes): {a.read_bytes()[:200]!r}")
    print(f"fuzz: {len(results) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
