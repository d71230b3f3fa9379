import { Component, DestroyRef, ElementRef, OnInit, computed, inject, signal, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Stripe, StripeElements } from '@stripe/stripe-js';
import { firstValueFrom } from 'rxjs';
import { Payment, PaymentConfig, PlanOffer } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { I18nService } from '../../core/i18n/i18n.service';
import { paymentStatusKey, planKey } from '../../core/i18n/keys';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { PaymentService } from './payment.service';
import { newId } from '../../core/util/id';
import { ToastService } from '../../core/toast/toast.service';
import { loadStripeJs } from './stripe-loader';

/** How often to ask the server for the payment's status while it is not final (the webhook sets it). */
const POLL_MS = 2000;
const FINAL = new Set(['succeeded', 'failed', 'canceled']);

/** formatMoney shows cents in the plan's currency. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(amount / 100);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

/**
 * Subscription page: the plans, a PaymentIntent through the server, Stripe's Payment Element when Stripe.js
 * loads, and the payment status polled until the webhook marks it succeeded; then /users/me is read again so
 * the plan badge turns premium.
 */
@Component({
  selector: 'app-subscription-page',
  imports: [RouterLink, TranslatePipe],
  templateUrl: './subscription-page.html',
  styles: `
    .plans { margin: var(--space-4) 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: var(--space-4); }
    .plans .card + .card { margin-top: 0; }
    .price { font-size: 1.6rem; font-weight: 700; }
    .current { display: flex; align-items: center; gap: var(--space-2); }
    #payment-element { min-height: 2rem; }
  `,
})
export class SubscriptionPage implements OnInit {
  /** The UI language: the argument of every `t` pipe in the template. */
  protected readonly lang = inject(I18nService).lang;
  protected readonly planKey = planKey;
  protected readonly paymentStatusKey = paymentStatusKey;
  private readonly payments = inject(PaymentService);
  protected readonly auth = inject(AuthService);
  private readonly i18n = inject(I18nService);
  private readonly toast = inject(ToastService);
  private readonly destroyRef = inject(DestroyRef);
  private readonly elementHost = viewChild<ElementRef<HTMLElement>>('paymentElement');

  protected readonly plans = signal<PlanOffer[]>([]);
  protected readonly config = signal<PaymentConfig | null>(null);
  protected readonly loading = signal(true);
  protected readonly loadError = signal(false);
  protected readonly busyPlan = signal<string | null>(null);
  protected readonly payment = signal<Payment | null>(null);
  protected readonly stripeState = signal<'idle' | 'loading' | 'ready' | 'unavailable'>('idle');
  protected readonly confirming = signal(false);
  protected readonly stripeError = signal<string | null>(null);
  protected readonly isFinal = computed(() => FINAL.has(this.payment()?.status ?? ''));

  private stripe: Stripe | null = null;
  private elements: StripeElements | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private destroyed = false;

  constructor() {
    this.destroyRef.onDestroy(() => {
      this.destroyed = true;
      if (this.pollTimer) clearTimeout(this.pollTimer);
    });
  }

  async ngOnInit(): Promise<void> {
    try {
      const [plans, config] = await Promise.all([firstValueFrom(this.payments.plans()), firstValueFrom(this.payments.config())]);
      this.plans.set(plans);
      this.config.set(config);
    } catch {
      this.loadError.set(true);
    } finally {
      this.loading.set(false);
    }
  }

  protected money(amount: number, currency: string): string {
    return formatMoney(amount, currency, this.i18n.locale());
  }

  protected async subscribe(plan: PlanOffer): Promise<void> {
    this.busyPlan.set(plan.id);
    this.stripeError.set(null);
    try {
      const res = await firstValueFrom(this.payments.createIntent(plan.id, newId()));
      this.payment.set(res.payment);
      this.schedulePoll();
      void this.mountStripe(res.clientSecret);
    } catch {
      /* toast by the interceptor */
    } finally {
      this.busyPlan.set(null);
    }
  }

  private async mountStripe(clientSecret: string): Promise<void> {
    const key = this.config()?.publishableKey;
    if (!key || !clientSecret) {
      this.stripeState.set('unavailable');
      return;
    }
    this.stripeState.set('loading');
    const stripe = await loadStripeJs(key);
    if (this.destroyed) return;
    if (!stripe) {
      this.stripeState.set('unavailable');
      return;
    }
    try {
      this.stripe = stripe;
      this.elements = stripe.elements({ clientSecret });
      this.stripeState.set('ready');
      // The host element renders once stripeState is 'ready'.
      await new Promise((r) => setTimeout(r));
      const host = this.elementHost()?.nativeElement;
      if (host) this.elements.create('payment').mount(host);
    } catch {
      this.stripeState.set('unavailable');
    }
  }

  protected async confirm(): Promise<void> {
    if (!this.stripe || !this.elements) return;
    this.confirming.set(true);
    this.stripeError.set(null);
    try {
      const result = await this.stripe.confirmPayment({
        elements: this.elements,
        redirect: 'if_required',
        confirmParams: { return_url: `${location.origin}/subscription` },
      });
      if (result.error) this.stripeError.set(result.error.message ?? this.i18n.t('payments.cardError'));
      this.schedulePoll(0);
    } finally {
      this.confirming.set(false);
    }
  }

  private schedulePoll(delay = POLL_MS): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.poll(), delay);
  }

  private async poll(): Promise<void> {
    this.pollTimer = null;
    const current = this.payment();
    if (!current || this.destroyed) return;
    try {
      const p = await firstValueFrom(this.payments.payment(current.id));
      if (this.destroyed) return;
      this.payment.set(p);
      if (p.status === 'succeeded') {
        await this.auth.reloadMe();
        this.toast.success(this.i18n.t('payments.confirmed'));
        return;
      }
      if (FINAL.has(p.status)) return;
    } catch {
      /* keep polling: the network may be back soon */
    }
    this.schedulePoll();
  }
}
