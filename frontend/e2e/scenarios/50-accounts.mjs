// Accounts (issue 15), in two browsers: a display name and status changed on the profile page reach the other
// browser live (user.updated); an uploaded picture shows in the header and, live, in the friend's list; a forgotten password is reset from
// the mail read through Mailpit's HTTP API (E2E_MAILPIT_URL, set by scripts/e2e.sh), then the new password signs
// in; two-factor is turned on with a code this test computes from the shown key, and signing in then asks for a
// second code; the profile page fits a 390×844 phone.
import { createHmac } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { BASE, PASSWORD, step, assert, tid, visible, newUserPage, register, login, befriend, newUser, WAIT } from '../lib.mjs';

const MAILPIT = (process.env.E2E_MAILPIT_URL || '').replace(/\/$/, '');
const alice = newUser('acca');
const bob = newUser('accb');
const NEW_PASSWORD = 'e2e-Reset-Password-456';

/** png encodes a w×h RGB picture, left half red and right half blue (no library: zlib and CRC-32 are Node's). */
function png(w, h) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + 3 * w);
    for (let x = 0; x < w; x++) row.set(x < w / 2 ? [220, 30, 30] : [30, 30, 220], 1 + 3 * x);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** totp is the code an authenticator shows for a base32 secret at a time (RFC 6238: SHA-1, 6 digits, 30 s). */
