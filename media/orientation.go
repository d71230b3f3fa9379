package media

import (
	"bufio"
	"encoding/binary"
	"image"
	"io"
)

// A phone stores a photo as its sensor saw it and says in the JPEG's EXIF
// Orientation tag how to turn it; browsers apply the tag when they show the
// original (CSS image-orientation: from-image is the default), so the
// thumbnail, which Go's decoder makes without it, must apply it too or it
// shows sideways beside an upright original.

// maxExifScan bounds how far jpegOrientation reads looking for the EXIF
// segment: it comes before the image data, in the first APP segments, and
// one segment is at most 64 KiB.
const maxExifScan = 256 << 10

// jpegOrientation returns the EXIF Orientation (1 to 8) of a JPEG stream, 1
// when there is none or it cannot be read: a wrong guess only turns a
// thumbnail, so any malformed segment means "as stored".
func jpegOrientation(r io.Reader) int {
	br := bufio.NewReader(io.LimitReader(r, maxExifScan))
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 1
	}
	for {
		var m [4]byte
		if _, err := io.ReadFull(br, m[:]); err != nil || m[0] != 0xFF {
			return 1
		}
		marker := m[1]
		size := int(binary.BigEndian.Uint16(m[2:])) - 2
		if size < 0 || marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no EXIF before
			return 1
		}
		seg := make([]byte, size)
		if _, err := io.ReadFull(br, seg); err != nil {
			return 1
		}
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
	}
}

// tiffOrientation reads tag 0x0112 of IFD0 in a TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int(bo.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// swapsSides reports orientations that turn the image a quarter (5 to 8):
// the shown width is the stored height.
func swapsSides(o int) bool { return o >= 5 && o <= 8 }

// orient returns img as it is meant to be seen under EXIF orientation o. It
// runs on the small scaled variants, never on the decoded original.
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if swapsSides(o) {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // turned 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // turned 90° clockwise to be upright
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // turned 90° counter-clockwise to be upright
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
