import type { Inventory } from "../../inventory/inventory.schema.ts";
import type { SimDevice } from "../model/sim-device.ts";
import type { SimNetwork } from "../model/sim-network.ts";
import type { Mib } from "net-snmp";

/** What a MIB module needs to serve one device. */
export interface SnmpModuleContext {
  device: SimDevice;
  network: SimNetwork;
  inventory: Inventory;
  seed: number;
}

/** One MIB a simulated device may implement (system, IF-MIB, HOST-RESOURCES, LLDP, AIRESPACE…). */
export interface SimSnmpModule {
  name: string;
  appliesTo(ctx: SnmpModuleContext): boolean;
  /** Registers the module's providers; returns a function that detaches its listeners, if it has any. */
  register(mib: Mib, ctx: SnmpModuleContext): void | (() => void);
}
