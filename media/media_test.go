package media

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// pngOf encodes an image as PNG.
func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// filled is a w×h opaque image painted by f(x, y).
func filled(w, h int, f func(x, y int) color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, f(x, y))
		}
	}
	return img
}

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
)

// near reports whether c is within 24 of want on each channel (JPEG and
// resampling move colours a little).
func near(c color.Color, want color.NRGBA) bool {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	d := func(a, b uint8) bool { return int(a)-int(b) < 24 && int(b)-int(a) < 24 }
	return d(n.R, want.R) && d(n.G, want.G) && d(n.B, want.B) && d(n.A, want.A)
}

func TestSniffTrustsTheBytesNotTheName(t *testing.T) {
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	f, _ := zw.Create("a.txt")
	f.Write([]byte("hello"))
	zw.Close()
	webp, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"a PNG (whatever it is called, report.exe included)", pngOf(t, filled(2, 2, func(int, int) color.Color { return red })), PNG},
		{"a JPEG", jpegOf(t, filled(2, 2, func(int, int) color.Color { return red })), JPEG},
		{"a WebP", webp, WebP},
		{"an HTML page called photo.png", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "text/html; charset=utf-8"},
		{"an SVG with a script", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "image/svg+xml"},
		{"plain text", []byte("meeting notes\nsecond line\n"), "text/plain; charset=utf-8"},
		{"a zip", zipped.Bytes(), "application/zip"},
		{"a PDF", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "application/pdf"},
		{"unknown bytes", []byte{0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x00, 0x10}, "application/octet-stream"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Sniff(c.head); got != c.want {
				t.Fatalf("Sniff = %q, want %q", got, c.want)
			}
		})
	}
}

func TestHeadKeepsOnlyTheFirstBytesOfAStream(t *testing.T) {
	body := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 1<<20)...)
	var h Head
	n, err := io.Copy(io.Discard, io.TeeReader(bytes.NewReader(body), &h))
	if err != nil || n != int64(len(body)) {
		t.Fatalf("copied %d, %v", n, err)
	}
	if len(h.Bytes()) != SniffLen || !bytes.Equal(h.Bytes(), body[:SniffLen]) {
		t.Fatalf("kept %d bytes, want the first %d", len(h.Bytes()), SniffLen)
	}
	if ct := h.ContentType(); ct != "application/pdf" {
		t.Fatalf("ContentType = %q", ct)
	}
}

func TestServeAsShowsOnlyTheFourImagesInline(t *testing.T) {
	cases := []struct {
		sniffed, header string
		inline          bool
	}{
		{PNG, PNG, true},
		{JPEG, JPEG, true},
		{GIF, GIF, true},
		{WebP, WebP, true},
		{"image/svg+xml", "application/octet-stream", false},
		{"text/html; charset=utf-8", "application/octet-stream", false},
		{"application/xhtml+xml", "application/octet-stream", false},
		{"text/xml; charset=utf-8", "application/octet-stream", false},
		{"application/pdf", "application/octet-stream", false},
		{"text/javascript", "application/octet-stream", false},
		{"image/bmp", "image/bmp", false},
		{"image/tiff", "image/tiff", false},
		{"text/plain; charset=utf-8", "text/plain; charset=utf-8", false},
		{"application/zip", "application/zip", false},
		{"", "application/octet-stream", false},
		{"IMAGE/PNG", PNG, true},
	}
	for _, c := range cases {
		got := ServeAs(c.sniffed)
		if got.ContentType != c.header || got.Inline != c.inline {
			t.Errorf("ServeAs(%q) = %+v, want {%s %v}", c.sniffed, got, c.header, c.inline)
		}
	}
}

// withJPEGSize rewrites the frame size of a baseline JPEG (SOF0): a header
// that declares any size over a tiny body.
func withJPEGSize(t testing.TB, data []byte, w, h int) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	}
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

