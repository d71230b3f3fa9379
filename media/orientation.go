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

// maxJPEGScan bounds how far jpegHeader reads looking for the EXIF segment
// and the frame header: both come before the image data, after the APP
// segments (an ICC profile or XMP packet can take a few of 64 KiB each).
const maxJPEGScan = 512 << 10

// jpegInfo is what the segments before a JPEG's image data say.
type jpegInfo struct {
	orientation int // EXIF Orientation, 1 to 8 (1 when absent)
	found       bool
	progressive bool
	// samples is the number of stored samples a pixel, all components
	// together: 3 for 4:4:4 colour, 1.5 for 4:2:0, 1 for grey, 4 for CMYK.
	samples    float64
	components int
}

// jpegHeader reads the segments of a JPEG stream up to its first scan: the
// EXIF orientation and the frame header (SOF: progressive or not, the
// components and their sampling). A malformed or missing segment leaves
// the defaults: orientation 1 ("as stored": a wrong guess only turns a
// thumbnail) and found false (the caller then assumes the costliest frame).
func jpegHeader(r io.Reader) jpegInfo {
	info := jpegInfo{orientation: 1}
	br := bufio.NewReader(io.LimitReader(r, maxJPEGScan))
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return info
	}
	for {
		var m [4]byte
		if _, err := io.ReadFull(br, m[:]); err != nil || m[0] != 0xFF {
			return info
		}
		marker := m[1]
		size := int(binary.BigEndian.Uint16(m[2:])) - 2
		if size < 0 || marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return info
		}
		seg := make([]byte, size)
		if _, err := io.ReadFull(br, seg); err != nil {
			return info
		}
		switch {
		case marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00":
			info.orientation = tiffOrientation(seg[6:])
		case marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			// SOFn: precision, height, width, components, then for each
			// an id, its sampling (h<<4 | v) and its table.
			if len(seg) < 6 || info.found {
				continue
			}
			n := int(seg[5])
			if n == 0 || len(seg) < 6+3*n {
				continue
			}
			var hmax, vmax int
			for i := range n {
				f := seg[6+3*i+1]
				hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&0x0f))
			}
			if hmax == 0 || vmax == 0 {
				continue
			}
			for i := range n {
				f := seg[6+3*i+1]
				info.samples += float64(int(f>>4)*int(f&0x0f)) / float64(hmax*vmax)
			}
			info.found, info.components = true, n
			info.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
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
