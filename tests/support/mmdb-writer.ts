/**
 * A minimal MaxMind DB writer for tests (https://maxmind.github.io/MaxMind-DB/): a binary search
 * tree of 24-, 28- or 32-bit records, a data section of maps, strings, unsigned integers,
 * doubles and arrays (each distinct record written once, records pointing at it), the 16-byte
 * separator and the metadata after its marker. Networks may nest (a more specific network
 * inserted after a wider one splits it); IPv6 trees can alias ::ffff:0:0/96, 2001::/32 and
 * 2002::/16 to the IPv4 subtree, as MaxMind's own writers do.
 */

export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue } | { uint64: bigint } | { double: number };

interface TreeNode {
  children: [Child, Child];
}
type Child = TreeNode | { data: MmdbValue } | null;

const isNode = (child: Child): child is TreeNode => child !== null && 'children' in child;

function control(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    extra.push(size - 29);
  } else if (size < 65821) {
    sizeBits = 30;
    const v = size - 285;
    extra.push(v >> 8, v & 0xff);
  } else {
    sizeBits = 31;
    const v = size - 65821;
    extra.push((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  }
  if (type <= 7) bytes.push((type << 5) | sizeBits);
  else bytes.push(sizeBits, type - 7);
  return Buffer.from([...bytes, ...extra]);
}

function uintBytes(value: bigint): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.from(bytes);
}

/** Encodes a value of the data section (no pointers). */
export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0);
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return encodeValue({ double: value });
    const bytes = uintBytes(BigInt(value));
    return Buffer.concat([control(value <= 0xffff ? 5 : 6, bytes.length), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encodeValue)]);
  if ('uint64' in value && typeof value.uint64 === 'bigint') {
    const bytes = uintBytes(value.uint64);
    return Buffer.concat([control(9, bytes.length), bytes]);
  }
  if ('double' in value && typeof value.double === 'number' && Object.keys(value).length === 1) {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value.double);
    return Buffer.concat([control(3, 8), bytes]);
  }
  const entries = Object.entries(value as Record<string, MmdbValue>);
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encodeValue(k), encodeValue(v)])]);
}

/** Bits of an address text (IPv4 dotted quad or IPv6), most significant first. */
export function addressBits(text: string): { bits: number[]; family: 4 | 6 } {
  if (text.includes(':')) {
    const [head = '', tail] = text.split('::');
    const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
    const h = groups(head);
    const t = tail === undefined ? [] : groups(tail);
    const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
    return { bits: all.flatMap((g) => Array.from({ length: 16 }, (_, i) => (g >> (15 - i)) & 1)), family: 6 };
  }
  const octets = text.split('.').map(Number);
  return { bits: octets.flatMap((o) => Array.from({ length: 8 }, (_, i) => (o >> (7 - i)) & 1)), family: 4 };
}

export interface WriterOptions {
  ipVersion: 4 | 6;
  recordSize: 24 | 28 | 32;
  databaseType?: string;
  languages?: string[];
  /** IPv6 trees: alias ::ffff:0:0/96, 2001::/32 and 2002::/16 to the IPv4 subtree (default true). */
  aliasIpv4?: boolean;
  /** Bytes of unused data written first, so record values exceed 2^24 (28- and 32-bit records' high bits). */
  dataPadding?: number;
}

export class MmdbWriter {
  private readonly root: TreeNode = { children: [null, null] };

  constructor(private readonly options: WriterOptions) {}

  /**
   * Inserts a network (`1.2.3.0/24`, `2a02:8010::/32`; IPv4 networks of an IPv6 tree go under
   * ::/96). Inserting inside an existing network splits it: the rest keeps its data.
   */
  insert(cidr: string, data: MmdbValue): this {
    const [address = '', lengthText = ''] = cidr.split('/');
    const { bits, family } = addressBits(address);
    let length = Number(lengthText);
    let path = bits;
    if (this.options.ipVersion === 6 && family === 4) {
      path = [...new Array(96).fill(0), ...bits];
      length += 96;
    }
    if (this.options.ipVersion === 4 && family === 6) throw new Error('an IPv4 tree holds no IPv6 networks');
    let node = this.root;
    for (let depth = 0; depth < length - 1; depth++) {
      const bit = path[depth]!;
      let child = node.children[bit]!;
      if (!isNode(child)) {
        // split a wider network (or nothing) into two halves with the same data
        const split: TreeNode = { children: [child, child] };
        node.children[bit] = split;
        child = split;
      }
      node = child;
    }
    node.children[path[length - 1]!] = { data };
    return this;
  }

