#!/usr/bin/env bash
# CI replay, plain shell: judge recorded captures against rules and keep the HTML report.
# Exit status is loupe check's: 0 every rule holds, 1 a rule failed, 2 usage, 3 damaged input.
#   LOUPE=path/to/loupe docs/ci/replay.sh RULES CAPTURE... (artifacts go to $OUT, default ./loupe-artifacts)
set -uo pipefail
loupe=${LOUPE:-loupe}
out=${OUT:-loupe-artifacts}
rules=$1; shift
mkdir -p "$out"
"$loupe" report --format html -o "$out/report.html" "$@" || true   # the page, whatever the verdict
"$loupe" check --rules "$rules" --junit "$out/junit.xml" "$@"
status=$?
echo "loupe check exited $status; artifacts in $out" >&2
exit $status
