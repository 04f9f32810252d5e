#!/usr/bin/env bash
# The listed sources through `scrapewatch check`, against the loopback
# Hugging Face Hub (tests/lib/hf_hub.py) and GitHub (tests/lib/github_api.py).
# Hub: a gated repository's release is its commit; its files download
# through the Hub's 302 to the signed host, the token going to the Hub
# only; the same commit again costs one request; a new commit downloads
# only the files whose SHA-256 the newest release does not have (a file
# renamed without a change is not downloaded); a rate limit fails the
# check, the index untouched; without the token the check fails before
# any download.  GitHub: the newest commit touching the path is the
# release, a re-check is one 304, a commit elsewhere in the repository is
# nothing new.
set -euo pipefail
SW=$1
. tests/lib/assert.sh
. tests/lib/servers.sh

tmp=$(mktemp -d)
HUB_PID='' GH_PID=''
trap 'servers_stop "$HUB_PID"; servers_stop "$GH_PID"; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
mkdir -p "$tmp/hub" "$tmp/gh" "$tmp/files"

f=$tmp/files
printf 'key,photo_url\nk1,https://www.flickr.com/photos/12345678@N00/101\nk2,https://www.flickr.com/photos/99999999@N01/102\n' >"$f/s0"
printf 'key,photo_url\nk3,https://www.flickr.com/photos/12345678@N00/103\n' >"$f/s1"
printf 'key,photo_url\nk3,https://www.flickr.com/photos/12345678@N00/103\nk4,https://www.flickr.com/photos/12345678@N00/104\n' >"$f/s1b"
printf '# faces\n' >"$f/readme"
printf 'FlickrFinal2/123/12345678@N00/201_0.jpg\n' >"$f/p1"
printf 'FlickrFinal2/123/12345678@N00/201_0.jpg\nFlickrFinal2/123/12345678@N00/202_0.jpg\n' >"$f/p2"
printf 'hf_gate\n' >"$tmp/hf.token"
printf 'ghp_lists\n' >"$tmp/gh.token"
chmod 600 "$tmp/hf.token" "$tmp/gh.token"

C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222
C3=3333333333333333333333333333333333333333
C4=4444444444444444444444444444444444444444
C5=5555555555555555555555555555555555555555

# hub_state N [FAULTS]: o/faces (gated) with its first N commits: 2 changes
# train-1.csv and renames it train-1-v2.csv, 3 renames train-0.csv as it is.
hub_state() {
	local commits=(
		"{\"sha\": \"$C1\", \"files\": {\"README.md\": \"$f/readme\", \"data/train-0.csv\": \"$f/s0\", \"data/train-1.csv\": \"$f/s1\"}}"
		"{\"sha\": \"$C2\", \"files\": {\"README.md\": \"$f/readme\", \"data/train-0.csv\": \"$f/s0\", \"data/train-1-v2.csv\": \"$f/s1b\"}}"
		"{\"sha\": \"$C3\", \"files\": {\"README.md\": \"$f/readme\", \"data/recut-0.csv\": \"$f/s0\", \"data/train-1-v2.csv\": \"$f/s1b\"}}"
		"{\"sha\": \"$C4\", \"files\": {\"README.md\": \"$f/readme\", \"data/recut-0.csv\": \"$f/s0\", \"data/train-1-v2.csv\": \"$f/s1c\", \"data/zz.csv\": \"$f/s2\"}}"
		"{\"sha\": \"$C5\", \"files\": {\"README.md\": \"$f/readme\", \"data/recut-0.csv\": \"$f/s0\", \"data/train-1-v2.csv\": \"$f/s1d\", \"data/zz.csv\": \"$f/s2\"}}"
	)
	local list
	list=$(IFS=,; echo "${commits[*]:0:$1}")
	printf '{"repos": {"o/faces": {"gated": "auto", "token": "hf_gate", "plain": ["*.md"], "commits": [%s]}}, "faults": %s}\n' \
		"$list" "${2:-[]}" >"$tmp/hub/state.json.tmp"
	mv "$tmp/hub/state.json.tmp" "$tmp/hub/state.json"
	: >"$tmp/hub/log"
}

