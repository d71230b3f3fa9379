import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { Friend } from '../../core/api/models';
import { ChatStore } from '../../core/chat/chat-store.service';
import { ReplyAndJump } from '../../core/chat/reply-and-jump';
import { REQUESTS_URL, chatProviders, firstPage } from '../../core/testing/chat-session';
import { FakeWebSocket, msg, settle } from '../../core/testing/fakes';
import { ChatPage } from './chat-page';

const friend = (id: number): Friend => ({ user: { id, username: `user${id}`, displayName: `User ${id}` }, since: '' });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i, a + i));
const BOB = '/api/v1/chat/private/2/messages';
const CAROL = '/api/v1/chat/private/3/messages';

describe('ChatPage', () => {
  let http: HttpTestingController;
  let store: ChatStore;
  let fixture: ComponentFixture<ChatPage>;
  let ws: FakeWebSocket;

  beforeEach(async () => {
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({ imports: [ChatPage], providers: [provideRouter([]), ...chatProviders()] });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatStore);
    store.start();
    flushLists();
    ws = FakeWebSocket.instances[0];
    ws.accept();
    flushLists(); // `ready` reloads them
    await settle();
    fixture = TestBed.createComponent(ChatPage);
  });

  afterEach(() => {
    store.stop();
    try {
      http.verify();
    } finally {
      TestBed.resetTestingModule();
    }
  });

  function flushLists(): void {
    for (const r of http.match(firstPage('/api/v1/chat/private'))) r.flush({ items: [], nextCursor: null });
    for (const r of http.match(firstPage('/api/v1/chat/groups'))) r.flush({ items: [], nextCursor: null });
    for (const r of http.match(firstPage('/api/v1/friends'))) r.flush({ items: [friend(2), friend(3)], nextCursor: null });
    for (const r of http.match(REQUESTS_URL)) r.flush({ incoming: [], outgoing: [] });
  }

  /** go opens /chat/u/:id as the router does (component input binding). */
  async function go(id: string): Promise<void> {
    fixture.componentRef.setInput('kind', 'u');
    fixture.componentRef.setInput('id', id);
    fixture.detectChanges();
    await fixture.whenStable();
  }

  async function render(): Promise<HTMLElement> {
    for (let i = 0; i < 3; i++) {
      await settle();
      fixture.detectChanges();
    }
    return fixture.nativeElement as HTMLElement;
  }

  const seqs = (el: HTMLElement) => [...el.querySelectorAll('[data-testid="message-item"]')].map((li) => Number(li.getAttribute('data-seq')));

  it('opens a conversation left on an old window at its latest messages, live ones included, and forgets the jump', async () => {
    // jsdom lays nothing out: scrolling into view is a no-op.
    Element.prototype.scrollIntoView ??= () => undefined;
    await go('2');
    http.expectOne((r) => r.url === BOB).flush({ items: range(151, 200), hasMore: true });

    // A jump to an old message (a search hit) shows the window around it.
    TestBed.inject(ReplyAndJump).jumpTo('u:2', 10);
    fixture.detectChanges();
    await settle();
    http.expectOne((r) => r.url === BOB && r.params.get('around') === '10').flush({ items: range(1, 50), hasMore: true });
    let el = await render();
    expect(seqs(el)).toEqual(range(1, 50).map((m) => m.seq));
    // A live message arrives meanwhile, kept aside under the old window.
    ws.receive({ type: 'message.new', data: { message: msg(201, 201) } });

    // Another conversation, then one more message of the first while away.
    await go('3');
    http.expectOne((r) => r.url === CAROL).flush({ items: [], hasMore: false });
    ws.receive({ type: 'message.new', data: { message: msg(202, 202) } });

    // Back to it from the list: its latest page, not the old window nor the jump again.
    await go('2');
    const latest = http.expectOne((r) => r.url === BOB);
    expect(latest.request.params.keys()).toEqual(['limit']);
    latest.flush({ items: range(153, 202), hasMore: true });
    el = await render();
    expect(seqs(el)).toEqual(range(153, 202).map((m) => m.seq));
    expect(el.querySelector('.highlight')).toBeNull();
    expect(el.querySelector('[data-testid="load-newer"]')).toBeNull();
    expect(el.querySelector('[data-testid="load-older"]')).not.toBeNull();
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  }, 20_000); // renders a hundred rows: slow on a busy machine
});
