import { Injectable, computed, signal } from '@angular/core';
import { EN, TranslationKey } from './en';
import { FR } from './fr';

export type { TranslationKey } from './en';

/** Supported UI languages. */
export type Lang = 'en' | 'fr';

/** localStorage key that remembers the chosen language. */
export const LANG_STORAGE_KEY = 'wc_lang';

const DICTIONARIES: Record<Lang, Record<TranslationKey, string>> = { en: EN, fr: FR };

/** isTranslationKey tells whether text from elsewhere (an error code from the server) names a key. */
export function isTranslationKey(text: string): text is TranslationKey {
  return Object.hasOwn(EN, text);
}

/**
 * translate is the translation itself, a pure function of its arguments: the key in a language, with its
 * `{name}` placeholders filled. A key unknown at run time (a cast, a stale build) shows as itself.
 */
export function translate(lang: Lang, key: TranslationKey, params?: Record<string, string | number>): string {
  let text: string = DICTIONARIES[lang][key] ?? EN[key] ?? key;
  if (params) {
    for (const [name, value] of Object.entries(params)) {
      text = text.split(`{${name}}`).join(String(value));
    }
  }
  return text;
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(LANG_STORAGE_KEY);
    if (saved === 'en' || saved === 'fr') return saved;
  } catch {
    /* storage unavailable: fall through to the browser language */
  }
  const nav = typeof navigator !== 'undefined' ? navigator.language || '' : '';
  return nav.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

/**
 * I18nService is a small signal-based translator: two dictionaries, the browser language by default, the
 * user's choice remembered in localStorage. Templates use the pure `t` pipe with the language signal as its
 * argument (`{{ 'nav.chat' | t: lang() }}`); code calls `t()`, which reads the signal.
 */
@Injectable({ providedIn: 'root' })
export class I18nService {
  private readonly langState = signal<Lang>(initialLang());
  /** The current language. */
  readonly lang = this.langState.asReadonly();
  /** BCP 47 locale for date and number formatting. */
  readonly locale = computed(() => (this.langState() === 'fr' ? 'fr-FR' : 'en-GB'));

  constructor() {
    this.applyDocumentLang(this.langState());
  }

  /** setLang switches the UI language and remembers it. */
  setLang(lang: Lang): void {
    this.langState.set(lang);
    try {
      localStorage.setItem(LANG_STORAGE_KEY, lang);
    } catch {
      /* ignore */
    }
    this.applyDocumentLang(lang);
  }

  /** t translates a key in the current language, replacing `{name}` placeholders. */
  t(key: TranslationKey, params?: Record<string, string | number>): string {
    return translate(this.langState(), key, params);
  }

  private applyDocumentLang(lang: Lang): void {
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }
}
