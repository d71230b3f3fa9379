import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { DRAFTS_ITEM } from '../../core/chat/drafts';
import { ChatStore } from '../../core/chat/chat-store.service';
import { ChatSockets } from '../../core/chat/socket/chat-sockets';
import { chatProviders } from '../../core/testing/chat-session';
import { FakeWebSocket, settle } from '../../core/testing/fakes';
import { userStorageKey } from '../../core/util/user-storage';
import { Composer } from './composer';

/** The composer's drafts, as the signed-in user 1 of chatProviders keeps them. */
describe('Composer drafts', () => {
  let http: HttpTestingController;
  let store: ChatStore;
  let fixture: ComponentFixture<Composer> | undefined;
  const draftsItem = userStorageKey(1, DRAFTS_ITEM);

  beforeEach(() => {
    localStorage.clear();
    fixture = undefined;
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({ imports: [Composer], providers: chatProviders() });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatStore);
  });

  afterEach(() => {
    store.stop();
    for (const r of http.match(() => true)) r.flush({ items: [], nextCursor: null, incoming: [], outgoing: [] });
    TestBed.resetTestingModule();
    localStorage.clear();
  });

  async function compose(key: string): Promise<HTMLTextAreaElement> {
    fixture ??= TestBed.createComponent(Composer);
    fixture.componentRef.setInput('key', key);
    await fixture.whenStable();
    return fixture.nativeElement.querySelector('[data-testid="composer-input"]');
  }

  async function type(box: HTMLTextAreaElement, text: string): Promise<void> {
    box.value = text;
    box.dispatchEvent(new Event('input'));
    await fixture!.whenStable();
  }

  it('keeps a draft per conversation across a switch, and stores it for the user', async () => {
    store.start();
    const box = await compose('u:2');
    await type(box, 'half a thought for bob');
    await compose('g:7');
    expect(box.value).toBe('');
    await type(box, 'for the team');
    await compose('u:2');
    expect(box.value).toBe('half a thought for bob');
    expect(JSON.parse(localStorage.getItem(draftsItem)!)).toEqual({ 'u:2': 'half a thought for bob', 'g:7': 'for the team' });
  });

  it('finds the stored drafts after a reload (the session starts again for the same user)', async () => {
    localStorage.setItem(draftsItem, JSON.stringify({ 'u:2': 'written before the reload' }));
    store.start();
    const box = await compose('u:2');
    expect(box.value).toBe('written before the reload');
  });

  it('clears the draft, on screen and stored, when the message is sent', async () => {
    store.start();
    const box = await compose('u:2');
    await type(box, 'send me');
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    await fixture!.whenStable();
    expect(box.value).toBe('');
    expect(localStorage.getItem(draftsItem)).toBeNull();
    expect(TestBed.inject(ChatSockets).pending('u:2').map((p) => p.body)).toEqual(['send me']);
  });
});
