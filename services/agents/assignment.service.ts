import type { Assignment, Target } from "../../protocol/assignment.schema.ts";
import { DEFAULT_VNODES, HashRing } from "./hash-ring.ts";

/** What changed after an event: the agents whose assignment must be (re)sent. */
export type AssignmentPush = Map<string, Assignment>;

interface AgentState {
  connectedMs: number;
  lastHeardMs: number;
  /** Excluded from the ring after two silent heartbeat intervals, until it speaks again. */
  silent: boolean;
  /** Version of the assignment last pushed to it. */
  sent?: string;
}

/**
 * Who watches what. Connected, non-silent agents share the targets by consistent hashing; any
 * change of the agent set or of the targets bumps the version and returns the assignments to
 * push (only to agents whose target set changed). No I/O, no timers: the socket adapter calls
 * `sweep(now)` every half interval, so a silent agent's targets move within two intervals.
 */
export class AssignmentService {
  private readonly agents = new Map<string, AgentState>();
  private targets: Target[] = [];
  private version = 0;
  private current = new Map<string, Target[]>();

  constructor(
    /** How often agents heartbeat; silent = nothing heard for two of these. */
    readonly heartbeatIntervalMs = 15_000,
    private readonly vnodes = DEFAULT_VNODES,
  ) {}

  /** Replaces the target list (inventory loaded or changed). */
  setTargets(targets: readonly Target[]): AssignmentPush {
    this.targets = [...targets];
    return this.rebalance();
  }

  connect(agent: string, nowMs: number): AssignmentPush {
    this.agents.set(agent, { connectedMs: nowMs, lastHeardMs: nowMs, silent: false });
    return this.rebalance(agent);
  }

  disconnect(agent: string): AssignmentPush {
    if (!this.agents.delete(agent)) return new Map();
    return this.rebalance();
  }

  /** Any message from an agent proves it alive; a silent agent that speaks again rejoins. */
  heard(agent: string, nowMs: number): AssignmentPush {
    const a = this.agents.get(agent);
    if (!a) return new Map();
    a.lastHeardMs = nowMs;
    if (!a.silent) return new Map();
    a.silent = false;
    return this.rebalance(agent);
  }

  /** Marks agents silent for two intervals and moves their targets. */
  sweep(nowMs: number): AssignmentPush {
    let changed = false;
    for (const a of this.agents.values()) {
      if (!a.silent && nowMs - a.lastHeardMs > 2 * this.heartbeatIntervalMs) {
        a.silent = true;
        changed = true;
      }
    }
    return changed ? this.rebalance() : new Map();
  }

  /** The targets an agent owns now (empty for unknown or silent agents). */
  assignmentOf(agent: string): Assignment {
    return { version: this.version, targets: this.current.get(agent) ?? [] };
  }

  /** Agent name → number of targets, for health and the status page. */
  summary(): { agent: string; targets: number; silent: boolean; lastHeardMs: number }[] {
    return [...this.agents.entries()].map(([agent, s]) => ({ agent, targets: this.current.get(agent)?.length ?? 0, silent: s.silent, lastHeardMs: s.lastHeardMs }));
  }

  get targetCount(): number {
    return this.targets.length;
  }

  get assignedCount(): number {
    let n = 0;
    for (const t of this.current.values()) n += t.length;
    return n;
  }

  private rebalance(alwaysPush?: string): AssignmentPush {
    const live = [...this.agents.entries()].filter(([, s]) => !s.silent).map(([a]) => a);
    const ring = new HashRing(live, this.vnodes);
    const next = new Map<string, Target[]>(live.map((a) => [a, []]));
    for (const t of this.targets) {
      const owner = ring.owner(t.id);
      if (owner !== undefined) next.get(owner)!.push(t);
    }
    this.version += 1;
    this.current = next;
    const push: AssignmentPush = new Map();
    for (const [agent, state] of this.agents) {
      const targets = next.get(agent) ?? [];
      const fingerprint = JSON.stringify(targets);
      if (agent === alwaysPush || state.sent !== fingerprint) {
        state.sent = fingerprint;
        push.set(agent, { version: this.version, targets });
      }
    }
    return push;
  }
}
