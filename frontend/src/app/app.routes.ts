import { Routes } from '@angular/router';
import { adminGuard } from './core/auth/admin.guard';
import { authGuard, guestGuard } from './core/auth/auth.guard';

/** The pages of a signed-in user: one parent checks the session for every one of them (authGuard). */
const signedIn: Routes = [
  { path: 'chat', loadComponent: () => import('./features/chat/chat-page').then((m) => m.ChatPage) },
  { path: 'chat/:kind/:id', loadComponent: () => import('./features/chat/chat-page').then((m) => m.ChatPage) },
  { path: 'friends', loadComponent: () => import('./features/friends/friends-page').then((m) => m.FriendsPage) },
  { path: 'groups', loadComponent: () => import('./features/groups/groups-page').then((m) => m.GroupsPage) },
  { path: 'subscription', loadComponent: () => import('./features/payments/subscription-page').then((m) => m.SubscriptionPage) },
  { path: 'payments', loadComponent: () => import('./features/payments/payment-history-page').then((m) => m.PaymentHistoryPage) },
  { path: 'profile', loadComponent: () => import('./features/account/profile-page').then((m) => m.ProfilePage) },
  { path: 'admin', canActivate: [adminGuard], loadComponent: () => import('./features/admin/admin-page').then((m) => m.AdminPage) },
];

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'chat' },
  {
    path: 'login',
    canActivate: [guestGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/auth/login-page').then((m) => m.LoginPage),
  },
  {
    path: 'register',
    canActivate: [guestGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/auth/register-page').then((m) => m.RegisterPage),
  },
  {
    path: 'forgot-password',
    canActivate: [guestGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/auth/forgot-password-page').then((m) => m.ForgotPasswordPage),
  },
  {
    // No guard: the mail's link works signed in or out (a reset ends every session anyway).
    path: 'reset-password',
    title: 'WorkComm',
    loadComponent: () => import('./features/auth/reset-password-page').then((m) => m.ResetPasswordPage),
  },
  // canActivateChild: checked on every move between these pages too (a session can end while on one).
  { path: '', canActivateChild: [authGuard], title: 'WorkComm', children: signedIn },
  {
    path: '**',
    title: 'WorkComm',
    loadComponent: () => import('./features/not-found/not-found-page').then((m) => m.NotFoundPage),
  },
];
