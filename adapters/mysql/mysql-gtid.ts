/**
 * Pure parsing and comparison of GTID positions, for both flavours:
 *
 * - MariaDB GTID lists: `domain-server-seq` entries separated by commas (`0-1-100,1-2-5`); a node's
 *   position holds the last applied GTID per replication domain, and sequence numbers only grow
 *   inside a domain (with `gtid_strict_mode`), so "has applied X" is "its seq in X's domain ≥ X's".
 * - MySQL GTID sets: `uuid:1-5:7` entries (MySQL 8.4 also `uuid:tag:1-5`), separated by commas and
 *   often by newlines; "has applied X" is set inclusion.
 *
 * Malformed text never throws here: it parses to `undefined` and compares as "not covered", which
 * makes the caller wait or go to the primary (the safe side).
 *
 * @see https://mariadb.com/kb/en/gtid/
 * @see https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-concepts.html
 */

/** The two GTID notations. */
export const GtidFlavour = {
  MariaDB: 'mariadb',
  MySQL: 'mysql',
} as const

/** One of the values of {@link GtidFlavour}. */
export type GtidFlavour = (typeof GtidFlavour)[keyof typeof GtidFlavour]

/** One MariaDB GTID. `seq` is a bigint: sequence numbers are unsigned 64-bit. */
export interface MariadbGtid {
  readonly domain: number
  readonly server: number
  readonly seq: bigint
}

/** A MariaDB position: the highest GTID per domain. */
export type MariadbGtidList = ReadonlyMap<number, MariadbGtid>

/** A closed interval of MySQL transaction numbers. */
export interface GtidInterval {
  readonly start: bigint
  readonly end: bigint
}

/** A MySQL GTID set: per source (`uuid` or `uuid:tag`, lower case), sorted disjoint intervals. */
export type MysqlGtidSet = ReadonlyMap<string, readonly GtidInterval[]>

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/
const TAG = /^[a-z_][a-z0-9_]{0,31}$/
const INTERVAL = /^(\d+)(?:-(\d+))?$/

/** Splits a list on commas and strips whitespace (MySQL prints `gtid_executed` with newlines). */
function entries(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.replace(/\s+/g, ''))
    .filter((part) => part !== '')
}

/**
 * Parses a MariaDB GTID list (`@@gtid_current_pos`, `@@last_gtid`, `Gtid_IO_Pos`). Several entries
 * for one domain (as `@@gtid_binlog_pos` may hold, one per server id) keep the highest seq.
 * Returns `undefined` when any entry is malformed; `''` is the empty position.
 */
export function parseMariadbGtidList(text: string): MariadbGtidList | undefined {
  const byDomain = new Map<number, MariadbGtid>()
  for (const entry of entries(text)) {
    const match = MARIADB_GTID.exec(entry)
    if (match === null) return undefined
    const gtid: MariadbGtid = {
      domain: Number(match[1]),
      server: Number(match[2]),
      seq: BigInt(match[3] ?? '0'),
    }
    const known = byDomain.get(gtid.domain)
    if (known === undefined || gtid.seq > known.seq) byDomain.set(gtid.domain, gtid)
  }
  return byDomain
}

/** Sorts and merges intervals so they are disjoint and non-adjacent. */
function normaliseIntervals(intervals: GtidInterval[]): GtidInterval[] {
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
  const merged: GtidInterval[] = []
  for (const interval of sorted) {
    const last = merged.at(-1)
    if (last !== undefined && interval.start <= last.end + 1n) {
      merged[merged.length - 1] = {
        start: last.start,
        end: interval.end > last.end ? interval.end : last.end,
      }
    } else {
      merged.push(interval)
    }
  }
  return merged
}

/**
 * Parses a MySQL GTID set (`@@gtid_executed`, `Retrieved_Gtid_Set`): `uuid:1-5:7,uuid2:1-3`, with
 * optional MySQL 8.4 tags (`uuid:tag:1-5`). Returns `undefined` when the text is malformed.
 */
