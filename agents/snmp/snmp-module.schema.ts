/**
 * The declarative shape of an SNMP module, as snmp_exporter's generated snmp.yml has it:
 * subtrees to walk, and for each metric its OID, value type, table indexes and lookups. The
 * built-in modules (modules/*.module.ts) and modules written in the agent config share it.
 */
import { z } from "zod";

const OID = /^\d+(\.\d+)+$/;
const oid = z.string().regex(OID, "must be a numeric OID such as 1.3.6.1.2.1.2");
const label = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "must be a Prometheus label name");

/** How one index sub-identifier sequence decodes into a label (snmp_exporter index types). */
export const indexTypeSchema = z.enum(["gauge", "PhysAddress48", "DisplayString", "InetAddressIPv4"]);
export type IndexType = z.infer<typeof indexTypeSchema>;

/** How a value renders: numbers as they are; strings as a label on a value of 1. */
export const metricTypeSchema = z.enum(["counter", "gauge", "DisplayString", "PhysAddress48", "OctetString", "IpAddr", "EnumAsInfo", "EnumAsStateSet"]);
export type MetricType = z.infer<typeof metricTypeSchema>;

export const lookupSchema = z.strictObject({
  /** Index labels that key the lookup table. */
  labels: z.array(label).min(1),
  labelname: label,
  oid,
  type: z.enum(["DisplayString", "gauge", "PhysAddress48", "OctetString", "IpAddr"]).default("DisplayString"),
});

export const metricSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "must be a Prometheus metric name"),
  oid,
  type: metricTypeSchema,
  help: z.string().optional(),
  indexes: z.array(z.strictObject({ labelname: label, type: indexTypeSchema })).default([]),
  lookups: z.array(lookupSchema).default([]),
  enumValues: z.record(z.string().regex(/^-?\d+$/), z.string()).optional(),
  /** A 32-bit counter whose 64-bit twin (this name) replaces it in shipped rates when present. */
  shadowedBy: z.string().optional(),
});

export const snmpModuleSchema = z.strictObject({
  /** Subtrees walked with GETBULK (table roots or columns). */
  walk: z.array(oid).default([]),
  /** Scalars fetched with one GET (full instance OIDs, usually ending in .0). */
  get: z.array(oid).default([]),
  metrics: z.array(metricSchema).min(1),
  maxRepetitions: z.number().int().min(1).max(200).default(25),
});

/** One SNMP module. */
export type SnmpModule = z.output<typeof snmpModuleSchema>;
export type SnmpMetric = SnmpModule["metrics"][number];
export type SnmpModuleInput = z.input<typeof snmpModuleSchema>;

/** Parses a module definition (built-in or from config); throws with every problem listed. */
export function defineSnmpModule(name: string, input: SnmpModuleInput): Readonly<SnmpModule> {
  const parsed = snmpModuleSchema.safeParse(input);
  if (!parsed.success) throw new Error(`SNMP module ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return Object.freeze(parsed.data);
}
