import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { GroupMember } from '../../core/api/models';
import { GroupsService } from './groups.service';

describe('GroupsService', () => {
  let api: GroupsService;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(GroupsService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  it('changes a member\'s role with PATCH /chat/groups/:id/members/:userId {role} and answers the member', async () => {
    const answer: GroupMember = { user: { id: 3, username: 'carol', displayName: 'Carol' }, role: 'admin', joinedAt: '2026-01-01T00:00:00Z' };
    const done = firstValueFrom(api.setMemberRole(7, 3, 'admin'));
    const req = http.expectOne('/api/v1/chat/groups/7/members/3');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ role: 'admin' });
    req.flush(answer);
    expect(await done).toEqual(answer);

    const back = firstValueFrom(api.setMemberRole(7, 3, 'member'));
    const again = http.expectOne('/api/v1/chat/groups/7/members/3');
    expect(again.request.body).toEqual({ role: 'member' });
    again.flush({ ...answer, role: 'member' });
    expect((await back).role).toBe('member');
  });

  it('passes a refused role change on (403 for a non-owner)', async () => {
    const done = firstValueFrom(api.setMemberRole(7, 3, 'admin'));
    http.expectOne('/api/v1/chat/groups/7/members/3').flush(
      { error: { code: 'forbidden', message: 'only the owner can change roles' } },
      { status: 403, statusText: 'Forbidden' },
    );
    await expect(done).rejects.toMatchObject({ status: 403 });
  });
});
