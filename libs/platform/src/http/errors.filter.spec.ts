import { BadRequestException, Controller, Get, HttpException, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import kafkajs from 'kafkajs';
import mongoose from 'mongoose';
import { CodedError, PermanentError, TransientError, WaitingError, isTransient } from '../errors.js';
import { ErrorsFilter, answerTo } from './errors.filter.js';

class SlotTakenError extends CodedError {
  readonly code = 'SLOT_TAKEN';
  readonly status = 409;
}

describe('one error scheme: each error answered by its type', () => {
  it('a CodedError answers with the status and code its module gave it', () => {
    expect(answerTo(new SlotTakenError('the slot is taken'))).toEqual({ status: 409, body: { code: 'SLOT_TAKEN', message: 'the slot is taken' } });
  });

  it('a Nest HttpException answers with its status, and its code when it has one', () => {
    expect(answerTo(new BadRequestException({ code: 'INVALID_BODY', message: 'expected { "enrolled": boolean }' }))).toEqual({
      status: 400,
      body: { code: 'INVALID_BODY', message: 'expected { "enrolled": boolean }' },
    });
    expect(answerTo(new HttpException('Cannot GET /nowhere', 404)).body.code).toBe('NOT_FOUND');
  });

  it("the body parser's refusals are 400 and 413 with INVALID_BODY", () => {
    expect(answerTo(Object.assign(new Error('Unexpected token'), { type: 'entity.parse.failed' }))).toMatchObject({
      status: 400,
      body: { code: 'INVALID_BODY' },
    });
    expect(answerTo(Object.assign(new Error('request entity too large'), { type: 'entity.too.large' }))).toMatchObject({
      status: 413,
      body: { code: 'INVALID_BODY' },
    });
    expect(answerTo(new URIError('URI malformed'))).toMatchObject({ status: 400, body: { code: 'INVALID_PARAMETER' } });
  });

  it.each([
    ['TransientError', new TransientError('try later')],
    ['WaitingError', new WaitingError('early')],
    ["the MongoDB driver's network error", new mongoose.mongo.MongoNetworkError('connection reset')],
    [
      "the MongoDB driver's server selection error",
      new mongoose.mongo.MongoServerSelectionError('no server', {
        type: 'Unknown',
        servers: new Map(),
        stale: false,
        compatible: true,
        heartbeatFrequencyMS: 10000,
        localThresholdMS: 15,
      } as never),
    ],
    ['a kafkajs error', new kafkajs.KafkaJSConnectionError('broker away')],
    ['an error caused by one of these', new Error('write failed', { cause: new mongoose.mongo.MongoNetworkError('reset') })],
  ])('a transient failure (%s) is 503 UNAVAILABLE', (_name, error) => {
    expect(isTransient(error)).toBe(true);
    expect(answerTo(error)).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
  });

  it.each([
    ['a plain Error', new Error('Cannot read properties of undefined (reading "state") at /app/dist/apps/x.js')],
    ['a PermanentError', new PermanentError('NEVER', 'never applicable')],
    ['an error named like a transient one', Object.assign(new Error('not really'), { name: 'MongoNetworkError' })],
    ['not an Error at all', 'a string'],
  ])('anything else (%s) is 500 INTERNAL, and nothing of it reaches the body', (_name, error) => {
    expect(isTransient(error)).toBe(false);
    expect(answerTo(error)).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'the service failed to complete the request' } });
  });
});

/** A controller whose routes fail as the test says. */
@Controller('fail')
class Failing {
  @Get('unknown')
  unknown(): never {
    throw new Error('Cannot read properties of undefined (reading "state") at /app/dist/apps/ongoing-training/renewal/x.js');
  }

  @Get('transient')
  transient(): never {
    throw new mongoose.mongo.MongoNetworkError('connection 3 to 10.0.0.7:27017 closed');
  }

  @Get('coded')
  coded(): never {
    throw new SlotTakenError('the slot is taken');
  }
}

describe('ErrorsFilter at the HTTP edge of a Nest app', () => {
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    const module = await Test.createTestingModule({ controllers: [Failing] }).compile();
    app = module.createNestApplication({ logger: false });
    app.useGlobalFilters(new ErrorsFilter());
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  it('answers an unknown failure with 500 INTERNAL and nothing of the error', async () => {
    const answer = await get('/fail/unknown');
    expect(answer).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'the service failed to complete the request' } });
    expect(JSON.stringify(answer.body)).not.toMatch(/dist|state|undefined/);
  });

  it('answers a transient failure with 503 UNAVAILABLE, and a coded one with its own status and code', async () => {
    expect(await get('/fail/transient')).toEqual({
      status: 503,
      body: { code: 'UNAVAILABLE', message: 'the service could not complete the request; try again' },
    });
    expect(await get('/fail/coded')).toEqual({ status: 409, body: { code: 'SLOT_TAKEN', message: 'the slot is taken' } });
  });
});
