import { Injectable, computed, signal } from '@angular/core';
import { EN } from './en';
import { FR } from './fr';

/** Supported UI languages. */
export type Lang = 'en' | 'fr';

/** localStorage key that remembers the chosen language. */
export const LANG_STORAGE_KEY = 'wc_lang';

const DICTIONARIES: Record<Lang, Record<string, string>> = { en: EN, fr: FR };

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
 * user's choice remembered in localStorage. Templates use the `t` pipe, code calls `t()`.
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

  /** t translates a key, replacing `{name}` placeholders; unknown keys fall back to English, then to the key. */
  t(key: string, params?: Record<string, string | number>): string {
    const lang = this.langState();
    let text = DICTIONARIES[lang][key] ?? EN[key] ?? key;
    if (params) {
      for (const [name, value] of Object.entries(params)) {
        text = text.split(`{${name}}`).join(String(value));
      }
    }
    return text;
  }

  private applyDocumentLang(lang: Lang): void {
    if (typeof document !== 'undefined') document.documentElement.lang = lang;
  }
}
