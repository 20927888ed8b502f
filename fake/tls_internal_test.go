package fake

import (
	"bytes"
	"net"
	"testing"
)

// frame builds one HTTP/2 frame: a 9-byte header (length, type, flags, stream) and its payload.
func frame(typ byte, stream uint32, payload []byte) []byte {
	n := len(payload)
	h := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, 0,
		byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)}
	return append(h, payload...)
}

// serverFrames is what a server might write: frames whose payloads hold the byte of
// INTERNAL_ERROR at offset 3 without being resets, a long frame, and two resets with
// INTERNAL_ERROR of which only the first is marked to change.
func serverFrames(firstCode byte) []byte {
	var b []byte
	b = append(b, frame(0x4, 0, []byte{0, 3, 0, errCodeInternal, 0, 100})...) // SETTINGS
	b = append(b, frame(0x0, 1, []byte{0, 0, 0, errCodeInternal, 9})...)      // DATA, 5 bytes
	b = append(b, frame(0x0, 1, bytes.Repeat([]byte{errCodeInternal}, 300))...)
	b = append(b, frame(frameRSTStream, 1, []byte{0, 0, 0, firstCode})...)
	b = append(b, frame(0x8, 0, []byte{0, 0, 0, errCodeInternal})...) // WINDOW_UPDATE, 4 bytes
	b = append(b, frame(frameRSTStream, 3, []byte{0, 0, 0, errCodeInternal})...)
	return b
}

// The frame parser sees the server's bytes in whatever pieces the HTTP/2 server writes them:
// wherever the pieces are cut, exactly the marked reset changes, and nothing else does.
func TestFrameParserRewritesOnlyTheMarkedResetHoweverTheWritesAreCut(t *testing.T) {
	in, want := serverFrames(errCodeInternal), serverFrames(errCodeProtocol)
	feed := func(cuts ...int) []byte {
		c := &frameConn{h2: 1, protoErr: 1}
		var got []byte
		from := 0
		for _, to := range append(cuts, len(in)) {
			p := in[from:to]
			out := bytes.Clone(p)
			c.follow(p, out)
			got = append(got, out...)
			from = to
		}
		if c.protoErr != 0 {
			t.Errorf("cut at %v: %d marked resets left, want 0", cuts, c.protoErr)
		}
		return got
	}
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j += 7 {
			if got := feed(i, j); !bytes.Equal(got, want) {
				t.Fatalf("cut at %d and %d:\n got %x\nwant %x", i, j, got, want)
			}
		}
	}
	byteByByte := make([]int, 0, len(in))
	for i := 1; i < len(in); i++ {
		byteByByte = append(byteByByte, i)
	}
	if got := feed(byteByByte...); !bytes.Equal(got, want) {
		t.Fatalf("one byte at a time:\n got %x\nwant %x", got, want)
	}
}

// recordConn is a net.Conn that keeps what is written to it.
type recordConn struct {
	net.Conn
	wrote []byte
}

func (c *recordConn) Write(p []byte) (int, error) {
	c.wrote = append(c.wrote, p...)
	return len(p), nil
}

// A rewrite goes out on the wire but never changes the buffer the HTTP/2 server handed over,
// which is its own.
func TestFrameConnChangesTheWireNotTheCallersBuffer(t *testing.T) {
	rec := &recordConn{}
	c := &frameConn{Conn: rec, h2: 1}
	c.resetNextWithProtocolError()
	in := serverFrames(errCodeInternal)
	p := bytes.Clone(in)
	if _, err := c.Write(p); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p, in) {
		t.Errorf("the caller's buffer was changed")
	}
	if want := serverFrames(errCodeProtocol); !bytes.Equal(rec.wrote, want) {
		t.Errorf("wrote %x\nwant %x", rec.wrote, want)
	}
}
