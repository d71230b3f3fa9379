import { Pipe, PipeTransform } from '@angular/core';
import { Lang, TranslationKey, translate } from './i18n.service';

/**
 * TranslatePipe (`{{ 'nav.chat' | t: lang() }}`, with `lang = inject(I18nService).lang` in the component) is
 * pure: the language is one of its arguments, so Angular calls it again only when the key, the language or
 * the parameters change. The template reads the `lang` signal itself, so a language switch re-renders it.
 */
@Pipe({ name: 't' })
export class TranslatePipe implements PipeTransform {
  transform(key: TranslationKey, lang: Lang, params?: Record<string, string | number>): string {
    return translate(lang, key, params);
  }
}
