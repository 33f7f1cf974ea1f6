import { MONGO_CONNECTION } from '#platform';
import { DynamicModule, INestApplicationContext, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Connection } from 'mongoose';
import { CliError } from './cli-errors.js';

/** The URI without its password, for messages. */
export function redact(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export function assertUri(uri: string, flag: string): void {
  if (!/^mongodb(\+srv)?:\/\/.+\/[^/?]+/.test(uri)) {
    throw new CliError(`${flag} must be a mongodb:// URI that names a database (mongodb://host:port/name), got ${JSON.stringify(redact(uri))}`, 2);
  }
}

const DATABASE_CHECKED = Symbol('DATABASE_CHECKED');

/**
 * Fails the boot when the database has no `collection`: providers are all built before any of them
 * prepares its collections (onModuleInit), so a wrong database is told, not written to.
 */
export function requireCollection(collection: string, notThere: string): Provider {
  return {
    provide: DATABASE_CHECKED,
    inject: [MONGO_CONNECTION],
    useFactory: async (connection: Connection) => {
      const names = (await connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
      if (!names.includes(collection)) throw new CliError(notThere);
      return true;
    },
  };
}

/**
 * Runs `use` in a Nest application context of `module`, whose MongoDB is at `uri`, and closes it
 * afterwards (its shutdown hooks close the connection and whatever else the module opened).
 */
export async function withContext<T>(module: DynamicModule, uri: string, use: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  let context: INestApplicationContext;
  try {
    context = await NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
  } catch (error) {
    if (error instanceof Error && error.name.startsWith('Mongo')) throw new CliError(`cannot reach MongoDB at ${redact(uri)}: ${error.message}`);
    throw error;
  }
  try {
    return await use(context);
  } finally {
    await context.close().catch(() => undefined);
  }
}
