import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { AdminPayment } from '../../core/api/models';
import { AdminService } from './admin.service';

describe('AdminService', () => {
  let admin: AdminService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    admin = TestBed.inject(AdminService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  const payment: AdminPayment = {
    id: 9, userId: 42, planId: 'premium_monthly', amount: 900, currency: 'eur', status: 'succeeded',
    stripePaymentIntentId: 'pi_1', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
  };

  it('lists payments by status and cursor, each with whose it is (userId)', async () => {
    const done = firstValueFrom(admin.payments('succeeded', 'c1'));
    const req = http.expectOne((r) => r.url === '/api/v1/admin/payments');
    expect(req.request.method).toBe('GET');
    expect(req.request.params.get('status')).toBe('succeeded');
    expect(req.request.params.get('cursor')).toBe('c1');
    expect(req.request.params.get('limit')).toBe('50');
    req.flush({ items: [payment], nextCursor: 'c2' });
    const page = await done;
    expect(page.items[0].userId).toBe(42);
    expect(page.nextCursor).toBe('c2');
  });

  it('sends no status or cursor when there is none', async () => {
    const done = firstValueFrom(admin.payments(''));
    const req = http.expectOne((r) => r.url === '/api/v1/admin/payments');
    expect(req.request.params.has('status')).toBe(false);
    expect(req.request.params.has('cursor')).toBe(false);
    req.flush({ items: [], nextCursor: null });
    expect(await done).toEqual({ items: [], nextCursor: null });
  });
});
