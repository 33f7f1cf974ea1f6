import { MongoModule } from '#platform';
import { PAIR_CACHE_BYTES, PairRepository } from '#ongoing-training/renewal/pair.repository';
import { PAIR_CHANGES_COLLECTION } from '#ongoing-training/renewal/pair.schema';
import { DynamicModule, Module } from '@nestjs/common';
import { redact, requireCollection } from '../cli/database.js';

/**
 * The ongoing-training service's own PairRepository on its database, for `pair --mongodb-uri`: what the
 * API would answer, without the API. It holds no pairs in memory: each is read by key.
 */
@Module({})
export class PairReaderModule {
  static forRoot(uri: string): DynamicModule {
    return {
      module: PairReaderModule,
      imports: [MongoModule.forRoot({ uri })],
      providers: [
        requireCollection(
          PAIR_CHANGES_COLLECTION,
          `database ${redact(uri)} has no "${PAIR_CHANGES_COLLECTION}" collection: is it the ongoing-training service's database?`,
        ),
        { provide: PAIR_CACHE_BYTES, useValue: 0 },
        PairRepository,
      ],
    };
  }
}
