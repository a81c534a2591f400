package trace

// tlsRecords is n bytes of TLS 1.2/1.3 application data records (content
// type 23, version 0x0303, a length, then opaque bytes), as the control
// channel carries them after AUTH TLS; Wireshark shows "Application Data".
// Fewer than 6 bytes cannot be a record: they go as they are.
func tlsRecords(n int64) []byte {
	const maxRecord = 5 + 16384 + 256 // header + the largest TLS 1.3 ciphertext
	out := make([]byte, 0, n)
	for rest := n; rest > 0; {
		size := min(rest, maxRecord)
		if rest-size > 0 && rest-size < 6 {
			size = rest - 6 // leave a whole record for the end
		}
		if size < 6 {
			for i := int64(0); i < size; i++ {
				out = append(out, 0)
			}
			rest -= size
			continue
		}
		body := size - 5
		out = append(out, 23, 3, 3, byte(body>>8), byte(body))
		for i := int64(0); i < body; i++ {
			out = append(out, byte(i*131+7)) // looks random enough, is the same every time
		}
		rest -= size
	}
	return out
}
