import { Component, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { EN, TranslationKey } from './en';
import { FR } from './fr';
import { I18nService, LANG_STORAGE_KEY, isTranslationKey, translate } from './i18n.service';
import { TranslatePipe } from './translate.pipe';

@Component({
  imports: [TranslatePipe],
  template: `<span>{{ 'nav.chat' | t: lang() }}</span> <b>{{ 'chat.typing' | t: lang() : { name: who } }}</b>`,
})
class Host {
  protected readonly lang = inject(I18nService).lang;
  who = 'Bob';
}

describe('I18nService', () => {
  beforeEach(() => localStorage.clear());

  it('has the same keys in both dictionaries', () => {
    expect(Object.keys(FR).sort()).toEqual(Object.keys(EN).sort());
  });

  it('types the keys: FR has exactly the keys of EN, t() takes only known keys (the compiler checks)', () => {
    // @ts-expect-error: a key EN does not have is refused
    const extra: Record<TranslationKey, string> = { ...FR, 'no.such.key': 'x' };
    const { 'a11y.skip': _gone, ...rest } = FR;
    // @ts-expect-error: a missing key is refused
    const missing: Record<TranslationKey, string> = rest;
    // @ts-expect-error: t() takes a TranslationKey, not any string
    const unknown = () => TestBed.inject(I18nService).t('no.such.key');
    expect([Object.keys(extra).length, Object.keys(missing).length, typeof unknown]).toEqual([Object.keys(EN).length + 1, Object.keys(EN).length - 1, 'function']);
  });

  it('switches language, remembers it and fills placeholders', () => {
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('fr');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe('fr');
    expect(document.documentElement.lang).toBe('fr');
    expect(i18n.t('chat.typing', { name: 'Bob' })).toBe('Bob écrit…');
    i18n.setLang('en');
    expect(i18n.t('chat.typing', { name: 'Bob' })).toBe('Bob is typing…');
    // A key unknown at run time (a server's error code, a cast) shows as itself.
    expect(i18n.t('no.such.key' as TranslationKey)).toBe('no.such.key');
  });

  it('starts with the remembered language', () => {
    localStorage.setItem(LANG_STORAGE_KEY, 'fr');
    expect(TestBed.inject(I18nService).lang()).toBe('fr');
  });

  it('tells keys from other text', () => {
    expect(isTranslationKey('error.rate_limited')).toBe(true);
    expect(isTranslationKey('error.no_such_code')).toBe(false);
    expect(isTranslationKey('constructor')).toBe(false);
  });
});

describe('TranslatePipe', () => {
  beforeEach(() => localStorage.clear());
  // The next spec file may share this page: leave no language choice behind.
  afterEach(() => localStorage.clear());

  it('is pure and translates from its arguments alone', () => {
    expect((TranslatePipe as unknown as { ɵpipe: { pure: boolean } }).ɵpipe.pure).toBe(true);
    const pipe = new TranslatePipe();
    expect(pipe.transform('chat.typing', 'fr', { name: 'Bob' })).toBe('Bob écrit…');
    expect(pipe.transform('chat.typing', 'en', { name: 'Bob' })).toBe(translate('en', 'chat.typing', { name: 'Bob' }));
  });

  it('re-renders a template when the language changes', async () => {
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('en');
    const fixture = TestBed.createComponent(Host);
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const text = () => [el.querySelector('span')!.textContent, el.querySelector('b')!.textContent];
    expect(text()).toEqual(['Chat', 'Bob is typing…']);
    i18n.setLang('fr');
    await fixture.whenStable();
    expect(text()).toEqual([FR['nav.chat'], 'Bob écrit…']);
  });
});
