package ftp

import (
	"net/netip"
	"testing"
)

func TestAddrFormats(t *testing.T) {
	ap := netip.MustParseAddrPort("192.168.1.10:2001")
	if got := FormatPORT(ap); got != "192,168,1,10,7,209" {
		t.Fatalf("FormatPORT = %q", got)
	}
	tests := []struct {
		name string
		fn   func(string) (netip.AddrPort, error)
		in   string
		want string // "" means an error is expected
	}{
		{"port", ParsePORT, "192,168,1,10,7,209", "192.168.1.10:2001"},
		{"port spaces", ParsePORT, " 10, 0,0,1,0,21 ", "10.0.0.1:21"},
		{"port short", ParsePORT, "1,2,3,4,5", ""},
		{"port 256", ParsePORT, "1,2,3,256,5,6", ""},
		{"port neg", ParsePORT, "1,2,3,-4,5,6", ""},
		{"227", Parse227, "Entering Passive Mode (198,51,100,21,117,48).", "198.51.100.21:30000"},
		{"227 bare", Parse227, "=198,51,100,21,117,48", "198.51.100.21:30000"},
		{"227 none", Parse227, "Entering Passive Mode", ""},
		{"eprt4", ParseEPRT, "|1|132.235.1.2|6275|", "132.235.1.2:6275"},
		{"eprt6", ParseEPRT, "|2|::1|6275|", "[::1]:6275"},
		{"eprt other delim", ParseEPRT, "!1!10.0.0.1!21!", "10.0.0.1:21"},
		{"eprt mismatch", ParseEPRT, "|2|10.0.0.1|21|", ""},
		{"eprt port0", ParseEPRT, "|1|10.0.0.1|0|", ""},
		{"eprt junk", ParseEPRT, "|1|10.0.0.1|21", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.fn(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("want error, got %v", got)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", got, err, tt.want)
			}
		})
	}
	if p, err := Parse229("Entering Extended Passive Mode (|||30000|)"); err != nil || p != 30000 {
		t.Fatalf("Parse229 = %d, %v", p, err)
	}
	if _, err := Parse229("Entering Extended Passive Mode (||30000|)"); err == nil {
		t.Fatal("Parse229 accepted a bad reply")
	}
	if got := FormatEPRT(netip.MustParseAddrPort("[::1]:21")); got != "|2|::1|21|" {
		t.Fatalf("FormatEPRT = %q", got)
	}
}
