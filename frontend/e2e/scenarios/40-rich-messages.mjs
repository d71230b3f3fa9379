// Rich messages (issue 14), in two browsers (Alice on a desktop, Bob on a 390×844 phone) that never reload: an
// image Alice pastes shows inline for Bob, who opens it in the lightbox; a file she attaches downloads with its
// name; Bob's reaction appears for Alice live; a Markdown code block renders (highlighted) and a script in a
// message stays text.
import { step, assert, tid, visible, newUserPage, register, newUser, befriend, openChatWith, messageWithText, send } from '../lib.mjs';

const alice = newUser('rma');
const bob = newUser('rmb');

/** pasteImage pastes a 480×240 PNG drawn on a canvas into the composer, as a screenshot pasted from the clipboard. */
async function pasteImage(page) {
  await page.locator(tid('composer-input')).evaluate(async (box) => {
    const canvas = document.createElement('canvas');
    canvas.width = 480;
    canvas.height = 240;
    const g = canvas.getContext('2d');
    g.fillStyle = '#3b6ef5';
    g.fillRect(0, 0, 480, 240);
    g.fillStyle = '#fff';
    g.fillRect(40, 40, 160, 80);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    const data = new DataTransfer();
    data.items.add(new File([blob], 'screenshot.png', { type: 'image/png' }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
}

/** loaded waits until an <img> has really loaded (a broken or blocked image has no natural width). */
async function loaded(img, what) {
  await visible(img, what);
  await img.evaluate((el) => (el.complete && el.naturalWidth > 0 ? true : new Promise((ok, ko) => { el.onload = ok; el.onerror = () => ko(new Error('image failed')); })));
  assert((await img.evaluate((el) => el.naturalWidth)) > 0, `${what} did not load`);
}

export default async function richMessages(browser) {
  const A = await newUserPage(browser);
  const B = await newUserPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const pages = () => ({ alice: A.page, bob: B.page });
  let ready = await step('rich messages: two friends open their conversation', pages, async () => {
    await register(A.page, alice);
    await register(B.page, bob);
    await befriend(A.page, B.page, alice, bob);
    await openChatWith(A.page, bob.displayName);
    await send(A.page, 'hello, files coming');
    await openChatWith(B.page, alice.displayName);
    await visible(messageWithText(B.page, 'hello, files coming'), 'first message on the phone');
  });
  if (!ready) return;

  await step('a pasted image shows inline in the other browser, and opens in the lightbox', pages, async () => {
    await pasteImage(A.page);
    await visible(A.page.locator(`${tid('composer-file')}[data-done="true"]`), 'the pasted image uploaded');
    await A.page.locator(tid('composer-input')).fill('see the **screenshot**');
    await A.page.locator(tid('composer-send')).click();
    const msg = messageWithText(B.page, 'see the screenshot');
    await visible(msg, 'the message with the image on the phone');
    assert((await msg.locator(`${tid('message-body')} strong`).textContent()) === 'screenshot', 'Markdown bold not rendered');
    const thumb = msg.locator(`${tid('attachment-image')} img`);
    await loaded(thumb, 'the inline thumbnail');
    await msg.locator(tid('attachment-image')).click();
    const big = B.page.locator(`${tid('lightbox')} img`);
    await loaded(big, 'the image in the lightbox');
    assert((await big.evaluate((el) => el.naturalWidth)) === 480, 'the lightbox does not show the original');
    await B.page.locator(tid('lightbox-close')).click();
  });

  await step('a file downloads with its name', pages, async () => {
    await A.page.locator(tid('composer-file-input')).setInputFiles({ name: 'report Q4.txt', mimeType: 'text/plain', buffer: Buffer.from('quarterly numbers\n') });
    await visible(A.page.locator(`${tid('composer-file')}[data-done="true"]`), 'the file uploaded');
    await A.page.locator(tid('composer-send')).click();
    const chip = B.page.locator(tid('attachment-file')).filter({ hasText: 'report Q4.txt' });
    await visible(chip, 'the file chip on the phone');
    const [download] = await Promise.all([B.page.waitForEvent('download'), chip.click()]);
    assert(download.suggestedFilename() === 'report Q4.txt', `downloaded as ${download.suggestedFilename()}`);
    const path = await download.path();
    assert(path, 'the download did not complete');
  });

  await step('a reaction appears in the other browser without a reload', pages, async () => {
    const onPhone = messageWithText(B.page, 'hello, files coming');
    await onPhone.locator(tid('reaction-add')).click();
    await onPhone.locator(`${tid('reaction-picker')} [data-emoji="🎉"]`).click();
    await visible(onPhone.locator(`${tid('reaction')}[data-emoji="🎉"][aria-pressed="true"]`), 'my reaction, pressed');
    const onDesktop = messageWithText(A.page, 'hello, files coming').locator(`${tid('reaction')}[data-emoji="🎉"]`);
    await visible(onDesktop, 'the reaction on the desktop');
    assert((await onDesktop.locator('.count').textContent()).trim() === '1', 'count is not 1');
  });

  await step('a code block renders highlighted, and a script stays text', pages, async () => {
    await send(A.page, '```js\nconst answer = 42; // the code\n```');
    await send(A.page, '<img src=x onerror="alert(1)"> <script>alert(2)</script>');
    const code = B.page.locator(`${tid('message-body')} pre code`).filter({ hasText: 'const answer = 42;' });
    await visible(code, 'the code block on the phone');
    await B.page.waitForFunction(() => !!document.querySelector('[data-testid="message-body"] pre code.hljs .hljs-keyword'));
    const evil = messageWithText(B.page, '<script>alert(2)</script>');
    await visible(evil, 'the script shown as text');
    assert((await evil.locator(`${tid('message-body')} img, ${tid('message-body')} script`).count()) === 0, 'markup in a message became elements');
  });
  await A.context.close();
  await B.context.close();
}

