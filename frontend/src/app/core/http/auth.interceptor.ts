import { HttpErrorResponse, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { RETRIED, SKIP_AUTH } from './http-context';

function isApi(req: HttpRequest<unknown>): boolean {
  return req.url.includes('/api/');
}

function withToken(req: HttpRequest<unknown>, token: string | null): HttpRequest<unknown> {
  return token ? req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : req;
}

/**
 * authInterceptor adds `Authorization: Bearer <token>` to API calls and, on a 401, refreshes the session once
 * through the `wc_refresh` cookie and replays the request with the new token. A second 401 is final.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  if (!isApi(req) || req.context.get(SKIP_AUTH)) return next(req);
  const auth = inject(AuthService);
  return next(withToken(req, auth.accessToken())).pipe(
    catchError((err: unknown) => {
      if (!(err instanceof HttpErrorResponse) || err.status !== 401 || req.context.get(RETRIED) || !auth.accessToken()) {
        return throwError(() => err);
      }
      return from(auth.refresh()).pipe(
        switchMap((outcome) => {
          if (outcome !== 'ok') return throwError(() => err);
          const retry = req.clone({ context: req.context.set(RETRIED, true) });
          return next(withToken(retry, auth.accessToken()));
        }),
      );
    }),
  );
};
