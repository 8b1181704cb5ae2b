import { describe, expect, it } from 'vitest'
import {
  formatNodeAddress,
  parseNodeAddress,
  splitNodeAddress,
} from '../../../src/topology/node-address.js'

describe('formatNodeAddress', () => {
  it('lower-cases the host and brackets an IPv6 literal', () => {
    expect(formatNodeAddress('DB1.Example', 3306)).toBe('db1.example:3306')
    expect(formatNodeAddress('::1', 27017)).toBe('[::1]:27017')
    expect(formatNodeAddress('FE80::1', 27017)).toBe('[fe80::1]:27017')
  })

  it('keeps one pair of brackets on an IPv6 literal given already bracketed', () => {
    expect(formatNodeAddress('[::1]', 27017)).toBe('[::1]:27017')
    expect(formatNodeAddress('[FE80::1]', 9042)).toBe('[fe80::1]:9042')
  })
})

describe('parseNodeAddress', () => {
  it('splits host and port, lower-casing the host, and uses the default port when none is given', () => {
    expect(parseNodeAddress('DB1:3307', 3306)).toEqual({ host: 'db1', port: 3307 })
    expect(parseNodeAddress('db1', 3306)).toEqual({ host: 'db1', port: 3306 })
    expect(parseNodeAddress('[::1]:27018', 27017)).toEqual({ host: '::1', port: 27018 })
    expect(parseNodeAddress('[::1]', 27017)).toEqual({ host: '::1', port: 27017 })
  })

  it.each([
    ['an unclosed bracket', '[::1'],
    ['text after the closing bracket', '[::1]27017'],
    ['text between the bracket and the port', '[::1]x:27017'],
    ['an empty host before a port', ':27017'],
    ['an empty bracketed host', '[]:27017'],
    ['a port with trailing text', 'db1:27017x'],
    ['a port with a sign', 'db1:+27017'],
    ['an empty port', 'db1:'],
    ['port 0', 'db1:0'],
    ['a port above 65535', 'db1:65536'],
    ['an unbracketed IPv6 literal', '::1'],
  ])('rejects %s (%s)', (_what, text) => {
    expect(parseNodeAddress(text, 27017)).toBeUndefined()
  })

  it('accepts the port range bounds', () => {
    expect(parseNodeAddress('db1:1', 0)?.port).toBe(1)
    expect(parseNodeAddress('db1:65535', 0)?.port).toBe(65535)
  })
})

describe('splitNodeAddress', () => {
  it('reads back what formatNodeAddress wrote', () => {
    expect(splitNodeAddress(formatNodeAddress('::1', 27017))).toEqual({ host: '::1', port: 27017 })
    expect(splitNodeAddress(formatNodeAddress('Db1', 3306))).toEqual({ host: 'db1', port: 3306 })
  })

  it('throws on text that is not an address', () => {
    expect(() => splitNodeAddress('db1:port')).toThrow(TypeError)
  })
})
