/** Side of the square the browser sends: twice the largest stored size (256), so the server only shrinks. */
export const CROP_SIDE = 512;

/** A square region of the source image, in its pixels. */
export interface CropSquare {
  x: number;
  y: number;
  side: number;
}

/**
 * cropSquare is the centred square of a w×h image at a zoom (1: the largest square that fits; 2: half its
 * side, the middle kept), clamped to the image.
 */
export function cropSquare(w: number, h: number, zoom: number): CropSquare {
  const z = Math.min(Math.max(zoom, 1), 4);
  const side = Math.max(1, Math.round(Math.min(w, h) / z));
  return { x: Math.round((w - side) / 2), y: Math.round((h - side) / 2), side };
}

/** avatarFileError checks a chosen file before it is read: a picture of at most maxBytes. */
export function avatarFileError(file: { type: string; size: number }, maxBytes: number): 'profile.avatarNotImage' | 'profile.avatarTooBig' | null {
  if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return 'profile.avatarNotImage';
  if (file.size > maxBytes) return 'profile.avatarTooBig';
  return null;
}

/**
 * renderCrop draws the square of img onto a CROP_SIDE canvas (smaller images are not enlarged) and encodes it:
 * the PNG to upload, and the same as a data: URL for the preview (the page's CSP allows data: images, not blob:).
 */
export async function renderCrop(img: HTMLImageElement, zoom: number, canvas: HTMLCanvasElement): Promise<{ blob: Blob; preview: string }> {
  const sq = cropSquare(img.naturalWidth, img.naturalHeight, zoom);
  const side = Math.min(CROP_SIDE, sq.side);
  canvas.width = canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(img, sq.x, sq.y, sq.side, sq.side, 0, 0, side, side);
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas encoding failed'))), 'image/png'),
  );
  return { blob, preview: canvas.toDataURL('image/png') };
}

/** readAsDataURL reads a chosen file as a data: URL, which the page may show (see renderCrop). */
export function readAsDataURL(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
