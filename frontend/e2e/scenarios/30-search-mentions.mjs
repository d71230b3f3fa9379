// Find and be told (issue 13), in two browsers: a mention notifies the other browser (its context granted the
// Notification permission, the tab reported hidden) and counts in its tab title and mention badge; the search
// box (Ctrl+K) finds an older message and opens it in place, highlighted; a reply shows its quoted original and
// a click on the quote brings the original into view; a hit (and a quoted original) older than the loaded page
// opens in the history page around it (?around=, never paging back with ?before=), newer pages load from there and
// a live message is not glued under the old window; leaving an old window for another conversation and coming
// back from the list shows the latest messages again, live ones included; on a 390×844 phone the search box and
// its results fit.
import { BASE, PASSWORD, step, assert, tid, visible, newUserPage, register, befriend, openChatWith, messageWithText, send, newUser, run } from '../lib.mjs';

const alice = newUser('sma');
const bob = newUser('smb');
const word = `zanzibar${run}`;

/** watchNotifications records the page's notifications and lets the test report the tab hidden. */
async function watchNotifications(context) {
  await context.addInitScript(() => {
    window.__notes = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notes.push(title);
      }
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...a) => Real.requestPermission(...a);
    window.Notification = Recorded;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__e2eHidden === true });
  });
}

