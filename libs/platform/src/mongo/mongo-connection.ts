import mongoose, { type Connection, Model, Schema } from 'mongoose';

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

/** The connection's model of a collection, compiled once per connection. */
export function modelOf<T>(connection: Connection, name: string, schema: Schema): Model<T> {
  // Typed by the caller: mongoose's own inference from an untyped schema is costly for the compiler.
  return ((connection.models[name] as unknown) ?? connection.model(name, schema)) as Model<T>;
}

/** What `ensureCollections` needs of a model. */
interface CollectionOfModel {
  createCollection(): Promise<unknown>;
  createIndexes(): Promise<unknown>;
}

/** Creates the models' collections (those that exist are left as they are) and their indexes. */
export async function ensureCollections(models: CollectionOfModel[]): Promise<void> {
  for (const model of models) {
    await model.createCollection().catch((error: { code?: number }) => {
      if (error.code !== 48) throw error; // NamespaceExists
    });
    await model.createIndexes();
  }
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
