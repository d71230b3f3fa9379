import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../api/api-paths';
import { Friend, FriendRequest, FriendRequests, Page, PublicUser } from '../api/models';

/** Lists may come as a bare array or as the contract's `{items, nextCursor}` page. */
export function itemsOf<T>(res: T[] | Page<T> | null | undefined): T[] {
  if (!res) return [];
  return Array.isArray(res) ? res : (res.items ?? []);
}

/** FriendsService: user search, friend requests and the friend list. */
@Injectable({ providedIn: 'root' })
export class FriendsService {
  private readonly http = inject(HttpClient);

  searchUsers(q: string): Observable<PublicUser[]> {
    return this.http
      .get<PublicUser[] | Page<PublicUser>>(`${API}/users`, { params: new HttpParams().set('q', q) })
      .pipe(map((r) => itemsOf(r)));
  }

  friends(): Observable<Friend[]> {
    return this.http.get<Friend[] | Page<Friend>>(`${API}/friends`).pipe(map((r) => itemsOf(r)));
  }

  requests(): Observable<FriendRequests> {
    return this.http
      .get<FriendRequests>(`${API}/friends/requests`)
      .pipe(map((r) => ({ incoming: r?.incoming ?? [], outgoing: r?.outgoing ?? [] })));
  }

  sendRequest(userId: number): Observable<FriendRequest | unknown> {
    return this.http.post(`${API}/friends/requests`, { userId });
  }

  accept(requestId: number): Observable<unknown> {
    return this.http.post(`${API}/friends/requests/${requestId}/accept`, {});
  }

  decline(requestId: number): Observable<void> {
    return this.http.post<void>(`${API}/friends/requests/${requestId}/decline`, {});
  }

  remove(userId: number): Observable<void> {
    return this.http.delete<void>(`${API}/friends/${userId}`);
  }
}
