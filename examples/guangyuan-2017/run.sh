#!/usr/bin/env bash
# Replays every command of README.md on a freshly generated city and prints what each prints.
#   bash examples/guangyuan-2017/run.sh [OUT]     (default OUT: examples/guangyuan-2017/out)
# Uses the `subsidy-rules` on PATH; exit codes are shown, not fatal.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/out}"
TIMEFORMAT='  [%R s wall]'

step() { printf '\n$ %s\n' "$*"; }

step python generate.py --out "$out"
time python "$here/generate.py" --out "$out"
cd "$out" || exit 1

step subsidy-rules evaluate labourers.jsonl --out decisions.jsonl
time subsidy-rules evaluate labourers.jsonl --out decisions.jsonl; echo "  exit $?"

step subsidy-rules lists labourers.jsonl --out lists/
time subsidy-rules lists labourers.jsonl --out lists/ > lists-report.txt; echo "  exit $?"
head -7 lists-report.txt
echo "  ... per county/township table: $(($(wc -l < lists-report.txt) - 8)) rows in lists-report.txt"

rules="--rule hiring-award --rule employment-base --rule pre-job-training-subsidy --rule returnee-enterprise-hiring-subsidy"
step subsidy-rules evaluate employers.jsonl $rules --out employers-decisions.jsonl
time subsidy-rules evaluate employers.jsonl $rules --out employers-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate agencies.jsonl --rule job-placement-service-subsidy --out agencies-decisions.jsonl
time subsidy-rules evaluate agencies.jsonl --rule job-placement-service-subsidy --out agencies-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate loans.jsonl --rule startup-loan-interest-subsidy --out loans-decisions.jsonl
time subsidy-rules evaluate loans.jsonl --rule startup-loan-interest-subsidy --out loans-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate posts.jsonl --rule public-welfare-post-subsidy --out posts-decisions.jsonl
time subsidy-rules evaluate posts.jsonl --rule public-welfare-post-subsidy --out posts-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate villages.jsonl --rule demonstration-village --out villages-decisions.jsonl
time subsidy-rules evaluate villages.jsonl --rule demonstration-village --out villages-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate villages.jsonl --rule demonstration-village --explain --out villages-explained.jsonl
time subsidy-rules evaluate villages.jsonl --rule demonstration-village --explain --out villages-explained.jsonl; echo "  exit $?"

step subsidy-rules evaluate counties.jsonl --rule county-demonstration-quota --out counties-decisions.jsonl
time subsidy-rules evaluate counties.jsonl --rule county-demonstration-quota --out counties-decisions.jsonl; echo "  exit $?"

step subsidy-rules evaluate labourers-with-errors.jsonl --out errors-decisions.jsonl
subsidy-rules evaluate labourers-with-errors.jsonl --out errors-decisions.jsonl; echo "  exit $?"

step subsidy-rules lists labourers-with-errors.jsonl --out lists-with-errors/
subsidy-rules lists labourers-with-errors.jsonl --out lists-with-errors/ > /dev/null; echo "  exit $?"

for jobs in 1 2 1 2; do
  step subsidy-rules evaluate labourers.jsonl --jobs $jobs --out decisions-jobs$jobs.jsonl
  time subsidy-rules evaluate labourers.jsonl --jobs $jobs --out decisions-jobs$jobs.jsonl 2>/dev/null; echo "  exit $?"
done
step cmp decisions-jobs1.jsonl decisions-jobs2.jsonl
cmp decisions-jobs1.jsonl decisions-jobs2.jsonl && echo "  identical"
step cmp decisions.jsonl decisions-jobs2.jsonl
cmp decisions.jsonl decisions-jobs2.jsonl && echo "  identical"
step sha256sum decisions-jobs1.jsonl decisions-jobs2.jsonl
sha256sum decisions-jobs1.jsonl decisions-jobs2.jsonl
