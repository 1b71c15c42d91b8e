// Issue 9 item 9: a startup error names the variable, never a secret's value.
import { describe, expect, it } from "vitest";
import { runBuilderCli } from "../../helpers/builder-cli.js";

describe("comfyume-builder serve with a bad secret", () => {
  it.each([
    ["BUILDER_API_TOKEN", "shortsecretXYZ", "a token must be at least 16 characters"],
    ["BUILDER_READ_TOKEN", "tinySecretValue", "a token must be at least 16 characters"],
    ["BUILDER_NOTIFY_URL", "ftp://user:p4ssw0rd-in-url@host", "must be an http:// or https:// URL"],
  ])("%s: exits 2 naming the variable, without its value", async (name, value, why) => {
    const res = await runBuilderCli(["serve"], {
      env: { PATH: process.env.PATH, BUILDER_PORT: "0", BUILDER_HOST: "127.0.0.1", [name]: value },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${name} (value not shown): ${why}`);
    expect(`${res.stderr}\n${res.stdout}`).not.toContain(value);
  });

  it("an NTFY_TOPIC that is not a topic is named, not echoed (the topic is its own password)", async () => {
    const res = await runBuilderCli(["serve"], {
      env: { PATH: process.env.PATH, BUILDER_PORT: "0", NTFY_TOPIC: "my secret topic" },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("NTFY_TOPIC (value not shown)");
    expect(res.stderr).not.toContain("my secret topic");
  });
});
