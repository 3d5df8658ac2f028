/**
 * Test support: fast-check mutations of real SNMP datagrams (RELIABILITY.md "SNMP fuzz"). Two
 * families. Framing damage on the raw bytes (bit flips, truncation inside any element at any
 * depth, BER length bombs, lengths longer or shorter than the content) tests the decoder's
 * bounds. Structural damage re-encodes the tree with correct lengths (wrong tags, extra nesting,
 * huge OIDs and integers, missing or repeated fields) so the packet gets past framing into the
 * PDU and varbind decoding. Only tests import this file.
 */
import fc from "fast-check";

interface Node {
  tag: number;
  /** Primitive content, or the children of a constructed element. */
  content?: Buffer;
  children?: Node[];
  /** An OCTET STRING that holds one BER element (SNMPv3 msgSecurityParameters). */
  wraps?: boolean;
  /** Where the element starts in the original datagram and where its content starts and ends. */
  start: number;
  contentStart: number;
  end: number;
}

function readLength(buf: Buffer, at: number): { len: number; next: number } | undefined {
  const first = buf[at];
  if (first === undefined) return undefined;
  if (first < 0x80) return { len: first, next: at + 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 1 + n > buf.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 1 + i] as number);
  return { len, next: at + 1 + n };
}

function parse(buf: Buffer, from: number, to: number): Node[] | undefined {
  const nodes: Node[] = [];
  let at = from;
  while (at < to) {
    const tag = buf[at] as number;
    const l = readLength(buf, at + 1);
    if (l === undefined || l.next + l.len > to) return undefined;
    const node: Node = { tag, start: at, contentStart: l.next, end: l.next + l.len };
    if ((tag & 0x20) !== 0) {
      const children = parse(buf, l.next, node.end);
      if (children === undefined) return undefined;
      node.children = children;
    } else {
      const inner = tag === 0x04 && buf[l.next] === 0x30 ? parse(buf, l.next, node.end) : undefined;
      if (inner !== undefined && inner.length === 1) Object.assign(node, { children: inner, wraps: true });
      else node.content = buf.subarray(l.next, node.end);
    }
    nodes.push(node);
    at = node.end;
  }
  return nodes;
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function encode(n: Node): Buffer {
  const body = n.children !== undefined ? Buffer.concat(n.children.map(encode)) : (n.content ?? Buffer.alloc(0));
  return Buffer.concat([Buffer.from([n.tag]), encodeLength(body.length), body]);
}

function flatten(nodes: Node[], parent: Node[] | undefined, out: { node: Node; siblings: Node[] }[] = []): { node: Node; siblings: Node[] }[] {
  for (const n of nodes) {
    out.push({ node: n, siblings: parent ?? nodes });
    if (n.children !== undefined) flatten(n.children, n.children, out);
  }
  return out;
}

/** One mutation; element and byte positions are taken modulo what the datagram has. */
export type BerMutation =
  | { kind: "bitflips"; flips: { at: number; bit: number }[] }
  | { kind: "truncate"; element: number; at: number }
  | { kind: "lengthBomb"; element: number; bomb: readonly number[] }
  | { kind: "lengthDelta"; element: number; delta: number }
  | { kind: "tag"; element: number; tag: number }
  | { kind: "nest"; element: number; depth: number }
  | { kind: "content"; element: number; bytes: Uint8Array }
  | { kind: "octets"; element: number; bytes: Uint8Array }
  | { kind: "hugeOid"; element: number; arcs: number; overflow: boolean }
  | { kind: "drop"; element: number }
  | { kind: "repeat"; element: number; times: number };

/** The arbitrary of mutations; out-of-spec strings weigh more, as they reach the decoder only in the replies that still match. */
export const berMutation: fc.Arbitrary<BerMutation> = fc.oneof(
  fc.record({ kind: fc.constant("bitflips" as const), flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant("truncate" as const), element: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant("lengthBomb" as const), element: fc.nat(), bomb: fc.constantFrom([0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0x7f, 0xff, 0xff, 0xff], [0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x80], [0x85, 1, 0, 0, 0, 0], [0x81, 0x00], [0xff]) }),
  fc.record({ kind: fc.constant("lengthDelta" as const), element: fc.nat(), delta: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-128, 127, 300, 65_536)) }),
  fc.record({ kind: fc.constant("tag" as const), element: fc.nat(), tag: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x30, 0x40, 0x41, 0x42, 0x43, 0x44, 0x46, 0x80, 0x81, 0x82, 0xa2, 0xa8)) }),
  fc.record({ kind: fc.constant("nest" as const), element: fc.nat(), depth: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("content" as const), element: fc.nat(), bytes: fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.uint8Array({ minLength: 9, maxLength: 400 }), fc.uint8Array({ minLength: 1000, maxLength: 1400 })) }),
  // Out-of-spec strings (DisplayString is at most 255 octets) where strings already are.
  { arbitrary: fc.record({ kind: fc.constant("octets" as const), element: fc.nat(), bytes: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 256, maxLength: 1400 }).map((b) => b.fill(0x61))) }), weight: 3 },
  fc.record({ kind: fc.constant("hugeOid" as const), element: fc.nat(), arcs: fc.integer({ min: 1, max: 2000 }), overflow: fc.boolean() }),
  fc.record({ kind: fc.constant("drop" as const), element: fc.nat() }),
  fc.record({ kind: fc.constant("repeat" as const), element: fc.nat(), times: fc.integer({ min: 1, max: 50 }) }),
);

