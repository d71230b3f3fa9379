import { HttpEventType } from '@angular/common/http';
import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { Attachment } from '../../core/api/models';
import { ChatStore } from '../../core/chat/chat-store.service';
import { ChatSockets } from '../../core/chat/socket/chat-sockets';
import { chatProviders } from '../../core/testing/chat-session';
import { FakeWebSocket, settle } from '../../core/testing/fakes';
import { Composer } from './composer';

function stored(id: number, name: string): Attachment {
  return { id, name, size: 5, contentType: 'text/plain', width: null, height: null, url: `/api/v1/attachments/${id}/original?e=1&s=x`, thumbnailUrl: null, createdAt: '2026-12-03T10:00:00Z' };
}

/** Files in the composer: uploaded at once with progress, cancellable, sent with the message by id. */
describe('Composer files', () => {
  let http: HttpTestingController;
  let store: ChatStore;
  let fixture: ComponentFixture<Composer>;

  beforeEach(async () => {
    localStorage.clear();
    FakeWebSocket.instances = [];
    TestBed.configureTestingModule({ imports: [Composer], providers: chatProviders() });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(ChatStore);
    store.start();
    fixture = TestBed.createComponent(Composer);
    fixture.componentRef.setInput('key', 'u:2');
    await fixture.whenStable();
  });

  afterEach(() => {
    store.stop();
    for (const r of http.match(() => true)) if (!r.cancelled) r.flush({ items: [], nextCursor: null, incoming: [], outgoing: [] });
    TestBed.resetTestingModule();
    localStorage.clear();
  });

  const el = (id: string) => fixture.nativeElement.querySelector(`[data-testid="${id}"]`) as HTMLElement;
  const uploads = () => http.match((r) => r.url.endsWith('/api/v1/attachments') && r.method === 'POST');

  it('uploads a pasted file with progress, and sends its id with the message, the body may be empty', async () => {
    const box = el('composer-input') as HTMLTextAreaElement;
    // jsdom has no DataTransfer: the clipboard as the handler reads it.
    const data = { files: [new File(['hello'], 'note.txt', { type: 'text/plain' })] };
    const paste = new Event('paste', { cancelable: true }) as ClipboardEvent;
    Object.defineProperty(paste, 'clipboardData', { value: data });
    box.dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(true);
    const [req] = uploads();
    expect(req.request.body instanceof FormData && (req.request.body.get('file') as File).name).toBe('note.txt');
    req.event({ type: HttpEventType.UploadProgress, loaded: 2, total: 4 });
    await fixture.whenStable();
    expect((el('composer-file').querySelector('progress') as HTMLProgressElement).value).toBe(0.5);
    expect((el('composer-send') as HTMLButtonElement).disabled).toBe(true);
    req.flush(stored(41, 'note.txt'), { status: 201, statusText: 'Created' });
    await fixture.whenStable();
    expect(el('composer-file').dataset['done']).toBe('true');
    (el('composer-send') as HTMLButtonElement).click();
    await settle();
    const pending = TestBed.inject(ChatSockets).pending('u:2');
    expect(pending.map((p) => [p.body, p.attachmentIds])).toEqual([['', [41]]]);
  });

  it('cancels an upload in flight: the request is aborted and nothing is sent', async () => {
    (fixture.componentInstance as Composer).attach([new File(['x'.repeat(100)], 'big.bin')]);
    await fixture.whenStable();
    const [req] = uploads();
    (el('composer-file-remove') as HTMLButtonElement).click();
    await fixture.whenStable();
    expect(req.cancelled).toBe(true);
    expect(el('composer-files')).toBeNull();
    expect((el('composer-send') as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a file over the plan as refused, and still sends the text', async () => {
    (fixture.componentInstance as Composer).attach([new File(['x'], 'huge.iso')]);
    uploads()[0].flush({ error: { code: 'payload_too_large', message: 'files are limited to 10 MiB on your plan' } }, { status: 413, statusText: 'Too Large' });
    await fixture.whenStable();
    expect(el('composer-file').textContent).toContain('too large for your plan');
  });
});
