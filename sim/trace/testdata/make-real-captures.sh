#!/bin/sh
# Records the real captures kept in this directory: curl fetching a file
# from `ftplab serve` on 127.0.0.4:21 (loopback only), captured with dumpcap,
# once in passive mode (curl's default: EPSV) and once in active mode
# (curl -P -: EPRT). Run from the module root as root (port 21, capturing
# on lo): sh sim/trace/testdata/make-real-captures.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/ftplab" .
mkdir "$work/root"
python3 -c 'import sys; sys.stdout.write("".join("line %04d of a real capture\n" % i for i in range(120)))' > "$work/root/notes.txt"
"$work/ftplab" serve --addr 127.0.0.4:21 --anonymous --root "$work/root" --pasv-ports 30000-30009 >"$work/serve.log" 2>&1 &
srv=$!
sleep 1
for mode in passive active; do
	args=""
	[ "$mode" = active ] && args="-P -"
	dumpcap -q -i lo -f "tcp and host 127.0.0.4" -w "$work/$mode.pcapng" &
	cap=$!
	sleep 1
	# shellcheck disable=SC2086
	curl -sS $args -o "$work/got-$mode.txt" ftp://127.0.0.4/notes.txt
	cmp "$work/root/notes.txt" "$work/got-$mode.txt"
	sleep 1
	kill -INT $cap
	wait $cap || true
	cp "$work/$mode.pcapng" "$out/real-curl-$mode.pcapng"
done
wc -c "$work/root/notes.txt"
