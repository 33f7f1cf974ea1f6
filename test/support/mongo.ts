/** A MongoDB URI on the test run's server for a database of the test's own. */
export function mongoUriFor(database: string): string {
  const base = process.env.TEST_MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
  return `${base.replace(/\/+$/, '')}/${database}`;
}
