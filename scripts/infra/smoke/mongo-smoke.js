'use strict';
// Manual check of what mongoose can and cannot do against the local FerretDB. Not a test suite:
// it prints ok/FAIL per feature ("FAIL" = FerretDB 1.24 lacks it; see scripts/infra/README.md).
//   node scripts/infra/smoke/mongo-smoke.js [mongodb://127.0.0.1:27017/smoke]
// Uses the repo's mongoose; MONGOOSE=/path/to/node_modules/mongoose to try another major.

const modPath = process.env.MONGOOSE || 'mongoose';
const mongoose = require(modPath);
const uri = process.argv[2] || 'mongodb://127.0.0.1:27017/smoke';
const results = [];
async function check(name, fn) {
  try {
    const r = await fn();
    results.push(`ok   ${name}${r === undefined ? '' : ` -> ${JSON.stringify(r)}`}`);
  } catch (e) {
    results.push(`FAIL ${name} -> ${e.name}: code=${e.code} ${String(e.message).slice(0, 160)}`);
  }
}
const expect = (cond, what) => {
  if (!cond) throw new Error(what);
};

(async () => {
  const pkg = require(`${modPath}/package.json`);
  const drv = require(require.resolve('mongodb/package.json', { paths: [require.resolve(modPath)] }));
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  const s = Date.now();
  const Item = conn.model(
    `Item${s}`,
    new mongoose.Schema(
      { sku: { type: String, unique: true }, name: String, version: { type: Number, default: 0 }, qty: Number, tags: [String], arr: [Number], createdAt: Date },
      { autoIndex: false },
    ),
  );
  const after = { returnDocument: 'after' }; // mongoose 9 deprecates { new: true }

  await check('ping / buildInfo', async () => {
    const b = await conn.db.admin().command({ buildInfo: 1 });
    return [b.version, b.ferretdbVersion];
  });
  await check('hello (no setName = standalone)', async () => {
    const h = await conn.db.admin().command({ hello: 1 });
    return { maxWireVersion: h.maxWireVersion, setName: h.setName };
  });
  await check('Model.init -> createIndexes (unique)', async () => {
    await Item.createCollection();
    await Item.syncIndexes();
    return (await Item.listIndexes()).map((i) => i.name + (i.unique ? '(unique)' : ''));
  });
  await check('create / insertMany / find', async () => {
    await Item.create({ sku: 'a', name: 'A', qty: 1 });
    await Item.insertMany([
      { sku: 'b', qty: 2 },
      { sku: 'c', qty: 3 },
    ]);
    return (
      await Item.find({ qty: { $gte: 2 } })
        .sort({ qty: 1 })
        .lean()
    ).map((d) => d.sku);
  });
  await check('duplicate -> E11000', async () => {
    const e = await Item.create({ sku: 'a' }).then(
      () => null,
      (err) => err,
    );
    expect(e && e.code === 11000, 'duplicate accepted');
    return { code: e.code, keyValue: e.keyValue ?? null, keyPattern: e.keyPattern ?? null };
  });
  await check('findOneAndUpdate {version} + $inc (optimistic concurrency)', async () => {
    const r1 = await Item.findOneAndUpdate({ sku: 'a', version: 0 }, { $inc: { version: 1, qty: 5 } }, after).lean();
    const r2 = await Item.findOneAndUpdate({ sku: 'a', version: 0 }, { $inc: { version: 1 } }, after).lean();
    expect(r1 && r1.version === 1 && r1.qty === 6 && r2 === null, JSON.stringify([r1, r2]));
  });
  await check('upsert + $setOnInsert', async () => {
    await Item.findOneAndUpdate({ sku: 'z' }, { $setOnInsert: { name: 'Z' }, $inc: { qty: 1 } }, { upsert: true, ...after });
    const r = await Item.findOneAndUpdate({ sku: 'z' }, { $setOnInsert: { name: 'NO' }, $inc: { qty: 1 } }, { upsert: true, ...after }).lean();
    expect(r.name === 'Z' && r.qty === 2, JSON.stringify(r));
  });
  await check('upsert hitting a unique key -> E11000', async () => {
    const e = await Item.updateOne({ sku: 'a', version: 999 }, { $set: { qty: 1 } }, { upsert: true }).then(
      () => null,
      (err) => err,
    );
    expect(e && e.code === 11000, 'accepted');
  });
  await check('$push $each', async () => {
    await Item.updateOne({ sku: 'c' }, { $push: { tags: { $each: ['x', 'y'] } } });
    return (await Item.findOne({ sku: 'c' }).lean()).tags;
  });
  await check('$push $each $slice:-2 (expect [2,3])', async () => {
    await Item.updateOne({ sku: 'b' }, { $push: { arr: { $each: [1, 2, 3], $slice: -2 } } });
    const arr = (await Item.findOne({ sku: 'b' }).lean()).arr;
    expect(arr.length === 2, `$slice ignored: ${JSON.stringify(arr)}`);
  });
  await check('$push $position:0', async () => {
    await Item.updateOne({ sku: 'c' }, { $push: { tags: { $each: ['first'], $position: 0 } } });
    const tags = (await Item.findOne({ sku: 'c' }).lean()).tags;
    expect(tags[0] === 'first', `$position ignored: ${JSON.stringify(tags)}`);
  });
  await check('$addToSet / $pull / $max / $currentDate / $unset', async () => {
    await Item.updateOne({ sku: 'c' }, { $addToSet: { tags: 'x' }, $max: { qty: 50 }, $currentDate: { createdAt: true }, $unset: { name: '' } });
    await Item.updateOne({ sku: 'c' }, { $pull: { tags: 'y' } });
  });
  await check('update pipeline', () => Item.collection.updateOne({ sku: 'c' }, [{ $set: { qty: { $add: ['$qty', 1] } } }]));
  await check('arrayFilters', () => Item.updateOne({ sku: 'b' }, { $set: { 'arr.$[x]': 0 } }, { arrayFilters: [{ x: { $gt: 2 } }] }));
  await check('positional $', () => Item.updateOne({ sku: 'c', tags: 'x' }, { $set: { 'tags.$': 'X' } }));
  await check('bulkWrite', async () => {
    const r = await Item.bulkWrite([{ updateOne: { filter: { sku: 'b' }, update: { $inc: { qty: 1 } } } }, { insertOne: { document: { sku: 'bw' } } }]);
    return { modified: r.modifiedCount, inserted: r.insertedCount };
  });
  await check('aggregate $match/$group/$sort/$unwind', () =>
    Item.aggregate([{ $match: { qty: { $gt: 0 } } }, { $group: { _id: null, total: { $sum: '$qty' } } }]),
  );
  await check('aggregate $lookup', () => Item.aggregate([{ $lookup: { from: Item.collection.name, localField: 'sku', foreignField: 'sku', as: 'self' } }]));
  await check('aggregate $facet', () => Item.aggregate([{ $facet: { n: [{ $count: 'n' }] } }]));
  await check('TTL index (expireAfterSeconds)', () => Item.collection.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 }));
  await check('partialFilterExpression index', () => Item.collection.createIndex({ name: 1 }, { partialFilterExpression: { qty: { $gt: 0 } } }));
  await check('sparse unique index, two docs without the field', async () => {
    await Item.collection.createIndex({ code: 1 }, { unique: true, sparse: true });
    await Item.create({ sku: 's1' });
    await Item.create({ sku: 's2' });
  });
  await check('text index', () => Item.collection.createIndex({ name: 'text' }));
  await check('transaction (withTransaction)', async () => {
    const session = await conn.startSession();
    try {
      await session.withTransaction(() => Item.create([{ sku: 'tx' }], { session }));
    } finally {
      await session.endSession();
    }
  });
  await check('change stream', async () => {
    const cs = Item.watch();
    await Promise.race([cs.next(), new Promise((r) => setTimeout(r, 1000))]);
    await cs.close();
  });
  // Concurrency: each check runs N parallel operations that MongoDB applies atomically.
  const raw = Item.collection;
  await raw.insertOne({ _id: 'counter', n: 0, version: 0 });
  await check('20 parallel updateOne $inc (expect 20)', async () => {
    await Promise.all(Array.from({ length: 20 }, () => raw.updateOne({ _id: 'counter' }, { $inc: { n: 1 } })));
    const n = (await raw.findOne({ _id: 'counter' })).n;
    expect(n === 20, `lost updates: n=${n}`);
  });
  await check('10 optimistic-concurrency workers, retry on conflict (expect version 10)', async () => {
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (;;) {
          const d = await raw.findOne({ _id: 'counter' });
          if (await raw.findOneAndUpdate({ _id: 'counter', version: d.version }, { $inc: { version: 1 } })) return;
        }
      }),
    );
    const v = (await raw.findOne({ _id: 'counter' })).version;
    expect(v === 10, `two workers both won the same version: version=${v}`);
  });
  await raw.drop();
  await conn.close();
  console.log(`mongoose ${pkg.version} (driver ${drv.version}) against ${uri}`);
  console.log(results.join('\n'));
  process.exit(0);
})().catch((e) => {
  console.error('FATAL', e);
  process.exit(1);
});
