import mongoose, { Connection } from 'mongoose';

/**
 * One mongoose connection per app. Writes are single-document and conditional (no multi-document
 * transactions), which a standalone MongoDB and FerretDB both honour.
 */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    maxPoolSize: 20,
    // A retried write is not known to be idempotent to the driver; our writes are, and say so themselves.
    retryWrites: false,
    autoIndex: false,
    autoCreate: false,
  });
  await connection.asPromise();
  return connection;
}

export async function pingMongo(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}