/** api signs in through REST (a session of its own, apart from the browser's) and calls the API as that user. */
async function api(user) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: user.username, password: PASSWORD }),
  });
  assert(res.ok, `REST login of ${user.username}: ${res.status}`);
  const { accessToken, user: me } = await res.json();
  return {
    id: me.id,
    /** post sends one request, waiting out a 429 as its Retry-After says (messages: 20 a second, burst 40). */
    async post(path, body) {
      for (let attempt = 0; ; attempt++) {
        const r = await fetch(`${BASE}/api/v1${path}`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` }, body: JSON.stringify(body),
        });
        if (r.status === 429 && attempt < 5) {
          await new Promise((ok) => setTimeout(ok, 1000 * Math.max(1, Number(r.headers.get('Retry-After')) || 1)));
          continue;
        }
        assert(r.ok, `POST ${path}: ${r.status}`);
        return r.json();
      }
    },
  };
}

/** historyRequests records the history pages a page asks for (their query strings). */
function historyRequests(page) {
  const seen = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (/\/api\/v1\/chat\/(private|groups)\/\d+\/messages$/.test(url.pathname) && req.method() === 'GET') seen.push(url.search);
  });
  return seen;
}

export default async function searchMentions(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser);
  await B.context.grantPermissions(['notifications'], { origin: BASE });
  await watchNotifications(B.context);
  const pages = () => ({ a: A.page, b: B.page });

  await step('search & mentions: two friends, the second opts in to notifications', pages, async () => {
    await register(A.page, alice);
    await register(B.page, bob);
    await befriend(A.page, B.page, alice, bob);
    await B.page.goto(`${BASE}/chat`);
    await B.page.locator(tid('user-menu-button')).click();
    await B.page.locator(tid('notify-toggle')).check();
    assert(await B.page.locator(tid('notify-toggle')).isChecked(), 'notifications stay off after opting in');
    await B.page.keyboard.press('Escape');
  });

  await step('a mention notifies the other browser and counts in its tab title and badge', pages, async () => {
    await openChatWith(A.page, bob.displayName);
    await send(A.page, `the ${word} file is ready`);
    await visible(messageWithText(A.page, word), 'the first message on A');
    for (let i = 0; i < 14; i++) await send(A.page, `filler message ${i}`);
    await visible(messageWithText(A.page, 'filler message 13'), 'the last filler on A');
    await B.page.evaluate(() => (window.__e2eHidden = true));
    await send(A.page, `@${bob.username} please look`);
    await B.page.waitForFunction(() => window.__notes.length > 0, null, { timeout: 15000 });
    const notes = await B.page.evaluate(() => window.__notes);
    assert(notes.some((t) => t.includes('mentioned you')), `notifications on B: ${JSON.stringify(notes)}`);
    await B.page.waitForFunction(() => /^\(\d+\) WorkComm$/.test(document.title), null, { timeout: 15000 });
    const title = await B.page.title();
    assert(title === "(16) WorkComm", `B's tab title is ${title}`);
    const badge = B.page.locator(`${tid('conversation-item')}[data-title="${alice.displayName}"] ${tid('mention-badge')}`);
    await visible(badge, 'the mention badge on B');
    await B.page.evaluate(() => (window.__e2eHidden = false));
  });

  await step('search (Ctrl+K) finds an older message and opens it in place, highlighted', pages, async () => {
    await B.page.locator('body').click();
    await B.page.keyboard.press('Control+k');
    const input = B.page.locator(tid('search-input'));
    assert(await input.evaluate((el) => el === document.activeElement), 'Ctrl+K did not focus the search box');
    await input.fill(word.slice(0, 8));
    const hit = B.page.locator(tid('search-hit')).first();
    await visible(hit, 'a search hit');
    assert((await hit.locator('mark').innerText()).toLowerCase().startsWith('zanzibar'), 'the hit is not highlighted');
    await hit.click();
    const target = messageWithText(B.page, word);
    await visible(target, 'the found message in its conversation');
    await B.page.waitForFunction(() => !!document.querySelector('[data-testid="message-item"].highlight'), null, { timeout: 15000 });
    assert(await target.evaluate((el) => el.classList.contains('highlight')), 'the found message is not the highlighted one');
    const inView = await target.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    assert(inView, 'the found message is not in view');
    await B.page.waitForFunction(() => document.title === 'WorkComm', null, { timeout: 15000 });
  });

  await step('a hit older than the loaded page opens in the page around it; newer pages follow; live messages wait', pages, async () => {
    // 60 more messages through REST: the hit falls out of the latest page (50).
    const restA = await api(alice);
    const restB = await api(bob);
    for (let i = 0; i < 60; i++) await restA.post(`/chat/private/${restB.id}/messages`, { body: `bulk message ${i}` });
    // A fresh load of B: nothing but the latest page in memory.
    await B.page.reload();
    await openChatWith(B.page, alice.displayName);
    await visible(messageWithText(B.page, 'bulk message 59'), 'the newest message on B');
    assert((await messageWithText(B.page, word).count()) === 0, 'the old message is already loaded: the test proves nothing');
    const pagesAsked = historyRequests(B.page);
    await B.page.locator('body').click();
    await B.page.keyboard.press('Control+k');
    await B.page.locator(tid('search-input')).fill(word.slice(0, 8));
    await B.page.locator(tid('search-hit')).first().click();
    const target = messageWithText(B.page, word);
    await visible(target, 'the old hit in its conversation');
    await B.page.waitForFunction(() => !!document.querySelector('[data-testid="message-item"].highlight'), null, { timeout: 15000 });
    assert(await target.evaluate((el) => el.classList.contains('highlight')), 'the old hit is not the highlighted one');
    assert(pagesAsked.some((q) => q.includes('around=')), `no ?around= page: ${JSON.stringify(pagesAsked)}`);
    assert(!pagesAsked.some((q) => q.includes('before=')), `paged back with ?before=: ${JSON.stringify(pagesAsked)}`);
    await visible(B.page.locator(tid('load-newer')), 'the way to newer messages under the old window');

    // A live message now is not shown under the old window…
    await send(A.page, 'live while B reads the past');
    await visible(messageWithText(A.page, 'live while B reads the past'), 'the live message on A');
    await B.page.waitForTimeout(1500);
    assert((await messageWithText(B.page, 'live while B reads the past').count()) === 0, 'the live message is glued under the old window');
    // …newer pages load from the window (?after=) until the end, where it shows, every seq once and in order.
    for (let i = 0; i < 5 && (await B.page.locator(tid('load-newer')).count()) > 0; i++) {
      await B.page.locator(tid('load-newer')).click().catch(() => undefined);
      await B.page.waitForTimeout(500);
    }
    assert(pagesAsked.some((q) => q.includes('after=')), `no ?after= page: ${JSON.stringify(pagesAsked)}`);
    await visible(messageWithText(B.page, 'live while B reads the past'), 'the live message once the window reached the end');
    const seqs = await B.page.locator(tid('message-item')).evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))).filter(Boolean));
    assert(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), `seqs with a gap or a duplicate: ${seqs.join(',')}`);
  });

  await step('a reply quotes its original, and a click on the quote brings the original into view', pages, async () => {
    await messageWithText(B.page, word).locator(tid('message-reply')).click();
    await visible(B.page.locator(tid('reply-strip')), 'the quote strip in the composer');
    await send(B.page, 'got it, thanks');
    const reply = messageWithText(A.page, 'got it, thanks');
    await visible(reply, 'the reply on A');
    const quote = reply.locator(tid('reply-quote'));
    await visible(quote, 'the quoted original above the reply on A');
    assert((await quote.innerText()).includes(word), 'the quote does not show the original');
    // A fresh load of A: the original, 60 messages back, is not loaded; the quote opens the page around it.
    await A.page.reload();
    await openChatWith(A.page, bob.displayName);
    const asked = historyRequests(A.page);
    await visible(reply, 'the reply on A after a reload');
    assert((await messageWithText(A.page, word).count()) === 0, 'the original is already loaded on A');
    await quote.click();
    await visible(messageWithText(A.page, word), 'the quoted original on A');
    assert(asked.some((q) => q.includes('around=')) && !asked.some((q) => q.includes('before=')), `A's pages: ${JSON.stringify(asked)}`);
    await A.page.waitForFunction(() => !!document.querySelector('[data-testid="message-item"].highlight'), null, { timeout: 15000 });
    assert(await messageWithText(A.page, word).evaluate((el) => el.classList.contains('highlight')), 'the original is not highlighted');
  });

  await step('after a jump to an old hit, another conversation and back from the list: the newest messages, live ones once', pages, async () => {
    // A second conversation for B to go to: a group of its own, made before the reload so that it is listed at once.
    const side = `side ${run}`;
    await (await api(bob)).post('/chat/groups', { name: side });
    await B.page.reload();
    const key = await openChatWith(B.page, alice.displayName);
    await B.page.locator('body').click();
    await B.page.keyboard.press('Control+k');
    await B.page.locator(tid('search-input')).fill(word.slice(0, 8));
    await B.page.locator(tid('search-hit')).first().click();
    await visible(messageWithText(B.page, word), 'the old hit before leaving');
    await visible(B.page.locator(tid('load-newer')), 'the old window before leaving');
    // One live message while B reads the old window, one while B is in the group (no reload in between).
    await send(A.page, 'live under the old window');
    await B.page.waitForTimeout(1000);
    await B.page.locator(`${tid('conversation-item')}[data-title="${side}"]`).click();
    await visible(B.page.locator(`${tid('message-pane')}[data-key^="g:"]`), 'the group on B');
    await send(A.page, 'live while B is elsewhere');
    await B.page.waitForTimeout(1000);

    // Back through the list, not a jump: the latest page, scrolled to the newest message, every seq once.
    await B.page.locator(`${tid('conversation-item')}[data-title="${alice.displayName}"]`).click();
    await visible(B.page.locator(`${tid('message-pane')}[data-key="${key}"]`), 'the chat with Alice again');
    const newest = messageWithText(B.page, 'live while B is elsewhere');
    await visible(newest, 'the newest message after coming back');
    await visible(messageWithText(B.page, 'live under the old window'), 'the message that arrived under the old window');
    assert((await messageWithText(B.page, word).count()) === 0, 'the old window is shown again');
    assert((await B.page.locator(tid('load-newer')).count()) === 0, 'still an old window (load-newer) after coming back');
    assert((await B.page.locator(`${tid('message-item')}.highlight`).count()) === 0, 'the jump was played again');
    const seqs = await B.page.locator(tid('message-item')).evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))).filter(Boolean));
    assert(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), `seqs with a gap or a duplicate: ${seqs.join(',')}`);
    const inView = (el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    };
    await B.page.waitForFunction(inView, await newest.elementHandle(), { timeout: 5000 }).catch(() => undefined);
    assert(await newest.evaluate(inView), 'the newest message is not in view');
  });

  await step('phone 390×844: the search box and its results fit the screen, a hit opens the conversation', pages, async () => {
    await B.page.setViewportSize({ width: 390, height: 844 });
    await B.page.goto(`${BASE}/chat`);
    const input = B.page.locator(tid('search-input'));
    await visible(input, 'the search box on a phone');
    await input.fill('got it');
    const hit = B.page.locator(tid('search-hit')).first();
    await visible(hit, 'a hit on a phone');
    for (const [loc, what] of [[input, 'search box'], [B.page.locator(tid('search-results')), 'results']]) {
      const box = await loc.boundingBox();
      assert(box && box.x >= 0 && box.x + box.width <= 390 + 1, `the ${what} overflow the phone's width: ${JSON.stringify(box)}`);
    }
    await hit.click();
    await visible(B.page.locator(tid('message-pane')), 'the conversation on a phone');
    await visible(messageWithText(B.page, 'got it, thanks'), 'the found reply on a phone');
  });

  await A.context.close();
  await B.context.close();
}