func TestDecompressionBombsAreRefusedBeforeDecoding(t *testing.T) {
	bomb, err := os.ReadFile("testdata/bomb-30000x30000.png") // see testdata/README.md
	if err != nil {
		t.Fatal(err)
	}
	small := jpegOf(t, filled(16, 16, func(int, int) color.Color { return red }))
	cases := []struct {
		name, contentType string
		data              []byte
	}{
		{"a 30,000×30,000 PNG", PNG, bomb},
		{"a JPEG header declaring 60,000×60,000", JPEG, withJPEGSize(t, small, 60000, 60000)},
		{"a JPEG just over 50 megapixels", JPEG, withJPEGSize(t, small, 7072, 7072)},
		{"a progressive 4:4:4 JPEG of 48 megapixels (731 MB to decode)", JPEG, progressive444(t, withJPEGSize(t, small, 8064, 6048))},
		{"an interlaced 16-bit RGBA PNG of 36 megapixels (576 MB)", PNG, pngHeader(t, 6000, 6000, 16, 6, true)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			info, outs, err := Render(context.Background(), bytes.NewReader(c.data), c.contentType, Thumbnail)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLargeToDecode) || outs != nil {
				t.Fatalf("Render = %v, %d outputs; want ErrTooLargeToDecode", err, len(outs))
			}
			if info.Width == 0 || info.Height == 0 {
				t.Fatalf("the refused image's size is still reported: %+v", info)
			}
			// Reading a header allocates a few kilobytes; decoding the
			// smallest of these would allocate hundreds of megabytes.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
				t.Fatalf("refusing allocated %d bytes: the image was decoded", alloc)
			}
		})
	}
}

// progressive444 turns a baseline 4:2:0 JPEG header from image/jpeg into
// one that declares a progressive 4:4:4 frame (SOF2, every component
// sampled 1×1): the costliest frame for Go's decoder.
func progressive444(t testing.TB, data []byte) []byte {
	t.Helper()
	out := bytes.Clone(data)
	i := bytes.Index(out, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	}
	out[i+1] = 0xC2
	n := int(out[i+9])
	for c := range n {
		out[i+10+3*c+1] = 0x11
	}
	return out
}

// pngHeader is a PNG whose IHDR declares w×h pixels of the bit depth and
// colour type given, followed by a tiny IDAT: enough for DecodeConfig.
func pngHeader(t testing.TB, w, h int, depth, colorType byte, interlaced bool) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		out.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		out.WriteString(typ)
		out.Write(data)
		out.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(append([]byte(typ), data...))))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	il := byte(0)
	if interlaced {
		il = 1
	}
	ihdr = append(ihdr, depth, colorType, 0, 0, il)
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return out.Bytes()
}

