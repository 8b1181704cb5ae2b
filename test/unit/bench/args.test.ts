import { describe, expect, it } from 'vitest'
import { parseBenchArgs, UsageError } from '../../../bench/args.js'
import { DEFAULT_MYSQL_BENCH_OPTIONS } from '../../../bench/mysql-bench.js'

describe('parseBenchArgs', () => {
  it('takes the suite and the defaults', () => {
    const args = parseBenchArgs(['mysql'])
    expect(args).toEqual({ suite: 'mysql', json: false, options: DEFAULT_MYSQL_BENCH_OPTIONS })
  })

  it('reads --json and the numeric options', () => {
    const args = parseBenchArgs([
      'mysql',
      '--json',
      '--rounds',
      '5',
      '--duration-ms',
      '3000',
      '--concurrency',
      '8',
      '--write-ratio',
      '0.5',
      '--failovers',
      '0',
      '--heartbeat-ms',
      '500',
    ])
    expect(args.json).toBe(true)
    expect(args.options).toMatchObject({
      rounds: 5,
      durationMS: 3000,
      concurrency: 8,
      writeRatio: 0.5,
      failovers: 0,
      heartbeatFrequencyMS: 500,
    })
  })

  it('reads a subset of modes and --quick', () => {
    const args = parseBenchArgs(['--quick', 'mysql', '--modes', 'raw,haproxy'])
    expect(args.options.modes).toEqual(['raw', 'haproxy'])
    expect(args.options).toMatchObject({ rounds: 1, durationMS: 2000, failovers: 1 })
  })

  it.for([
    [[], 'which benchmark'],
    [['cassandra'], "unknown benchmark 'cassandra'"],
    [['mysql', '--rounds'], '--rounds needs a value'],
    [['mysql', '--rounds', '0'], '--rounds must be an integer from 1'],
    [['mysql', '--rounds', '2.5'], '--rounds must be an integer'],
    [['mysql', '--write-ratio', '2'], '--write-ratio must be a number from 0 to 1'],
    [['mysql', '--modes', 'raw,proxysql'], '--modes takes a subset'],
    [['mysql', '--frobnicate'], 'unknown option --frobnicate'],
    [['mysql', 'extra'], "unexpected argument 'extra'"],
  ] as const)('rejects %j', ([argv, message]) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError)
    expect(() => parseBenchArgs(argv)).toThrow(message)
  })
})
