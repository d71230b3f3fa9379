import { DOCUMENT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FAVICON_RENDERER, FaviconBadge, badgeText, canvasBadge } from './favicon-badge';

describe('badgeText', () => {
  it('says nothing at 0, the count up to 9, then 9+', () => {
    expect(badgeText(0)).toBeNull();
    expect(badgeText(-1)).toBeNull();
    expect(badgeText(NaN)).toBeNull();
    expect(badgeText(1)).toBe('1');
    expect(badgeText(9)).toBe('9');
    expect(badgeText(10)).toBe('9+');
    expect(badgeText(250)).toBe('9+');
  });
});

describe('FaviconBadge', () => {
  let link: HTMLLinkElement;
  let drawn: { base: string; text: string }[];
  let result: string | null;

  function setup(): FaviconBadge {
    drawn = [];
    result = null;
    TestBed.configureTestingModule({
      providers: [
        {
          provide: FAVICON_RENDERER,
          useValue: async (base: string, text: string) => {
            drawn.push({ base, text });
            return result === null ? null : `${result}#${text}`;
          },
        },
      ],
    });
    const doc = TestBed.inject(DOCUMENT);
    link = doc.createElement('link');
    link.rel = 'icon';
    link.type = 'image/x-icon';
    link.setAttribute('href', 'favicon.ico');
    doc.head.appendChild(link);
    return TestBed.inject(FaviconBadge);
  }

  afterEach(() => link.remove());

  it('draws the badge on the base icon, swaps it in, and restores the icon at 0', async () => {
    const badge = setup();
    result = 'data:image/png;base64,AAA';
    await badge.show(3);
    expect(drawn).toEqual([{ base: 'favicon.ico', text: '3' }]);
    expect(link.getAttribute('href')).toBe('data:image/png;base64,AAA#3');
    expect(link.getAttribute('type')).toBe('image/png');
    expect(badge.current()).toBe('3');

    await badge.show(12);
    // Always drawn on the page's own icon, never on the last badge.
    expect(drawn[1]).toEqual({ base: 'favicon.ico', text: '9+' });
    expect(link.getAttribute('href')).toBe('data:image/png;base64,AAA#9+');

    await badge.show(0);
    expect(link.getAttribute('href')).toBe('favicon.ico');
    expect(link.getAttribute('type')).toBe('image/x-icon');
    expect(badge.current()).toBeNull();
  });

  it('changes the link only when the badge text changes', async () => {
    const badge = setup();
    result = 'data:x';
    await badge.show(0); // nothing to restore: untouched
    expect(drawn).toEqual([]);
    await badge.show(10);
    await badge.show(11); // still "9+"
    await badge.show(99);
    expect(drawn.map((d) => d.text)).toEqual(['9+']);
  });

  it('keeps the plain icon where the browser cannot draw', async () => {
    const badge = setup();
    result = null;
    await badge.show(2);
    expect(drawn).toEqual([{ base: 'favicon.ico', text: '2' }]);
    expect(link.getAttribute('href')).toBe('favicon.ico');
    expect(link.getAttribute('type')).toBe('image/x-icon');
    expect(badge.current()).toBeNull();
  });

  it('lets the latest count win over a slower drawing of an older one', async () => {
    const badge = setup();
    result = 'data:x';
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const renderer = TestBed.inject(FAVICON_RENDERER);
    // The first drawing waits; the 0 that follows must not be overwritten by it.
    (badge as unknown as { render: typeof renderer }).render = async (b, t) => {
      await gate;
      return renderer(b, t);
    };
    const slow = badge.show(4);
    await badge.show(0);
    release();
    await slow;
    expect(link.getAttribute('href')).toBe('favicon.ico');
    expect(badge.current()).toBeNull();
  });

  it('does nothing without an icon link', async () => {
    const badge = setup();
    link.remove();
    result = 'data:x';
    await expect(badge.show(5)).resolves.toBeUndefined();
    expect(drawn).toEqual([]);
  });
});

describe('canvasBadge', () => {
  it('answers null where there is no 2D canvas (jsdom)', async () => {
    const doc = {
      createElement: (tag: string) =>
        tag === 'canvas' ? { width: 0, height: 0, getContext: () => null } : document.createElement(tag),
    } as unknown as Document;
    await expect(canvasBadge(doc)('favicon.ico', '3')).resolves.toBeNull();
  });

  it('draws the base icon and the text when a 2D context exists', async () => {
    const calls: string[] = [];
    const ctx = new Proxy({} as Record<string, unknown>, {
      get: (t, p: string) => (p in t ? t[p] : (...args: unknown[]) => calls.push(`${p}(${args.length ? String(args[0]) : ''})`)),
      set: (t, p: string, v) => ((t[p] = v), true),
    });
    const img = { onload: null as null | (() => void), onerror: null, set src(_: string) { queueMicrotask(() => img.onload?.()); } };
    const doc = {
      createElement: (tag: string) =>
        tag === 'canvas' ? { width: 0, height: 0, getContext: () => ctx, toDataURL: () => 'data:image/png;base64,B' } : img,
    } as unknown as Document;
    await expect(canvasBadge(doc)('favicon.ico', '7')).resolves.toBe('data:image/png;base64,B');
    expect(calls).toContain('drawImage([object Object])');
    expect(calls).toContain('fillText(7)');
  });
});
