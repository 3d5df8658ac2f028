import { airespaceWlcModule } from "./airespace-wlc.module.ts";
import { hostResourcesModule } from "./host-resources.module.ts";
import { ifMibModule } from "./if-mib.module.ts";
import { lldpModule } from "./lldp.module.ts";
import type { SimSnmpModule } from "./snmp-module.ts";
import { systemGroupModule } from "./system-group.module.ts";

/** Every MIB module the simulated devices implement; each decides which devices it applies to. */
export const SNMP_MODULES: readonly SimSnmpModule[] = [systemGroupModule, ifMibModule, lldpModule, hostResourcesModule, airespaceWlcModule];
