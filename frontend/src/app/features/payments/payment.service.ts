import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';
import { API } from '../../core/api/api-paths';
import { Page, Payment, PaymentConfig, PaymentIntentResponse, PlanOffer } from '../../core/api/models';
import { itemsOf } from '../../core/api/page';

/** PaymentService: plans, Stripe config, PaymentIntents and the user's payment history. */
@Injectable({ providedIn: 'root' })
export class PaymentService {
  private readonly http = inject(HttpClient);

  plans(): Observable<PlanOffer[]> {
    return this.http.get<PlanOffer[] | Page<PlanOffer>>(`${API}/payments/plans`).pipe(map((r) => itemsOf(r)));
  }

  config(): Observable<PaymentConfig> {
    return this.http.get<PaymentConfig>(`${API}/payments/config`);
  }

  /** createIntent asks the server for a PaymentIntent; the same idempotency key never makes a second one. */
  createIntent(planId: string, idempotencyKey: string): Observable<PaymentIntentResponse> {
    return this.http.post<PaymentIntentResponse>(
      `${API}/payments/intent`,
      { planId },
      { headers: new HttpHeaders({ 'Idempotency-Key': idempotencyKey }) },
    );
  }

  payment(id: number): Observable<Payment> {
    return this.http.get<Payment>(`${API}/payments/${id}`);
  }

  history(): Observable<Payment[]> {
    return this.http.get<Payment[] | Page<Payment>>(`${API}/payments`).pipe(map((r) => itemsOf(r)));
  }
}
