#!/usr/bin/env bash
# Benchmark: the dashboard's server time to render the overview of 100
# fleet targets (10 apps x 10 clusters, 20 objects and a full history
# each), the median and worst of 50 renders, the /api/targets JSON beside
# it, and the page's weight (overview HTML + the embedded JS and CSS).
# In-process (no cluster, no network): what the server spends per page.
# Goals: render < 200 ms, page < 100 KB.
# Not a test: run it by hand and copy the numbers into the README.
#
#   bench/dashboard.sh            release build (the shipped profile)
#   PROFILE=dev bench/dashboard.sh  debug build (an upper bound, quicker)
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(--release)
[[ "${PROFILE:-release}" == dev ]] && flags=()
GITSYNC_BENCH=1 cargo test "${flags[@]}" --quiet --lib \
  web::pages::tests::overview_of_100_targets_weighs_under_100_kb \
  -- --exact --nocapture 2>&1 | grep -E '^(overview|api)_'
