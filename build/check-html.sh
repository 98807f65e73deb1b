#!/usr/bin/env bash
# Browser check of the HTML timeline: finds the seed-cancellable bug (the seed answer's
# CancellableTaskGroup, whose cancel() only schedules a helper child), takes the HTML page that
# explore writes next to the schedule and the one `replay --html` writes, opens them in headless
# Chromium, and asserts on the DOM the browser built: one labelled lane per task (the cancel helper
# among them), the violation row with invariant 7, the group's token still "not cancelled" on that
# row, the bug line and the replay command on top. With --screenshot FILE it also renders the page
# to a PNG (the README's picture is docs/img/seed-cancellable-timeline.png).
#
#   build/check-html.sh [--config Debug|Release] [--screenshot FILE] [--require]
#
# Exit 0: checked (or skipped because no Chromium is installed, said in one line; --require makes
# that a failure, exit 1). Exit 1: an assertion failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

config=Release
screenshot=
require=0
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --screenshot) screenshot=$2; shift 2 ;;
    --require) require=1; shift ;;
    *) echo "check-html: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

browser=
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" > /dev/null 2>&1; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
  echo "check-html: SKIPPED: no headless Chromium installed (apt-get install chromium)"
  [ "$require" -eq 1 ] && exit 1
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 COYOTE_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
harness() { dotnet run -c "$config" --project "$root/src/Harness" -- "$@"; }

fail() { echo "check-html: FAILED: $*" >&2; exit 1; }

# 1. Find the bug from another directory (the printed commands must work from anywhere).
(cd "$work" && harness explore --target seed-cancellable --scenario seed-jobs-and-daemon --seed 7 --iterations 200 --out "$work/out") > "$work/explore.txt" 2>&1
code=$?
[ "$code" -eq 1 ] || { cat "$work/explore.txt" >&2; fail "explore exited $code, expected 1 (bug found)"; }
schedule=$(sed -n 's/^schedule: //p' "$work/explore.txt" | head -1)
[ -f "$schedule" ] || { cat "$work/explore.txt" >&2; fail "no schedule file printed"; }
found_html=$(sed -n 's/^html: //p' "$work/explore.txt" | head -1)
[ -f "$found_html" ] || { cat "$work/explore.txt" >&2; fail "explore wrote no HTML timeline next to the schedule (no 'html:' line)"; }

# 2. The same page from replay --html.
harness replay "$schedule" --html "$work/replay.html" > "$work/replay.txt" 2>&1
code=$?
[ "$code" -eq 1 ] || { cat "$work/replay.txt" >&2; fail "replay exited $code, expected 1"; }
[ -f "$work/replay.html" ] || fail "replay --html wrote nothing"

# 3. Let the browser parse and lay out both pages; assert on the DOM it built.
for page in "$found_html" "$work/replay.html"; do
  "$browser" --headless --no-sandbox --disable-gpu --dump-dom "file://$page" > "$work/dom.html" 2> "$work/browser.err" \
    || { cat "$work/browser.err" >&2; fail "$browser could not render $page"; }
  python3 - "$work/dom.html" "$page" <<'PY' || exit 1
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.lanes, self.stack, self.text = [], [], {}
        self.violation_cells, self.in_violation, self.scripts, self.external = [], False, 0, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "th" and "lane" in (a.get("class") or "").split():
            self.lanes.append((a.get("data-lane"), a.get("data-role")))
        if tag == "tr" and a.get("id") == "violation":
            self.in_violation = True
        if self.in_violation and tag == "td":
            self.violation_cells.append(a)
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href"):
            if a.get(k, "").startswith(("http:", "https:", "//")):
                self.external.append(a[k])
        self.stack.append(a.get("id"))
    def handle_endtag(self, tag):
        if tag == "tr":
            self.in_violation = False
        if self.stack:
            self.stack.pop()
    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.text[i] = self.text.get(i, "") + data

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
page = sys.argv[2]
def check(cond, what):
    if not cond:
        print(f"check-html: FAILED on {page}: {what}", file=sys.stderr)
        sys.exit(1)

names = [n for n, _ in dom.lanes]
check(len(dom.lanes) >= 5, f"expected a lane per task (body, jobs, daemon, cancel helper), got {names}")
check(all(r for _, r in dom.lanes), f"every lane must say its role: {dom.lanes}")
check(any("g1/body" == n for n in names), f"no lane for the body: {names}")
helpers = [(n, r) for n, r in dom.lanes if "cancel helper" in r]
check(len(helpers) == 1, f"expected one lane labelled as the cancel helper, got {dom.lanes}")
check("invariant 7" in dom.text.get("violation", ""), "no violation row (id=violation) naming invariant 7")
check(any("uncancelled" in (c.get("class") or "") for c in dom.violation_cells), "the violation row does not show the group's token still uncancelled")
check(dom.text.get("bug", "").startswith("bug: invariant 7"), f"no bug line on top: {dom.text.get('bug')!r}")
check("replay" in dom.text.get("command", ""), "no replay command on top")
check(dom.scripts == 0 and not dom.external, f"the page must be self-contained (scripts: {dom.scripts}, external: {dom.external})")
print(f"check-html: ok: {page}: {len(dom.lanes)} lanes ({', '.join(names)}); cancel helper {helpers[0][0]}; violation row shows the token not cancelled")
PY
done

# 4. The picture.
if [ -n "$screenshot" ]; then
  mkdir -p "$(dirname "$screenshot")"
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1500,1000 \
    --screenshot="$screenshot" "file://$found_html" > /dev/null 2> "$work/browser.err" \
    || { cat "$work/browser.err" >&2; fail "$browser could not take the screenshot"; }
  size=$(stat -c %s "$screenshot" 2>/dev/null || echo 0)
  [ "$size" -gt 20000 ] || fail "screenshot $screenshot is only $size bytes"
  echo "check-html: screenshot $screenshot ($size bytes)"
fi
echo "check-html: passed"
