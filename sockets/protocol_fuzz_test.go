package sockets

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"workcomm/apperr"
)

// requestShapes are the data of every request type, as the handlers decode them.
func requestShapes() []any {
	type send struct {
		target
		Body        string  `json:"body"`
		ClientMsgID *string `json:"clientMsgId"`
	}
	type read struct {
		target
		Seq *uint64 `json:"seq"`
	}
	type sync struct {
		Conversations []struct {
			target
			AfterSeq uint64 `json:"afterSeq"`
		} `json:"conversations"`
	}
	return []any{&send{}, &target{}, &read{}, &sync{}}
}

// FuzzDecodeData: whatever a client puts in a frame's data, decoding it for
// any request type never panics and fails only with the contract's client
// errors, a validation error naming its field.
func FuzzDecodeData(f *testing.F) {
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"toUserId":1,"body":"hi","clientMsgId":"a"}`, `{"groupId":-1}`,
		`{"groupId":1e999}`, `{"seq":18446744073709551616}`, `{"conversations":[{"groupId":1,"afterSeq":0}]}`,
		`{"conversations":` + strings.Repeat("[", 3000) + `}`, `{"body":"\u0000"}`, `{"unknown":1}`, `{"body":1}`,
		`{"toUserId":1}{"toUserId":2}`, "\xff\xfe", `{"TOUSERID":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, dst := range requestShapes() {
			err := decodeData(raw, dst)
			if err == nil {
				continue
			}
			var e *apperr.Error
			switch {
			case errors.Is(err, apperr.ErrValidation):
				if !errors.As(err, &e) || len(e.Fields) == 0 {
					t.Fatalf("%T: validation error without a field for %q: %v", dst, raw, err)
				}
			case errors.Is(err, apperr.ErrInvalidJSON):
			default:
				t.Fatalf("%T: unexpected error for %q: %v", dst, raw, err)
			}
		}
		// The envelope decoder used by dispatch: a frame either decodes with
		// its id kept byte for byte, or is refused.
		var fr envelope
		if json.Unmarshal(raw, &fr) == nil && fr.ID != nil && !json.Valid(fr.ID) {
			t.Fatalf("an invalid id %q was kept from %q", fr.ID, raw)
		}
	})
}

// FuzzDecodeBrokerEvent: a broker payload from another node (or a corrupted one)
// never panics the receiving node; one that decodes encodes back to itself.
func FuzzDecodeBrokerEvent(f *testing.F) {
	for _, e := range []*brokerEvent{
		{op: opDeliver, hub: hubPrivate, users: []uint64{1, 2}, envelope: []byte(`{"type":"typing"}`)},
		{op: opDeliver, hub: hubGroup, room: 7, exclude: 3, envelope: []byte(`{"type":"message.new"}`)},
		{op: opKick, users: []uint64{9}},
		{op: opJoin, hub: hubGroup, room: 1, users: []uint64{4}, envelope: []byte(`{}`)},
	} {
		f.Add(e.encode())
	}
	f.Add([]byte{})
	f.Add(make([]byte, headerSize))
	f.Add(append(make([]byte, 18), 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeBrokerEvent(b)
		if err != nil {
			if len(b) >= headerSize && len(b)-headerSize >= 8*int(uint32(b[18])<<24|uint32(b[19])<<16|uint32(b[20])<<8|uint32(b[21])) {
				t.Fatalf("a well-formed payload was refused: %v", err)
			}
			return
		}
		if again := e.encode(); !bytes.Equal(again, b) {
			t.Fatalf("decode then encode changed the payload:\n%x\n%x", b, again)
		}
	})
}
