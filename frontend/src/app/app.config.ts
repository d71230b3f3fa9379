import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideAppInitializer, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { routes } from './app.routes';
import { AuthService } from './core/auth/auth.service';
import { apiBaseUrlInterceptor } from './core/http/api-base-url.interceptor';
import { authInterceptor } from './core/http/auth.interceptor';
import { errorToastInterceptor } from './core/http/error-toast.interceptor';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideRouter(routes, withComponentInputBinding()),
    // Order matters: the error toaster sits outside the auth interceptor, so a 401 repaired by a refresh is silent.
    provideHttpClient(withInterceptors([apiBaseUrlInterceptor, errorToastInterceptor, authInterceptor])),
    // Restore the session from the refresh cookie before the first navigation, so guards see it.
    provideAppInitializer(() => inject(AuthService).restore()),
  ],
};