/** Applies a mutation to a well-formed datagram (a datagram that does not parse gets bit flips only). */
export function mutate(datagram: Buffer, m: BerMutation): Buffer {
  const out = Buffer.from(datagram);
  if (m.kind === "bitflips") {
    for (const f of m.flips) out[f.at % out.length] = (out[f.at % out.length] as number) ^ (1 << f.bit);
    return out;
  }
  const roots = parse(datagram, 0, datagram.length);
  if (roots === undefined || roots.length === 0) return out;
  const all = flatten(roots, undefined);
  // Values, not the community or msgFlags: the first OCTET STRING of a message is its header's.
  const strings = all.filter((e) => e.node.tag === 0x04 && e.node.content !== undefined).slice(1);
  const pool = m.kind === "octets" && strings.length > 0 ? strings : all;
  const { node, siblings } = pool[m.element % pool.length] as { node: Node; siblings: Node[] };
  const splice = (from: number, to: number, bytes: Buffer) => Buffer.concat([datagram.subarray(0, from), bytes, datagram.subarray(to)]);
  switch (m.kind) {
    case "truncate":
      return datagram.subarray(0, node.start + (m.at % (node.end - node.start + 1)));
    case "lengthBomb":
      return splice(node.start + 1, node.contentStart, Buffer.from(m.bomb));
    case "lengthDelta":
      return splice(node.start + 1, node.contentStart, encodeLength(Math.max(0, node.end - node.contentStart + m.delta)));
    case "tag":
      node.tag = m.tag;
      break;
    case "nest": {
      const i = siblings.indexOf(node);
      let wrapped: Node = node;
      for (let d = 0; d < m.depth; d++) wrapped = { tag: 0x30, children: [wrapped], start: 0, contentStart: 0, end: 0 };
      siblings[i] = wrapped;
      break;
    }
    case "content":
    case "octets":
      delete node.children;
      node.content = Buffer.from(m.bytes);
      break;
    case "hugeOid": {
      // Many arcs, or one sub-identifier whose continuation bytes never end within 2^32.
      const arcs = m.overflow ? [0x2b, ...Array<number>(Math.min(m.arcs, 64)).fill(0xff), 0x7f] : [0x2b, ...Array<number>(m.arcs).fill(0x01)];
      Object.assign(node, { tag: 0x06, content: Buffer.from(arcs) });
      delete node.children;
      break;
    }
    case "drop":
      siblings.splice(siblings.indexOf(node), 1);
      break;
    case "repeat":
      siblings.splice(siblings.indexOf(node), 0, ...Array<Node>(m.times).fill(node));
      break;
  }
  return Buffer.concat(roots.map(encode));
}