# gh_state N [FAULTS]: o/lists with its first N commits: 2 adds a line to
# lists/faces.txt, 3 changes other/ only, 4 takes the line out again.
gh_state() {
	local commits=(
		"{\"sha\": \"$C1\", \"files\": {\"lists/faces.txt\": \"$f/p1\", \"other/x.txt\": \"$f/readme\"}}"
		"{\"sha\": \"$C2\", \"files\": {\"lists/faces.txt\": \"$f/p2\", \"other/x.txt\": \"$f/readme\"}}"
		"{\"sha\": \"$C3\", \"files\": {\"lists/faces.txt\": \"$f/p2\", \"other/x.txt\": \"$f/s0\"}}"
		"{\"sha\": \"$C4\", \"files\": {\"lists/faces.txt\": \"$f/p1\", \"other/x.txt\": \"$f/s0\"}}"
	)
	local list
	list=$(IFS=,; echo "${commits[*]:0:$1}")
	printf '{"repos": {"o/lists": {"token": "ghp_lists", "commits": [%s]}}, "faults": %s}\n' "$list" "${2:-[]}" >"$tmp/gh/state.json.tmp"
	mv "$tmp/gh/state.json.tmp" "$tmp/gh/state.json"
	: >"$tmp/gh/log"
}

hub_state 1
gh_state 1
servers_start hf_hub "$tmp/hub" "$tmp/hub/ready" "$SW_PYTHON" tests/lib/hf_hub.py "$tmp/hub"
HUB_PID=$SERVERS_PID
servers_start github_api "$tmp/gh" "$tmp/gh/ready" "$SW_PYTHON" tests/lib/github_api.py "$tmp/gh"
GH_PID=$SERVERS_PID
read -r HUB_PORT CDN_PORT <"$tmp/hub/ready"
read -r GH_PORT RAW_PORT <"$tmp/gh/ready"

# config FILE TOKEN_KEY: the configuration, the Hub's token given when
# TOKEN_KEY is "token".
config() {
	local hub_token=
	[ "$2" != token ] || hub_token=", token: { file: $tmp/hf.token }"
	cat >"$1" <<-EOF
		state_dir: $tmp/state
		cache_dir: $tmp/cache
		datasets:
		  - name: faces
		    huggingface: { repo: o/faces, files: 'data/*.csv', endpoint: 'http://127.0.0.1:$HUB_PORT'$hub_token }
		    format: csv
		    columns: { key: key, page_url: photo_url }
		  - name: lists
		    github: { repo: o/lists, path: lists/faces.txt, endpoint: 'http://127.0.0.1:$GH_PORT', token: { file: $tmp/gh.token } }
		    format: paths
		subscribers:
		  jane: { email: jane@example.org }
		watch:
		  - { subscriber: jane, flickr: { nsid: 12345678@N00 } }
		smtp: { url: "smtp://127.0.0.1:9", from: sw@example.org }
	EOF
}
config "$tmp/sw.yaml" token
config "$tmp/notoken.yaml" none
db() { sqlite3 -cmd ".timeout 5000" "$tmp/state/scrapewatch.db" "$1"; }
hub_log() { cat "$tmp/hub/log"; }

# ---- Hugging Face --------------------------------------------------------

# Without the token the gated repository fails, and nothing is fetched.
run_sw -c "$tmp/notoken.yaml" check faces
expect_eq "gated without a token: exit" "$RC" 69
expect_contains "says the repository is gated" "$ERR" \
	"faces: check failed: the repository 'o/faces' is gated: its files download only with a token of an account that accepted its terms; dataset 'faces' needs huggingface.token"
expect_eq "one request, to the revision" "$(hub_log | awk '{ print $4 }')" "/api/datasets/o/faces/revision/main"

hub_state 1
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "first check: exit" "$RC" 0
expect_contains "release 1 of the two shards" "$OUT" "faces: release 1 (2 files"
expect_contains "3 entries" "$OUT" "3 entries; 3 added, 0 removed"
expect_contains "both downloaded" "$OUT" "[2 files: 2 downloaded"
expect_eq "the release is the commit" "$(db "SELECT revision FROM releases")" "$C1"
expect_eq "its files, by path, with the SHA-256 of their bytes" \
	"$(db "SELECT name || ' ' || sha256 FROM release_files ORDER BY name" | tr '\n' ' ')" \
	"data/train-0.csv $(sha256sum <"$f/s0" | cut -d' ' -f1) data/train-1.csv $(sha256sum <"$f/s1" | cut -d' ' -f1) "
expect_eq "the tree read in pages, at the commit" \
	"$(hub_log | grep -c " /api/datasets/o/faces/tree/$C1?recursive=true")" 2
