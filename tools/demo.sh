#!/usr/bin/env bash
# `make demo`: the whole workflow on the local stand-in with synthetic MovieLens-shaped data
# (DEMO_RATINGS of them), or with the real MovieLens 25M (DEMO_DATASET=movielens: the zip at
# MOVIELENS_ZIP, downloaded from GroupLens first if it is not there).
# No AWS account, no internet (but for that download). Every command is the one used against
# AWS; only the AWS_ENDPOINT_URL_* variables printed by `local up` differ. Exits non-zero if any
# step fails, and always stops the stand-in (trap on EXIT).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="${CLI:-$ROOT/.venv/bin/personalize-movielens}"
DATASET="${DEMO_DATASET:-synthetic}"
RATINGS="${DEMO_RATINGS:-30000}"
MOVIELENS_ZIP="${MOVIELENS_ZIP:-$ROOT/data/ml-25m.zip}"
SPEED="${DEMO_SPEED:-50}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/personalize-movielens-demo.XXXXXX")"
STATE="$WORK/stand-in"
DATA="$WORK/data"

# Poll the stand-in often: its jobs take seconds, not hours.
export PERSONALIZE_MOVIELENS_POLL_INITIAL="${PERSONALIZE_MOVIELENS_POLL_INITIAL:-0.2}"
export PERSONALIZE_MOVIELENS_POLL_MAX="${PERSONALIZE_MOVIELENS_POLL_MAX:-1}"

finish() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  echo "==> Stopping the local stand-in"
  "$CLI" local down --state-dir "$STATE" || true
  if [ "$rc" -eq 0 ]; then
    rm -rf "$WORK"
    echo "Demo finished: every step passed."
  else
    echo "Demo FAILED (exit $rc); logs and data kept in $WORK" >&2
  fi
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

step() { echo; echo "==> $*"; }

case "$DATASET" in
  synthetic)
    step "Synthetic MovieLens-shaped data ($RATINGS ratings) and prepared CSVs"
    "$CLI" data synth --ratings "$RATINGS" --out "$DATA/ml-25m.zip"
    "$CLI" data prepare --source "$DATA/ml-25m.zip" --out-dir "$DATA"
    ;;
  movielens)
    step "MovieLens 25M ($MOVIELENS_ZIP) and prepared CSVs"
    [ -e "$MOVIELENS_ZIP" ] || "$CLI" data download --dest "$MOVIELENS_ZIP"
    "$CLI" data prepare --source "$MOVIELENS_ZIP" --out-dir "$DATA"
    ;;
  *)
    echo "Error: DATASET=$DATASET: the demo runs on synthetic or movielens." >&2
    exit 2
    ;;
esac

step "Local stand-in (moto server + Personalize emulator) on 127.0.0.1"
eval "$("$CLI" local up --state-dir "$STATE" --speed "$SPEED")"
OUTPUTS=(--outputs "$STATE/outputs.json")

step "Upload to S3 (content-addressed keys, SHA-256 checksums)"
"$CLI" upload --data-dir "$DATA" "${OUTPUTS[@]}"

step "Dataset import jobs"
"$CLI" import --data-dir "$DATA" "${OUTPUTS[@]}"

step "Train user-personalization-v2 and the popularity-count baseline"
"$CLI" train --baseline "${OUTPUTS[@]}"

step "Deploy a campaign"
"$CLI" deploy "${OUTPUTS[@]}"

step "Recommendations for a few users, with titles"
# awk reads the file itself and stops after three distinct users: no pipe a `head` would close
# early (which fails the step with exit 141 under pipefail on bigger DEMO_RATINGS).
USERS="$(awk -F, 'NR > 1 { u = $1; gsub(/"/, "", u); if (!(u in seen)) { seen[u] = 1; print u; if (++n == 3) exit } }' "$DATA/interactions.csv")"
for user in $USERS; do
  "$CLI" recommend "$user" -n 5 --data-dir "$DATA" "${OUTPUTS[@]}"
done

step "Status of the whole stack"
"$CLI" status "${OUTPUTS[@]}"

step "Clean up what the tool created"
"$CLI" clean-cloud --yes --data "${OUTPUTS[@]}"
"$CLI" status "${OUTPUTS[@]}"
