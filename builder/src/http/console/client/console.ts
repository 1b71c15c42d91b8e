// The console's script (SPEC §8), one bundle built by `npm run build`. The server renders
// every page; this makes it live: timers, the build page's stream and log, the front
// page's refresh and charts, and the actions the API token allows.
import { initBuildPage } from "./build-page.js";
import { initHomePage } from "./home-page.js";
import { startTimers } from "./timers.js";

function init(): void {
  const idleMs = Number(document.body.dataset.idleMs) || 5 * 60_000;
  startTimers();
  if (document.body.dataset.page === "build") initBuildPage(idleMs);
  else if (document.body.dataset.page === "home") initHomePage(idleMs);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
