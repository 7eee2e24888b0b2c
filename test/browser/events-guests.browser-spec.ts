import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import QRCode from 'qrcode';
import { JobsService } from '../../libs/jobs';
import { createTestApp, SECRETARIAT, TestApp } from '../support/app';
import { CHROMIUM, describeBrowser, launchBrowser, newPerson, signIn } from '../support/browser';
import { createEvent } from '../factories/events';

// pngjs (a dependency of qrcode) ships no types
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };

const W = 640;
const H = 480;

/**
 * A y4m video (raw YUV 4:2:0 frames) of the QR code of `text` on a white background, for Chromium's fake camera
 * (`--use-file-for-fake-video-capture`). The PNG from qrcode is decoded with pngjs; luma only, chroma neutral.
 */
async function qrVideo(text: string, file: string): Promise<void> {
  const png = PNG.sync.read(await QRCode.toBuffer(text, { type: 'png', margin: 4, scale: 8, errorCorrectionLevel: 'M' }));
  const y = Buffer.alloc(W * H, 235);
  const ox = Math.floor((W - png.width) / 2);
  const oy = Math.floor((H - png.height) / 2);
  for (let r = 0; r < png.height && oy + r < H; r++)
    for (let c = 0; c < png.width && ox + c < W; c++) {
      const i = (r * png.width + c) * 4;
      const luma = 0.299 * png.data[i] + 0.587 * png.data[i + 1] + 0.114 * png.data[i + 2];
      y[(oy + r) * W + ox + c] = luma < 128 ? 16 : 235;
    }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma]);
  const frames = Array.from({ length: 10 }, () => frame);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...frames]));
}

describeBrowser('in the browser: a guest at a public seminar, checked in by QR', () => {
  let t: TestApp;
  let browser: Browser;
  let camera: Browser | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-qr-'));
  beforeAll(async () => {
    t = await createTestApp('browser_events_guests');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await camera?.close();
    await browser?.close();
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a guest registers, opens the confirmation link from the mail and sees the QR; the check-in page reads it from the camera', async () => {
    const event = await createEvent(t, {
      title: '公開セミナー スマートシティ入門',
      kind: 'seminar',
      visibility: 'public',
      startsAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      endsAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      capacity: 20,
    });

    // the guest: no account
    const { context, page } = await newPerson(browser, t.url);
    await page.goto(`/events/${event.id}`);
    await page.getByLabel('氏名').fill('来場 花子');
    await page.getByLabel('メールアドレス').fill('qr-guest@example.jp');
    await page.getByLabel('所属（任意）').fill('株式会社みらい');
    await page.getByLabel('利用規約と個人情報の取り扱いに同意します').check();
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '参加を申し込む（確認メールを送る）' }).click()]);
    await expect(page.locator('main').innerText()).resolves.toContain('確認メールを送りました');

    await t.app.get(JobsService).drain(['mail.send'], 60_000);
    const mail = t.mail.to('qr-guest@example.jp').find((m) => m.subject.includes('参加申込の確認'));
    const link = /\/events\/guest\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail?.text ?? '')?.[0];
    expect(link).toBeDefined();
    await page.goto(link!);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '申込を確定する' }).click()]);
    await expect(page.locator('[data-guest-stage]').getAttribute('data-guest-stage')).resolves.toBe('confirmed');
    const qr = page.locator('img[data-check-in-qr]');
    await expect(qr.isVisible()).resolves.toBe(true);
    await expect(qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).resolves.toBe(true);
    const code = (await page.locator('[data-check-in-code]').getAttribute('data-check-in-code'))!;
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    await context.close();

    // the secretariat at the door: Chromium's fake camera shows the guest's QR code
    const video = path.join(dir, 'qr.y4m');
    await qrVideo(code, video);
    camera = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    const door = await newPerson(camera, t.url);
    await door.context.grantPermissions(['camera'], { origin: t.url });
    await signIn(door.page, SECRETARIAT.email, SECRETARIAT.password);
    await door.page.goto(`/events/${event.id}/check-in`);
    await expect(door.page.locator('[data-not-event-day]').count()).resolves.toBe(0);
    await Promise.all([
      door.page.waitForURL(`**/events/${event.id}/check-in`, { waitUntil: 'load', timeout: 20_000 }),
      door.page.getByRole('button', { name: 'カメラを起動する' }).click(),
    ]);
    await door.page.waitForFunction(() => document.querySelector('main')?.textContent?.includes('さんを受付しました'), undefined, {
      timeout: 20_000,
    });
    await expect(door.page.locator('main').innerText()).resolves.toContain('来場 花子 さんを受付しました。');
    await expect(door.page.locator('main').innerText()).resolves.toMatch(/受付済み 1 名 \/ 参加確定 1 名/);
    await door.context.close();
  });
});
