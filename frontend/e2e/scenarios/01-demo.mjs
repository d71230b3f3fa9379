// The product demo: two users register, befriend, chat (typing, read marks), a group with roles, a session kept
// after reload, a message sent offline, the premium plan paid through the Stripe webhook, stored XSS shown as text,
// edit/delete, the phone layout, and an admin banning a user.
import {
  BASE,
  WEBHOOK_SECRET,
  ADMIN_LOGIN,
  ADMIN_PASSWORD,
  WAIT,
  PASSWORD,
  run,
  users,
  step,
  assert,
  tid,
  visible,
  gone,
  newUserPage,
  dismissCookies,
  register,
  login,
  befriend,
  openChatWith,
  messageWithText,
  send,
  signWebhook,
  alertCount,
} from '../lib.mjs';

export default async function demo(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser);
  const C = await newUserPage(browser);
  let keyAB = null; // A's key for the chat with B ("u:<B id>")
  let keyBA = null;
  let groupId = null;

  await step('register two users in two browsers (and a third for the group)', () => ({ a: A.page, b: B.page }), async () => {
    await A.page.goto(`${BASE}/register`);
    await visible(A.page.locator(tid('cookie-banner')), 'cookie banner on first visit');
    await A.page.locator(tid('cookie-accept')).click();
    await gone(A.page.locator(tid('cookie-banner')), 'cookie banner after accepting');
    await register(A.page, users.a);
    await register(B.page, users.b);
    await register(C.page, users.c);
    const plan = await A.page.locator(tid('plan-badge')).getAttribute('data-plan');
    assert(plan === 'free', `new user should be on the free plan, badge says ${plan}`);
    await A.page.reload();
    await visible(A.page.locator(tid('plan-badge')), 'plan badge after reload');
    assert(!(await A.page.locator(tid('cookie-banner')).isVisible()), 'cookie choice should be remembered');
    await A.page.locator(tid('lang-switch')).selectOption('fr');
    await visible(A.page.locator(tid('nav-friends'), { hasText: 'Amis' }), 'French navigation');
    assert((await A.page.getAttribute('html', 'lang')) === 'fr', 'html lang should be fr');
    await A.page.reload();
    await visible(A.page.locator(tid('nav-friends'), { hasText: 'Amis' }), 'French remembered after reload');
    await A.page.locator(tid('lang-switch')).selectOption('en');
    await visible(A.page.locator(tid('nav-friends'), { hasText: 'Friends' }), 'English navigation');
    await A.page.goto(`${BASE}/no/such/page`);
    await visible(A.page.locator(tid('not-found')), '404 page');
  });

  await step('befriend: search, request, accept', () => ({ a: A.page, b: B.page }), async () => {
    await befriend(A.page, B.page, users.a, users.b);
    await befriend(A.page, C.page, users.a, users.c);
  });

  await step('private chat both ways with typing indicator and read mark', () => ({ a: A.page, b: B.page }), async () => {
    keyBA = await openChatWith(B.page, users.a.displayName);
    keyAB = await openChatWith(A.page, users.b.displayName);
    await A.page.locator(tid('composer-input')).pressSequentially('Hello Bob', { delay: 40 });
    await visible(B.page.locator(tid('typing-indicator')), 'typing indicator on B');
    const typing = await B.page.locator(tid('typing-indicator')).innerText();
    assert(typing.includes(users.a.displayName), `typing indicator should name Alice, says "${typing}"`);
    await A.page.locator(tid('composer-input')).press('Enter');
    await visible(messageWithText(B.page, 'Hello Bob'), 'A\'s message on B');
    await gone(B.page.locator(tid('typing-indicator')), 'typing indicator after the message arrived', 3000);
    await visible(A.page.locator(`${tid('message-item')}[data-pending="false"]`).filter({ hasText: 'Hello Bob' }), 'A\'s message confirmed');
    await visible(A.page.locator(tid('read-mark')), 'read mark on A after B saw the message');
    await send(B.page, 'Hi Alice, got it');
    await visible(messageWithText(A.page, 'Hi Alice, got it'), 'B\'s reply on A');
    assert((await messageWithText(A.page, 'Hello Bob').count()) === 1, 'A\'s message shown exactly once');
  });

  await step('a group of three; the owner makes one member admin', () => ({ a: A.page, b: B.page, c: C.page }), async () => {
    const name = `Team ${run}`;
    await A.page.goto(`${BASE}/groups`);
    await A.page.locator(tid('group-name')).fill(name);
    await A.page.locator(tid('group-description')).fill('E2E group');
    await A.page.locator(`${tid('group-member-option')}[data-username="${users.b.username}"]`).check();
    await A.page.locator(`${tid('group-member-option')}[data-username="${users.c.username}"]`).check();
    await A.page.locator(tid('group-create-submit')).click();
    const item = A.page.locator(`${tid('group-item')}[data-name="${name}"]`);
    await visible(item, 'new group in the list');
    await visible(A.page.locator(tid('group-member')), 'group members');
    const members = await A.page.locator(tid('group-member')).count();
    assert(members === 3, `group should have 3 members, shows ${members}`);
    const carol = `${tid('group-member')}[data-username="${users.c.username}"]`;
    await A.page.locator(`${carol} ${tid('group-make-admin')}`).click();
    await visible(A.page.locator(`${carol}[data-role="admin"] ${tid('group-make-member')}`), 'C shown as admin, with the owner\'s control to undo it');
    const role = (await A.page.locator(`${carol} ${tid('group-member-role')}`).innerText()).trim();
    assert(role === 'Admin', `C's role should read Admin, reads "${role}"`);
    await item.locator(tid('group-open-chat')).click();
    await A.page.waitForURL(/\/chat\/g\/\d+/);
    groupId = Number(A.page.url().match(/\/chat\/g\/(\d+)/)[1]);
    for (const P of [B.page, C.page]) {
      await P.goto(`${BASE}/chat/g/${groupId}`);
      await visible(P.locator(`${tid('message-pane')}[data-key="g:${groupId}"]`), 'group pane');
    }
    await send(A.page, 'Welcome to the team');
    await visible(messageWithText(B.page, 'Welcome to the team'), 'group message on B');
    await visible(messageWithText(C.page, 'Welcome to the team'), 'group message on C');
    await B.page.goto(`${BASE}/chat`);
    await visible(B.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"]`), 'group in B\'s list');
    await send(C.page, 'Thanks from Carol');
    await visible(messageWithText(A.page, 'Thanks from Carol'), 'C\'s group message on A');
    const badge = B.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"] ${tid('unread-badge')}`);
    await visible(badge, 'unread badge on B\'s group item');
    await B.page.locator(`${tid('conversation-item')}[data-key="g:${groupId}"]`).click();
    await visible(messageWithText(B.page, 'Thanks from Carol'), 'C\'s group message on B');
    await gone(badge, 'unread badge after opening the group');
  });

  await step('a reload keeps the session', () => ({ a: A.page }), async () => {
    assert(keyAB, 'no private conversation from an earlier step');
    await A.page.goto(`${BASE}/chat/${keyAB.replace(':', '/')}`);
    await A.page.reload();
    await visible(A.page.locator(tid('current-user')), 'user menu after reload');
    assert(!A.page.url().includes('/login'), `reload went to ${A.page.url()}`);
    await visible(messageWithText(A.page, 'Hello Bob'), 'history after reload');
    await visible(messageWithText(A.page, 'Hi Alice, got it'), 'history after reload (reply)');
  });

  await step('offline and back without losing a message', () => ({ a: A.page, b: B.page }), async () => {
    assert(keyAB && keyBA, 'no private conversation from an earlier step');
    await B.page.goto(`${BASE}/chat/${keyBA.replace(':', '/')}`);
    await visible(messageWithText(B.page, 'Hello Bob'), 'B on the conversation');
    await A.context.setOffline(true);
    await A.page.waitForTimeout(500);
    await send(B.page, 'Sent while you were offline');
    await send(A.page, 'Written offline');
    await visible(A.page.locator(`${tid('message-item')}[data-pending="true"]`).filter({ hasText: 'Written offline' }), 'pending mark while offline');
    await A.page.waitForTimeout(1500);
    await A.context.setOffline(false);
    await visible(messageWithText(A.page, 'Sent while you were offline'), 'B\'s message on A after reconnecting', WAIT * 2);
    await visible(A.page.locator(`${tid('message-item')}[data-pending="false"]`).filter({ hasText: 'Written offline' }), 'A\'s offline message confirmed', WAIT * 2);
    await visible(messageWithText(B.page, 'Written offline'), 'A\'s offline message on B');
    await B.page.waitForTimeout(1000);
    const copies = await messageWithText(B.page, 'Written offline').count();
    assert(copies === 1, `A's offline message shown ${copies} times on B`);
    const seqs = await A.page.locator(`${tid('message-item')}[data-seq]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    assert(seqs.every((s, i) => i === 0 || s > seqs[i - 1]), `messages not in seq order: ${seqs.join(',')}`);
  });

  await step('buy premium: PaymentIntent, signed webhook, confirmed, plan badge', () => ({ a: A.page }), async () => {
    assert(WEBHOOK_SECRET, 'E2E_WEBHOOK_SECRET is not set');
    await A.page.goto(`${BASE}/subscription`);
    await visible(A.page.locator(tid('plan-card')), 'plans');
    assert(!(await A.page.locator(tid('payments-disabled')).isVisible()), 'payments are disabled on this server (no Stripe keys)');
    const [response] = await Promise.all([
      A.page.waitForResponse((r) => r.url().includes('/api/v1/payments/intent') && r.request().method() === 'POST'),
      A.page.locator(tid('subscribe-premium_monthly')).click(),
    ]);
    assert(response.status() === 201 || response.status() === 200, `POST /payments/intent answered ${response.status()}`);
    const { payment } = await response.json();
    assert(payment?.stripePaymentIntentId, 'no stripePaymentIntentId in the intent answer');
    await visible(A.page.locator(tid('payment-status')), 'payment status');
    const before = await A.page.locator(tid('payment-status')).getAttribute('data-status');
    assert(before === 'pending' || before === 'processing', `payment should start pending, is ${before}`);
    const payload = JSON.stringify({
      id: `evt_e2e_${run}`,
      object: 'event',
      api_version: '2023-10-16',
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: payment.stripePaymentIntentId,
          object: 'payment_intent',
          status: 'succeeded',
          amount: payment.amount,
          currency: 'eur',
          metadata: {},
        },
      },
    });
    const hook = await fetch(`${BASE}/api/v1/payments/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signWebhook(payload) },
      body: payload,
    });
    assert(hook.status === 200, `webhook answered ${hook.status}: ${await hook.text()}`);
    await visible(A.page.locator(`${tid('payment-status')}[data-status="succeeded"]`), 'payment succeeded', WAIT * 2);
    await visible(A.page.locator(tid('payment-confirmed')), 'payment confirmed notice');
    await visible(A.page.locator(`${tid('plan-badge')}[data-plan="premium"]`), 'premium plan badge');
  });

  await step('a message with HTML shows as text', () => ({ a: A.page, b: B.page }), async () => {
    assert(keyAB && keyBA, 'no private conversation from an earlier step');
    const evil = '<img src=x onerror=alert(1)>';
    await A.page.goto(`${BASE}/chat/${keyAB.replace(':', '/')}`);
    await B.page.goto(`${BASE}/chat/${keyBA.replace(':', '/')}`);
    await visible(A.page.locator(tid('composer-input')), 'composer');
    await send(A.page, evil);
    for (const P of [A.page, B.page]) {
      await visible(messageWithText(P, evil), 'the HTML as text');
      const imgs = await P.locator(`${tid('message-list')} img`).count();
      assert(imgs === 0, `found ${imgs} img element(s) in the message list`);
    }
    assert(alertCount() === 0, 'an alert() dialog was opened');
  });

  await step('edit and delete own messages', () => ({ a: A.page, b: B.page }), async () => {
    assert(keyAB && keyBA, 'no private conversation from an earlier step');
    await send(A.page, 'Tpyo here');
    await visible(messageWithText(B.page, 'Tpyo here'), 'message to edit on B');
    const mine = A.page.locator(`${tid('message-item')}[data-pending="false"]`).filter({ hasText: 'Tpyo here' });
    await visible(mine, 'own message confirmed');
    await mine.hover();
    await mine.locator(tid('message-edit')).click();
    await A.page.locator(tid('message-edit-input')).fill('Typo fixed');
    await A.page.locator(tid('message-edit-save')).click();
    await visible(messageWithText(B.page, 'Typo fixed'), 'edited message on B');
    const fixed = A.page.locator(tid('message-item')).filter({ hasText: 'Typo fixed' });
    await fixed.hover();
    await fixed.locator(tid('message-delete')).click();
    await fixed.locator(tid('message-delete-confirm')).click();
    await gone(messageWithText(B.page, 'Typo fixed'), 'deleted message text on B');
    await visible(B.page.locator(tid('message-deleted')), 'deleted placeholder on B');
  });

  await step('chat at a phone-sized viewport', () => ({ phone: phone?.page }), async () => {
    assert(keyBA, 'no private conversation from an earlier step');
    phone = await newUserPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const target = `/chat/${keyBA.replace(':', '/')}`;
    await phone.page.goto(`${BASE}${target}`);
    await phone.page.waitForURL(/\/login/);
    await dismissCookies(phone.page);
    await login(phone.page, users.b.email, PASSWORD);
    await phone.page.waitForURL((u) => u.pathname === target, { timeout: WAIT });
    await visible(phone.page.locator(tid('message-pane')), 'chat screen on the phone');
    assert(!(await phone.page.locator(tid('conversation-list')).isVisible()), 'the list should be hidden while a chat is open');
    await visible(messageWithText(phone.page, 'Hello Bob'), 'history on the phone');
    await phone.page.locator(tid('back-to-list')).click();
    await visible(phone.page.locator(tid('conversation-list')), 'list screen on the phone');
    assert(!(await phone.page.locator(tid('message-pane')).isVisible()), 'the chat should be hidden on the list screen');
    await phone.page.locator(`${tid('conversation-item')}[data-key="${keyBA}"]`).click();
    await visible(phone.page.locator(tid('composer-input')), 'composer on the phone');
    await send(phone.page, 'Sent from my phone');
    await visible(messageWithText(A.page, 'Sent from my phone'), 'phone message on A');
  });

  await step('an admin bans a user, who is signed out', () => ({ admin: admin?.page, c: C.page }), async () => {
    assert(ADMIN_LOGIN && ADMIN_PASSWORD, 'E2E_ADMIN_LOGIN / E2E_ADMIN_PASSWORD are not set');
    admin = await newUserPage(browser);
    await admin.page.goto(`${BASE}/admin`);
    await admin.page.waitForURL(/\/login/);
    await dismissCookies(admin.page);
    await login(admin.page, ADMIN_LOGIN, ADMIN_PASSWORD);
    await admin.page.waitForURL(/\/admin/);
    await C.page.goto(`${BASE}/chat`);
    await visible(C.page.locator(tid('current-user')), 'C signed in before the ban');
    await admin.page.locator(tid('admin-user-search')).fill(users.c.username);
    await admin.page.locator(tid('admin-user-search-submit')).click();
    const row = admin.page.locator(`${tid('admin-user-row')}[data-username="${users.c.username}"]`);
    await visible(row, 'C in the admin user list');
    await row.locator(tid('admin-ban')).click();
    await visible(admin.page.locator(`${tid('admin-user-row')}[data-username="${users.c.username}"][data-banned="true"]`), 'C marked banned');
    await C.page.waitForURL(/\/login/, { timeout: WAIT * 2 });
    await login(C.page, users.c.username, PASSWORD);
    await visible(C.page.locator(tid('login-error')), 'login refused for the banned user');
    await admin.page.locator(tid('admin-tab-stats')).click();
    await visible(admin.page.locator(tid('admin-stats')), 'admin stats');
    await admin.page.locator(tid('admin-tab-audit')).click();
    await visible(admin.page.locator(tid('admin-audit-row')), 'audit entry for the ban');
  });
}

let phone = null;
let admin = null;
