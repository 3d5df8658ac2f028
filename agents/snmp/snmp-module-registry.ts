/**
 * Every SNMP module the agent knows by name (STYLE.md rule 2): the built-ins, plus modules from
 * the agent config (which may replace a built-in of the same name).
 */
import { defineSnmpModule, type SnmpModule, type SnmpModuleInput } from "./snmp-module.schema.ts";
import { hostResourcesModule } from "./modules/host-resources.module.ts";
import { ifMibModule } from "./modules/if-mib.module.ts";
import { lldpModule } from "./modules/lldp.module.ts";
import { systemModule } from "./modules/system.module.ts";
import { wlcModule } from "./modules/wlc.module.ts";

/** The built-in modules. */
export const BUILTIN_SNMP_MODULES: Readonly<Record<string, Readonly<SnmpModule>>> = Object.freeze({
  system: systemModule,
  if_mib: ifMibModule,
  host_resources: hostResourcesModule,
  lldp: lldpModule,
  wlc: wlcModule,
});

/** Built-ins merged with configured modules. */
export function snmpModuleRegistry(configured: Readonly<Record<string, SnmpModuleInput>> = {}): ReadonlyMap<string, Readonly<SnmpModule>> {
  const map = new Map<string, Readonly<SnmpModule>>(Object.entries(BUILTIN_SNMP_MODULES));
  for (const [name, def] of Object.entries(configured)) map.set(name, defineSnmpModule(name, def));
  return map;
}
