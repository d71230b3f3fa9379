import { HttpContextToken } from '@angular/common/http';

/** SKIP_AUTH marks calls that must not carry the Bearer token nor trigger a refresh (login, register, refresh). */
export const SKIP_AUTH = new HttpContextToken<boolean>(() => false);

/** SKIP_ERROR_TOAST marks calls whose errors the caller shows itself (forms, silent session restore). */
export const SKIP_ERROR_TOAST = new HttpContextToken<boolean>(() => false);

/** RETRIED marks a request already replayed once after a refresh, so a second 401 is final. */
export const RETRIED = new HttpContextToken<boolean>(() => false);
