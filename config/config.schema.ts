import { z } from "zod";

/**
 * cityplane's configuration. The defaults are the embedded default: SQLite under ./data, the
 * Da Nang inventory, the simulated city, the console on port 8080. Unknown keys are errors.
 */
export const configSchema = z.strictObject({
  /** Where the embedded database, the agent spool and generated secrets live. */
  dataDir: z.string().min(1).default("./data"),
  /** The city inventory file. */
  inventory: z.string().min(1).default("inventory/danang.yaml"),
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(1).max(65535).default(8080),
      /** Public URL of the console, for links in reports and the CSRF origin check. */
      publicUrl: z.url().optional(),
    })
    .default({ host: "127.0.0.1", port: 8080 }),
  database: z
    .strictObject({
      /** `postgres://…` selects PostgreSQL; absent means SQLite in dataDir. */
      url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
    })
    .default({}),
  retention: z
    .strictObject({
      rawDays: z.number().int().min(1).default(14),
      fiveMinuteDays: z.number().int().min(1).default(400),
      hourlyDays: z.number().int().min(1).default(1825),
    })
    .default({ rawDays: 14, fiveMinuteDays: 400, hourlyDays: 1825 }),
  sim: z
    .strictObject({
      /** Run the simulated city alongside the control plane (`cityplane start`). */
      enabled: z.boolean().default(true),
      seed: z.number().int().min(0).default(1),
      snmpPort: z.number().int().min(1024).max(65535).default(1161),
      sshPort: z.number().int().min(1024).max(65535).default(2222),
      /** Scenario file scheduling faults; absent means the built-in default scenario. */
      scenario: z.string().min(1).optional(),
      /** Time acceleration for scenarios (1 = real time). */
      speed: z.number().positive().max(3600).default(1),
    })
    .default({ enabled: true, seed: 1, snmpPort: 1161, sshPort: 2222, speed: 1 }),
  log: z
    .strictObject({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
    .default({ level: "info" }),
});

export type CityplaneConfig = z.infer<typeof configSchema>;

/** Environment variables that override the file, and the config path each one sets. */
export const ENV_OVERRIDES: Record<string, { path: string[]; type: "string" | "int" | "number" | "bool" }> = {
  CITYPLANE_DATA_DIR: { path: ["dataDir"], type: "string" },
  CITYPLANE_INVENTORY: { path: ["inventory"], type: "string" },
  CITYPLANE_HOST: { path: ["server", "host"], type: "string" },
  CITYPLANE_PORT: { path: ["server", "port"], type: "int" },
  CITYPLANE_PUBLIC_URL: { path: ["server", "publicUrl"], type: "string" },
  CITYPLANE_DATABASE_URL: { path: ["database", "url"], type: "string" },
  CITYPLANE_SIM: { path: ["sim", "enabled"], type: "bool" },
  CITYPLANE_SIM_SEED: { path: ["sim", "seed"], type: "int" },
  CITYPLANE_SIM_SNMP_PORT: { path: ["sim", "snmpPort"], type: "int" },
  CITYPLANE_SIM_SSH_PORT: { path: ["sim", "sshPort"], type: "int" },
  CITYPLANE_SIM_SCENARIO: { path: ["sim", "scenario"], type: "string" },
  CITYPLANE_SIM_SPEED: { path: ["sim", "speed"], type: "number" },
  CITYPLANE_LOG_LEVEL: { path: ["log", "level"], type: "string" },
};

/**
 * Variables that belong to cityplane but are not configuration (read where they are used, by
 * main.ts files only): secrets and test switches. Listed so that the unknown-variable check
 * does not refuse them.
 */
export const ENV_NOT_CONFIG = new Set(["CITYPLANE_ADMIN_PASSWORD", "CITYPLANE_AGENT_TOKEN", "CITYPLANE_CONFIG"]);
