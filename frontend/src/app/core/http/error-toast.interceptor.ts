import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { apiError } from '../api/api-paths';
import { I18nService, isTranslationKey } from '../i18n/i18n.service';
import { ToastService } from '../toast/toast.service';
import { SKIP_ERROR_TOAST } from './http-context';

/**
 * errorToastInterceptor shows a failed call to the user as a toast (translated by error code), unless the
 * caller shows it itself (SKIP_ERROR_TOAST). It sits outside authInterceptor, so a 401 that a refresh repaired
 * is never shown. The error is rethrown for the caller.
 */
export const errorToastInterceptor: HttpInterceptorFn = (req, next) => {
  const toast = inject(ToastService);
  const i18n = inject(I18nService);
  return next(req).pipe(
    catchError((err: unknown) => {
      if (err instanceof HttpErrorResponse && !req.context.get(SKIP_ERROR_TOAST)) {
        toast.error(errorText(i18n, err));
      }
      return throwError(() => err);
    }),
  );
};

/** errorText turns an API error into a sentence in the current language. */
export function errorText(i18n: I18nService, err: unknown): string {
  const e = apiError(err);
  const key = `error.${e.code}`;
  if (isTranslationKey(key)) return i18n.t(key);
  return e.message || i18n.t('error.internal');
}