func TestInspectAtTheBoundsAndOnBrokenFiles(t *testing.T) {
	small := jpegOf(t, filled(16, 16, func(int, int) color.Color { return red }))
	const phone = 8064 * 6048 // a 48-megapixel phone photo
	accepted := []struct {
		name, ct string
		data     []byte
		cost     int64 // bytes to decode
	}{
		{"a 48 MP baseline 4:2:0 JPEG (what phones write)", JPEG, withJPEGSize(t, small, 8064, 6048), phone*3/2 + 1},
		{"a 48 MP progressive 4:2:0 JPEG", JPEG, progressive444(t, withJPEGSize(t, small, 8064, 6048))[:0], 0},
		{"a 36 MP 16-bit RGBA PNG, not interlaced", PNG, pngHeader(t, 6000, 6000, 16, 6, false), 6000 * 6000 * 8},
		{"a 48 MP 8-bit RGBA PNG", PNG, pngHeader(t, 8064, 6048, 8, 6, false), phone * 4},
		{"an 8K interlaced 8-bit RGB PNG", PNG, pngHeader(t, 7680, 4320, 8, 2, true), 2 * 7680 * 4320 * 4},
	}
	// The progressive 4:2:0 case: SOF2 with the encoder's own sampling.
	prog := withJPEGSize(t, small, 8064, 6048)
	prog[bytes.Index(prog, []byte{0xFF, 0xC0})+1] = 0xC2
	accepted[1].data, accepted[1].cost = prog, int64(7.5*phone)+1
	for _, c := range accepted {
		info, err := Inspect(bytes.NewReader(c.data), c.ct)
		if err != nil || info.DecodedBytes != c.cost {
			t.Fatalf("%s: %+v, %v; want accepted at %d bytes", c.name, info, err, c.cost)
		}
		if info.DecodedBytes > MaxDecodeBytes {
			t.Fatalf("%s: accepted over the budget", c.name)
		}
	}
	good := pngOf(t, filled(10, 10, func(int, int) color.Color { return red }))
	for name, c := range map[string]struct {
		data []byte
		ct   string
	}{
		"text called .png":         {[]byte("not an image at all"), PNG},
		"a PNG cut in its header":  {good[:20], PNG},
		"a PNG sniffed as a JPEG":  {good, JPEG},
		"a BMP (not decoded here)": {[]byte("BM\x00\x00"), "image/bmp"},
	} {
		if _, err := Inspect(bytes.NewReader(c.data), c.ct); !errors.Is(err, ErrNotImage) {
			t.Errorf("%s: %v, want ErrNotImage", name, err)
		}
	}
	// A header that reads but pixels that do not: Render says not an image.
	_, _, err := Render(context.Background(), bytes.NewReader(good[:len(good)-30]), PNG, Thumbnail)
	if !errors.Is(err, ErrNotImage) {
		t.Fatalf("a truncated PNG: %v, want ErrNotImage", err)
	}
}

