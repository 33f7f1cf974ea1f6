'use strict';
// A counting TCP proxy for the MongoDB wire protocol, run as a child process of the bench (fork) so
// that its forwarding does not share an event loop with the bench's own measuring.
//
//   node bench/lib/db-proxy.js <upstreamHost> <upstreamPort>     (IPC channel required)
//
// Every client -> server message is counted by opCode; OP_MSG (2013) requests also by command name
// (the first key of their body section) with the time until the server's reply to them
// (reply.responseTo === request.requestID). Bytes are forwarded untouched and with backpressure.
// IPC: -> { type: 'listening', port } once; <- { type: 'stats', reset } -> { type: 'stats', stats }.

const net = require('node:net');

const OP_MSG = 2013;
const OP_COMPRESSED = 2012;
const HEAD = 128; // enough of a message for the header, the flags and the command name

const [upstreamHost, upstreamPortText] = process.argv.slice(2);
const upstreamPort = Number(upstreamPortText);

let stats = newStats();

function newStats() {
  return { since: Date.now(), connections: 0, messages: 0, opMsg: 0, byOpCode: {}, byCommand: new Map(), bytesUp: 0, bytesDown: 0, unanswered: 0 };
}

function commandStats(name) {
  let s = stats.byCommand.get(name);
  if (!s) stats.byCommand.set(name, (s = { count: 0, replies: 0, totalMs: 0, durations: [] }));
  return s;
}

/**
 * Cuts a byte stream into wire-protocol messages and calls `onMessage(head, length)` with the first
 * bytes of each (at most HEAD); never copies more than that per message.
 */
function messageSplitter(onMessage) {
  const head = Buffer.alloc(HEAD);
  let have = 0; // bytes of the current message's head collected
  let length = -1; // the current message's length, once known
  let skip = 0; // bytes of the current message left to pass over after its head
  return (chunk) => {
    let pos = 0;
    while (pos < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - pos);
        skip -= n;
        pos += n;
        continue;
      }
      const want = length < 0 ? 4 : Math.min(length, HEAD);
      const n = Math.min(want - have, chunk.length - pos);
      chunk.copy(head, have, pos, pos + n);
      have += n;
      pos += n;
      if (length < 0 && have >= 4) {
        length = head.readInt32LE(0);
        if (length < 16) throw new Error(`not a MongoDB wire protocol stream (message length ${length})`);
        continue;
      }
      if (length >= 0 && have === Math.min(length, HEAD)) {
        onMessage(head.subarray(0, have), length);
        skip = length - have;
        have = 0;
        length = -1;
      }
    }
  };
}

/** The command name of an OP_MSG: the first key of its body (kind 0) section. */
function commandName(head, length) {
  let pos = 20; // header (16) + flagBits (4)
  const end = Math.min(length, head.length);
  while (pos < end) {
    const kind = head[pos];
    if (kind === 0) {
      const nameStart = pos + 1 + 4 + 1; // kind, document size, element type
      const nameEnd = head.indexOf(0, nameStart);
      return nameEnd > nameStart ? head.toString('utf8', nameStart, nameEnd) : '(unknown)';
    }
    if (kind === 1 && pos + 5 <= end) {
      pos += 1 + head.readInt32LE(pos + 1); // kind byte + section size
      continue;
    }
    break;
  }
  return '(body beyond first bytes)';
}

const server = net.createServer((client) => {
  stats.connections++;
  const upstream = net.connect(upstreamPort, upstreamHost);
  const pending = new Map(); // requestID -> { name, at }
  const fromClient = messageSplitter((head, length) => {
    const requestId = head.readInt32LE(4);
    const opCode = head.readInt32LE(12);
    stats.messages++;
    stats.byOpCode[opCode] = (stats.byOpCode[opCode] ?? 0) + 1;
    let name = opCode === 2004 ? 'OP_QUERY (handshake)' : `opCode ${opCode}`;
    if (opCode === OP_MSG) {
      stats.opMsg++;
      name = commandName(head, length);
      // moreToCome (bit 1): the server will not answer this one.
      if (head.readUInt32LE(16) & 0x2) name += ' (no reply)';
    } else if (opCode === OP_COMPRESSED) {
      name = 'compressed';
    }
    commandStats(name).count++;
    pending.set(requestId, { name, at: process.hrtime.bigint(), epoch: stats.since });
  });
  const fromServer = messageSplitter((head) => {
    const responseTo = head.readInt32LE(8);
    const request = pending.get(responseTo);
    if (!request) return;
    pending.delete(responseTo);
    if (request.epoch !== stats.since) return; // asked before the last reset
    const ms = Number(process.hrtime.bigint() - request.at) / 1e6;
    const s = commandStats(request.name);
    s.replies++;
    s.totalMs += ms;
    s.durations.push(ms);
  });
  client.on('data', (chunk) => {
    stats.bytesUp += chunk.length;
    fromClient(chunk);
  });
  upstream.on('data', (chunk) => {
    stats.bytesDown += chunk.length;
    fromServer(chunk);
  });
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null;
}

function snapshot(light) {
  const byCommand = {};
  for (const [name, s] of stats.byCommand) {
    if (light) {
      byCommand[name] = { count: s.count, replies: s.replies, totalMs: s.totalMs };
      continue;
    }
    const sorted = Float64Array.from(s.durations).sort();
    byCommand[name] = {
      count: s.count,
      replies: s.replies,
      totalMs: s.totalMs,
      meanMs: s.replies ? s.totalMs / s.replies : null,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? sorted[sorted.length - 1] : null,
    };
  }
  return {
    since: stats.since,
    until: Date.now(),
    connections: stats.connections,
    messages: stats.messages,
    opMsg: stats.opMsg,
    byOpCode: stats.byOpCode,
    byCommand,
    bytesUp: stats.bytesUp,
    bytesDown: stats.bytesDown,
  };
}

process.on('message', (message) => {
  if (message?.type !== 'stats') return;
  const result = snapshot(Boolean(message.light));
  if (message.reset) stats = newStats();
  process.send({ type: 'stats', id: message.id, stats: result });
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
