// Real Chromium for the console tests (Debian's package, playwright-core), contexts that
// sign in with a token as the HTTP Basic password, and screenshots under the git-ignored
// .builder/screenshots/ for a person to look at after a run.
import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const SCREENSHOT_DIR = path.resolve(".builder/screenshots");

export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      // This network is closed: no background fetches, component updates or sync.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (err) {
    throw new Error(
      `Chromium could not start (${(err as Error).message}). Fix: apt-get install chromium (Debian's package, at /usr/bin/chromium).`,
    );
  }
}

/** The console's script and stylesheet as the builder serves them (dist/console), fresh. */
export function buildConsoleAssets(): void {
  execFileSync("npm", ["run", "--silent", "build:console"], { stdio: ["ignore", "ignore", "inherit"] });
}

export function signedIn(
  browser: Browser,
  token: string,
  viewport = { width: 1400, height: 900 },
): Promise<BrowserContext> {
  return browser.newContext({ viewport, httpCredentials: { username: "operator", password: token } });
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage });
}

/** Whether the page scrolls sideways (SPEC §8: none at 390 px). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