func TestThumbnailKeepsTheShapeAndNeverEnlarges(t *testing.T) {
	opaque := filled(1000, 500, func(x, _ int) color.Color {
		if x < 500 {
			return red
		}
		return blue
	})
	transparent := image.NewNRGBA(image.Rect(0, 0, 400, 800))
	small := filled(100, 50, func(int, int) color.Color { return green })
	pal := image.NewPaletted(image.Rect(0, 0, 640, 480), color.Palette{red, green})
	var gifBuf bytes.Buffer
	if err := gif.EncodeAll(&gifBuf, &gif.GIF{Image: []*image.Paletted{pal, pal}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	webpOpaque, _ := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	webpAlpha, _ := os.ReadFile("testdata/gopher-doc.with-alpha.lossless.webp")
	cases := []struct {
		name, ct      string
		data          []byte
		w, h, tw, th  int
		outType       string
		leftIs, right color.NRGBA
	}{
		{"a wide opaque PNG becomes a 320×160 JPEG", PNG, pngOf(t, opaque), 1000, 500, 320, 160, JPEG, red, blue},
		{"a wide JPEG", JPEG, jpegOf(t, opaque), 1000, 500, 320, 160, JPEG, red, blue},
		{"a tall transparent PNG stays a PNG", PNG, pngOf(t, transparent), 400, 800, 160, 320, PNG, color.NRGBA{}, color.NRGBA{}},
		{"a small image is not enlarged", PNG, pngOf(t, small), 100, 50, 100, 50, JPEG, green, green},
		{"an animated GIF gives its first frame", GIF, gifBuf.Bytes(), 640, 480, 320, 240, JPEG, red, red},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, outs, err := Render(context.Background(), bytes.NewReader(c.data), c.ct, Thumbnail)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != c.w || info.Height != c.h || info.ContentType != c.ct {
				t.Fatalf("info %+v, want %s %d×%d", info, c.ct, c.w, c.h)
			}
			o := outs[0]
			if o.Width != c.tw || o.Height != c.th || o.ContentType != c.outType || o.Name != "thumb" {
				t.Fatalf("thumbnail %s %d×%d, want %s %d×%d", o.ContentType, o.Width, o.Height, c.outType, c.tw, c.th)
			}
			img, format, err := image.Decode(bytes.NewReader(o.Data))
			if err != nil || "image/"+format != o.ContentType || img.Bounds().Dx() != c.tw {
				t.Fatalf("the thumbnail does not decode as itself: %v, %s", err, format)
			}
			if !near(img.At(2, c.th/2), c.leftIs) || !near(img.At(c.tw-3, c.th/2), c.right) {
				t.Fatalf("left %v right %v, want %v and %v", img.At(2, c.th/2), img.At(c.tw-3, c.th/2), c.leftIs, c.right)
			}
		})
	}
	for name, c := range map[string]struct {
		data    []byte
		outType string
	}{"a lossy WebP": {webpOpaque, JPEG}, "a lossless WebP with alpha": {webpAlpha, PNG}} {
		info, outs, err := Render(context.Background(), bytes.NewReader(c.data), WebP, Thumbnail)
		if err != nil || info.Width == 0 || outs[0].ContentType != c.outType || max(outs[0].Width, outs[0].Height) > 320 {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
	}
}

func TestAvatarsAreCentreSquares(t *testing.T) {
	// 300×200: the centre square is x 50..250, painted green; the sides
	// (red, blue) must not show.
	img := filled(300, 200, func(x, _ int) color.Color {
		switch {
		case x < 50:
			return red
		case x >= 250:
			return blue
		}
		return green
	})
	_, outs, err := Render(context.Background(), bytes.NewReader(pngOf(t, img)), PNG, Avatar256, Avatar64)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{256, 64} {
		o := outs[i]
		got, _, err := image.Decode(bytes.NewReader(o.Data))
		if err != nil || o.Width != want || o.Height != want || got.Bounds().Dx() != want {
			t.Fatalf("avatar %d: %d×%d (%v)", want, o.Width, o.Height, err)
		}
		for _, p := range []image.Point{{0, 0}, {want - 1, 0}, {0, want - 1}, {want - 1, want - 1}, {want / 2, want / 2}} {
			if !near(got.At(p.X, p.Y), green) {
				t.Fatalf("avatar %d at %v is %v: not the centre square", want, p, got.At(p.X, p.Y))
			}
		}
	}
	// A tall image: the centre square is taken vertically too; a small
	// one is enlarged to the avatar's size.
	tall := filled(100, 300, func(_, y int) color.Color {
		if y >= 100 && y < 200 {
			return green
		}
		return red
	})
	_, outs, err = Render(context.Background(), bytes.NewReader(pngOf(t, tall)), PNG, Avatar256, Avatar64)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{256, 64} {
		got, _, _ := image.Decode(bytes.NewReader(outs[i].Data))
		if got.Bounds().Dx() != want || got.Bounds().Dy() != want || !near(got.At(0, 0), green) || !near(got.At(want-1, want-1), green) {
			t.Fatalf("tall avatar %d: %v, corners %v %v, want green", want, got.Bounds(), got.At(0, 0), got.At(want-1, want-1))
		}
	}
}

// withOrientation inserts an EXIF APP1 segment with the given orientation
// right after a JPEG's SOI marker, as a phone camera writes it.
func withOrientation(data []byte, o uint16, bigEndian bool) []byte {
	var tiff []byte
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff = append(tiff, 'I', 'I', 42, 0)
	if bigEndian {
		bo = binary.BigEndian
		tiff = []byte{'M', 'M', 0, 42}
	}
	tiff = bo.AppendUint32(tiff, 8)       // IFD0 offset
	tiff = bo.AppendUint16(tiff, 2)       // two entries
	tiff = bo.AppendUint16(tiff, 0x010F)  // Make, ASCII, ignored
	tiff = bo.AppendUint16(tiff, 2)       //
	tiff = bo.AppendUint32(tiff, 4)       //
	tiff = append(tiff, 'A', 'C', 'M', 0) //
	tiff = bo.AppendUint16(tiff, 0x0112)  // Orientation
	tiff = bo.AppendUint16(tiff, 3)       // SHORT
	tiff = bo.AppendUint32(tiff, 1)       // one value
	tiff = bo.AppendUint16(tiff, o)       // the value, left-justified
	tiff = append(tiff, 0, 0)             //
	tiff = bo.AppendUint32(tiff, 0)       // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, data[2:]...)
}

func TestPhoneOrientationTurnsTheThumbnailUpright(t *testing.T) {
	// Stored 400×200 with the left half red and the right half blue; EXIF 6
	// says "turn 90° clockwise": shown 200×400 with red on top.
	stored := jpegOf(t, filled(400, 200, func(x, _ int) color.Color {
		if x < 200 {
			return red
		}
		return blue
	}))
	cases := []struct {
		name        string
		o           uint16
		big         bool
		w, h        int
		top, bottom color.NRGBA // for turned images; left/right otherwise
	}{
		{"6, little-endian (most phones)", 6, false, 200, 400, red, blue},
		{"6, big-endian", 6, true, 200, 400, red, blue},
		{"8: turned counter-clockwise", 8, false, 200, 400, blue, red},
		{"3: upside down", 3, false, 400, 200, blue, red},
		{"1: as stored", 1, false, 400, 200, red, blue},
		{"out of range: as stored", 9, false, 400, 200, red, blue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, outs, err := Render(context.Background(), bytes.NewReader(withOrientation(stored, c.o, c.big)), JPEG, Thumbnail)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != c.w || info.Height != c.h {
				t.Fatalf("info %d×%d, want %d×%d as shown", info.Width, info.Height, c.w, c.h)
			}
			// The frame header is found past the EXIF segment: a
			// baseline 4:2:0 frame, 1.5 bytes a pixel.
			if info.DecodedBytes != 400*200*3/2+1 {
				t.Fatalf("decode cost %d, want that of a baseline 4:2:0 frame", info.DecodedBytes)
			}
			o := outs[0]
			img, _, _ := image.Decode(bytes.NewReader(o.Data))
			tw, th := img.Bounds().Dx(), img.Bounds().Dy()
			if (c.w > c.h) != (tw > th) {
				t.Fatalf("thumbnail %d×%d is not turned like %d×%d", tw, th, c.w, c.h)
			}
			var first, second color.Color
			if c.h > c.w {
				first, second = img.At(tw/2, 2), img.At(tw/2, th-3)
			} else {
				first, second = img.At(2, th/2), img.At(tw-3, th/2)
			}
			if !near(first, c.top) || !near(second, c.bottom) {
				t.Fatalf("ends %v and %v, want %v and %v", first, second, c.top, c.bottom)
			}
		})
	}
	if o := jpegHeader(bytes.NewReader([]byte("\xFF\xD8\xFF\xE1\x00\x08Exif"))).orientation; o != 1 {
		t.Fatalf("a cut EXIF segment gives %d, want 1", o)
	}
}

