'use strict';
// Readiness probes speaking just enough of each wire protocol, with Node's `net` only.
// A TCP connect is not enough: Kafka binds its port before the broker has joined the KRaft
// quorum and been unfenced, and a half-started server must not be reported as "up".

const net = require('node:net');

/**
 * Sends one request frame and resolves with the first complete length-prefixed reply body.
 * Both protocols prefix a message with its length (Kafka: int32 BE excluding itself; MongoDB:
 * int32 LE including itself), so `frameLength(buf)` returns the full frame size or -1 if unknown.
 */
function roundTrip({ host, port, request, frameLength, timeoutMs = 3000 }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const len = frameLength(buf);
      if (len >= 0 && buf.length >= len) {
        socket.destroy();
        resolve(buf.subarray(0, len));
      }
    });
    socket.once('end', () => fail(new Error(`${host}:${port} closed the connection`)));
  });
}

// ---------------------------------------------------------------- Kafka

const kafkaFrameLength = (buf) => (buf.length >= 4 ? buf.readInt32BE(0) + 4 : -1);

/** Request header v1 (api key, version, correlation id, client id) + body, length-prefixed. */
function kafkaRequest(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from('infra-probe');
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length, 0);
  return Buffer.concat([size, header, body]);
}

/**
 * ApiVersions v0 (every broker since 0.10 answers it, 4.x included): returns a Map
 * apiKey -> [minVersion, maxVersion].
 */
async function kafkaApiVersions(host, port) {
  const reply = await roundTrip({ host, port, request: kafkaRequest(18, 0, 1, Buffer.alloc(0)), frameLength: kafkaFrameLength });
  if (reply.readInt32BE(4) !== 1) throw new Error('ApiVersions: wrong correlation id');
  const errorCode = reply.readInt16BE(8);
  if (errorCode !== 0) throw new Error(`ApiVersions error code ${errorCode}`);
  const versions = new Map();
  const n = reply.readInt32BE(10);
  for (let i = 0, off = 14; i < n; i++, off += 6) {
    versions.set(reply.readInt16BE(off), [reply.readInt16BE(off + 2), reply.readInt16BE(off + 4)]);
  }
  return versions;
}

/**
 * True when the broker answers ApiVersions AND its Metadata lists at least one live broker,
 * i.e. it has registered with the controller and been unfenced: the moment clients can create
 * topics. Metadata v4..v8 share the same (non-flexible) layout up to the broker array.
 */
async function kafkaReady({ host = '127.0.0.1', port }) {
  const versions = await kafkaApiVersions(host, port);
  const [min, max] = versions.get(3) || [0, -1];
  const v = Math.min(8, max);
  if (v < Math.max(4, min)) return true; // no non-flexible Metadata version to ask: ApiVersions must do
  // topics: empty array (= no topics, keeps the reply tiny); allow_auto_topic_creation: false;
  // v8 adds include_cluster/topic_authorized_operations: false.
  const body = Buffer.alloc(v >= 8 ? 7 : 5);
  body.writeInt32BE(0, 0);
  const reply = await roundTrip({ host, port, request: kafkaRequest(3, v, 2, body), frameLength: kafkaFrameLength });
  if (reply.readInt32BE(4) !== 2) throw new Error('Metadata: wrong correlation id');
  const brokers = reply.readInt32BE(12); // after size(4), correlation id(4), throttle_time_ms(4)
  return brokers >= 1;
}

// ---------------------------------------------------------------- MongoDB wire protocol (OP_MSG)

const mongoFrameLength = (buf) => (buf.length >= 4 ? buf.readInt32LE(0) : -1);

/** BSON for a flat document of int32 / string values (all a probe command needs). */
function bsonDoc(fields) {
  const parts = [];
  for (const [key, value] of Object.entries(fields)) {
    const k = Buffer.from(`${key}\0`);
    if (typeof value === 'number') {
      const v = Buffer.alloc(4);
      v.writeInt32LE(value, 0);
      parts.push(Buffer.from([0x10]), k, v);
    } else {
      const s = Buffer.from(`${value}\0`);
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length, 0);
      parts.push(Buffer.from([0x02]), k, len, s);
    }
  }
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + body.length + 1, 0);
  return Buffer.concat([size, body, Buffer.from([0])]);
}

/** Reads the top-level numeric/boolean fields of a BSON document, skipping everything else. */
function bsonTopLevel(doc) {
  const out = {};
  const end = doc.readInt32LE(0) - 1;
  let off = 4;
  while (off < end) {
    const type = doc[off];
    const nameEnd = doc.indexOf(0, off + 1);
    const name = doc.toString('utf8', off + 1, nameEnd);
    off = nameEnd + 1;
    switch (type) {
      case 0x01:
        out[name] = doc.readDoubleLE(off);
        off += 8;
        break; // double
      case 0x02:
      case 0x0d:
      case 0x0e: {
        // string, code, symbol
        const len = doc.readInt32LE(off);
        out[name] = doc.toString('utf8', off + 4, off + 4 + len - 1);
        off += 4 + len;
        break;
      }
      case 0x03:
      case 0x04:
        off += doc.readInt32LE(off);
        break; // document, array
      case 0x05:
        off += 5 + doc.readInt32LE(off);
        break; // binary
      case 0x07:
        off += 12;
        break; // ObjectId
      case 0x08:
        out[name] = doc[off] === 1;
        off += 1;
        break; // bool
      case 0x09:
      case 0x11:
      case 0x12:
        off += 8;
        break; // date, timestamp, int64
      case 0x0a:
      case 0x06:
      case 0xff:
      case 0x7f:
        break; // null, undefined, min/max key
      case 0x10:
        out[name] = doc.readInt32LE(off);
        off += 4;
        break; // int32
      case 0x13:
        off += 16;
        break; // decimal128
      default:
        return out; // anything exotic: stop, the probe only needs `ok`
    }
  }
  return out;
}

/** Sends `{ <command>: 1, $db: 'admin' }` as OP_MSG and returns the reply's top-level fields. */
async function mongoCommand({ host = '127.0.0.1', port, command }) {
  const doc = bsonDoc({ [command]: 1, $db: 'admin' });
  const header = Buffer.alloc(16 + 4 + 1);
  header.writeInt32LE(header.length + doc.length, 0); // messageLength
  header.writeInt32LE(42, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // opCode OP_MSG
  header.writeUInt32LE(0, 16); // flagBits
  header[20] = 0; // section kind 0: body
  const reply = await roundTrip({ host, port, request: Buffer.concat([header, doc]), frameLength: mongoFrameLength });
  if (reply.readInt32LE(12) !== 2013 || reply.readInt32LE(8) !== 42) throw new Error('unexpected reply to OP_MSG');
  if (reply[20] !== 0) throw new Error('OP_MSG reply does not start with a body section');
  return bsonTopLevel(reply.subarray(21));
}

/** True when the server answers `ping` with ok: 1 (FerretDB checks its backend for ping). */
async function mongoReady({ host = '127.0.0.1', port }) {
  const res = await mongoCommand({ host, port, command: 'ping' });
  return res.ok === 1;
}

module.exports = { kafkaReady, kafkaApiVersions, mongoReady, mongoCommand };
