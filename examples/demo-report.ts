/**
 * Pure helpers of the failover demo (`examples/demo.ts`): the once-a-second line, the check of every
 * write against what the new primary holds, the unavailability window and the summary. No I/O, no
 * timers: the demo measures, these functions judge and format.
 */

/** What one second of the workload did: counts since the previous line. */
export interface TickCounts {
  /** Time since the workload started, in ms. */
  readonly elapsedMS: number
  readonly writesOk: number
  readonly writesFailed: number
  readonly readsOk: number
  readonly readsFailed: number
  /** `retry` events the client emitted (reads and writes). */
  readonly retries: number
  /** The client's primary as {@link nodeLabel} shows it. */
  readonly primary: string
}

/** How each write the demo sent ended, by its unique key. */
export interface WriteOutcomes {
  /** `write()` resolved: the write met `w: 'majority'`. */
  readonly acknowledged: readonly string[]
  /** `write()` failed without `NoWritesPerformed`: it may or may not have been applied. */
  readonly unknownOutcome: readonly string[]
  /** `write()` failed with `NoWritesPerformed`: the client says nothing was written. */
  readonly notWritten: readonly string[]
}

/** The writes checked against one node's table. */
export interface Verification {
  readonly acknowledged: number
  /** Acknowledged keys present exactly once or more. */
  readonly found: number
  /** Acknowledged but missing: must be empty. */
  readonly lost: readonly string[]
  /** Keys stored more than once (acknowledged or not): must be empty. */
  readonly duplicated: readonly string[]
  /** Unknown-outcome writes that turned out to be applied. */
  readonly unknownApplied: number
  /** Unknown-outcome writes that turned out not to be applied. */
  readonly unknownMissing: number
  /** Writes that failed with `NoWritesPerformed`. */
  readonly notWritten: number
  /** Reported as "nothing written" yet present: must be empty. */
  readonly notWrittenButFound: readonly string[]
}

/** A successful write: when it was acknowledged and which node stored it. */
export interface Ack {
  /** Time since the workload started, in ms. */
  readonly atMS: number
  /** The port of the server that executed the INSERT (`@@port`, stored in the row). */
  readonly port: number
}

/** The unavailability window of writes around a failover. */
export interface WriteWindow {
  /** The last acknowledgement from the killed primary, ms since start (`null`: none). */
  readonly lastOldMS: number | null
  /** The first acknowledgement from another node after the kill, ms since start (`null`: none). */
  readonly firstNewMS: number | null
  /** `firstNewMS - lastOldMS`, or `null` when either is missing. */
  readonly windowMS: number | null
}

/** Everything the summary shows. */
export interface DemoSummary {
  readonly verification: Verification
  /** Name of the node the keys were checked on (the new primary). */
  readonly checkedOn: string
  /** Other nodes checked and how many acknowledged keys each holds. */
  readonly alsoOn: ReadonlyArray<{ readonly name: string; readonly found: number }>
  readonly readsOk: number
  readonly readsFailed: number
  /** Successful reads per node label. */
  readonly readsByNode: ReadonlyMap<string, number>
  readonly retries: number
  /** Failed calls by `read`/`write` and error code, e.g. `write NETWORK_ERROR`. */
  readonly errorsByKind: ReadonlyMap<string, number>
  readonly window: WriteWindow
  readonly oldPrimary: string
  readonly newPrimary: string
  /** How long the harness's `promote()` took, ms. */
  readonly promotionMS: number
  /** Kill → the client's `primaryChanged` to the new primary, ms (`null`: never seen). */
  readonly clientSwitchMS: number | null
}

/** A topology node as the demo prints it. */
export interface NodeLine {
  readonly address: string
  readonly state: string
  readonly lagMS: number | null
  /** Average probe round trip, ms. */
  readonly roundTripTimeMS: number | null
  readonly error: string | null
}

/** `127.0.0.1:41234 (node1)`, the bare address when unnamed, or `none` for `null`. */
export function nodeLabel(address: string | null, names: ReadonlyMap<string, string>): string {
  if (address === null) return 'none'
  const name = names.get(address)
  return name === undefined ? address : `${address} (${name})`
}

/** `t=07s` for a whole-second line, `t=07.4s` for an event (ms since the workload started). */
export function formatTime(elapsedMS: number, precise: boolean): string {
  const ms = Math.max(0, elapsedMS)
  if (!precise) return `t=${String(Math.round(ms / 1000)).padStart(2, '0')}s`
  const tenths = Math.floor(ms / 100)
  return `t=${String(Math.floor(tenths / 10)).padStart(2, '0')}.${tenths % 10}s`
}

/** One line a second: `t=07s    writes  412 ok / 0 err  reads  1630 ok / 0 err  retries 0  primary …`. */
export function formatTick(tick: TickCounts): string {
  return [
    formatTime(tick.elapsedMS, false).padEnd(8),
    `writes ${String(tick.writesOk).padStart(4)} ok / ${tick.writesFailed} err  `,
    `reads ${String(tick.readsOk).padStart(5)} ok / ${tick.readsFailed} err  `,
    `retries ${tick.retries}  `,
    `primary ${tick.primary}`,
  ].join('')
}

/** An event line at its precise time: `t=08.1s  <text>`. */
export function formatEvent(elapsedMS: number, text: string): string {
  return `${formatTime(elapsedMS, true).padEnd(8)}${text}`
}

/** One line per node: name/address, state, probe round trip, lag, and why it is down. */
export function formatNodes(
  nodes: readonly NodeLine[],
  names: ReadonlyMap<string, string>,
): string[] {
  return nodes.map((n) => {
    const rtt = n.roundTripTimeMS === null ? '' : `  rtt ${n.roundTripTimeMS.toFixed(1)} ms`
    const lag = n.state === 'SECONDARY' && n.lagMS !== null ? `  lag ${Math.round(n.lagMS)} ms` : ''
    const why = n.error === null ? '' : `  (${oneLine(n.error, 80)})`
    return `  ${nodeLabel(n.address, names).padEnd(26)}  ${n.state.padEnd(9)}${rtt}${lag}${why}`
  })
}