func TestDecodesWaitForTheProcessSlot(t *testing.T) {
	data := pngOf(t, filled(64, 64, func(int, int) color.Color { return red }))
	// Take the only slot, as a decode in progress would.
	for range MaxConcurrentDecodes {
		decodeSlots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := Render(ctx, bytes.NewReader(data), PNG, Thumbnail)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every slot taken Render returned %v, want to wait until its deadline", err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := Render(context.Background(), bytes.NewReader(data), PNG, Thumbnail)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Render finished (%v) while no slot was free", err)
	case <-time.After(50 * time.Millisecond):
	}
	for range MaxConcurrentDecodes {
		<-decodeSlots
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct{ w, h, side, ww, wh int }{
		{1000, 500, 320, 320, 160},
		{500, 1000, 320, 160, 320},
		{320, 320, 320, 320, 320},
		{100000, 1, 320, 320, 1},
		{1, 100000, 320, 1, 320},
		{10, 10, 320, 10, 10},
	} {
		if w, h := fit(c.w, c.h, c.side); w != c.ww || h != c.wh {
			t.Errorf("fit(%d, %d, %d) = %d×%d, want %d×%d", c.w, c.h, c.side, w, h, c.ww, c.wh)
		}
	}
	if !strings.HasPrefix(ServeAs("text/html").ContentType, "application/") {
		t.Fatal("html served as itself")
	}
}

