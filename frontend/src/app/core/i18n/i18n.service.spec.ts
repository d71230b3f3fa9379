import { TestBed } from '@angular/core/testing';
import { EN } from './en';
import { FR } from './fr';
import { I18nService, LANG_STORAGE_KEY } from './i18n.service';

describe('I18nService', () => {
  beforeEach(() => localStorage.clear());

  it('has the same keys in both dictionaries', () => {
    expect(Object.keys(FR).sort()).toEqual(Object.keys(EN).sort());
  });

  it('switches language, remembers it and fills placeholders', () => {
    const i18n = TestBed.inject(I18nService);
    i18n.setLang('fr');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBe('fr');
    expect(document.documentElement.lang).toBe('fr');
    expect(i18n.t('chat.typing', { name: 'Bob' })).toBe('Bob écrit…');
    i18n.setLang('en');
    expect(i18n.t('chat.typing', { name: 'Bob' })).toBe('Bob is typing…');
    expect(i18n.t('no.such.key')).toBe('no.such.key');
  });

  it('starts with the remembered language', () => {
    localStorage.setItem(LANG_STORAGE_KEY, 'fr');
    expect(TestBed.inject(I18nService).lang()).toBe('fr');
  });
});