/**
 * Checks every write against `counts` (key → number of rows holding it, read from a node after the
 * workload stopped): lost, duplicated, and what became of the writes that failed.
 */
export function verifyWrites(
  outcomes: WriteOutcomes,
  counts: ReadonlyMap<string, number>,
): Verification {
  const has = (key: string): boolean => (counts.get(key) ?? 0) > 0
  const lost = outcomes.acknowledged.filter((key) => !has(key))
  const unknownApplied = outcomes.unknownOutcome.filter(has).length
  return {
    acknowledged: outcomes.acknowledged.length,
    found: outcomes.acknowledged.length - lost.length,
    lost,
    duplicated: [...counts].filter(([, n]) => n > 1).map(([key]) => key),
    unknownApplied,
    unknownMissing: outcomes.unknownOutcome.length - unknownApplied,
    notWritten: outcomes.notWritten.length,
    notWrittenButFound: outcomes.notWritten.filter(has),
  }
}

/** Whether the run kept the guarantees: nothing acknowledged lost, nothing doubled, no false "not written". */
export function isVerified(verification: Verification): boolean {
  return (
    verification.lost.length === 0 &&
    verification.duplicated.length === 0 &&
    verification.notWrittenButFound.length === 0
  )
}

/**
 * The write window of a failover: from the last acknowledgement stored by the killed primary
 * (`oldPort`) to the first acknowledgement stored by any other node after `killAtMS`. Using the port
 * each row was written on, not only the clock, keeps a late reply from the old primary out of it.
 */
export function measureWriteWindow(
  acks: readonly Ack[],
  oldPort: number,
  killAtMS: number,
): WriteWindow {
  let lastOldMS: number | null = null
  let firstNewMS: number | null = null
  for (const ack of acks) {
    if (ack.port === oldPort) {
      if (lastOldMS === null || ack.atMS > lastOldMS) lastOldMS = ack.atMS
    } else if (ack.atMS >= killAtMS && (firstNewMS === null || ack.atMS < firstNewMS)) {
      firstNewMS = ack.atMS
    }
  }
  const windowMS = lastOldMS !== null && firstNewMS !== null ? firstNewMS - lastOldMS : null
  return { lastOldMS, firstNewMS, windowMS }
}

/** The summary block, one string per line, aligned for a terminal. */
export function formatSummary(s: DemoSummary): string[] {
  const v = s.verification
  const row = (label: string, value: string | number, note = ''): string =>
    `  ${label.padEnd(44)}${String(value).padStart(7)}${note === '' ? '' : `   ${note}`}`
  const keys = (list: readonly string[]): string =>
    list.length === 0 ? '' : `e.g. ${list.slice(0, 3).join(', ')}`
  const reads = [...s.readsByNode].map(([node, n]) => `${node} ${n}`).join(', ')
  const errors = [...s.errorsByKind].map(([kind, n]) => `${kind} ×${n}`).join(', ')
  const w = s.window
  const windowNote =
    w.lastOldMS !== null && w.firstNewMS !== null
      ? `last ack from ${s.oldPrimary} at ${formatTime(w.lastOldMS, true)} → ` +
        `first from ${s.newPrimary} at ${formatTime(w.firstNewMS, true)}`
      : 'no write succeeded on one side of the kill'
  return [
    'Summary',
    row("writes acknowledged (w: 'majority')", v.acknowledged),
    row(`found on the new primary (${s.checkedOn})`, v.found),
    ...s.alsoOn.map((o) => row(`found on ${o.name}`, o.found)),
    row('lost (acknowledged, missing)', v.lost.length, keys(v.lost)),
    row('duplicated (stored more than once)', v.duplicated.length, keys(v.duplicated)),
    row(
      'unknown outcome (failed, may be written)',
      v.unknownApplied + v.unknownMissing,
      `${v.unknownApplied} applied, ${v.unknownMissing} not`,
    ),
    row(
      'failed, nothing written (NoWritesPerformed)',
      v.notWritten,
      v.notWrittenButFound.length > 0
        ? `${v.notWrittenButFound.length} STORED ANYWAY, ${keys(v.notWrittenButFound)}`
        : v.notWritten > 0
          ? 'none of them stored: correct'
          : '',
    ),
    row('reads ok / failed', `${s.readsOk} / ${s.readsFailed}`, reads),
    row('retries', s.retries),
    ...(errors === '' ? [] : [row('failed calls by error code', '', errors)]),
    row('write unavailability window', msText(w.windowMS), windowNote),
    row('promotion (harness promote(), alone)', msText(s.promotionMS)),
    row('client followed (kill → primaryChanged)', msText(s.clientSwitchMS)),
  ]
}

/** The verdict line. */
export function formatVerdict(verification: Verification): string {
  if (isVerified(verification)) return 'PASS: nothing acknowledged was lost or written twice.'
  const problems = [
    verification.lost.length > 0 ? `${verification.lost.length} acknowledged writes lost` : '',
    verification.duplicated.length > 0 ? `${verification.duplicated.length} keys stored twice` : '',
    verification.notWrittenButFound.length > 0
      ? `${verification.notWrittenButFound.length} writes reported as not written were found`
      : '',
  ].filter((p) => p !== '')
  return `FAIL: ${problems.join(', ')}.`
}

/** Collapses whitespace and cuts `text` to `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

function msText(ms: number | null): string {
  return ms === null ? 'n/a' : `${Math.round(ms)} ms`
}