function totp(secret, atMs) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** resetLinkFor waits until Mailpit holds the reset mail to an address and returns the link it carries. */
async function resetLinkFor(email) {
  const end = Date.now() + WAIT;
  while (Date.now() < end) {
    const found = await (await fetch(`${MAILPIT}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`)).json();
    if (found.messages?.length) {
      const msg = await (await fetch(`${MAILPIT}/api/v1/message/${found.messages[0].ID}`)).json();
      const link = msg.Text.match(/https?:\/\/\S+\/reset-password#token=[A-Za-z0-9_%-]+/);
      assert(link, `no reset link in the mail:\n${msg.Text}`);
      return link[0];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${email} in Mailpit after ${WAIT} ms`);
}

async function signOut(page) {
  await page.locator(tid('user-menu-button')).click();
  await page.locator(tid('logout-button')).click();
  await page.waitForURL(/\/login/);
}

export default async function accounts(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser);
  const pages = () => ({ a: A.page, b: B.page });
  const renamed = `Alice Renamed ${Date.now().toString(36)}`;

  await step('accounts: two friends', pages, async () => {
    await register(A.page, alice);
    await register(B.page, bob);
    await befriend(A.page, B.page, alice, bob);
  });

  await step('accounts: a new display name and status reach the other browser live', pages, async () => {
    await B.page.goto(`${BASE}/chat`);
    await visible(B.page.locator(`${tid('conversation-item')}[data-title="${alice.displayName}"]`), 'A in B\'s list');
    await B.page.evaluate(() => (window.__e2eNoReload = true));
    await A.page.goto(`${BASE}/profile`);
    await A.page.locator(tid('profile-display-name')).fill(renamed);
    await A.page.locator(tid('profile-status')).fill('In a meeting until 3 pm');
    await A.page.locator(tid('profile-save')).click();
    await visible(A.page.locator(tid('current-user'), { hasText: renamed }), 'the new name in A\'s header');
    const item = B.page.locator(`${tid('conversation-item')}[data-title="${renamed}"]`);
    await visible(item, 'the new name in B\'s conversation list');
    assert(await B.page.evaluate(() => window.__e2eNoReload === true), 'B\'s page was reloaded');
    await item.click();
    await visible(B.page.locator(tid('peer-status'), { hasText: 'In a meeting until 3 pm' }), 'A\'s status in B\'s chat header');
  });

  await step('accounts: an uploaded picture shows in the header and in the friend\'s list', pages, async () => {
    await A.page.goto(`${BASE}/profile`);
    await A.page.locator(tid('avatar-file')).setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(600, 400) });
    await visible(A.page.locator(tid('avatar-preview')), 'the cropped preview');
    await A.page.locator(tid('avatar-upload')).click();
    const headerImg = A.page.locator(`${tid('user-menu-button')} ${tid('avatar-img')}`);
    await visible(headerImg, 'the picture in A\'s header');
    assert(await headerImg.evaluate((img) => img.complete && img.naturalWidth === 256), 'the header picture did not load at 256 px');
    // Live too: B's page is the one of the step before, never reloaded.
    const img = B.page.locator(`${tid('conversation-item')}[data-title="${renamed}"] ${tid('avatar-img')}`);
    await visible(img, 'A\'s picture in B\'s list');
    await B.page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    assert(await B.page.evaluate(() => window.__e2eNoReload === true), 'B\'s page was reloaded');
  });

  await step('accounts: a forgotten password is reset from the mail, then the new one signs in', pages, async () => {
    assert(MAILPIT, 'E2E_MAILPIT_URL is not set (scripts/e2e.sh starts Mailpit)');
    await signOut(A.page);
    await A.page.locator(tid('to-forgot')).click();
    await A.page.locator(tid('forgot-email')).fill(alice.email);
    await A.page.locator(tid('forgot-submit')).click();
    await visible(A.page.locator(tid('forgot-sent')), 'the "link on its way" answer');
    const link = await resetLinkFor(alice.email);
    await A.page.goto(BASE + new URL(link).pathname + new URL(link).hash);
    await visible(A.page.locator(tid('reset-password')), 'the reset form');
    assert(!A.page.url().includes('token='), 'the token stayed in the address bar');
    await A.page.locator(tid('reset-password')).fill(NEW_PASSWORD);
    await A.page.locator(tid('reset-confirm')).fill(NEW_PASSWORD);
    await A.page.locator(tid('reset-submit')).click();
    await visible(A.page.locator(tid('reset-done')), 'the reset confirmation');
    await A.page.locator(tid('reset-to-login')).click();
    await login(A.page, alice.username, PASSWORD);
    await visible(A.page.locator(tid('login-error')), 'the old password refused');
    await login(A.page, alice.username, NEW_PASSWORD);
    await A.page.waitForURL(/\/chat/);
  });

  await step('accounts: two-factor on with a computed code; signing in asks for the second code', pages, async () => {
    await A.page.goto(`${BASE}/profile`);
    await A.page.locator(tid('twofa-setup')).click();
    await visible(A.page.locator(tid('qr-code')), 'the QR code');
    const secret = (await A.page.locator(tid('twofa-secret')).textContent()).trim();
    await A.page.locator(tid('twofa-code')).fill(totp(secret, Date.now()));
    await A.page.locator(tid('twofa-enable')).click();
    const codes = A.page.locator(`${tid('twofa-recovery-codes')} li`);
    await visible(codes, 'the recovery codes');
    assert((await codes.count()) === 10, `${await codes.count()} recovery codes, want 10`);
    await A.page.locator(tid('twofa-codes-done')).click();
    await visible(A.page.locator(`${tid('twofa-state')}[data-state="on"]`), 'two-factor shown on');
    await signOut(A.page);
    await login(A.page, alice.username, NEW_PASSWORD);
    await visible(A.page.locator(tid('login-code')), 'the second step');
    // The enabling code used the current 30 s step; the next one is accepted and not used yet.
    await A.page.locator(tid('login-code')).fill(totp(secret, Date.now() + 30000));
    await A.page.locator(tid('login-verify')).click();
    await A.page.waitForURL(/\/chat/);
  });

  await step('accounts: the profile page fits a 390×844 phone', pages, async () => {
    await A.page.setViewportSize({ width: 390, height: 844 });
    await A.page.goto(`${BASE}/profile`);
    await visible(A.page.locator(tid('profile-form')), 'the profile form on a phone');
    const overflow = await A.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  });

  await A.context.close();
  await B.context.close();
}
