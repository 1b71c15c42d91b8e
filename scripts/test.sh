#!/usr/bin/env bash
# The whole test suite on a fresh machine: sets everything up (scripts/setup.sh), then
# typecheck, lint, unit tests and integration tests against the real stack.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
bash scripts/setup.sh
echo "setup: $((SECONDS - started)) s"

npm run --silent typecheck
npm run --silent lint

mkdir -p .builder
results=.builder/test-results.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?

# The plain closing line CI reads: "N passed, N failed".
if [ -s "$results" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  ' "$results"
fi
echo "total: $((SECONDS - started)) s"
exit $status
