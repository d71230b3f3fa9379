import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../api/api-paths';
import { AdminPayment, AdminStats, AuditEntry, Page, Role, User } from '../api/models';

function page<T>(r: Page<T> | T[]): Page<T> {
  return Array.isArray(r) ? { items: r, nextCursor: null } : { items: r.items ?? [], nextCursor: r.nextCursor ?? null };
}

/** AdminService: the /admin endpoints (role admin; the server answers 403 to anyone else). */
@Injectable({ providedIn: 'root' })
export class AdminService {
  private readonly http = inject(HttpClient);

  users(q: string, cursor?: string | null): Observable<Page<User>> {
    let params = new HttpParams().set('limit', '50');
    if (q) params = params.set('q', q);
    if (cursor) params = params.set('cursor', cursor);
    return this.http.get<Page<User>>(`${API}/admin/users`, { params }).pipe(map(page));
  }

  updateUser(id: number, patch: { role?: Role; banned?: boolean }): Observable<User> {
    return this.http.patch<User>(`${API}/admin/users/${id}`, patch);
  }

  /** payments: every user's payments, newest first; each says whose it is (`userId`). */
  payments(status: string, cursor?: string | null): Observable<Page<AdminPayment>> {
    let params = new HttpParams().set('limit', '50');
    if (status) params = params.set('status', status);
    if (cursor) params = params.set('cursor', cursor);
    return this.http.get<Page<AdminPayment>>(`${API}/admin/payments`, { params }).pipe(map(page));
  }

  stats(): Observable<AdminStats> {
    return this.http.get<AdminStats>(`${API}/admin/stats`);
  }

  audit(cursor?: string | null): Observable<Page<AuditEntry>> {
    let params = new HttpParams().set('limit', '50');
    if (cursor) params = params.set('cursor', cursor);
    return this.http.get<Page<AuditEntry>>(`${API}/admin/audit`, { params }).pipe(map(page));
  }
}
