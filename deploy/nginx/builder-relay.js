// comfyume-builder relay (njs, nginx's JavaScript module): carries one GitHub delivery to
// the builder, retrying while it is cold. Runs in the background request that
// builder-relay.conf's `mirror` starts after GitHub already has its 202, so it may take
// minutes: a gateway that holds the request through a cold start is waited for (the
// attempt location's proxy_read_timeout), and one that answers 502/503/504 (or a builder
// queue that is full, 429) is asked again with growing pauses, up to BUDGET_MS. A delivery
// still not taken then is logged; the changed-only schedule builds its commit later.
// Each attempt is a subrequest to an internal location that sends the original body and
// headers unchanged (the builder checks X-Hub-Signature-256 over the body) plus the key.

const ATTEMPT = "/_comfyume_builder_github_attempt";
const RETRY_STATUSES = [429, 502, 503, 504];
const BUDGET_MS = 15 * 60 * 1000;
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30 * 1000;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function deliver(r) {
  const delivery = r.headersIn["X-GitHub-Delivery"] || "(no X-GitHub-Delivery)";
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  for (let attempt = 1; ; attempt++) {
    const reply = await r.subrequest(ATTEMPT, { method: "POST" });
    const seconds = Math.round((Date.now() - started) / 1000);
    if (!RETRY_STATUSES.includes(reply.status)) {
      const line = `comfyume-builder relay: delivery ${delivery}: the builder answered HTTP ${reply.status} (attempt ${attempt}, ${seconds} s)`;
      if (reply.status >= 200 && reply.status < 300) r.log(line);
      else r.error(line);
      r.return(reply.status);
      return;
    }
    if (Date.now() - started + pause > BUDGET_MS) {
      r.error(
        `comfyume-builder relay: delivery ${delivery}: gave up after ${attempt} attempts in ${seconds} s (last HTTP ${reply.status}); the changed-only schedule will build its commit`,
      );
      r.return(504);
      return;
    }
    r.warn(
      `comfyume-builder relay: delivery ${delivery}: HTTP ${reply.status} (attempt ${attempt}); asking again in ${pause / 1000} s`,
    );
    await sleep(pause);
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}

export default { deliver };
