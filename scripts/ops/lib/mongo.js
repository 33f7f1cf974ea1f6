'use strict';
// A short-lived mongoose connection for the scripts, with unreachable servers told in words.

const mongoose = require('mongoose');
const { CliError } = require('./errors');

/** The URI without its password, for messages. */
function redact(uri) {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function assertUri(uri, flag) {
  if (!/^mongodb(\+srv)?:\/\/.+\/[^/?]+/.test(uri)) {
    throw new CliError(`${flag} must be a mongodb:// URI that names a database (mongodb://host:port/name), got ${JSON.stringify(redact(uri))}`, 2);
  }
}

async function connect(uri) {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, retryWrites: false, autoIndex: false, autoCreate: false });
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new CliError(`cannot reach MongoDB at ${redact(uri)}: ${error.message}`);
  }
  return connection;
}

module.exports = { connect, redact, assertUri };
