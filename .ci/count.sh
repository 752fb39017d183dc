#!/usr/bin/env bash
# The counting of .ci/run, on its own so a test can drive it with made-up inputs.
# A counts file holds one "passed failed" line per test run (tests/support/count-reporter.js
# appends them); the closing line sums them. A run that failed never sums to "0 failed".
#
#   count.sh run-ended FILE LINES_BEFORE EXIT_STATUS
#       after one `npm test`: if it exited non-zero but its lines count no failure (typecheck
#       failed, jest crashed), count one failure; if it exited 0 but counted no test at all,
#       that is a failure too.
#   count.sh fail FILE REASON...
#       count one failure, printing REASON (e.g. a database the CI run needs does not answer).
#   count.sh total FILE
#       print "N passed, N failed"; exit 1 when anything failed.
set -uo pipefail

sum() { awk '{p+=$1; f+=$2} END {print p+0, f+0}'; }

cmd=${1:-}
file=${2:-}
[ -n "$cmd" ] && [ -n "$file" ] || { echo "usage: count.sh run-ended|fail|total FILE ..." >&2; exit 2; }
touch "$file"

case "$cmd" in
  run-ended)
    before=${3:?LINES_BEFORE}
    status=${4:?EXIT_STATUS}
    read -r p f < <(tail -n +"$((before + 1))" "$file" | sum)
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "npm test exited with status $status but counted no failed test: counted as 1 failure"
      echo "0 1" >> "$file"
    elif [ "$status" -eq 0 ] && [ "$((p + f))" -eq 0 ]; then
      echo "npm test exited 0 but counted no test at all: counted as 1 failure"
      echo "0 1" >> "$file"
    fi
    ;;
  fail)
    shift 2
    echo "FAILED: $*"
    echo "0 1" >> "$file"
    ;;
  total)
    read -r p f < <(sum < "$file")
    echo "$p passed, $f failed"
    [ "$f" -eq 0 ]
    ;;
  *)
    echo "count.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