export function parseMysqlGtidSet(text: string): MysqlGtidSet | undefined {
  const set = new Map<string, GtidInterval[]>()
  for (const entry of entries(text)) {
    const parts = entry.toLowerCase().split(':')
    const uuid = parts.shift()
    if (uuid === undefined || !UUID.test(uuid)) return undefined
    let source = uuid
    const intervals: GtidInterval[] = []
    for (const part of parts) {
      const match = INTERVAL.exec(part)
      if (match === null) {
        if (!TAG.test(part)) return undefined
        source = `${uuid}:${part}` // a tag starts a new source of the same server
        continue
      }
      const start = BigInt(match[1] ?? '0')
      const end = match[2] === undefined ? start : BigInt(match[2])
      if (start < 1n || end < start) return undefined
      const list = set.get(source) ?? []
      list.push({ start, end })
      set.set(source, list)
      intervals.push({ start, end })
    }
    if (intervals.length === 0 && parts.length === 0) return undefined
  }
  for (const [source, list] of set) set.set(source, normaliseIntervals(list))
  return set
}

/** Which notation `text` uses, or `undefined` for an empty or unrecognisable text. */
export function detectGtidFlavour(text: string): GtidFlavour | undefined {
  const first = entries(text)[0]
  if (first === undefined) return undefined
  if (MARIADB_GTID.test(first)) return GtidFlavour.MariaDB
  if (first.includes(':')) return GtidFlavour.MySQL
  return undefined
}

/** How many transactions of `interval` fall outside `have` (sorted, disjoint). */
function missingInInterval(interval: GtidInterval, have: readonly GtidInterval[]): bigint {
  let missing = interval.end - interval.start + 1n
  for (const h of have) {
    const start = h.start > interval.start ? h.start : interval.start
    const end = h.end < interval.end ? h.end : interval.end
    if (start <= end) missing -= end - start + 1n
  }
  return missing
}

/**
 * How many transactions of `target` the node at `position` has not applied yet: the GTID distance.
 * MariaDB: the sum over `target`'s domains of the seq difference (seqs are dense per domain, so this
 * counts transactions); MySQL: the size of `target − position`. Returns `undefined` when either text
 * is malformed or they use different notations. An empty `target` gives 0.
 */
export function gtidDistance(position: string, target: string): number | undefined {
  const flavour = detectGtidFlavour(target)
  if (flavour === undefined) return entries(target).length === 0 ? 0 : undefined
  const positionFlavour = detectGtidFlavour(position)
  if (positionFlavour !== undefined && positionFlavour !== flavour) return undefined
  let missing = 0n
  if (flavour === GtidFlavour.MariaDB) {
    const have = parseMariadbGtidList(position)
    const want = parseMariadbGtidList(target)
    if (have === undefined || want === undefined) return undefined
    for (const [domain, gtid] of want) {
      const seq = have.get(domain)?.seq ?? 0n
      if (gtid.seq > seq) missing += gtid.seq - seq
    }
  } else {
    const have = parseMysqlGtidSet(position)
    const want = parseMysqlGtidSet(target)
    if (have === undefined || want === undefined) return undefined
    for (const [source, intervals] of want) {
      for (const interval of intervals)
        missing += missingInInterval(interval, have.get(source) ?? [])
    }
  }
  return Number(missing)
}

/**
 * Whether a node whose position is `position` has applied everything in `token` (a GTID, a MariaDB
 * GTID list or a MySQL GTID set). Pure; malformed or mismatched notations give `false`.
 *
 * ```ts
 * gtidCovers('0-1-100,1-2-7', '0-1-99') // true
 * gtidCovers('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', '3E11FA47-71CA-11E1-9E33-C80AA9429562:6') // false
 * ```
 */
export function gtidCovers(position: string, token: string): boolean {
  return gtidDistance(position, token) === 0
}

/**
 * The smallest position that covers both `a` and `b` (per-domain maximum for MariaDB, set union for
 * MySQL), for keeping one causal token per session. Returns `undefined` for malformed or mixed input.
 */
