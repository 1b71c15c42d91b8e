// A small in-process BuildServicePort over the real FileBuildStore, for HTTP tests through
// createApp: records and logs are real files; "running a build" is the test appending
// log lines and setting the status, so streaming and paging are exercised for real
// without buildx. Integration tests use the real BuildService.
import { isTerminalStatus, type BuildRecord } from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import type {
  BuildServicePort,
  GithubPushInput,
  HookResult,
  ListQuery,
  ListResult,
  SubmitOptions,
  SubmitResult,
} from "../../../builder/src/http/deps.js";
import { HttpError } from "../../../builder/src/http/errors.js";
import type { FileBuildStore } from "../../../builder/src/store/file-build-store.js";

export function buildTestRecord(id: string, req: BuildRequest, opts: SubmitOptions): BuildRecord {
  return {
    id,
    target: req.target,
    status: "queued",
    deduplicated: false,
    source: opts.upload
      ? { kind: "upload", sha256: opts.upload.sha256, bytes: opts.upload.bytes, files: opts.upload.files }
      : { kind: "git", name: "repo", ref: req.ref ?? "main", commit: null },
    tags: (req.tags ?? ["latest"]).map((t) => `127.0.0.1:5001/test/${req.target}:${t}`),
    platforms: req.platforms ?? ["linux/amd64"],
    push: req.push ?? true,
    digest: null,
    trigger: opts.trigger,
    attempt: 1,
    phases: [],
    smoke: null,
    backup: null,
    error: null,
    params: {
      target: req.target,
      ...(req.ref ? { ref: req.ref } : {}),
      tags: req.tags ?? [],
      platforms: req.platforms ?? [],
      buildArgs: req.buildArgs ?? {},
      push: req.push ?? true,
      smoke: req.smoke ?? true,
      noCache: req.noCache ?? false,
    },
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}

export class MemoryService implements BuildServicePort {
  readonly submitted: { req: BuildRequest; opts: SubmitOptions }[] = [];
  readonly hooks: GithubPushInput[] = [];
  private readonly keys = new Map<string, { id: string; body: string }>();
  private readonly deliveries = new Set<string>();

  constructor(
    readonly store: FileBuildStore,
    readonly targets: string[],
  ) {}

  precheck(req: BuildRequest): Promise<void> {
    if (!this.targets.includes(req.target)) {
      return Promise.reject(
        new HttpError(400, "INVALID_REQUEST", `Unknown target ${JSON.stringify(req.target)}.`, [
          { path: "target", message: "unknown target" },
        ]),
      );
    }
    return Promise.resolve();
  }

  async submit(req: BuildRequest, opts: SubmitOptions): Promise<SubmitResult> {
    if (!this.targets.includes(req.target)) {
      throw new HttpError(400, "INVALID_REQUEST", `Unknown target ${JSON.stringify(req.target)}.`, [
        { path: "target", message: "unknown target" },
      ]);
    }
    const body = JSON.stringify(req);
    if (opts.idempotencyKey) {
      const prior = this.keys.get(opts.idempotencyKey);
      if (prior && prior.body !== body)
        throw new HttpError(409, "CONFLICT", "Idempotency-Key reused with other parameters.");
      if (prior) return { record: (await this.store.get(prior.id))!, deduplicated: true };
    }
    this.submitted.push({ req, opts });
    const record = buildTestRecord(this.store.newBuildId(), req, opts);
    await this.store.create(record);
    if (opts.idempotencyKey) this.keys.set(opts.idempotencyKey, { id: record.id, body });
    return { record, deduplicated: false };
  }

  get(id: string): Promise<BuildRecord | undefined> {
    return this.store.get(id);
  }

  list(query: ListQuery): Promise<ListResult> {
    return this.store.list({ limit: 50, ...query });
  }

  async cancel(id: string): Promise<BuildRecord> {
    // Like BuildService: an ended build cannot be cancelled.
    const current = await this.store.get(id);
    if (current && isTerminalStatus(current.status)) {
      throw new HttpError(409, "CONFLICT", `build ${id} already ended (${current.status})`);
    }
    return this.finish(id, "cancelled");
  }

  async retry(id: string, opts: { idempotencyKey?: string } = {}): Promise<SubmitResult> {
    const prior = (await this.store.get(id))!;
    return this.submit(prior.params as BuildRequest, { trigger: { kind: "retry", of: id }, ...opts });
  }

  async waitForEnd(id: string, signal: AbortSignal): Promise<BuildRecord> {
    for (;;) {
      const r = await this.store.get(id);
      if (!r || isTerminalStatus(r.status) || signal.aborted) return r!;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  async handleGithubPush(input: GithubPushInput): Promise<HookResult> {
    this.hooks.push(input);
    if (this.deliveries.has(input.deliveryId)) return { builds: [], duplicate: true };
    this.deliveries.add(input.deliveryId);
    if (input.event !== "push") return { builds: [], ignored: `event ${input.event} is not a push` };
    const { record } = await this.submit(
      { target: this.targets[0]! },
      { trigger: { kind: "webhook", delivery: input.deliveryId } },
    );
    return { builds: [record] };
  }

  async schedule(input: { targets?: string[]; ref?: string }): Promise<HookResult> {
    const builds: BuildRecord[] = [];
    for (const target of input.targets ?? this.targets) {
      builds.push(
        (
          await this.submit(
            { target, ...(input.ref ? { ref: input.ref } : {}) },
            { trigger: { kind: "schedule" } },
          )
        ).record,
      );
    }
    return { builds };
  }

  /** Test control: move a build along. */
  async setStatus(id: string, status: BuildRecord["status"]): Promise<BuildRecord> {
    return this.store.update(id, (r) => {
      r.status = status;
      if (status === "running") r.startedAt = new Date().toISOString();
    });
  }

  async finish(id: string, status: "succeeded" | "failed" | "cancelled"): Promise<BuildRecord> {
    return this.store.update(id, (r) => {
      r.status = status;
      r.finishedAt = new Date().toISOString();
      r.durationMs = 1234;
    });
  }
}
