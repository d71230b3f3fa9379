package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// MaxPixels bounds the images WorkComm decodes: 50 megapixels, the
// high-resolution mode of current phone cameras (8064×6048, 48.8 MP) and
// more than an 8K screen shot (33.2 MP). A larger image, or one whose
// decoding would take more than MaxDecodeBytes, is still stored and
// downloadable; it gets no size, thumbnail or inline preview.
const MaxPixels = 50_000_000

// MaxDecodeBytes bounds the memory one decode may take, as DecodeCost
// estimates it from the header: 400 MiB. A 48-megapixel phone JPEG takes
// 73 MB (baseline 4:2:0: 1.5 bytes a pixel) and fits with room to spare,
// as do a progressive one (366 MB: Go keeps every coefficient, 4 bytes a
// sample, until the last scan) and an 8-bit RGBA PNG of that size (195 MB);
// a 16-bit one or a progressive 4:4:4 JPEG of that size does not.
const MaxDecodeBytes = 400 << 20

// MaxConcurrentDecodes is how many images a process decodes at once. One: a
// decode is CPU-bound (two cores here), so more would not finish sooner, and
// one bounds the memory of all image work in a process to MaxDecodeBytes
// plus the small variants, whatever the number of uploads.
const MaxConcurrentDecodes = 1

// decodeSlots is the per-process semaphore of decodes.
var decodeSlots = make(chan struct{}, MaxConcurrentDecodes)

// Errors of Inspect and Render.
var (
	// ErrNotImage: not a PNG, JPEG, GIF or WebP whose header can be read.
	ErrNotImage = errors.New("media: not a decodable image")
	// ErrTooLargeToDecode: the header declares more than MaxPixels, or a
	// decode that would take more than MaxDecodeBytes.
	ErrTooLargeToDecode = errors.New("media: image too large to decode")
)

// Info is what an image header says.
type Info struct {
	ContentType string // PNG, JPEG, GIF or WebP
	Width       int
	Height      int
	// DecodedBytes is the memory a full decode of the image takes.
	DecodedBytes int64
	// Orientation is the JPEG's EXIF orientation (1 to 8; 1 for the other
	// formats). Width and Height are as shown, after it.
	Orientation int
}

// decoder is one of the formats WorkComm decodes. The list is explicit (no
// image.RegisterFormat side effects) so that no other package's registered
// decoder (BMP, TIFF...) is ever reached through an upload.
type decoder struct {
	contentType string
	config      func(io.Reader) (image.Config, error)
	decode      func(io.Reader) (image.Image, error)
}

var decoders = map[string]decoder{
	PNG:  {PNG, png.DecodeConfig, png.Decode},
	JPEG: {JPEG, jpeg.DecodeConfig, jpeg.Decode},
	GIF:  {GIF, gif.DecodeConfig, gif.Decode}, // the first frame only
	WebP: {WebP, webp.DecodeConfig, webp.Decode},
}

// Inspect reads an image's header (never its pixels) and checks its pixel
// count and decoding cost against MaxPixels and MaxDecodeBytes. contentType
// is the sniffed type (Sniff), which picks the decoder. It reads from where
// src is; a PNG or JPEG is read a second time from there for what the
// standard decoders do not report (interlacing; the frame type and the EXIF
// orientation).
func Inspect(src io.ReadSeeker, contentType string) (Info, error) {
	d, ok := decoders[baseType(contentType)]
	if !ok {
		return Info{}, ErrNotImage
	}
	start, err := src.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, err
	}
	cfg, err := d.config(src)
	if err != nil {
		return Info{}, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	info := Info{ContentType: d.contentType, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return info, ErrNotImage
	}
	pixels := int64(cfg.Width) * int64(cfg.Height) // each side < 2^32: no overflow
	var jpg jpegInfo
	interlaced := false
	if d.contentType == PNG {
		if _, err := src.Seek(start, io.SeekStart); err != nil {
			return info, err
		}
		interlaced = pngInterlaced(src)
	}
	if d.contentType == JPEG {
		if _, err := src.Seek(start, io.SeekStart); err != nil {
			return info, err
		}
		jpg = jpegHeader(src)
		info.Orientation = jpg.orientation
		if swapsSides(info.Orientation) {
			info.Width, info.Height = info.Height, info.Width
		}
	}
	if pixels > MaxPixels {
		return info, fmt.Errorf("%w: %d×%d is more than %d pixels", ErrTooLargeToDecode, cfg.Width, cfg.Height, MaxPixels)
	}
	info.DecodedBytes = decodeCost(d.contentType, cfg.ColorModel, pixels, interlaced, jpg)
	if info.DecodedBytes > MaxDecodeBytes {
		return info, fmt.Errorf("%w: decoding %d×%d would take %d MiB", ErrTooLargeToDecode, cfg.Width, cfg.Height, info.DecodedBytes>>20)
	}
	return info, nil
}

