import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../bench/args.js'
import { DEFAULT_MYSQL_MONITOR_OPTIONS, monitorRound } from '../../../bench/mysql-monitor.js'
import { isMonitorRun, parseMonitorArgs } from '../../../bench/mysql-monitor-args.js'

describe('parseMonitorArgs', () => {
  it('takes the defaults, --json and its own flags', () => {
    expect(isMonitorRun(['mysql', '--monitor'])).toBe(true)
    expect(parseMonitorArgs(['mysql', '--monitor'])).toEqual({
      json: false,
      options: DEFAULT_MYSQL_MONITOR_OPTIONS,
    })
    const args = parseMonitorArgs(['mysql', '--monitor', '--json', '--nodes', '5', '--rounds', '2'])
    expect(args.json).toBe(true)
    expect(args.options).toMatchObject({ nodes: 5, rounds: 2, heartbeatFrequencyMS: 500 })
  })

  it('refuses unknown flags, bad numbers and other suites', () => {
    expect(() => parseMonitorArgs(['mysql', '--monitor', '--concurrency', '2'])).toThrow(UsageError)
    expect(() => parseMonitorArgs(['mysql', '--monitor', '--nodes', '0'])).toThrow(UsageError)
    expect(() => parseMonitorArgs(['mongodb', '--monitor'])).toThrow(UsageError)
  })
})

describe('monitorRound', () => {
  it('gives % of a core, CPU per probe and the 10-nodes-at-500-ms projection', () => {
    const round = monitorRound(10_000, { cpuMS: 100, systemMS: 20 }, 200, 0)
    expect(round).toMatchObject({
      cpuPercentOfCore: 1,
      cpuPerProbeMS: 0.5,
      projected10NodesAt500MSPercent: 1,
      systemMS: 20,
    })
  })
})
