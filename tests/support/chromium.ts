import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from './binaries.js';

/**
 * Debian's Chromium driven by playwright-core (no browser download). Headless Chromium no
 * longer falls back to software WebGL on its own: SwiftShader is asked for explicitly, and
 * everything Chromium would fetch by itself (component updates, sync, ...) is off.
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireBinary('chromium', 'chromium'), args: CHROMIUM_ARGS });
}

/** The address the page is served at; nothing listens there: the route below answers it. */
export const OFFLINE_PAGE_URL = 'http://127.0.0.1:9/map.html';

export interface OfflinePage {
  page: Page;
  /** Every request the page made, the page itself first; all but the page were aborted. */
  requests: string[];
  /** console.error messages and uncaught exceptions, in order. */
  errors: string[];
  /** Date.now() just before the navigation was asked for. */
  navigationRequestedAt: number;
}

/**
 * Opens `html` with every request intercepted: the page's own URL is answered with `html`,
 * anything else is recorded and aborted, so a page that is not self-contained shows up in
 * `requests` (and fails to load what it wanted) instead of reaching any network.
 */
export async function openOffline(browser: Browser, html: string, viewport = { width: 1400, height: 900 }): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    return url === OFFLINE_PAGE_URL ? route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }) : route.abort('blockedbyclient');
  });
  const navigationRequestedAt = Date.now();
  await page.goto(OFFLINE_PAGE_URL);
  return { page, requests, errors, navigationRequestedAt };
}

export interface PixelStats {
  width: number;
  height: number;
  /** Standard deviation of luminance (0-255): ~0 for a blank or single-colour image. */
  luminanceStdDev: number;
  /** Pixels within a small distance of each of the requested colours ('#rrggbb'). */
  near: Record<string, number>;
}

/** Decodes a PNG screenshot in a blank page (the browser's own decoder) and measures it. */
export async function pixelStats(browser: Browser, png: Buffer, colours: string[]): Promise<PixelStats> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ({ base64, colours }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext('2d')!;
        context.drawImage(bitmap, 0, 0);
        const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
        const targets = colours.map((c) => [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)] as const);
        const near = new Array<number>(colours.length).fill(0);
        let sum = 0;
        let sumSquares = 0;
        const pixels = data.length / 4;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
          sum += y;
          sumSquares += y * y;
          targets.forEach(([tr, tg, tb], k) => void (Math.abs(r - tr) + Math.abs(g - tg) + Math.abs(b - tb) < 40 && (near[k] = near[k]! + 1)));
        }
        const mean = sum / pixels;
        return {
          width: bitmap.width,
          height: bitmap.height,
          luminanceStdDev: Math.sqrt(Math.max(0, sumSquares / pixels - mean * mean)),
          near: Object.fromEntries(colours.map((c, k) => [c, near[k]!])),
        };
      },
      { base64: png.toString('base64'), colours },
    );
  } finally {
    await page.close();
  }
}