// generic hides an image's concrete type, so shrink reads it through At.
type generic struct{ image.Image }

func TestShrinkFastPathsMatchTheGenericOne(t *testing.T) {
	rect := image.Rect(0, 0, 37, 23) // sides that leave partial blocks
	seed := uint32(1)
	next := func() uint8 { seed = seed*1664525 + 1013904223; return uint8(seed >> 24) }
	ycc := func(r image.YCbCrSubsampleRatio) image.Image {
		m := image.NewYCbCr(rect, r)
		for i := range m.Y {
			m.Y[i] = next()
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = next(), next()
		}
		return m
	}
	nrgba := image.NewNRGBA(rect)
	rgba := image.NewRGBA(rect)
	gray := image.NewGray(rect)
	pal := image.NewPaletted(rect, color.Palette{red, color.NRGBA{0, 0, 255, 128}, color.Transparent})
	for i := range nrgba.Pix {
		nrgba.Pix[i] = next()
		rgba.Pix[i] = next()
	}
	for i := range rgba.Pix { // premultiplied: no channel above alpha
		if i%4 != 3 {
			rgba.Pix[i] = min(rgba.Pix[i], rgba.Pix[i|3])
		}
	}
	for i := range gray.Pix {
		gray.Pix[i], pal.Pix[i] = next(), next()%3
	}
	cases := map[string]image.Image{
		"YCbCr 4:4:4": ycc(image.YCbCrSubsampleRatio444), "YCbCr 4:2:0": ycc(image.YCbCrSubsampleRatio420),
		"YCbCr 4:2:2": ycc(image.YCbCrSubsampleRatio422), "YCbCr 4:4:0": ycc(image.YCbCrSubsampleRatio440),
		"YCbCr 4:1:1": ycc(image.YCbCrSubsampleRatio411), "YCbCr 4:1:0": ycc(image.YCbCrSubsampleRatio410),
		"NRGBA": nrgba, "RGBA": rgba, "Gray": gray, "Paletted": pal,
	}
	for name, img := range cases {
		for _, k := range []int{2, 5} {
			for _, r := range []image.Rectangle{rect, image.Rect(3, 4, 30, 20)} {
				fast, slow := shrink(img, r, k), shrink(generic{img}, r, k)
				if fast.Bounds() != slow.Bounds() || fast.Bounds().Dx() != (r.Dx()+k-1)/k {
					t.Fatalf("%s k=%d: bounds %v and %v", name, k, fast.Bounds(), slow.Bounds())
				}
				for i := range fast.Pix {
					if d := int(fast.Pix[i]) - int(slow.Pix[i]); d > 1 || d < -1 {
						t.Fatalf("%s k=%d %v: byte %d is %d, the generic path says %d", name, k, r, i, fast.Pix[i], slow.Pix[i])
					}
				}
			}
		}
	}
	// A block's value is the mean of its pixels: 2×1 blocks of red and blue.
	two := filled(4, 1, func(x, _ int) color.Color {
		if x%2 == 0 {
			return red
		}
		return blue
	})
	got := shrink(two, two.Bounds(), 2)
	if c := got.RGBAAt(0, 0); c != (color.RGBA{128, 0, 128, 255}) {
		t.Fatalf("mean of red and blue is %v", c)
	}
}

