import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { FriendRequest, FriendRequests, Page, PublicUser } from '../../core/api/models';
import { itemsOf } from '../../core/api/page';

/**
 * FriendsService: user search and friend requests. The friend list itself is read by the chat core
 * (ChatService.friends), because the conversation list is made of it too.
 */
@Injectable({ providedIn: 'root' })
export class FriendsService {
  private readonly http = inject(HttpClient);

  searchUsers(q: string): Observable<PublicUser[]> {
    return this.http
      .get<PublicUser[] | Page<PublicUser>>(`${API}/users`, { params: new HttpParams().set('q', q) })
      .pipe(map((r) => itemsOf(r)));
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
