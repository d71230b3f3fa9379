import { DOCUMENT, Injectable, InjectionToken, inject } from '@angular/core';

/** Side of the drawn icon (px): browsers show 16 or 32; 32 stays sharp on dense screens. */
const ICON_PX = 32;

/** badgeText is what the favicon badge says for an unread total: null (no badge) at 0, "9+" past nine (two digits do not fit a favicon). */
export function badgeText(unread: number): string | null {
  if (!(unread > 0)) return null;
  return unread > 9 ? '9+' : String(Math.floor(unread));
}

/** Draws the base icon with a badge saying text; resolves to a data URL, or null when the browser cannot draw. */
export type BadgeRenderer = (baseHref: string, text: string) => Promise<string | null>;

/** FAVICON_RENDERER draws the badged icon: a canvas in the browser; specs give a fake (jsdom has no canvas). */
export const FAVICON_RENDERER = new InjectionToken<BadgeRenderer>('FAVICON_RENDERER', {
  providedIn: 'root',
  factory: () => canvasBadge(inject(DOCUMENT)),
});

/** canvasBadge draws the base icon (if it loads) and a red dot with the text at its top right corner. */
export function canvasBadge(doc: Document): BadgeRenderer {
  let base: Promise<HTMLImageElement | null> | null = null;
  const loadBase = (href: string) =>
    (base ??= new Promise<HTMLImageElement | null>((resolve) => {
      const img = doc.createElement('img');
      img.onload = () => resolve(img);
      img.onerror = () => resolve(null); // the badge alone is still worth showing
      img.src = href;
    }));
  return async (baseHref, text) => {
    let ctx: CanvasRenderingContext2D | null = null;
    const canvas = doc.createElement('canvas');
    try {
      canvas.width = ICON_PX;
      canvas.height = ICON_PX;
      ctx = typeof canvas.getContext === 'function' ? canvas.getContext('2d') : null;
    } catch {
      ctx = null;
    }
    if (!ctx) return null;
    const img = await loadBase(baseHref);
    try {
      if (img) ctx.drawImage(img, 0, 0, ICON_PX, ICON_PX);
      const r = ICON_PX * 0.3;
      const cx = ICON_PX - r;
      const cy = r;
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      ctx.fillStyle = '#d32f2f';
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#ffffff';
      ctx.stroke();
      ctx.fillStyle = '#ffffff';
      ctx.font = `bold ${Math.round(r * (text.length > 1 ? 1.1 : 1.4))}px sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(text, cx, cy + 1);
      return canvas.toDataURL('image/png');
    } catch {
      return null; // a tainted canvas or no 2D support: the plain icon stays
    }
  };
}

/**
 * FaviconBadge draws the unread total onto the favicon: a red badge over the base icon, swapped into the
 * `<link rel="icon">`, and the base icon put back at 0. The link changes only when the badge's text does;
 * where the browser cannot draw, the icon stays as it is (the tab title still tells).
 */
@Injectable({ providedIn: 'root' })
export class FaviconBadge {
  private readonly doc = inject(DOCUMENT);
  private readonly render = inject(FAVICON_RENDERER);
  /** The icon the page came with: what a badge is drawn on, and what 0 restores. */
  private baseHref: string | null = null;
  private baseType: string | null = null;
  /** The text the link shows (null: the base icon). */
  private shown: string | null = null;
  /** The text last asked for: a slower drawing of an older count must not win. */
  private wanted: string | null = null;

  /** The text the favicon shows now (null: the base icon, no badge). */
  current(): string | null {
    return this.shown;
  }

  /** show puts the badge for an unread total on the favicon (none at 0). */
  async show(unread: number): Promise<void> {
    const text = badgeText(unread);
    if (text === this.wanted) return;
    this.wanted = text;
    const link = this.link();
    if (!link) return;
    if (this.baseHref === null) {
      this.baseHref = link.getAttribute('href') ?? 'favicon.ico';
      this.baseType = link.getAttribute('type');
    }
    if (text === null) {
      this.set(link, this.baseHref, null);
      return;
    }
    const url = await this.render(this.baseHref, text);
    if (this.wanted !== text) return;
    // Cannot draw: the plain icon is the honest fallback.
    this.set(link, url ?? this.baseHref, url ? text : null);
  }

  private set(link: HTMLLinkElement, href: string, text: string | null): void {
    if (link.getAttribute('href') !== href) link.setAttribute('href', href);
    // The drawn icon is a PNG: a link still saying image/x-icon may be skipped by the browser.
    const type = text === null ? this.baseType : 'image/png';
    if (type === null) link.removeAttribute('type');
    else link.setAttribute('type', type);
    this.shown = text;
  }

  private link(): HTMLLinkElement | null {
    return this.doc.head?.querySelector<HTMLLinkElement>('link[rel~="icon"]') ?? null;
  }
}
