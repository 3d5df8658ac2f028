/**
 * How to read the configuration of each kind of device CLI (STYLE.md rule 2: one typed
 * registry, data not code). Names match the `driver` of an `ssh` target.
 */
import type { TargetOf } from "../collector.ts";

/** One CLI dialect. */
export interface CliDriver {
  /** The prompt at the end of output, e.g. `r1#`; the exact prompt seen at login is matched after that. */
  prompt: RegExp;
  /** Commands sent once after login (turn paging off so output never stops at "--More--"). */
  setup: readonly string[];
  /** Prints the running configuration. */
  running: string;
  /** Prints the saved configuration; absent where the platform has no such command. */
  startup?: string;
  /** Leaves the CLI. */
  exit: string;
  /** Output that means the device rejected the command (so it is never taken for configuration). */
  rejected: RegExp;
}

/** Known drivers by the target's `driver` field. */
export const CLI_DRIVERS: Readonly<Record<TargetOf<"ssh">["driver"], CliDriver>> = Object.freeze({
  // Cisco IOS / IOS-XE: privileged prompt `host#` (user mode `host>`).
  ios: {
    prompt: /(?:^|\n)([A-Za-z0-9._\-/]{1,63}[>#]) ?$/,
    setup: ["terminal length 0"],
    running: "show running-config",
    startup: "show startup-config",
    exit: "exit",
    rejected: /^% (?:Invalid input|Incomplete command|Ambiguous command|Unknown command)/m,
  },
  // Cisco AireOS wireless controllers: prompt `(Cisco Controller) >`; the configuration is
  // printed as the commands that rebuild it; `save config` has no "show saved" counterpart.
  wlc: {
    prompt: /(?:^|\n)(\([^)\n]{1,63}\) ?[>#]) ?$/,
    setup: ["config paging disable"],
    running: "show run-config commands",
    exit: "logout",
    rejected: /^Incorrect (?:usage|input)/m,
  },
});