// decodeCost estimates the memory a decode of the image takes, from its
// header, as Go's decoders allocate it:
//   - PNG: the image (bytesPerPixel of its model), twice for an interlaced
//     one, whose seven passes are decoded apart and then merged;
//   - GIF: the first frame, a byte a pixel;
//   - WebP: up to 8 bytes a pixel (a lossless image is decoded as 32-bit
//     pixels, then copied out);
//   - JPEG: a byte a stored sample, and for a progressive one every
//     coefficient (4 bytes a sample) until the last scan; a 4-component
//     (CMYK) one is converted into a second image of 4 bytes a pixel. A
//     frame header not found is taken as the costliest: progressive 4:4:4.
func decodeCost(contentType string, model color.Model, pixels int64, interlaced bool, jpg jpegInfo) int64 {
	switch contentType {
	case PNG:
		if interlaced {
			return 2 * pixels * bytesPerPixel(model)
		}
		return pixels * bytesPerPixel(model)
	case GIF:
		return pixels
	case WebP:
		return 8 * pixels
	}
	samples, progressive, cmyk := jpg.samples, jpg.progressive, jpg.components == 4
	if !jpg.found {
		samples, progressive, cmyk = 4, true, true
	}
	perPixel := samples
	if progressive {
		perPixel += 4 * samples
	}
	if cmyk {
		perPixel += 4
	}
	return int64(perPixel*float64(pixels)) + 1
}

// pngInterlaced reads the interlace method of a PNG's header (IHDR, always
// the first chunk: its last byte, 28 bytes into the file).
func pngInterlaced(r io.Reader) bool {
	var h [29]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return true // unreadable: assume the costlier
	}
	return h[28] != 0
}

// bytesPerPixel is what a decoded pixel of the model takes in memory.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.YCbCrModel:
		return 3 // 4:4:4 at worst
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK, and anything unknown
}

// Variant is one small image made from an upload.
type Variant struct {
	Name string // storage suffix and signed-link variant: "thumb", "256", "64"
	Side int    // the longest side (Fit) or the side of the square (Square)
	// Square crops the centre square of the image and scales it to exactly
	// Side×Side (avatars are stored at their sizes, a small picture
	// enlarged); otherwise the image is scaled to fit Side×Side, keeping its
	// shape, and never enlarged.
	Square bool
}

// The variants WorkComm makes.
var (
	// Thumbnail: previews in the message list. 320 px is the width of a
	// preview on a phone at 1× and a sharp half-width one on a desktop.
	Thumbnail = Variant{Name: "thumb", Side: 320}
	// Avatar256 and Avatar64: the profile page and lists (64 px is a 32 px
	// avatar on a 2× screen).
	Avatar256 = Variant{Name: "256", Side: 256, Square: true}
	Avatar64  = Variant{Name: "64", Side: 64, Square: true}
)

// Output is an encoded variant.
type Output struct {
	Variant
	Width, Height int
	ContentType   string // JPEG for opaque images, PNG when there is transparency
	Data          []byte
}

