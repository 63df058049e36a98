#!/usr/bin/env bash
# Runs one benchmark on two commits, alternately, so both see the same drifting machine: the way
# every "before → after" figure in BENCHMARKS.md §7 was measured. The order flips every round (the
# first run of a pair was seen to gain from going first), and each run prints its table lines.
#
#   bench/compare-commits.sh <base commit> <head commit> <bench script> [rounds=3]
#   e.g. BENCH_ASYNC_DURATION_S=15 bench/compare-commits.sh d6db961 0d6c668 bench/async-throughput.ts 4
#
# Each commit is checked out in a temporary worktree sharing this checkout's node_modules; results
# files are written inside those worktrees, not here. Env variables pass through to the benchmark.
# Commits before c21f0b9 always run Switchyard under tsx; against one of those, pass BENCH_RUNTIME=tsx
# so both sides run the same way.
set -euo pipefail
base=${1:?base commit}; head=${2:?head commit}; script=${3:?bench script}; rounds=${4:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() {
  git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/head" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for side in base head; do
  git -C "$root" worktree add --detach --force "$work/$side" "${!side}" >/dev/null
  ln -s "$root/node_modules" "$work/$side/node_modules"
done
for round in $(seq 1 "$rounds"); do
  order="base head"; [ $((round % 2)) -eq 0 ] && order="head base"
  for side in $order; do
    echo "## round $round: $side (${!side})"
    (cd "$work/$side" && npx tsx "$script" 2>&1 | grep -E '^\||CPU per|Submit latency' || true)
  done
done
