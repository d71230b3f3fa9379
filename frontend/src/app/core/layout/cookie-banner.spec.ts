import { TestBed } from '@angular/core/testing';
import { COOKIE_CHOICE_KEY, CookieBanner } from './cookie-banner';

describe('CookieBanner', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => localStorage.clear());

  async function render(): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(CookieBanner);
    await fixture.whenStable();
    fixture.detectChanges();
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  it('is a labelled region whose text arrives in a live region once rendered, with two real buttons', async () => {
    localStorage.setItem('wc_lang', 'en');
    const el = await render();
    const region = el.querySelector('[data-testid="cookie-banner"]')!;
    expect(region.getAttribute('role')).toBe('region');
    expect(el.querySelector(`#${region.getAttribute('aria-labelledby')}`)?.textContent?.trim()).toBe('Cookies');
    const text = el.querySelector('[data-testid="cookie-banner-text"]')!;
    expect(text.getAttribute('role')).toBe('status');
    expect(text.textContent).toContain('strictly necessary cookie');
    const buttons = [...el.querySelectorAll('button')];
    expect(buttons.map((b) => [b.type, b.tabIndex])).toEqual([['button', 0], ['button', 0]]);
  });

  it('is not fixed over the page: it sits in the layout (the shell keeps it as its last row)', async () => {
    const el = await render();
    const section = el.querySelector('[data-testid="cookie-banner"]') as HTMLElement;
    expect(['fixed', 'absolute', 'sticky']).not.toContain(getComputedStyle(section).position);
  });

  it('remembers the choice and goes away', async () => {
    const el = await render();
    (el.querySelector('[data-testid="cookie-decline"]') as HTMLButtonElement).click();
    await TestBed.createComponent(CookieBanner).whenStable();
    expect(localStorage.getItem(COOKIE_CHOICE_KEY)).toBe('essential');
    expect(el.querySelector('[data-testid="cookie-banner"]')).toBeNull();
    expect((await render()).querySelector('[data-testid="cookie-banner"]')).toBeNull();
  });
});