// jpegQuality keeps thumbnails sharp at about a tenth of PNG's size.
const jpegQuality = 85

// Render decodes the image in src and makes each variant from it. It reads
// the header first (Inspect: a bomb is refused before any pixel is
// decoded), then waits for a decode slot (or ctx), decodes once, scales every
// variant and lets the decoded image go before encoding them. src is read
// more than once from where it is, so it must seek (a file, a
// bytes.Reader, or storage's reader, which seeks by opening a new range).
// The variants are turned upright by the JPEG's EXIF orientation.
func Render(ctx context.Context, src io.ReadSeeker, contentType string, variants ...Variant) (Info, []Output, error) {
	start, err := src.Seek(0, io.SeekCurrent)
	if err != nil {
		return Info{}, nil, err
	}
	info, err := Inspect(src, contentType)
	if err != nil {
		return info, nil, err
	}
	if _, err := src.Seek(start, io.SeekStart); err != nil {
		return info, nil, err
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return info, nil, ctx.Err()
	}
	scaled, err := decodeAndScale(src, decoders[info.ContentType], info.Orientation, variants)
	<-decodeSlots
	if err != nil {
		return info, nil, err
	}
	outs := make([]Output, len(variants))
	for i, img := range scaled {
		if outs[i], err = encode(variants[i], img); err != nil {
			return info, nil, err
		}
	}
	return info, outs, nil
}

// decodeAndScale holds the one decoded image of a slot: it is unreachable
// once this returns.
func decodeAndScale(src io.Reader, d decoder, orientation int, variants []Variant) ([]image.Image, error) {
	img, err := d.decode(src)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	opaque := isOpaque(img)
	out := make([]image.Image, len(variants))
	for i, v := range variants {
		out[i] = opaqueImage{orient(scale(img, v, opaque), orientation), opaque}
	}
	return out, nil
}

// isOpaque reports whether every pixel is opaque (then the variant can be a
// JPEG). JPEGs always are; the other decoders' images say so themselves.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// scale makes one variant of img: the centre square for Square variants,
// then a resampling into at most Side×Side: a box-filter reduction of a
// large source (see shrink) and CatmullRom (bicubic), the sharpest of
// x/image/draw's kernels, for the last step.
func scale(img image.Image, v Variant, opaque bool) image.Image {
	src := img.Bounds()
	if v.Square {
		side := min(src.Dx(), src.Dy())
		x0 := src.Min.X + (src.Dx()-side)/2
		y0 := src.Min.Y + (src.Dy()-side)/2
		src = image.Rect(x0, y0, x0+side, y0+side)
	}
	w, h := fit(src.Dx(), src.Dy(), v.Side)
	if v.Square {
		w, h = v.Side, v.Side
	}
	var dst draw.Image
	if opaque {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewNRGBA(image.Rect(0, 0, w, h))
	}
	if k := shrinkFactor(src, w, h); k > 1 {
		small := shrink(img, src, k)
		draw.CatmullRom.Scale(dst, dst.Bounds(), small, small.Bounds(), draw.Src, nil)
		return dst
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Src, nil)
	return dst
}

// fit scales w×h down (never up) so that its longest side is at most side,
// keeping its shape; no side falls below one pixel.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int(int64(h)*int64(side)/int64(w)))
	}
	return max(1, int(int64(w)*int64(side)/int64(h))), side
}

// opaqueImage carries the source's opacity to encode.
type opaqueImage struct {
	image.Image
	opaque bool
}

func encode(v Variant, img image.Image) (Output, error) {
	oi := img.(opaqueImage)
	out := Output{Variant: v, Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
	var buf bytes.Buffer
	var err error
	if oi.opaque {
		out.ContentType = JPEG
		err = jpeg.Encode(&buf, oi.Image, &jpeg.Options{Quality: jpegQuality})
	} else {
		out.ContentType = PNG
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, oi.Image)
	}
	if err != nil {
		return Output{}, err
	}
	out.Data = buf.Bytes()
	return out, nil
}
