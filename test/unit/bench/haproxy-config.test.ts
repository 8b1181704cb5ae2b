import { describe, expect, it } from 'vitest'
import {
  buildHaproxyConfig,
  loginPacket,
  mysqlPacket,
  parseServersState,
  queryPacket,
  quitPacket,
  roleCheckRules,
  roleResponseBytes,
  ROLE_QUERY,
  upServers,
} from '../../../bench/haproxy-config.js'

describe('mysqlPacket', () => {
  it('prefixes a 3-byte little-endian length and the sequence id', () => {
    const packet = mysqlPacket(2, Buffer.from('abc'))
    expect(packet.toString('hex')).toBe('03000002616263')
  })

  it('handles lengths above one byte', () => {
    const packet = mysqlPacket(0, Buffer.alloc(0x1234))
    expect(packet.subarray(0, 4).toString('hex')).toBe('34120000')
  })
})

describe('loginPacket', () => {
  it('is a HandshakeResponse41 with PROTOCOL_41 and SECURE_CONNECTION and an empty auth response', () => {
    const packet = loginPacket('hc')
    const payload = packet.subarray(4)
    expect(packet.readUIntLE(0, 3)).toBe(payload.length)
    expect(packet[3]).toBe(1)
    const capabilities = payload.readUInt32LE(0)
    expect(capabilities & 0x0200).toBe(0x0200)
    expect(capabilities & 0x8000).toBe(0x8000)
    // No CLIENT_DEPRECATE_EOF: the response length of the role query stays fixed.
    expect(capabilities & 0x01000000).toBe(0)
    expect(payload[8]).toBe(0x21)
    expect(payload.subarray(9, 32).every((b) => b === 0)).toBe(true)
    expect(payload.subarray(32).toString('latin1')).toBe('hc\0\0')
  })
})

describe('queryPacket and quitPacket', () => {
  it('frames COM_QUERY and COM_QUIT with sequence 0', () => {
    expect(queryPacket('SELECT 1').toString('hex')).toBe(
      '09000000' + '03' + Buffer.from('SELECT 1').toString('hex'),
    )
    expect(quitPacket().toString('hex')).toBe('0100000001')
  })
})

describe('roleResponseBytes', () => {
  it('counts the column count, definition, EOF and row packets up to the label', () => {
    expect(roleResponseBytes()).toBe(53)
  })
})

describe('roleCheckRules', () => {
  it('logs in, sends the role query and expects the label conclusively', () => {
    const rules = roleCheckRules('haproxy_check', 'PRIMARY')
    expect(rules[0]).toBe('option tcp-check')
    expect(rules).toContain(`tcp-check send-binary ${loginPacket('haproxy_check').toString('hex')}`)
    expect(rules).toContain(`tcp-check send-binary ${queryPacket(ROLE_QUERY).toString('hex')}`)
    expect(rules).toContain(`tcp-check expect min-recv ${roleResponseBytes()} string PRIMARY`)
    expect(rules.at(-1)).toBe(`tcp-check send-binary ${quitPacket().toString('hex')}`)
  })

  it('aliases the column so the labels can only match in the row', () => {
    expect(ROLE_QUERY).toMatch(/ AS r$/)
  })
})

describe('buildHaproxyConfig', () => {
  const config = buildHaproxyConfig({
    nodes: [
      { name: 'node1', host: '127.0.0.1', port: 4001 },
      { name: 'node2', host: '127.0.0.1', port: 4002 },
    ],
    writePort: 5001,
    readPort: 5002,
    statsSocket: '/tmp/x/admin.sock',
    checkUser: 'hc',
  })

  it('binds both frontends on loopback only', () => {
    expect(config).toContain('bind 127.0.0.1:5001')
    expect(config).toContain('bind 127.0.0.1:5002')
    expect(config).not.toMatch(/bind (\*|0\.0\.0\.0)/)
  })

  it('lists every node in both backends with inter 2s fall 3 rise 2', () => {
    expect(config.match(/server node1 127\.0\.0\.1:4001 check/g)).toHaveLength(2)
    expect(config.match(/server node2 127\.0\.0\.1:4002 check/g)).toHaveLength(2)
    expect(config).toContain('default-server inter 2000ms fall 3 rise 2')
  })

  it('expects PRIMARY on the write backend and REPLICA with round robin on the read backend', () => {
    const [, write, read] = config.split(/^backend (?:primary|replicas)$/m)
    expect(write).toContain('string PRIMARY')
    expect(write).not.toContain('string REPLICA')
    expect(read).toContain('string REPLICA')
    expect(read).toContain('balance roundrobin')
  })

  it('runs in TCP mode with a runtime API socket', () => {
    expect(config).toContain('mode tcp')
    expect(config).toContain('stats socket /tmp/x/admin.sock mode 600 level admin')
  })
})

describe('parseServersState', () => {
  const text = [
    '1',
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight',
    '3 primary 1 node1 127.0.0.1 2 0 1',
    '3 primary 2 node2 127.0.0.1 0 0 1',
    '5 replicas 1 node1 127.0.0.1 0 0 1',
    '5 replicas 2 node2 127.0.0.1 2 0 1',
    '',
  ].join('\n')

  it('reads backend, server and whether the server is running', () => {
    expect(parseServersState(text)).toEqual([
      { backend: 'primary', server: 'node1', isUp: true },
      { backend: 'primary', server: 'node2', isUp: false },
      { backend: 'replicas', server: 'node1', isUp: false },
      { backend: 'replicas', server: 'node2', isUp: true },
    ])
  })

  it('lists the UP servers of one backend', () => {
    const states = parseServersState(text)
    expect(upServers(states, 'primary')).toEqual(['node1'])
    expect(upServers(states, 'replicas')).toEqual(['node2'])
  })

  it('returns nothing without a header', () => {
    expect(parseServersState('No such backend.\n')).toEqual([])
  })
})
