#!/bin/sh
# Records the real captures kept in this directory: curl fetching a file
# from `ftplab serve` on 127.0.0.4:21 (loopback only), captured with dumpcap,
# in passive mode (curl's default: EPSV), in active mode (curl -P -: EPRT)
# and passive under AUTH TLS (curl --ssl-reqd; the server runs with --tls).
# Run from the module root as root (port 21, capturing on lo):
# sh sim/trace/testdata/make-real-captures.sh
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; kill $tls 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/ftplab" .
mkdir "$work/root"
python3 -c 'import sys; sys.stdout.write("".join("line %04d of a real capture\n" % i for i in range(120)))' > "$work/root/notes.txt"
"$work/ftplab" serve --addr 127.0.0.4:21 --anonymous --root "$work/root" --pasv-ports 30000-30009 >"$work/serve.log" 2>&1 &
srv=$!
"$work/ftplab" serve --addr 127.0.0.5:21 --anonymous --tls --root "$work/root" --pasv-ports 30010-30019 >"$work/serve-tls.log" 2>&1 &
tls=$!
sleep 1
for mode in passive active tls; do
	args="" host=127.0.0.4
	[ "$mode" = active ] && args="-P -"
	[ "$mode" = tls ] && args="--ssl-reqd -k" host=127.0.0.5
	dumpcap -q -i lo -f "tcp and host $host" -w "$work/$mode.pcapng" &
	cap=$!
	sleep 1
	# shellcheck disable=SC2086
	curl -sS $args -o "$work/got-$mode.txt" "ftp://$host/notes.txt"
	cmp "$work/root/notes.txt" "$work/got-$mode.txt"
	sleep 1
	kill -INT $cap
	wait $cap || true
	cp "$work/$mode.pcapng" "$out/real-curl-$mode.pcapng"
done
wc -c "$work/root/notes.txt"
