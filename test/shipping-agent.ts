/**
 * For end-to-end tests of observed state: a real agent in this process, polling or probing the
 * targets of a file and shipping remote-write to a control plane through the real shipper.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "../agents/agent.ts";
import { parseAgentConfig } from "../agents/config/agent-config.ts";
import { Shipper } from "../agents/shipper/shipper.ts";

export interface ShippingAgentOptions {
  /** The control plane's base URL and an agent token it accepts. */
  url: string;
  token: string;
  /** Where the targets file, the agent's config and its spool live. */
  dir: string;
  /** `host:port` the agent's own endpoint listens on (this test's loopback block). */
  listen: string;
  /** YAML lines of the target file. */
  targets: string[];
  /** The agent config's `auths:` block, YAML (default none). */
  auths?: string;
}

/** Starts the shipper and the agent; `stop()` stops both, agent first. */
export async function startShippingAgent(o: ShippingAgentOptions): Promise<{ stop(): Promise<void> }> {
  writeFileSync(join(o.dir, "targets.yaml"), o.targets.join("\n"));
  const parsed = parseAgentConfig(`name: agent-1\nlisten: ${o.listen}\ntargets: targets.yaml\nauths: ${o.auths ?? "{}"}\n`, "agent.yaml", o.dir);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const shipper = new Shipper({ url: o.url, token: o.token, spoolDir: join(o.dir, "spool"), maxSpoolBytes: 16 * 1024 * 1024, flushIntervalMs: 100 });
  await shipper.start();
  try {
    const agent = await Agent.start({ config: parsed.config, findings: parsed.findings, sink: shipper, log: () => undefined });
    return {
      async stop() {
        await agent.stop();
        await shipper.stop();
      },
    };
  } catch (err) {
    await shipper.stop();
    throw err;
  }
}
