"""Batch speed and memory, measured the way a user runs a whole table.

1. The whole bundled policy over the synthetic city (examples/guangyuan-2017):
   records per second with `subsidy-rules evaluate`, --jobs 1 and --jobs 2,
   the speed-up, and a check that both outputs are identical.
2. Peak memory while streaming N generated labourer records (default 1,000,000)
   through `subsidy-rules evaluate` (target: under 150 MB), measured as the
   child process's maximum resident set size.

    python benchmarks/bench_batch.py [--records 1000000] [--city-scale 1.0]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import random
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))  # the checkout's code, not a copy installed earlier; child processes too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))

GENERATOR = ROOT / "examples" / "guangyuan-2017" / "generate.py"


def run(args, **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=False, **kwargs)
    return time.perf_counter() - start


def lines(path: Path) -> int:
    with open(path, "rb") as stream:
        return sum(1 for _ in stream)


def city(scale: float, work: Path) -> None:
    if not GENERATOR.exists():
        print("city: examples/guangyuan-2017/generate.py not found; skipped")
        return
    out = work / "city"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out), "--scale", str(scale)], check=True,
                   capture_output=True)
    files = sorted(p for p in out.glob("*.jsonl") if "error" not in p.name)
    total = sum(lines(p) for p in files)
    print(f"synthetic city: {total:,} records in {len(files)} files ({', '.join(p.name for p in files)})")
    timings = {}
    for jobs in (1, 2):
        elapsed = 0.0
        for path in files:
            target = work / f"{path.stem}.{jobs}.jsonl"
            elapsed += run(["subsidy-rules", "evaluate", str(path), "--out", str(target), "--jobs", str(jobs)],
                           stderr=subprocess.DEVNULL)
        timings[jobs] = elapsed
        print(f"  --jobs {jobs}: {elapsed:6.1f} s, {total / elapsed:8,.0f} records/s (whole bundled policy)")
    same = all(filecmp.cmp(work / f"{p.stem}.1.jsonl", work / f"{p.stem}.2.jsonl", shallow=False) for p in files)
    print(f"  speed-up with 2 processes: {timings[1] / timings[2]:.2f}x; outputs identical: {same}")
    print("  (each file is one CLI run: about 0.4 s of it is starting Python and loading the policy)")
    big = out / "labourers.jsonl"
    count = lines(big)
    alone = {}
    for jobs in (1, 2):
        alone[jobs] = run(["subsidy-rules", "evaluate", str(big), "--out", str(work / f"big.{jobs}.jsonl"),
                           "--jobs", str(jobs)], stderr=subprocess.DEVNULL)
        print(f"  labourers.jsonl alone, --jobs {jobs}: {alone[jobs]:5.1f} s, {count / alone[jobs]:8,.0f} records/s")
    print(f"  speed-up on the labourers file: {alone[1] / alone[2]:.2f}x")


def generate_labourers(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    statuses = ["transferred_out", "local_employed", "self_employed", "public_welfare_post", "unemployed"]
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            record = {"labourer": {
                "name": f"劳动者{index}", "age": rng.randint(16, 60), "rural_registered_poor": True,
                "poor_household": True, "able_to_work": True,
                "employment_status": rng.choice(statuses),
                "entrepreneurship_training_attended": rng.random() < 0.3,
                "organising_business": rng.random() < 0.1,
            }}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def memory(count: int, work: Path) -> None:
    source = work / "stream.jsonl"
    generate_labourers(source, count)
    size = source.stat().st_size / 1e6
    # a fresh process that runs the CLI and reports its own peak (other children do not count)
    code = ("import resource, sys; from subsidy_rules.cli import main; "
            f"main(['evaluate', {str(source)!r}, '--out', {str(work / 'stream.out.jsonl')!r}, "
            "'--rule', 'entrepreneurship-training-subsidy', '--rule', 'five-lists'], stderr=open('/dev/null', 'w')); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    peak_mb = int(result.stdout.split()[-1]) / 1024  # Linux reports kilobytes
    print(f"streaming {count:,} records ({size:,.0f} MB of JSON Lines, 2 rules each): {elapsed:,.1f} s, "
          f"{count / elapsed:,.0f} records/s, peak RSS {peak_mb:,.1f} MB (target < 150 MB)")
    print(f"PEAK_MB {peak_mb:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--city-scale", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        city(args.city_scale, work)
        memory(args.records, work)


if __name__ == "__main__":
    main()