expect_eq "each file resolved at the commit, with the token, and redirected" \
	"$(hub_log | grep -c " /datasets/o/faces/resolve/$C1/data/train-[01].csv auth=yes 302$")" 2
expect_eq "each downloaded from the signed host, without the token" \
	"$(hub_log | grep -c '^[0-9.]* cdn GET /repos/o/faces/[0-9a-f]*?Expires=[0-9]*&Signature=[0-9a-f]* auth=no 200$')" 2
expect_eq "the token never reached the signed host" "$(hub_log | grep -c ' cdn .*auth=yes')" 0

hub_state 1
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "same commit: exit" "$RC" 0
expect_contains "unchanged" "$OUT" "faces: unchanged: same content as release 1"
expect_eq "one request, to the revision" "$(hub_log | awk '{ print $4 }')" "/api/datasets/o/faces/revision/main"

# Commit 2: train-1.csv became train-1-v2.csv, with a photo more.
hub_state 2
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "new commit: exit" "$RC" 0
expect_contains "release 2" "$OUT" "faces: release 2 (2 files"
expect_contains "k4 added" "$OUT" "4 entries; 1 added, 0 removed"
expect_contains "only the new shard downloaded" "$OUT" "[2 files: 1 downloaded"
expect_eq "train-0.csv not resolved again" "$(hub_log | grep -c '/resolve/')" 1
expect_eq "release 2's revision" "$(db "SELECT revision FROM releases ORDER BY id DESC LIMIT 1")" "$C2"

# Commit 3 renames train-0.csv, its bytes the same: nothing to download.
hub_state 3
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "renamed shard: exit" "$RC" 0
expect_contains "nothing downloaded" "$OUT" "[2 files: 0 downloaded"
expect_eq "no download at all" "$(hub_log | grep -c '/resolve/\| cdn ')" 0

# The configuration lists other files of the same commit: listed again,
# not taken for "the same commit".
sed "s|files: 'data/\*.csv'|files: 'data/train-*.csv'|" "$tmp/sw.yaml" >"$tmp/narrow.yaml"
hub_state 3
run_sw -c "$tmp/narrow.yaml" check faces
expect_eq "a narrower glob: exit" "$RC" 0
expect_contains "the tree listed again" "$(hub_log)" "/api/datasets/o/faces/tree/$C3?recursive=true"
expect_contains "recut-0.csv's entries gone" "$OUT" "2 entries; 0 added, 2 removed"
hub_state 3
run_sw -c "$tmp/narrow.yaml" check faces
expect_contains "then the same commit is nothing new" "$OUT" "faces: unchanged"
expect_eq "in one request" "$(hub_log | wc -l)" 1
hub_state 3
run_sw -c "$tmp/sw.yaml" check faces
expect_contains "the glob as before: recut-0.csv back" "$OUT" "4 entries; 0 added, 0 removed, 2 reincluded"

# A rate limit: the check fails with the host's wait, the index as it was.
releases=$(db "SELECT count(*) FROM releases")
hub_state 3 '[{"path": "/api/datasets/o/faces/revision/", "status": 429, "headers": {"Retry-After": "30"}}]'
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "rate limited: exit" "$RC" 69
expect_contains "names the status and the wait" "$ERR" \
	"faces: check failed: http://127.0.0.1:$HUB_PORT/api/datasets/o/faces/revision/main: HTTP 429: rate limited; the host asks to wait 30s"
expect_contains "the index is unchanged" "$ERR" "the index is unchanged"
expect_eq "no release added" "$(db "SELECT count(*) FROM releases")" "$releases"

