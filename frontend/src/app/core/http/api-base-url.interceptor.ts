import { HttpInterceptorFn } from '@angular/common/http';
import { environment } from '../../../environments/environment';

/** apiBaseUrlInterceptor puts the configured API origin in front of every `/api/...` path (empty: same origin). */
export const apiBaseUrlInterceptor: HttpInterceptorFn = (req, next) => {
  const base = environment.apiBaseUrl.replace(/\/$/, '');
  if (!base || !req.url.startsWith('/api/')) return next(req);
  return next(req.clone({ url: base + req.url }));
};
