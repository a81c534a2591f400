// msscapture writes a pcap of one passive FTP download of -mib MiB in
// 1460-byte segments, one every 12 µs (about 1 Gbit/s), each ACKed as a
// real receiver does: the shape of an Ethernet capture, which loopback
// captures (64 KiB segments) do not have. scripts/bench-import imports it.
package main

import (
	"flag"
	"fmt"
	"os"

	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

func main() {
	mib := flag.Int("mib", 512, "MiB to transfer")
	out := flag.String("o", "mss.pcap", "the pcap to write")
	flag.Parse()
	tr, err := trace.ReadFile("sim/trace/testdata/passive-list-get.jsonl")
	if err != nil {
		fail(err)
	}
	const mss = 1460
	segments := (*mib << 20) / mss
	var events []trace.Event
	shift := int64(0)
	for _, e := range tr.Events {
		e.T += shift
		if e.Kind == trace.Segment && e.Channel == trace.Data && e.Bytes == 4096 { // the RETR
			for i := range segments {
				d := e
				d.T, d.Bytes = e.T+int64(i)*12, mss
				events = append(events, d)
			}
			shift += int64(segments) * 12
			continue
		}
		events = append(events, e)
	}
	for i := range events {
		events[i].Seq = i
	}
	tr.Events = events
	f, err := os.Create(*out)
	if err != nil {
		fail(err)
	}
	if err := export.PCAP(f, tr); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
	fmt.Println(segments * mss)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "msscapture:", err)
	os.Exit(1)
}
