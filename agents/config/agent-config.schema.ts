/**
 * The agent's configuration file (`cityplane agent --config agent.yaml`): credentials by name
 * ("auths"), extra SNMP and probe modules, where to report, and the receivers. Unknown keys are
 * errors (STYLE.md rule 3); defaults sit here beside the schema.
 */
import { z } from "zod";
import { snmpModuleSchema } from "../snmp/snmp-module.schema.ts";

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be HOST:PORT");
const secret = z.string().min(8, "must be at least 8 characters (RFC 3414 §11.2)");

const v2cAuth = z.strictObject({
  version: z.literal("2c"),
  community: z.string().min(1),
});

const v3Auth = z.strictObject({
  version: z.literal(3),
  username: z.string().min(1).max(32),
  securityLevel: z.enum(["noAuthNoPriv", "authNoPriv", "authPriv"]),
  authProtocol: z.enum(["md5", "sha", "sha224", "sha256", "sha384", "sha512"]).optional(),
  authPassword: secret.optional(),
  privProtocol: z.enum(["des", "aes", "aes256b", "aes256r"]).optional(),
  privPassword: secret.optional(),
  /** Accept a weak setting (noAuth/authNoPriv, MD5, DES) for a device that can do no better. */
  legacy: z.boolean().default(false),
});

/** One named credential. */
export const authSchema = z.discriminatedUnion("version", [v2cAuth, v3Auth]);
export type SnmpAuth = z.infer<typeof authSchema>;
export type SnmpV3Auth = z.infer<typeof v3Auth>;

const limits = z
  .strictObject({
    /** SNMP requests in flight to one device at a time. */
    perDeviceConcurrency: z.number().int().min(1).max(16).default(1),
    /** Targets collected at the same time across the agent. */
    globalConcurrency: z.number().int().min(1).max(4096).default(64),
    timeoutMs: z.number().int().min(100).max(60_000).default(2000),
    retries: z.number().int().min(0).max(5).default(1),
    /** How often an unreachable device is retried (the issue's 15 s). */
    unreachableRecheckSeconds: z.number().positive().default(15),
  })
  .default({ perDeviceConcurrency: 1, globalConcurrency: 64, timeoutMs: 2000, retries: 1, unreachableRecheckSeconds: 15 });

const rateLimit = z.strictObject({ perSecond: z.number().positive(), burst: z.number().int().positive() });

const traps = z.strictObject({
  listen: hostPort,
  /** Names of auths whose community / v3 user may send traps; nothing else is accepted. */
  auths: z.array(z.string()).min(1),
  rateLimit: rateLimit.default({ perSecond: 50, burst: 200 }),
});

const syslog = z.strictObject({
  udp: hostPort.optional(),
  tcp: hostPort.optional(),
  maxMessageBytes: z.number().int().min(480).max(65_536).default(8192),
  rateLimit: rateLimit.default({ perSecond: 200, burst: 1000 }),
});

/** OpenSSH's `SHA256:` fingerprint (43 unpadded base64 characters of a SHA-256 digest). */
const hostKeyFingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be an OpenSSH SHA256 fingerprint (SHA256: then 43 base64 characters)");

/**
 * One named SSH credential for the configuration collector (names match the inventory's
 * secret names, e.g. `ssh-netops`). Host keys are pinned: ssh2 accepts any key by default, and
 * a configuration collector that logs in to an impostor hands it a password.
 */
const sshAuth = z
  .strictObject({
    username: z.string().min(1).max(64),
    password: z.string().min(8, "must be at least 8 characters").optional(),
    /** A private key file (OpenSSH or PEM), read at start-up. */
    privateKeyFile: z.string().optional(),
    /** Every host key this credential may log in to (one per device, or a shared key). */
    hostKeys: z.array(hostKeyFingerprint).min(1, "pin at least one host key (ssh-keygen -lf the device's public key)"),
  })
  .refine((a) => a.password !== undefined || a.privateKeyFile !== undefined, { message: "needs password or privateKeyFile", path: ["password"] });
export type SshAuth = z.infer<typeof sshAuth>;

/**
 * How the shipper retries after a network error, a timeout, 429 or 5xx. The defaults suit a
 * metro link; the partition test runs the same agent with all three scaled down.
 */
