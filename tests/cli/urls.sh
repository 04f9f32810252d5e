#!/usr/bin/env bash
# A photo's page URL and image URL are what they say (issue 14, item 7).
# A table of {photo_id, owner_nsid, page_url} is keyed by its page URL:
# that key is never offered as the image (the opt-out letter and its JSON
# say the manifest gives none).  A JSON Lines record whose url field holds
# a Flickr page URL has that page_url in diff (text, csv and json), and one
# whose url field holds a static image URL has that image_url, not a page.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh # SW_PYTHON

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

PAGE=https://www.flickr.com/photos/12345678@N00/2292393487/
IMAGE=http://farm3.staticflickr.com/2076/2917181734_dd3bd5ae9f.jpg
printf 'photo_id,owner_nsid,page_url\n2292393487,12345678@N00,%s\n' "$PAGE" >"$tmp/pages.csv"
{
	printf '{"url": "%s", "user": "Jane"}\n' "$PAGE"
	printf '{"url": "%s", "user": "Jane"}\n' "$IMAGE"
} >"$tmp/urls.jsonl"

cat >"$tmp/sw.yaml" <<EOF
state_dir: $tmp/state
datasets:
  - name: pages
    url: "file://$tmp/pages.csv"
    format: csv
    columns: { photo_id: photo_id, owner_nsid: owner_nsid, page_url: page_url }
  - name: urls
    url: "file://$tmp/urls.jsonl"
    format: jsonl
    fields: { url: url, owner_name: user }
subscribers:
  jane: { webhook: "https://hooks.example.org/jane", secret: { file: $tmp/key } }
watch:
  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
EOF
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >"$tmp/key"
chmod 600 "$tmp/key"
C=(-c "$tmp/sw.yaml")

run_sw "${C[@]}" check
expect_eq "check: exit" "$RC" 0

# The page URL is the key of the table: it is no image.
run_sw "${C[@]}" optout request jane pages
expect_eq "optout request: exit" "$RC" 0
expect_contains "letter: the page" "$OUT" "Flickr page: $PAGE"
expect_contains "letter: no image" "$OUT" "Image:       (the manifest gives none)"
run_sw "${C[@]}" optout request jane pages --format json
expect_eq "letter json: page and image" "$("$SW_PYTHON" -c '
import json, sys
p = json.load(sys.stdin)["photos"][0]
print(p["photo_page"], repr(p["image_url"]))' <<<"$OUT")" "$PAGE ''"

# A url field holding a page fills page_url; one holding an image,
# image_url.
run_sw "${C[@]}" diff urls --format csv
expect_eq "diff csv: exit" "$RC" 0
expect_eq "diff csv: page_url and image_url" "$("$SW_PYTHON" -c '
import csv, sys
for r in sorted(csv.DictReader(sys.stdin), key=lambda r: r["line"]):
    print(r["photo_id"], r["page_url"] or "-", r["image_url"] or "-")' <<<"$OUT")" \
	"2292393487 $PAGE -
2917181734 - $IMAGE"
run_sw "${C[@]}" diff urls --format json
expect_eq "diff json: page_url and image_url" "$("$SW_PYTHON" -c '
import json, sys
for c in sorted(json.load(sys.stdin)["changes"], key=lambda c: c["line"]):
    print(c["photo_id"], c["page_url"] or "-", c["image_url"] or "-")' <<<"$OUT")" \
	"2292393487 $PAGE -
2917181734 - $IMAGE"
run_sw "${C[@]}" diff urls
expect_contains "diff text: the page" "$OUT" "photo 2292393487  owner 12345678@N00 (Jane)  $PAGE  line 1"
expect_contains "diff text: the image" "$OUT" "photo 2917181734  owner Jane  $IMAGE  line 2"

sw_done