# A file that fails after another downloaded: the download whose SHA-256
# was listed stays for the next check; once a release lands without it
# (and it is an hour old), it is deleted.
printf 'key,photo_url\nk3,https://www.flickr.com/photos/12345678@N00/103\nk5,https://www.flickr.com/photos/12345678@N00/105\nk9,https://www.flickr.com/photos/12345678@N00/109\n' >"$f/s1c"
printf 'key,photo_url\nk3,https://www.flickr.com/photos/12345678@N00/103\nk5,https://www.flickr.com/photos/12345678@N00/105\n' >"$f/s1d"
printf 'key,photo_url\nk6,https://www.flickr.com/photos/12345678@N00/106\n' >"$f/s2"
zz=$(sha256sum <"$f/s2" | cut -d' ' -f1)
stale=$tmp/cache/faces/$(sha256sum <"$f/s1c" | cut -d' ' -f1)
hub_state 4 "[{\"host\": \"cdn\", \"path\": \"/repos/o/faces/$zz\", \"times\": 9, \"status\": 500}]"
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "a failing file: exit" "$RC" 69
expect_contains "names the file" "$ERR" "faces: check failed: file 'data/zz.csv': "
expect_eq "the file downloaded before it stays" "$([ -f "$stale" ] && echo yes)" yes
touch -d '2 hours ago' "$stale"
hub_state 5
run_sw -c "$tmp/sw.yaml" check faces
expect_eq "the next commit: exit" "$RC" 0
expect_contains "lands" "$OUT" "faces: release"
expect_eq "the download it did not need is gone" "$([ -e "$stale" ] && echo kept || echo gone)" gone
expect_eq "the newest release's files stay" \
	"$(db "SELECT count(*) FROM release_files f JOIN releases r ON r.id = f.release_id WHERE r.revision = '$C5' AND f.file != ''")" 3
expect_eq "and are on disk" \
	"$(for p in $(db "SELECT f.file FROM release_files f JOIN releases r ON r.id = f.release_id WHERE r.revision = '$C5'"); do [ -f "$p" ] && echo y; done | wc -l)" 3

# ---- GitHub --------------------------------------------------------------

run_sw -c "$tmp/sw.yaml" check lists
expect_eq "github first check: exit" "$RC" 0
expect_contains "release 1, one file" "$OUT" "lists: release 1 (plain, 40 B"
expect_eq "the release is the commit" \
	"$(db "SELECT r.revision FROM releases r JOIN datasets d ON d.id = r.dataset_id WHERE d.name = 'lists'")" "$C1"
expect_eq "the file from the raw host, without the token" \
	"$(grep -c " raw GET /o/lists/$C1/lists/faces.txt auth=no 200$" "$tmp/gh/log")" 1
expect_eq "the API with it" "$(grep -c ' api GET .* auth=yes 200$' "$tmp/gh/log")" 2

gh_state 1
run_sw -c "$tmp/sw.yaml" check lists
expect_eq "github re-check: exit" "$RC" 0
expect_contains "unchanged" "$OUT" "lists: unchanged"
expect_eq "one request, answered 304" "$(awk '{ print $2, $NF }' "$tmp/gh/log")" "api 304"

gh_state 2
run_sw -c "$tmp/sw.yaml" check lists
expect_eq "github new commit: exit" "$RC" 0
expect_contains "release 2, a photo more" "$OUT" "2 entries; 1 added, 0 removed"

# Commit 3 touches other/ only: still one 304.
gh_state 3
run_sw -c "$tmp/sw.yaml" check lists
expect_contains "a commit elsewhere is nothing new" "$OUT" "lists: unchanged"
expect_eq "one request, answered 304 again" "$(awk '{ print $2, $NF }' "$tmp/gh/log")" "api 304"

# The rate limit spent: the check fails with the wait, the index as it was.
releases=$(db "SELECT count(*) FROM releases")
gh_state 4 '[{"path": "/repos/o/lists/commits", "status": 403, "rate_limited": 600}]'
run_sw -c "$tmp/sw.yaml" check lists
expect_eq "github rate limited: exit" "$RC" 69
expect_contains "says the limit is spent" "$ERR" "lists: check failed: "
expect_contains "and the wait" "$ERR" "HTTP 403"
expect_eq "no release added" "$(db "SELECT count(*) FROM releases")" "$releases"
# The emulator's reset is its int(time.time()) + 600; the program's
# time(NULL) reads the kernel's coarse clock, which can still show the
# second before: 601 is the same wait.
expect_eq "the wait kept with the run" \
	"$(db "SELECT retry_after BETWEEN 590 AND 601 FROM runs ORDER BY id DESC LIMIT 1")" 1

# Commit 4 takes photo 202's line out: exactly one removal.
gh_state 4
run_sw -c "$tmp/sw.yaml" check lists
expect_eq "github removal: exit" "$RC" 0
expect_contains "release 3, a photo fewer" "$OUT" "1 entries; 0 added, 1 removed"
run_sw -c "$tmp/sw.yaml" diff lists --format csv
expect_eq "the diff: photo 202 removed" "$(grep -oE '^(added|removed),[0-9]+' <<<"$OUT")" "removed,202"
sw_done
