import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { Friend, FriendRequest, Page, PublicUser } from '../../core/api/models';
import { itemsOf } from '../../core/api/page';

/**
 * FriendsService: user search and the answers to friend requests. The friend list and the pending requests are
 * read by the chat core (ChatService.friends, ChatService.friendRequests), because the conversation list and the
 * header show them too, kept live by the private socket (Friendships).
 */
@Injectable({ providedIn: 'root' })
export class FriendsService {
  private readonly http = inject(HttpClient);

  searchUsers(q: string): Observable<PublicUser[]> {
    return this.http
      .get<PublicUser[] | Page<PublicUser>>(`${API}/users`, { params: new HttpParams().set('q', q) })
      .pipe(map((r) => itemsOf(r)));
  }

  /** sendRequest asks a user: the pending request (201), or the friend we became if they had asked first (200). */
  sendRequest(userId: number): Observable<FriendRequest | Friend> {
    return this.http.post<FriendRequest | Friend>(`${API}/friends/requests`, { userId });
  }

  /** accept answers a request addressed to me with the new friend. */
  accept(requestId: number): Observable<Friend> {
    return this.http.post<Friend>(`${API}/friends/requests/${requestId}/accept`, {});
  }

  /** decline refuses a request addressed to me, or withdraws one I sent. */
  decline(requestId: number): Observable<void> {
    return this.http.post<void>(`${API}/friends/requests/${requestId}/decline`, {});
  }

  remove(userId: number): Observable<void> {
    return this.http.delete<void>(`${API}/friends/${userId}`);
  }
}
