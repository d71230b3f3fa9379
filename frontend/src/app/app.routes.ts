import { Routes } from '@angular/router';
import { adminGuard } from './core/auth/admin.guard';
import { authGuard, guestGuard } from './core/auth/auth.guard';

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
    path: 'chat',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/chat/chat-page').then((m) => m.ChatPage),
  },
  {
    path: 'chat/:kind/:id',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/chat/chat-page').then((m) => m.ChatPage),
  },
  {
    path: 'friends',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/friends/friends-page').then((m) => m.FriendsPage),
  },
  {
    path: 'groups',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/groups/groups-page').then((m) => m.GroupsPage),
  },
  {
    path: 'subscription',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/payments/subscription-page').then((m) => m.SubscriptionPage),
  },
  {
    path: 'payments',
    canActivate: [authGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/payments/payment-history-page').then((m) => m.PaymentHistoryPage),
  },
  {
    path: 'admin',
    canActivate: [adminGuard],
    title: 'WorkComm',
    loadComponent: () => import('./features/admin/admin-page').then((m) => m.AdminPage),
  },
  {
    path: '**',
    title: 'WorkComm',
    loadComponent: () => import('./features/not-found/not-found-page').then((m) => m.NotFoundPage),
  },
];
