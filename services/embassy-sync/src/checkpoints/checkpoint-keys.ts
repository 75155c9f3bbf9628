import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

import type { CheckpointKeySource } from '../embassy-sync.config';
import { keyIdOf } from './checkpoint';
import type { CheckpointSigner, CheckpointVerifierKey } from './checkpoint';

/** What this instance can do with checkpoints, given its keys. */
export interface CheckpointKeys {
  /** Present when it holds the private key: it signs where a watched service is primary. */
  readonly signer?: CheckpointSigner;
  /** Present when it holds the public key: it verifies the other site's checkpoints. */
  readonly verifier?: CheckpointVerifierKey;
}

/** File names in `CHECKPOINT_KEY_DIR`. */
export const KEY_DIR_FILES = {
  privateKey: 'checkpoint-key.pem',
  publicKey: 'checkpoint-public-key.pem',
} as const;

/**
 * Reads the configured keys. With a key folder (the local platform), the pair is created on
 * first use; both sites' instances get the same folder and so the same pair. A deployment
 * gives the primary the private key and the embassy the public key only.
 *
 * @throws if a file cannot be read or holds no Ed25519 key.
 */
export function loadCheckpointKeys(source: CheckpointKeySource): CheckpointKeys {
  if (source.dir !== undefined) {
    const privateKey = ensureKeyDir(source.dir);
    return { signer: signerOf(privateKey), verifier: verifierOf(createPublicKey(privateKey)) };
  }
  return {
    ...(source.privateKeyFile === undefined
      ? {}
      : { signer: signerOf(readKey(source.privateKeyFile, 'private')) }),
    ...(source.publicKeyFile === undefined
      ? {}
      : { verifier: verifierOf(readKey(source.publicKeyFile, 'public')) }),
  };
}

function signerOf(privateKey: KeyObject): CheckpointSigner {
  return { privateKey, keyId: keyIdOf(privateKey) };
}

function verifierOf(publicKey: KeyObject): CheckpointVerifierKey {
  return { publicKey, keyId: keyIdOf(publicKey) };
}

function readKey(file: string, kind: 'private' | 'public'): KeyObject {
  const pem = readFileSync(file, 'utf8');
  const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`${file} holds a ${String(key.asymmetricKeyType)} key, not Ed25519`);
  }
  return key;
}

/**
 * The folder's private key, created if missing. Both sites' instances may start at the same
 * moment: the key is written to a file of this process's own and hard-linked into place, which
 * fails if another process got there first, so everyone ends up with the same key.
 */
function ensureKeyDir(dir: string): KeyObject {
  const privateFile = join(dir, KEY_DIR_FILES.privateKey);
  const publicFile = join(dir, KEY_DIR_FILES.publicKey);
  if (!existsSync(privateFile)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    const staging = `${privateFile}.${String(process.pid)}.tmp`;
    writeFileSync(staging, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    chmodSync(staging, 0o600);
    try {
      linkSync(staging, privateFile);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
    } finally {
      rmSync(staging, { force: true });
    }
  }
  const privateKey = readKey(privateFile, 'private');
  const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' });
  if (!existsSync(publicFile) || readFileSync(publicFile, 'utf8') !== publicPem) {
    const staging = `${publicFile}.${String(process.pid)}.tmp`;
    writeFileSync(staging, publicPem, { mode: 0o644 });
    renameSync(staging, publicFile);
  }
  return privateKey;
}
