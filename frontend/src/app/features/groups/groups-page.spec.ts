import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Group, GroupMember, GroupRole } from '../../core/api/models';
import { AuthService } from '../../core/auth/auth.service';
import { fakeUser } from '../../core/testing/fakes';
import { ChatLists } from '../../core/chat/chat-lists';
import { People } from '../../core/chat/people';
import { GroupsPage } from './groups-page';

const member = (id: number, username: string, role: GroupRole): GroupMember => ({
  user: { id, username, displayName: '' }, role, joinedAt: '2026-01-01T00:00:00Z',
});

const group = (): Group => ({
  id: 7, name: 'Team', description: '', ownerId: 1, createdAt: '2026-01-01T00:00:00Z',
  members: [member(1, 'alice', 'owner'), member(2, 'bob', 'admin'), member(3, 'carol', 'member')],
});

describe('GroupsPage members', () => {
  let fixture: ComponentFixture<GroupsPage>;
  let http: HttpTestingController;
  const me = signal(fakeUser({ id: 1 }));
  const groupList = { hasMore: signal(false), loadingMore: signal(false), more: vi.fn(async () => undefined) };

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [GroupsPage],
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: AuthService, useValue: { user: me } },
        { provide: ChatLists, useValue: { friends: signal([]), groups: signal([]), reloadGroups: async () => undefined, groupList } },
        { provide: People, useValue: { online: () => null } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  /** open shows group 7 to user `viewer`. */
  async function open(viewer: number): Promise<HTMLElement> {
    me.set(fakeUser({ id: viewer }));
    fixture = TestBed.createComponent(GroupsPage);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne('/api/v1/chat/groups/7').flush(group());
    await fixture.whenStable();
    fixture.detectChanges();
    return fixture.nativeElement as HTMLElement;
  }

  const row = (el: HTMLElement, username: string) => el.querySelector<HTMLElement>(`[data-testid="group-member"][data-username="${username}"]`)!;
  const has = (r: HTMLElement, testid: string) => !!r.querySelector(`[data-testid="${testid}"]`);
  const buttons = (r: HTMLElement) =>
    ['group-make-admin', 'group-make-member', 'group-remove-member'].filter((id) => has(r, id));

  it('shows the owner role controls on every other member, and no leave button', async () => {
    const el = await open(1);
    expect(buttons(row(el, 'alice'))).toEqual([]);
    expect(buttons(row(el, 'bob'))).toEqual(['group-make-member', 'group-remove-member']);
    expect(buttons(row(el, 'carol'))).toEqual(['group-make-admin', 'group-remove-member']);
    expect(el.querySelector('[data-testid="group-add-member-select"]')).not.toBeNull();
    expect(el.querySelector('[data-testid="group-leave"]')).toBeNull();
  });

  it('makes a member admin and shows the server\'s answer in the list', async () => {
    const el = await open(1);
    row(el, 'carol').querySelector<HTMLButtonElement>('[data-testid="group-make-admin"]')!.click();
    const req = http.expectOne('/api/v1/chat/groups/7/members/3');
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toEqual({ role: 'admin' });
    req.flush(member(3, 'carol', 'admin'));
    await fixture.whenStable();
    fixture.detectChanges();
    const carol = row(el, 'carol');
    expect(carol.getAttribute('data-role')).toBe('admin');
    expect(carol.querySelector('[data-testid="group-member-role"]')!.textContent!.trim()).toBe('Admin');
    expect(buttons(carol)).toEqual(['group-make-member', 'group-remove-member']);
  });

  it('keeps the list as it was when the server refuses', async () => {
    const el = await open(1);
    row(el, 'bob').querySelector<HTMLButtonElement>('[data-testid="group-make-member"]')!.click();
    http.expectOne('/api/v1/chat/groups/7/members/2').flush(
      { error: { code: 'forbidden', message: 'no' } },
      { status: 403, statusText: 'Forbidden' },
    );
    await fixture.whenStable();
    fixture.detectChanges();
    expect(row(el, 'bob').getAttribute('data-role')).toBe('admin');
  });

  it('shows an admin removal of plain members only, no role controls, and the leave button', async () => {
    const el = await open(2);
    expect(buttons(row(el, 'alice'))).toEqual([]);
    expect(buttons(row(el, 'bob'))).toEqual([]);
    expect(buttons(row(el, 'carol'))).toEqual(['group-remove-member']);
    expect(el.querySelector('[data-testid="group-add-member-select"]')).not.toBeNull();
    expect(el.querySelector('[data-testid="group-leave"]')).not.toBeNull();
  });

  it('offers the next page of groups when the server has more', async () => {
    groupList.hasMore.set(true);
    try {
      const el = await open(3);
      el.querySelector<HTMLButtonElement>('[data-testid="load-more"]')!.click();
      expect(groupList.more).toHaveBeenCalledTimes(1);
    } finally {
      groupList.hasMore.set(false);
    }
  });

  it('shows a plain member no action on others', async () => {
    const el = await open(3);
    for (const name of ['alice', 'bob', 'carol']) expect(buttons(row(el, name))).toEqual([]);
    expect(el.querySelector('[data-testid="group-add-member-select"]')).toBeNull();
    expect(el.querySelector('[data-testid="group-leave"]')).not.toBeNull();
  });
});
