import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type ViewportSize } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

/** Debian's Chromium, headless, with the flags this closed network needs. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** The console must have been built (npm test builds it before the tests). */
export function assertClientBuilt(): void {
  const index = path.resolve(import.meta.dirname, '../../dist/client/index.html');
  if (!fs.existsSync(index)) throw new Error('dist/client is missing: run `npx vite build` (npm test does it) before the browser tests.');
}

/** The window most browser tests give the console: wide enough for every panel at once. */
export const CONSOLE_VIEWPORT: ViewportSize = { width: 1600, height: 1000 };

/**
 * The browser contexts and pages a test file opens, kept so that they can be photographed when a test fails
 * and closed at the end: one per file, fed by {@link signInPage}'s `track` or by {@link BrowserSession.newContext}.
 */
export class BrowserSession {
  readonly contexts: BrowserContext[] = [];
  readonly pages: Page[] = [];

  /** A new context of `browser` with these options (Playwright's defaults when none), tracked. */
  async newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    this.contexts.push(context);
    return context;
  }

  /** For afterEach: when the test failed, a full-page screenshot of every tracked page, `<prefix>-<test name>-<i>.png` in ARTIFACTS. */
  async screenshotOnFail(ctx: TestContext, prefix: string): Promise<void> {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, page] of this.pages.entries()) {
      await page.screenshot({ path: path.join(ARTIFACTS, `${prefix}-${ctx.task.name.replace(/\W+/g, '-').slice(0, 60)}-${i}.png`), fullPage: true }).catch(() => undefined);
    }
  }

  /** For afterAll: closes every tracked context (and so its pages), ignoring those already gone. */
  async closeAll(): Promise<void> {
    for (const context of this.contexts) await context.close().catch(() => undefined);
  }
}

export interface SignInOptions {
  /** The console path to land on, sent as `/login?redirect=…`; without it the plain login page (the console's home after). */
  to?: string;
  /** The new context's window (only when signing in from a Browser); CONSOLE_VIEWPORT unless given. */
  viewport?: ViewportSize;
  /** More options for the new context (only when signing in from a Browser), e.g. `{ permissions: ['microphone'] }`. */
  contextOptions?: BrowserContextOptions;
  /** Where the new context (if any) and the page are recorded, for screenshots and cleanup. */
  track?: BrowserSession;
}

/**
 * Signs `email` in through the console's login form (password 'demo-password') and returns the page once the
 * shell shows the user. From a Browser it opens a context of its own (CONSOLE_VIEWPORT unless `viewport` says
 * otherwise); from a BrowserContext it opens a new page in that one.
 */
export async function signInPage(from: Browser | BrowserContext, baseUrl: string, email: string, options: SignInOptions = {}): Promise<Page> {
  const { to, viewport = CONSOLE_VIEWPORT, contextOptions, track } = options;
  let context: BrowserContext;
  if ('newContext' in from) {
    context = await from.newContext({ viewport, ...contextOptions });
    track?.contexts.push(context);
  } else {
    context = from;
  }
  const page = await context.newPage();
  track?.pages.push(page);
  await page.goto(`${baseUrl}/login${to === undefined ? '' : `?redirect=${encodeURIComponent(to)}`}`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill('demo-password');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-name').waitFor();
  return page;
}

/**
 * Drags `from` onto `to` with the mouse, in small steps as a hand would. Both ends are scrolled into view first
 * (the mouse only reaches what is on the screen); `midway` runs while the button is held, before the move onto
 * the target; `finish` ends the drag (the release by default; a test of Escape presses it and releases).
 */
export async function dragByMouse(
  page: Page, from: Locator, to: Locator, options: { midway?: () => Promise<void>; finish?: () => Promise<void> } = {},
): Promise<void> {
  await to.scrollIntoViewIfNeeded();
  await from.scrollIntoViewIfNeeded();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 25, a.y + a.height / 2 + 10, { steps: 4 });
  await options.midway?.();
  // Into a tall target (a board column) near its top, where its cards start.
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(b.height / 2, 160), { steps: 8 });
  await (options.finish ?? (() => page.mouse.up()))();
}