func TestCleanNameKeepsOnlyASafeLastElement(t *testing.T) {
	long := strings.Repeat("a", 300) + ".tar.gz"
	cases := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"résumé 2026.pdf", "résumé 2026.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\Desktop\notes.txt`, "notes.txt"},
		{"report\u202Efdp.exe", "reportfdp.exe"},
		{"a\x00b\nc.txt", "abc.txt"},
		{"  spaced.txt  ", "spaced.txt"},
		{"trailing.txt...", "trailing.txt"},
		{"", "file"},
		{"..", "file"},
		{"dir/", "file"},
		{"\xff\xfe.bin", "\uFFFD.bin"},
		{".env", ".env"},
		{long, strings.Repeat("a", MaxNameBytes-3) + ".gz"},
		{strings.Repeat("é", 200), strings.Repeat("é", 127)},
	}
	for _, c := range cases {
		if got := CleanName(c.in); got != c.want {
			t.Errorf("CleanName(%+q) = %+q, want %+q", c.in, got, c.want)
		}
		if got := CleanName(c.in); len(got) > MaxNameBytes || !utf8.ValidString(got) {
			t.Errorf("CleanName(%+q) is %d bytes, valid UTF-8 %v", c.in, len(got), utf8.ValidString(got))
		}
	}
}

func TestContentDisposition(t *testing.T) {
	cases := []struct {
		name   string
		inline bool
		want   string
	}{
		{"photo.png", true, `inline; filename=photo.png`},
		{"a b.zip", false, `attachment; filename="a b.zip"`},
		{`say "hi".txt`, false, `attachment; filename="say \"hi\".txt"`},
		{"résumé.pdf", false, `attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf`},
		{"../x.html", false, `attachment; filename=x.html`},
	}
	for _, c := range cases {
		got := ContentDisposition(c.name, c.inline)
		if got != c.want {
			t.Errorf("ContentDisposition(%q, %v) = %s, want %s", c.name, c.inline, got, c.want)
		}
		// What a client parses back is the cleaned name.
		_, params, err := mime.ParseMediaType(got)
		if err != nil || params["filename"] != CleanName(c.name) {
			t.Errorf("%s parses back as %q (%v)", got, params["filename"], err)
		}
	}
}

func TestDecodeCostCoversWhatTheDecoderAllocates(t *testing.T) {
	w, h := 640, 480
	rgba := filled(w, h, func(x, y int) color.Color { return color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), uint8(128 + x%100)} })
	opaque := filled(w, h, func(x, y int) color.Color { return color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255} })
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i)
	}
	for name, c := range map[string]struct {
		data []byte
		ct   string
	}{
		"an RGBA PNG":           {pngOf(t, rgba), PNG},
		"a grey PNG":            {pngOf(t, gray), PNG},
		"a baseline 4:2:0 JPEG": {jpegOf(t, opaque), JPEG},
		"a grey JPEG":           {jpegOf(t, gray), JPEG},
		"a GIF":                 {gifOf(t, opaque), GIF},
	} {
		info, err := Inspect(bytes.NewReader(c.data), c.ct)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		img, err := decoders[c.ct].decode(bytes.NewReader(c.data))
		runtime.ReadMemStats(&after)
		if err != nil || img.Bounds().Dx() != w {
			t.Fatalf("%s: %v", name, err)
		}
		// The estimate must cover the decoder's allocations, give or take
		// its fixed buffers (64 KiB), without overstating them more than
		// twice (which would refuse images that fit).
		alloc := int64(after.TotalAlloc - before.TotalAlloc)
		t.Logf("%s: estimated %d, allocated %d", name, info.DecodedBytes, alloc)
		if alloc > info.DecodedBytes+64<<10 || info.DecodedBytes > 2*alloc+64<<10 {
			t.Errorf("%s: estimated %d bytes, the decoder allocated %d", name, info.DecodedBytes, alloc)
		}
	}
}

func gifOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
