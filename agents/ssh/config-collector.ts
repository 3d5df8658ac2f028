/**
 * The SSH configuration collector (a TargetCollector for `ssh` targets): logs in to a device,
 * prints its running and saved configuration, and reports what changed since the previous pass
 * as a unified diff, plus a finding when the running configuration was never saved.
 * Credentials arrive resolved from the agent's own config and never appear in events or logs.
 */
import { createTwoFilesPatch } from "diff";
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { Sample } from "../../protocol/remote-write.codec.ts";
import type { CollectResult, TargetCollector, TargetOf } from "../collector.ts";
import { CLI_DRIVERS, type CliDriver } from "./cli-drivers.ts";
import { CliSession, CliSessionError } from "./cli-session.ts";
import { configHash, normaliseConfig } from "./config-normalise.ts";

/** An SSH credential as the agent config resolves it. */
export interface SshCredentials {
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  /** Pinned host keys (OpenSSH `SHA256:…` fingerprints). */
  hostKeySha256: string[];
}

/** Collector options. */
export interface ConfigCollectorOptions {
  /** This agent's name (the `agent` of every event). */
  agent: string;
  /** Resolves the target's `auth` name to credentials; undefined when the agent has none by that name. */
  credentials: (authName: string) => SshCredentials | undefined | Promise<SshCredentials | undefined>;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  now?: () => number;
  /** Driver table (default CLI_DRIVERS). */
  drivers?: Readonly<Record<string, CliDriver>>;
}

/** What the collector remembers of a target between passes. */
interface TargetState {
  running: string;
  hash: string;
  unsavedKey?: string;
}

/** Attribute strings are capped at 64 KiB by the event schema. */
const MAX_DIFF_CHARS = 60_000;

/** See the module comment. */
export class SshConfigCollector implements TargetCollector<"ssh"> {
  readonly kind = "ssh" as const;
  private readonly states = new Map<string, TargetState>();
  private readonly now: () => number;

  constructor(private readonly opts: ConfigCollectorOptions) {
    this.now = opts.now ?? Date.now;
  }

  async collect(target: TargetOf<"ssh">, signal: AbortSignal): Promise<CollectResult> {
    const started = this.now();
    const driver = (this.opts.drivers ?? CLI_DRIVERS)[target.driver];
    if (!driver) throw new CliSessionError(`${target.device}: no CLI driver "${target.driver}"`);
    const creds = await this.opts.credentials(target.auth);
    if (!creds) throw new CliSessionError(`${target.device}: no SSH credential named "${target.auth}" in the agent config`);
    const session = await CliSession.open({ host: target.host, port: target.port, ...creds }, driver, {
      label: target.device,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
      commandTimeoutMs: this.opts.commandTimeoutMs ?? 30_000,
      signal,
    });
    let runningRaw: string;
    let startupRaw: string | undefined;
    try {
      runningRaw = await session.run(driver.running);
      if (driver.startup) startupRaw = await session.run(driver.startup);
    } catch (err) {
      session.destroy();
      throw err;
    }
    await session.close();
    return this.compare(target, runningRaw, startupRaw, started);
  }

  forget(targetId: string): void {
    this.states.delete(targetId);
  }

  /** Turns one pass's output into events and samples, updating the target's state. */
  private compare(target: TargetOf<"ssh">, runningRaw: string, startupRaw: string | undefined, started: number): CollectResult {
    const ts = this.now();
    const running = normaliseConfig(runningRaw);
    const hash = configHash(running);
    const prev = this.states.get(target.id);
    const events: CityEvent[] = [];
    const base = { ts, agent: this.opts.agent, entity: { kind: "device" as const, name: target.device }, source: target.host };
    const idDevice = target.device.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 60);
    if (!prev) {
      events.push({ ...base, id: `config-baseline:${idDevice}:${ts}:${hash.slice(0, 12)}`, kind: "config", type: "config-baseline", severity: "info", security: false, message: `Configuration baseline of ${target.device} recorded`, attributes: { sha256: hash, lines: lineCount(running) } });
    } else if (prev.hash !== hash) {
      const patch = createTwoFilesPatch(`${target.device}/running-config@${prev.hash.slice(0, 12)}`, `${target.device}/running-config@${hash.slice(0, 12)}`, prev.running, running);
      const { added, removed } = countChanges(patch);
      const truncated = patch.length > MAX_DIFF_CHARS;
      events.push({
        ...base,
        id: `config-changed:${idDevice}:${ts}:${hash.slice(0, 12)}`,
        kind: "config",
        type: "config-changed",
        severity: "warning",
        // A configuration change is something the SOC queue must see (event.schema.ts).
        security: true,
        message: `Configuration of ${target.device} changed (+${added} -${removed} lines)`,
        attributes: { diff: truncated ? patch.slice(0, MAX_DIFF_CHARS) : patch, diffTruncated: truncated, previousSha256: prev.hash, sha256: hash, linesAdded: added, linesRemoved: removed },
      });
    }
    const state: TargetState = { running, hash };
    const samples: Sample[] = [];
    const labels = { device: target.device };
    if (startupRaw !== undefined) {
      const startupHash = configHash(normaliseConfig(startupRaw));
      const unsaved = startupHash !== hash;
      samples.push({ name: "cityplane_ssh_config_unsaved", labels, value: unsaved ? 1 : 0, timestampMs: ts });
      if (unsaved) {
        // Reported once per (running, startup) pair, not on every pass while it stays unsaved.
        state.unsavedKey = `${hash.slice(0, 12)}:${startupHash.slice(0, 12)}`;
        if (prev?.unsavedKey !== state.unsavedKey) {
          events.push({ ...base, id: `config-unsaved:${idDevice}:${ts}:${state.unsavedKey}`, kind: "finding", type: "config-unsaved", severity: "minor", security: false, message: `Running configuration of ${target.device} differs from its saved configuration`, attributes: { sha256: hash, startupSha256: startupHash } });
        }
      }
    }
    this.states.set(target.id, state);
    samples.push({ name: "cityplane_ssh_config_collect_duration_seconds", labels, value: (ts - started) / 1000, timestampMs: ts });
    return { samples, events };
  }
}

function lineCount(text: string): number {
  return text === "" ? 0 : text.split("\n").length - 1;
}

/** Added and removed lines of a unified diff (headers excluded). */
function countChanges(patch: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of patch.split("\n")) {
    if (line.startsWith("+++") || line.startsWith("---")) continue;
    if (line.startsWith("+")) added++;
    else if (line.startsWith("-")) removed++;
  }
  return { added, removed };
}
