package capture

import (
	"bytes"
	"compress/gzip"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// bulkCapture is a pcap of one TCP connection whose packets carry payload
// bytes each, until the file holds about size bytes.
func bulkCapture(t *testing.T, size, payload int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{192, 0, 2, 10}, DstIP: net.IP{198, 51, 100, 21}}
	body := bytes.Repeat([]byte("A"), payload)
	for seq := uint32(1); out.Len() < size; seq++ {
		tcp := &layers.TCP{SrcPort: 40000, DstPort: 21, Seq: seq, ACK: true, PSH: true, Window: 65535}
		tcp.SetNetworkLayerForChecksum(ip)
		data := body
		if seq == 1 {
			tcp.SYN, tcp.ACK, tcp.PSH, data = true, false, false, nil
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, eth, ip, tcp, gopacket.Payload(data)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(0, 0), CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// TestReadBoundsInput: a capture over the limit, plain or a small gzip
// file that expands past it, is refused with the limit in the error, and
// memory stays near the limit whatever the expansion; a gzip capture
// under the limit imports like the plain one.
func TestReadBoundsInput(t *testing.T) {
	big := bulkCapture(t, MaxCaptureBytes+8<<20, 60000)
	tests := []struct {
		name, want string
		input      []byte
	}{
		{"plain", "import: capture larger than 33554432 bytes (the importer's limit)", big},
		{"gzip", "import: decompressed capture larger than 33554432 bytes (the importer's limit)", gzipped(t, big)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(tt.input))
			runtime.ReadMemStats(&after)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d-byte input (%d decompressed): %d bytes allocated", len(tt.input), len(big), alloc)
			if alloc > 4*MaxCaptureBytes {
				t.Errorf("%d bytes allocated", alloc)
			}
		})
	}
	t.Run("small gzip imports", func(t *testing.T) {
		plain, err := os.ReadFile("../testdata/real-curl-passive.pcapng")
		if err != nil {
			t.Fatal(err)
		}
		want, err := Read(bytes.NewReader(plain))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Read(bytes.NewReader(gzipped(t, plain)))
		if err != nil || len(got.Events) != len(want.Events) {
			t.Fatalf("gzip: %d events, %v; plain: %d", len(got.Events), err, len(want.Events))
		}
	})
}
