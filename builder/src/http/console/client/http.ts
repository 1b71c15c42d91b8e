// The console's own requests: relative URLs (the page may sit behind a path prefix), the
// browser's Basic credentials, and the API's error envelope turned into a sentence.

export interface ErrorBody {
  error?: { code?: string; message?: string; issues?: { path: string; message: string }[] };
}

/** POSTs JSON (or nothing) and returns the parsed answer, or throws an Error with the builder's message. */
export async function postJson<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => ({}))) as T & ErrorBody;
  if (!res.ok) {
    const e = data.error;
    const issues = e?.issues?.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new Error(e?.message ? `${e.message}${issues ? ` (${issues})` : ""}` : `HTTP ${res.status}`);
  }
  return data;
}
