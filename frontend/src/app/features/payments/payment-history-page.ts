import { Component, OnInit, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { Payment } from '../../core/api/models';
import { I18nService } from '../../core/i18n/i18n.service';
import { paymentStatusKey } from '../../core/i18n/keys';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { PaymentService } from './payment.service';
import { formatMoney } from './subscription-page';

/** Payment history: the caller's own payments. */
@Component({
  selector: 'app-payment-history-page',
  imports: [RouterLink, TranslatePipe],
  template: `
    <section class="page">
      <h1>{{ 'payments.history' | t: lang() }}</h1>
      <div class="card">
        @if (loading()) {
          <p class="state" role="status"><span class="spinner" aria-hidden="true"></span> {{ 'common.loading' | t: lang() }}</p>
        } @else if (error()) {
          <p class="state error" role="alert">{{ 'common.loadError' | t: lang() }} <button class="link-button" type="button" (click)="load()">{{ 'common.retry' | t: lang() }}</button></p>
        } @else if (items().length === 0) {
          <div class="state" data-testid="payments-empty">
            <p>{{ 'payments.none' | t: lang() }}</p>
            <a class="button small" routerLink="/subscription">{{ 'nav.subscription' | t: lang() }}</a>
          </div>
        } @else {
          <div class="table-wrap">
            <table data-testid="payment-history">
              <caption class="visually-hidden">{{ 'payments.history' | t: lang() }}</caption>
              <thead><tr><th scope="col">#</th><th scope="col">{{ 'payments.plan' | t: lang() }}</th><th scope="col">{{ 'payments.amount' | t: lang() }}</th><th scope="col">{{ 'payments.status' | t: lang() }}</th><th scope="col">{{ 'payments.date' | t: lang() }}</th></tr></thead>
              <tbody>
                @for (p of items(); track p.id) {
                  <tr data-testid="payment-row" [attr.data-status]="p.status">
                    <td>{{ p.id }}</td>
                    <td>{{ p.planId }}</td>
                    <td>{{ money(p) }}</td>
                    <td><span class="status" [class]="'status ' + p.status">{{ paymentStatusKey(p.status) | t: lang() }}</span></td>
                    <td>{{ date(p.createdAt) }}</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
        }
      </div>
    </section>
  `,
})
export class PaymentHistoryPage implements OnInit {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly paymentStatusKey = paymentStatusKey;
  private readonly payments = inject(PaymentService);
  private readonly i18n = inject(I18nService);
  protected readonly items = signal<Payment[]>([]);
  protected readonly loading = signal(true);
  protected readonly error = signal(false);

  ngOnInit(): void {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loading.set(true);
    this.error.set(false);
    try {
      this.items.set(await firstValueFrom(this.payments.history()));
    } catch {
      this.error.set(true);
    } finally {
      this.loading.set(false);
    }
  }

  protected money(p: Payment): string {
    return formatMoney(p.amount, p.currency, this.i18n.locale());
  }

  protected date(iso: string): string {
    const d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString(this.i18n.locale());
  }
}