  /** The .mmdb file. */
  build(): Buffer {
    const { ipVersion, recordSize } = this.options;
    if (ipVersion === 6 && this.options.aliasIpv4 !== false) this.alias();
    // number the nodes breadth-first; a node reached twice (an alias) keeps its first number
    const numbers = new Map<TreeNode, number>();
    const order: TreeNode[] = [];
    const queue: TreeNode[] = [this.root];
    while (queue.length > 0) {
      const node = queue.shift()!;
      if (numbers.has(node)) continue;
      numbers.set(node, order.length);
      order.push(node);
      for (const child of node.children) if (isNode(child) && !numbers.has(child)) queue.push(child);
    }
    const nodeCount = order.length;
    // the data section: each distinct value once
    const offsets = new Map<string, number>();
    const chunks: Buffer[] = [];
    if (this.options.dataPadding) chunks.push(encodeValue('x'.repeat(this.options.dataPadding)));
    let dataSize = chunks[0]?.length ?? 0;
    const pointerOf = (data: MmdbValue) => {
      const key = JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      let offset = offsets.get(key);
      if (offset === undefined) {
        offset = dataSize;
        const bytes = encodeValue(data);
        chunks.push(bytes);
        dataSize += bytes.length;
        offsets.set(key, offset);
      }
      return nodeCount + 16 + offset;
    };
    const recordOf = (child: Child) => (child === null ? nodeCount : isNode(child) ? numbers.get(child)! : pointerOf(child.data));
    const nodeBytes = recordSize / 4;
    const tree = Buffer.alloc(nodeCount * nodeBytes);
    order.forEach((node, i) => {
      const [left, right] = node.children.map(recordOf) as [number, number];
      const at = i * nodeBytes;
      if (recordSize === 24) {
        tree.writeUIntBE(left, at, 3);
        tree.writeUIntBE(right, at + 3, 3);
      } else if (recordSize === 28) {
        tree.writeUIntBE(left & 0xffffff, at, 3);
        tree[at + 3] = ((left >> 24) << 4) | (right >> 24);
        tree.writeUIntBE(right & 0xffffff, at + 4, 3);
      } else {
        tree.writeUInt32BE(left, at);
        tree.writeUInt32BE(right, at + 4);
      }
    });
    const metadata = encodeValue({
      binary_format_major_version: 2,
      binary_format_minor_version: 0,
      build_epoch: { uint64: 1764460800n },
      database_type: this.options.databaseType ?? 'Test-City',
      description: { en: 'logflow test database' },
      ip_version: ipVersion,
      languages: this.options.languages ?? ['en'],
      node_count: nodeCount,
      record_size: recordSize,
    });
    return Buffer.concat([tree, Buffer.alloc(16), ...chunks, Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex'), metadata]);
  }

  /** Points ::ffff:0:0/96, 2001::/32 and 2002::/16 at the node of ::/96 (created when missing). */
  private alias(): void {
    const nodeAt = (path: number[]) => {
      let node = this.root;
      for (const bit of path) {
        let child = node.children[bit]!;
        if (!isNode(child)) {
          const split: TreeNode = { children: [child, child] };
          node.children[bit] = split;
          child = split;
        }
        node = child;
      }
      return node;
    };
    const ipv4 = nodeAt(new Array(96).fill(0));
    for (const [prefix, length] of [
      ['::ffff:0:0', 96],
      ['2001::', 32],
      ['2002::', 16],
    ] as const) {
      const path = addressBits(prefix).bits.slice(0, length);
      const parent = nodeAt(path.slice(0, -1));
      parent.children[path[length - 1]!] = ipv4;
    }
  }
}
