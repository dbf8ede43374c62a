#!/usr/bin/env bash
# Renders a self-contained HTML report in headless Chromium and checks that it loaded.
#
#   scripts/check-html.sh REPORT.html [OUT.png]
#
# Fails when chromium is missing or exits non-zero, when the screenshot is missing or tiny
# (< 20 KB: a blank page), or when the serialised DOM lacks the main results table
# (<table ... id="t-main">) or an inline SVG chart, or when the page's Content-Security-Policy kept its
# inline script or stylesheet from running. Debian: apt-get install -y chromium.
set -euo pipefail

html=${1:?usage: scripts/check-html.sh REPORT.html [OUT.png]}
[[ -f "$html" ]] || { echo "check-html: no such file: $html" >&2; exit 2; }
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
png=${2:-${abs%.html}.png}
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "check-html: chromium not found (apt-get install -y chromium)" >&2; exit 2; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile"
       --no-first-run --disable-extensions --disable-background-networking)

rm -f "$png"
if ! timeout 120 "$browser" "${flags[@]}" --screenshot="$png" --window-size=1280,4000 "file://$abs" \
        >"$profile/screenshot.log" 2>&1; then
    echo "check-html: chromium failed taking the screenshot:" >&2; cat "$profile/screenshot.log" >&2; exit 1
fi
[[ -f "$png" ]] || { echo "check-html: no screenshot written to $png" >&2; exit 1; }
size=$(stat -c %s "$png")
(( size >= 20000 )) || { echo "check-html: screenshot $png is only $size bytes (blank page?)" >&2; exit 1; }

if ! timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$abs" >"$profile/dom.html" 2>"$profile/dom.log"; then
    echo "check-html: chromium failed dumping the DOM:" >&2; cat "$profile/dom.log" >&2; exit 1
fi
grep -q 'id="t-main"' "$profile/dom.html" || { echo "check-html: the DOM has no main table (id=\"t-main\")" >&2; exit 1; }
grep -q '<svg' "$profile/dom.html" || { echo "check-html: the DOM has no inline SVG chart" >&2; exit 1; }
# The page's Content-Security-Policy allows only its own inline stylesheet and script, by hash: a
# hash that no longer matches their text blocks them, and these attributes are then missing.
grep -q 'data-script="ran"' "$profile/dom.html" || { echo "check-html: the inline script did not run (blocked by the Content-Security-Policy?)" >&2; exit 1; }
grep -q 'data-stylesheet="applied"' "$profile/dom.html" || { echo "check-html: the inline stylesheet was not applied (blocked by the Content-Security-Policy?)" >&2; exit 1; }
rows=$(grep -o '<tr' "$profile/dom.html" | wc -l)
echo "check-html: ok: $png ($size bytes), DOM has the main table, $rows table rows"
