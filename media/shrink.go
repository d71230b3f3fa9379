package media

import (
	"image"
	"image/color"
)

// Resampling a large photo straight to a thumbnail with x/image/draw's
// CatmullRom kernel costs time in proportion to the source pixels times the
// kernel's width, which grows with the ratio: 5 s for an 8K photo on this
// machine. So the source is first reduced by an integer factor with a box
// filter (the plain average of each k×k block: exact area sampling, no
// aliasing, one pass over the pixels) to at least twice the variant's size,
// and CatmullRom makes the final, sharp step from that small image.

// shrinkFactor is the integer reduction that keeps r at least twice as large
// as w×h on both sides (1: no reduction).
func shrinkFactor(r image.Rectangle, w, h int) int {
	return max(1, min(r.Dx()/(2*w), r.Dy()/(2*h)))
}

// shrink averages each k×k block of img within r (the blocks of the last
// row and column may be smaller) into a new premultiplied RGBA image. It
// holds one source row and the sums of one output row besides its result.
func shrink(img image.Image, r image.Rectangle, k int) *image.RGBA {
	ow, oh := (r.Dx()+k-1)/k, (r.Dy()+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	row := make([]uint8, 4*r.Dx())
	sums := make([]uint32, 4*ow)
	read := rowReader(img)
	for oy := range oh {
		clear(sums)
		y0 := r.Min.Y + oy*k
		y1 := min(y0+k, r.Max.Y)
		for y := y0; y < y1; y++ {
			read(row, r.Min.X, r.Max.X, y)
			for ox := range ow {
				var s0, s1, s2, s3 uint32
				b := blockOf(row, ox, k)
				for i := 0; i+3 < len(b); i += 4 {
					s0 += uint32(b[i])
					s1 += uint32(b[i+1])
					s2 += uint32(b[i+2])
					s3 += uint32(b[i+3])
				}
				s := sums[4*ox : 4*ox+4 : 4*ox+4]
				s[0] += s0
				s[1] += s1
				s[2] += s2
				s[3] += s3
			}
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			n := uint32(len(blockOf(row, ox, k)) / 4 * (y1 - y0))
			for c := range 4 {
				out[4*ox+c] = uint8((sums[4*ox+c] + n/2) / n)
			}
		}
	}
	return dst
}

// blockOf is the bytes of the pixels of output column ox in a row of
// 4-byte pixels.
func blockOf(row []uint8, ox, k int) []uint8 {
	return row[4*ox*k : min(4*(ox*k+k), len(row))]
}

// rowReader returns a function that writes the premultiplied 8-bit RGBA of
// the pixels x0..x1 of row y into dst. The decoders' own image types are
// read directly; any other goes through At, which is correct but slower.
func rowReader(img image.Image) func(dst []uint8, x0, x1, y int) {
	switch m := img.(type) {
	case *image.YCbCr:
		// The chroma planes are subsampled by 2^hs across and 2^vs down,
		// as image.YCbCr.COffset computes per pixel.
		hs, vs := 0, 0
		switch m.SubsampleRatio {
		case image.YCbCrSubsampleRatio422:
			hs = 1
		case image.YCbCrSubsampleRatio420:
			hs, vs = 1, 1
		case image.YCbCrSubsampleRatio440:
			vs = 1
		case image.YCbCrSubsampleRatio411:
			hs = 2
		case image.YCbCrSubsampleRatio410:
			hs, vs = 2, 1
		}
		return func(dst []uint8, x0, x1, y int) {
			yBase := (y-m.Rect.Min.Y)*m.YStride - m.Rect.Min.X
			cBase := (y>>vs-m.Rect.Min.Y>>vs)*m.CStride - m.Rect.Min.X>>hs
			for x := x0; x < x1; x++ {
				ci := cBase + x>>hs
				r, g, b := color.YCbCrToRGB(m.Y[yBase+x], m.Cb[ci], m.Cr[ci])
				i := 4 * (x - x0)
				dst[i], dst[i+1], dst[i+2], dst[i+3] = r, g, b, 0xff
			}
		}
	case *image.RGBA:
		return func(dst []uint8, x0, x1, y int) {
			i := m.PixOffset(x0, y)
			copy(dst, m.Pix[i:i+4*(x1-x0)])
		}
	case *image.NRGBA:
		return func(dst []uint8, x0, x1, y int) {
			s := m.Pix[m.PixOffset(x0, y):]
			for x := range x1 - x0 {
				a := uint32(s[4*x+3])
				dst[4*x] = uint8(uint32(s[4*x]) * a / 0xff)
				dst[4*x+1] = uint8(uint32(s[4*x+1]) * a / 0xff)
				dst[4*x+2] = uint8(uint32(s[4*x+2]) * a / 0xff)
				dst[4*x+3] = uint8(a)
			}
		}
	case *image.Gray:
		return func(dst []uint8, x0, x1, y int) {
			s := m.Pix[m.PixOffset(x0, y):]
			for x := range x1 - x0 {
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = s[x], s[x], s[x], 0xff
			}
		}
	case *image.Paletted:
		pal := make([][4]uint8, len(m.Palette))
		for i, c := range m.Palette {
			r, g, b, a := c.RGBA()
			pal[i] = [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
		}
		return func(dst []uint8, x0, x1, y int) {
			s := m.Pix[m.PixOffset(x0, y):]
			for x := range x1 - x0 {
				var p [4]uint8 // an index outside the palette is transparent black
				if int(s[x]) < len(pal) {
					p = pal[s[x]]
				}
				copy(dst[4*x:], p[:])
			}
		}
	}
	return func(dst []uint8, x0, x1, y int) {
		for x := x0; x < x1; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			i := 4 * (x - x0)
			dst[i], dst[i+1], dst[i+2], dst[i+3] = uint8(r>>8), uint8(g>>8), uint8(b>>8), uint8(a>>8)
		}
	}
}