export function gtidUnion(a: string, b: string): string | undefined {
  const flavour = detectGtidFlavour(a) ?? detectGtidFlavour(b)
  if (flavour === undefined) return entries(a).length + entries(b).length === 0 ? '' : undefined
  if (flavour === GtidFlavour.MariaDB) {
    const left = parseMariadbGtidList(a)
    const right = parseMariadbGtidList(b)
    if (left === undefined || right === undefined) return undefined
    const merged = new Map(left)
    for (const [domain, gtid] of right) {
      const known = merged.get(domain)
      if (known === undefined || gtid.seq > known.seq) merged.set(domain, gtid)
    }
    return formatMariadbGtidList(merged)
  }
  const left = parseMysqlGtidSet(a)
  const right = parseMysqlGtidSet(b)
  if (left === undefined || right === undefined) return undefined
  const merged = new Map<string, GtidInterval[]>()
  for (const set of [left, right]) {
    for (const [source, intervals] of set)
      merged.set(source, [...(merged.get(source) ?? []), ...intervals])
  }
  for (const [source, list] of merged) merged.set(source, normaliseIntervals(list))
  return formatMysqlGtidSet(merged)
}

/** Formats a MariaDB position in domain order (`0-1-100,1-2-5`). */
export function formatMariadbGtidList(list: MariadbGtidList): string {
  return [...list.values()]
    .sort((a, b) => a.domain - b.domain)
    .map((g) => `${g.domain}-${g.server}-${g.seq.toString()}`)
    .join(',')
}

/** Formats a MySQL GTID set in source order (`uuid:1-5:7,uuid2:1-3`). */
export function formatMysqlGtidSet(set: MysqlGtidSet): string {
  return [...set.keys()]
    .sort()
    .map((source) => {
      const intervals = (set.get(source) ?? []).map((i) =>
        i.start === i.end ? i.start.toString() : `${i.start.toString()}-${i.end.toString()}`,
      )
      return `${source}:${intervals.join(':')}`
    })
    .join(',')
}

/**
 * Whether a MariaDB node whose `@@gtid_binlog_state` is `binlogState` has applied every GTID of
 * `token` — checked per domain AND originating server. Pure.
 *
 * `MASTER_GTID_WAIT` compares sequence numbers per domain only, so after a failover a replica that
 * never got the old primary's last transaction (`0-1-9`) still "reaches" it once the new primary's own
 * transactions pass seq 9 (`0-2-13`). `gtid_binlog_state` keeps the last GTID per (domain, server)
 * pair, and one server's transactions in a domain are applied in order, so "applied `0-1-9`" is
 * "its `0-1-N` entry has N ≥ 9". Needs `log_slave_updates=ON` (replicated transactions are only in a
 * replica's binlog state then); malformed text is "not applied".
 *
 * @see https://mariadb.com/kb/en/gtid/#gtid_binlog_state
 * @see https://mariadb.com/kb/en/master_gtid_wait/
 */
export function mariadbBinlogStateCovers(binlogState: string, token: string): boolean {
  const wanted = parseGtidTriples(token)
  const state = parseGtidTriples(binlogState)
  if (wanted === undefined || state === undefined || wanted.length === 0) return false
  return wanted.every((w) =>
    state.some((s) => s.domain === w.domain && s.server === w.server && s.seq >= w.seq),
  )
}

/** `d-s-n[,d-s-n…]` as triples, several per domain allowed (binlog state); `undefined` if malformed. */
function parseGtidTriples(text: string): MariadbGtid[] | undefined {
  const out: MariadbGtid[] = []
  for (const part of text.split(',')) {
    const entry = part.trim()
    if (entry === '') continue
    const match = /^(\d+)-(\d+)-(\d+)$/.exec(entry)
    if (match === null) return undefined
    out.push({ domain: Number(match[1]), server: Number(match[2]), seq: BigInt(match[3] ?? '0') })
  }
  return out
}
