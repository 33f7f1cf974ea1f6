import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Connection } from 'mongoose';
import { connectMongo } from './mongo-connection.js';

/** The app's one mongoose connection. */
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');

export interface MongoModuleOptions {
  uri: string;
}

/**
 * Owns the app's MongoDB connection (`MONGO_CONNECTION`, open before any provider that injects it is
 * built) and closes it last, once every other shutdown hook has run.
 */
@Module({})
export class MongoModule implements OnApplicationShutdown {
  constructor(@Inject(MONGO_CONNECTION) private readonly connection: Connection) {}

  static forRoot(options: MongoModuleOptions): DynamicModule {
    return {
      module: MongoModule,
      global: true,
      providers: [{ provide: MONGO_CONNECTION, useFactory: () => connectMongo(options.uri) }],
      exports: [MONGO_CONNECTION],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