const delivery = z
  .strictObject({
    /** Cap of the first wait (each wait is drawn from [cap/2, cap)); doubles per failed attempt. */
    retryBaseMs: z.number().int().min(10).max(60_000).default(500),
    /** The cap stops doubling here. */
    retryMaxMs: z.number().int().min(100).max(600_000).default(60_000),
    /** Deadline of one ingest request. */
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  })
  .refine((d) => d.retryBaseMs <= d.retryMaxMs, { message: "retryBaseMs must not exceed retryMaxMs", path: ["retryBaseMs"] })
  .default({ retryBaseMs: 500, retryMaxMs: 60_000, requestTimeoutMs: 30_000 });

const controlPlane = z.strictObject({
  url: z.string().url(),
  /** File holding the agent's token (kept out of this file so it can be shared); re-read while the control plane refuses the token. */
  tokenFile: z.string().optional(),
  /** Heartbeat period; the control plane counts an agent silent after two missed beats. */
  heartbeatSeconds: z.number().min(1).max(300).default(15),
  delivery,
});

export const agentConfigSchema = z
  .strictObject({
    /** This agent's name; events and heartbeats carry it. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "may hold only letters, digits and . _ -").default("agent"),
    listen: hostPort.default("127.0.0.1:9117"),
    auths: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, "auth names may hold only letters, digits and . _ -"), authSchema),
    modules: z
      .strictObject({
        snmp: z.record(z.string(), snmpModuleSchema).default({}),
        probe: z.record(z.string(), z.unknown()).default({}),
      })
      .default({ snmp: {}, probe: {} }),
    /** SSH credentials by name, for `ssh` targets (configuration collection). */
    sshAuths: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, "ssh auth names may hold only letters, digits and . _ -"), sshAuth).default({}),
    controlPlane: controlPlane.optional(),
    /** A static target file (YAML list of Targets), for small sites without a control plane. */
    targets: z.string().optional(),
    traps: traps.optional(),
    syslog: syslog.optional(),
    limits,
    /** Where the spool lives when the shipper is in use. */
    dataDir: z.string().default("data/agent"),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, auth] of Object.entries(cfg.auths)) {
      if (auth.version !== 3) continue;
      const at = (key: string) => ["auths", name, key];
      const needsAuth = auth.securityLevel !== "noAuthNoPriv";
      const needsPriv = auth.securityLevel === "authPriv";
      if (needsAuth && (auth.authProtocol === undefined || auth.authPassword === undefined)) ctx.addIssue({ code: "custom", path: at("authProtocol"), message: `${auth.securityLevel} needs authProtocol and authPassword` });
      if (needsPriv && (auth.privProtocol === undefined || auth.privPassword === undefined)) ctx.addIssue({ code: "custom", path: at("privProtocol"), message: "authPriv needs privProtocol and privPassword" });
      if (auth.legacy) continue;
      // Production refuses what RFC 3414-era defaults allowed but no longer protects anything.
      if (auth.securityLevel !== "authPriv") ctx.addIssue({ code: "custom", path: at("securityLevel"), message: `${auth.securityLevel} sends in clear text; use authPriv or mark the auth legacy: true` });
      if (auth.authProtocol === "md5") ctx.addIssue({ code: "custom", path: at("authProtocol"), message: "md5 is refused; use sha256 (or mark the auth legacy: true)" });
      if (auth.privProtocol === "des") ctx.addIssue({ code: "custom", path: at("privProtocol"), message: "des is refused (and fails on Node ≥ 17); use aes (or mark the auth legacy: true)" });
    }
    // Kept deliberately: the control plane pushes the whole target set and each assignment
    // replaces the previous one, so a static file beside it would silently vanish at the first push.
    if (cfg.controlPlane !== undefined && cfg.targets !== undefined) ctx.addIssue({ code: "custom", path: ["targets"], message: "give either controlPlane or targets, not both" });
    for (const [i, name] of (cfg.traps?.auths ?? []).entries()) {
      if (!(name in cfg.auths)) ctx.addIssue({ code: "custom", path: ["traps", "auths", i], message: `no auth named "${name}"` });
    }
  });

/** The agent's configuration after parsing (frozen by the loader). */
export type AgentConfig = z.output<typeof agentConfigSchema>;
