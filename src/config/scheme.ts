import type { Backend } from '../backend.js'

/**
 * The connection-string schemes ReplicaKit parses, with the backend each one selects and its
 * default port. `mongodb+srv` is parsed (and validated) but cannot be connected to: ReplicaKit does
 * no DNS SRV lookup.
 */
export const SCHEMES = {
  mongodb: { backend: 'mongodb', defaultPort: 27017 },
  'mongodb+srv': { backend: 'mongodb', defaultPort: 27017 },
  mysql: { backend: 'mysql', defaultPort: 3306 },
  mariadb: { backend: 'mysql', defaultPort: 3306 },
  cassandra: { backend: 'cassandra', defaultPort: 9042 },
} as const satisfies Record<string, { readonly backend: Backend; readonly defaultPort: number }>

/** A scheme ReplicaKit parses: `mongodb`, `mongodb+srv`, `mysql`, `mariadb` or `cassandra`. */
export type Scheme = keyof typeof SCHEMES

/** Whether `text` (lower-case) is a {@link Scheme}. @internal */
export function isScheme(text: string): text is Scheme {
  return Object.hasOwn(SCHEMES, text)
}

/** The scheme that needs a DNS SRV lookup. @internal */
export const SRV_SCHEME = 'mongodb+srv'
