import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { AdminPayment, AdminStats, AuditEntry, Page, Role, User } from '../../core/api/models';
import { pageOf, pageParams } from '../../core/api/page';

/** AdminService: the /admin endpoints (role admin; the server answers 403 to anyone else). */
@Injectable({ providedIn: 'root' })
export class AdminService {
  private readonly http = inject(HttpClient);

  users(q: string, cursor?: string | null): Observable<Page<User>> {
    let params = pageParams(cursor);
    if (q) params = params.set('q', q);
    return this.http.get<Page<User>>(`${API}/admin/users`, { params }).pipe(map(pageOf));
  }

  updateUser(id: number, patch: { role?: Role; banned?: boolean }): Observable<User> {
    return this.http.patch<User>(`${API}/admin/users/${id}`, patch);
  }

  /** deleteUser soft-deletes an account (not one's own); the server records it in the audit log. */
  deleteUser(id: number): Observable<void> {
    return this.http.delete<void>(`${API}/admin/users/${id}`);
  }

  /** payments: every user's payments, newest first; each says whose it is (`userId`). */
  payments(status: string, cursor?: string | null): Observable<Page<AdminPayment>> {
    let params = pageParams(cursor);
    if (status) params = params.set('status', status);
    return this.http.get<Page<AdminPayment>>(`${API}/admin/payments`, { params }).pipe(map(pageOf));
  }

  stats(): Observable<AdminStats> {
    return this.http.get<AdminStats>(`${API}/admin/stats`);
  }

  audit(cursor?: string | null): Observable<Page<AuditEntry>> {
    return this.http.get<Page<AuditEntry>>(`${API}/admin/audit`, { params: pageParams(cursor) }).pipe(map(pageOf));
  }
}
