import { describe, expect, it } from 'vitest'
import { REDACTED, redactSecrets, redactValue } from '../../../src/util/redact.js'

describe('redactSecrets', () => {
  it('keeps MySQL’s "(using password: YES)" flag whole: it is not a secret', () => {
    const text = "Access denied for user 'app'@'localhost' (using password: YES)"
    expect(redactSecrets(text)).toBe(text)
    expect(redactSecrets(`refused (1045: ${text}): check the password`)).toBe(
      `refused (1045: ${text}): check the password`,
    )
    expect(redactSecrets("Access denied for user 'app'@'%' (using password: NO)")).toBe(
      "Access denied for user 'app'@'%' (using password: NO)",
    )
  })

  it('still hides a real password value, also one that looks like the flag', () => {
    expect(redactSecrets('login failed (password: s3cret)')).toBe(
      `login failed (password:${REDACTED}`,
    )
    expect(redactSecrets('password=YES) rest')).toBe(`password=${REDACTED} rest`)
    expect(redactSecrets('(using password: hunter2)')).toBe(`(using password:${REDACTED}`)
  })

  it('hides the password of a URI', () => {
    expect(redactSecrets('see mysql://app:s3cret@db1/shop')).toBe(
      `see mysql://app:${REDACTED}@db1/shop`,
    )
  })
})

describe('redactValue', () => {
  it('removes a known secret verbatim', () => {
    expect(redactValue('echo s3cret back', 's3cret')).toBe(`echo ${REDACTED} back`)
    expect(redactValue('unchanged', '')).toBe('unchanged')
  })
})
