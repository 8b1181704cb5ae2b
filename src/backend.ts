/** The backends ReplicaKit serves. */
export const Backend = {
  MySQL: 'mysql',
  MongoDB: 'mongodb',
  Cassandra: 'cassandra',
} as const

/** One of the values of {@link Backend}. */
export type Backend = (typeof Backend)[keyof typeof Backend]
