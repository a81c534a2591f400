package player

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// TestGoldenPacketsDetail: key d at active-client-firewall's control
// handshake lists its packets (SYN-ACK, then the ACK marked), and the
// inspector's TCP layer shows the marked packet.
func TestGoldenPacketsDetail(t *testing.T) {
	isConnected := func(e trace.Event) bool { return e.Kind == trace.Connected }
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, tt := range []struct {
			at   string
			keys []string
		}{
			{"packets-handshake", []string{"d", "right"}},
			{"packets-inspect-handshake", []string{"d", "right", "i"}},
		} {
			name := fmt.Sprintf("active-client-firewall-%s-%s", tt.at, itoa(size))
			t.Run(name, func(t *testing.T) {
				s := lesson(t, "active-client-firewall")
				s.Guide = narrationOnly{s.Guide}
				p := sized(s, Options{NoColor: true}, size[0], size[1])
				seekTo(p, isConnected)
				press(p, tt.keys...)
				if p.detail != detailPackets || p.pk != 1 {
					t.Fatalf("detail %d, packet %d: want packets detail on the second packet", p.detail, p.pk)
				}
				golden(t, name, screen(t, p))
			})
		}
	}
}

// TestStepsDetailIgnoresTheNewEvents: in steps detail a trace with the
// transport's own events steps exactly as the same trace without them.
func TestStepsDetailIgnoresTheNewEvents(t *testing.T) {
	s := lesson(t, "broken-transfer")
	old := s
	old.Events = steps(s.Events)
	if len(old.Events) == len(s.Events) {
		t.Fatal("the lesson's trace has no transport events: nothing to fold out")
	}
	a, b := sized(s, Options{NoColor: true}, 80, 24), sized(old, Options{NoColor: true}, 80, 24)
	for k := 0; k < len(old.Events)+2; k++ {
		if ra, rb := a.Render(), b.Render(); ra != rb {
			t.Fatalf("step %d differs:\n%s\n---\n%s", k, ra, rb)
		}
		press(a, "right")
		press(b, "right")
		a.tr.frame, b.tr.frame = animFrames, animFrames
	}
}

// TestPlayerPacketsAreThePCAP: walking a lesson in packets detail shows
// the same packets, in the same order, that the pcap export writes for
// the same trace, read back with gopacket: addresses, ports, flags,
// sequence and acknowledgement numbers, window and payload.
func TestPlayerPacketsAreThePCAP(t *testing.T) {
	for _, name := range []string{"active-client-firewall", "ftp-helper", "broken-transfer", "passive-port-range", "tls-blinds-helper"} {
		t.Run(name, func(t *testing.T) {
			s := lesson(t, name)
			var pcap bytes.Buffer
			if err := export.PCAP(&pcap, trace.Trace{Header: s.Header, Events: s.Events}); err != nil {
				t.Fatal(err)
			}
			wrote := readPCAP(t, &pcap)

			s.Guide = narrationOnly{s.Guide}
			p := New(s, Options{NoColor: true})
			press(p, "d")
			var shown []string
			for {
				if pks := p.stepPackets(); len(pks) > 0 {
					shown = append(shown, packetKey(pks[p.pk]))
				}
				i, pk := p.tr.i, p.pk
				press(p, "right")
				if p.tr.i == i && p.pk == pk {
					break
				}
			}
			if len(shown) != len(wrote) {
				t.Fatalf("the player shows %d packets, the pcap has %d", len(shown), len(wrote))
			}
			for k := range shown {
				if shown[k] != wrote[k] {
					t.Fatalf("packet %d: player %s, pcap %s", k+1, shown[k], wrote[k])
				}
			}
		})
	}
}

func packetKey(p trace.Packet) string {
	return fmt.Sprintf("%s>%s [%s] seq=%d ack=%d win=%d len=%d %q", p.Src, p.Dst, p.Flags, p.Seq, p.Ack, p.Window, len(p.Payload), p.Payload)
}

// readPCAP decodes every frame of a pcap into the packet it carries.
func readPCAP(t *testing.T, b *bytes.Buffer) []string {
	t.Helper()
	r, err := pcapgo.NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("frame %d is not TCP", len(out)+1)
		}
		src, dst := pkt.NetworkLayer().NetworkFlow().Endpoints()
		var fl trace.Flags
		for _, f := range []struct {
			on bool
			f  trace.Flags
		}{{tcp.FIN, trace.FlagFIN}, {tcp.SYN, trace.FlagSYN}, {tcp.RST, trace.FlagRST}, {tcp.PSH, trace.FlagPSH}, {tcp.ACK, trace.FlagACK}} {
			if f.on {
				fl |= f.f
			}
		}
		addr := func(ip gopacket.Endpoint, port layers.TCPPort) string {
			return joinHostPort(ip.String(), int(port))
		}
		out = append(out, fmt.Sprintf("%s>%s [%s] seq=%d ack=%d win=%d len=%d %q", addr(src, tcp.SrcPort), addr(dst, tcp.DstPort), fl, tcp.Seq, tcp.Ack, tcp.Window, len(tcp.Payload), tcp.Payload))
	}
	return out
}

func joinHostPort(ip string, port int) string {
	if bytes.ContainsRune([]byte(ip), ':') {
		return fmt.Sprintf("[%s]:%d", ip, port)
	}
	return fmt.Sprintf("%s:%d", ip, port)
}

// TestEventListShowsPacketsInPacketsDetail: with d, the event list shows
// each step's packets under it (the handshake under "connected", the
// current one marked); in steps detail it shows none.
func TestEventListShowsPacketsInPacketsDetail(t *testing.T) {
	s := lesson(t, "active-client-firewall")
	s.Guide = narrationOnly{s.Guide}
	p := New(s, Options{NoColor: true})
	p.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	press(p, "e")
	for k := 0; k < 10 && !(len(p.stepPackets()) > 0 && p.stepPackets()[0].Flags.String() == "SYN, ACK"); k++ {
		press(p, "right")
	}
	if got := screen(t, p); strings.Contains(got, "[SYN, ACK]") {
		t.Fatalf("steps detail: the list shows packets:\n%s", got)
	}
	press(p, "d")
	got := screen(t, p)
	for _, want := range []string{"client → server [SYN] Seq=0", "  client → server [ACK] Seq=1 Ack=1", "▸ server → client [SYN, ACK] Seq=0 Ack=1"} {
		if !strings.Contains(got, want) {
			t.Errorf("packets detail: the list lacks %q:\n%s", want, got)
		}
	}
}
