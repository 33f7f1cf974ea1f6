'use strict';
// Where things live. Cache = downloads/builds shared by every clone of the repo on this machine
// (so CI in a fresh clone does not rebuild); runtime = data, logs and pid files of this clone.

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const INFRA_SRC = path.resolve(__dirname, '..'); // scripts/infra
const REPO_ROOT = path.resolve(INFRA_SRC, '..', '..');

function cacheDir() {
  return path.resolve(process.env.ONGOING_TRAINING_CACHE_DIR || path.join(os.homedir(), '.cache', 'ongoing-training'));
}

function runtimeDir() {
  return path.resolve(process.env.INFRA_DIR || path.join(REPO_ROOT, '.infra'));
}

/** sha256 of the given files' contents: a cache entry is reused only while its inputs are unchanged. */
function hashFiles(files) {
  const h = crypto.createHash('sha256');
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/**
 * Fills `<cache>/<name>` once. `build(tmpDir)` populates a private temp folder that is renamed
 * into place only on success, so an interrupted download never leaves a half cache behind, and
 * the `.complete` marker records the input hash so edited pins trigger a rebuild.
 */
async function cachedBuild({ name, inputsHash, build, log }) {
  const dir = path.join(cacheDir(), name);
  const marker = path.join(dir, '.complete');
  try {
    if (fs.readFileSync(marker, 'utf8').trim() === inputsHash) return { dir, built: false };
  } catch {
    /* not built yet */
  }
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), `${inputsHash}\n`);
    // Another process may have finished the same build meanwhile: keep whichever is complete.
    try {
      if (fs.readFileSync(marker, 'utf8').trim() === inputsHash) {
        fs.rmSync(tmp, { recursive: true, force: true });
        return { dir, built: true };
      }
    } catch {
      /* no competing build */
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (log) log(`cached in ${dir}`);
  return { dir, built: true };
}

module.exports = { INFRA_SRC, REPO_ROOT, cacheDir, runtimeDir, hashFiles, cachedBuild };
