#!/usr/bin/env bash
# `make demo`: the whole workflow on the local stand-in with synthetic MovieLens-shaped data
# (DEMO_RATINGS of them), or with the real MovieLens 25M (DEMO_DATASET=movielens: the zip at
# MOVIELENS_ZIP, downloaded from GroupLens first if it is not there). Two stacks in turn:
#   1. custom dataset group: train, deploy a campaign, recommend, then real-time events change a
#      user's recommendations, a held-out tail is replayed, and a batch job recommends for all;
#   2. VIDEO_ON_DEMAND dataset group: recommenders (top-picks, more-like-x) with the stack's
#      filters (unwatched, genre=$GENRE).
# No AWS account, no internet (but for that download). Every command is the one used against
# AWS; only the AWS_ENDPOINT_URL_* variables printed by `local up` differ. Exits non-zero if any
# step fails, and always stops the stand-in (trap on EXIT).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="${CLI:-$ROOT/.venv/bin/personalize-movielens}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
DATASET="${DEMO_DATASET:-synthetic}"
# The MovieLens release (data/releases.py): 100k, 1m, 10m, 20m, 25m, 32m, latest-small, latest.
RELEASE="${DEMO_RELEASE:-25m}"
RATINGS="${DEMO_RATINGS:-30000}"
MOVIELENS_ZIP="${MOVIELENS_ZIP:-$ROOT/data/ml-$RELEASE.zip}"
SPEED="${DEMO_SPEED:-50}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/personalize-movielens-demo.XXXXXX")"
STATE="$WORK/stand-in"
DATA="$WORK/data"
DATA_VOD="$WORK/data-vod"
# How many of the newest interactions `data prepare --hold-out` keeps for `events replay`.
HOLD_OUT="${DEMO_HOLD_OUT:-200}"

# Poll the stand-in often: its jobs take seconds, not hours.
export PERSONALIZE_MOVIELENS_POLL_INITIAL="${PERSONALIZE_MOVIELENS_POLL_INITIAL:-0.2}"
export PERSONALIZE_MOVIELENS_POLL_MAX="${PERSONALIZE_MOVIELENS_POLL_MAX:-1}"

finish() {
  local rc=$?
  trap - EXIT INT TERM
  echo
  echo "==> Stopping the local stand-in"
  "$CLI" local down --state-dir "$STATE" >/dev/null 2>&1 || true
  "$CLI" local down --state-dir "$STATE-vod" || true
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
    step "Synthetic data shaped like MovieLens $RELEASE ($RATINGS ratings) and prepared CSVs"
    "$CLI" data synth --release "$RELEASE" --ratings "$RATINGS" --out "$DATA/ml-$RELEASE.zip"
    SOURCE="$DATA/ml-$RELEASE.zip"
    ;;
  movielens)
    step "MovieLens $RELEASE ($MOVIELENS_ZIP) and prepared CSVs"
    [ -e "$MOVIELENS_ZIP" ] || "$CLI" data download --release "$RELEASE" --dest "$MOVIELENS_ZIP"
    SOURCE="$MOVIELENS_ZIP"
    ;;
  *)
    echo "Error: DATASET=$DATASET: the demo runs on synthetic or movielens." >&2
    exit 2
    ;;
esac
"$CLI" data prepare --source "$SOURCE" --out-dir "$DATA" --hold-out "$HOLD_OUT"

# A release with demographics (100k, 1m) gets users.csv: the stack then has a Users dataset too
# (the root stack's enable_users_dataset).
USERS_FLAG=()
if [ -e "$DATA/users.csv" ]; then USERS_FLAG=(--users); fi

step "Local stand-in (moto server + Personalize emulator) on 127.0.0.1: a custom dataset group"
eval "$("$CLI" local up --state-dir "$STATE" --speed "$SPEED" "${USERS_FLAG[@]}")"
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
FIRST_USER="${USERS%%$'\n'*}"

step "Real-time events: user $FIRST_USER watches their top three, and the next answer moves on"
echo "Before:"
"$CLI" recommend "$FIRST_USER" -n 5 --data-dir "$DATA" "${OUTPUTS[@]}"
TOP3="$("$CLI" recommend "$FIRST_USER" -n 3 --json --data-dir "$DATA" "${OUTPUTS[@]}" | "$PYTHON" -c \
  'import json, sys; print(" ".join(r["item_id"] for r in json.load(sys.stdin)["items"]))')"
for item in $TOP3; do
  "$CLI" events put "$FIRST_USER" "$item" "${OUTPUTS[@]}"
done
echo "After (no retraining: user-personalization uses new events at once):"
"$CLI" recommend "$FIRST_USER" -n 5 --data-dir "$DATA" "${OUTPUTS[@]}"

step "Replay the held-out newest interactions as PutEvents calls"
"$CLI" events replay --data-dir "$DATA" --rate 500 "${OUTPUTS[@]}"

step "Batch recommendations for every user (a batch inference job), as a CSV with titles"
"$CLI" batch recommend -n 5 --data-dir "$DATA" --output "$WORK/batch-recommendations.csv" "${OUTPUTS[@]}"
head -n 6 "$WORK/batch-recommendations.csv" || true

step "Status of the whole stack"
"$CLI" status "${OUTPUTS[@]}"

step "Clean up what the tool created"
"$CLI" clean-cloud --yes --data "${OUTPUTS[@]}"
"$CLI" local down --state-dir "$STATE"

step "VIDEO_ON_DEMAND: a Domain dataset group (local up --domain video-on-demand)"
"$CLI" data prepare --source "$SOURCE" --out-dir "$DATA_VOD" --domain video-on-demand
eval "$("$CLI" local up --state-dir "$STATE-vod" --speed "$SPEED" --domain video-on-demand "${USERS_FLAG[@]}")"
OUTPUTS=(--outputs "$STATE-vod/outputs.json")
"$CLI" upload --data-dir "$DATA_VOD" "${OUTPUTS[@]}"
"$CLI" import --data-dir "$DATA_VOD" "${OUTPUTS[@]}"

step "Recommenders (top-picks, more-like-x): no recipe to pick, no campaign to size"
"$CLI" recommenders create "${OUTPUTS[@]}"

step "Top picks for user $FIRST_USER, without what they watched, then comedies only"
"$CLI" recommend "$FIRST_USER" --use-case top-picks --filter unwatched -n 5 --data-dir "$DATA_VOD" "${OUTPUTS[@]}"
"$CLI" recommend "$FIRST_USER" --use-case top-picks --filter genre --filter-value GENRE=Comedy -n 5 --data-dir "$DATA_VOD" "${OUTPUTS[@]}"

step "More like the first movie user $FIRST_USER rated"
FIRST_ITEM="$(awk -F, -v u="$FIRST_USER" 'NR > 1 { x = $1; gsub(/"/, "", x); if (x == u) { i = $2; gsub(/"/, "", i); print i; exit } }' "$DATA_VOD/interactions.csv")"
"$CLI" recommend "$FIRST_USER" --use-case more-like-x --item-id "$FIRST_ITEM" -n 5 --data-dir "$DATA_VOD" "${OUTPUTS[@]}"

step "Status, then clean up (recommenders bill by the hour)"
"$CLI" status "${OUTPUTS[@]}"
"$CLI" clean-cloud --yes --data "${OUTPUTS[@]}"
"$CLI" status "${OUTPUTS[@]}"
