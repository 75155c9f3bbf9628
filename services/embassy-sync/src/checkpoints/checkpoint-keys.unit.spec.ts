import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { signCheckpoint, signatureProblem } from './checkpoint';
import { KEY_DIR_FILES, loadCheckpointKeys } from './checkpoint-keys';

describe('checkpoint keys', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-keys-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const payload = {
    service: 'registry',
    position: '1',
    digest: `sha256:${'0'.repeat(64)}`,
    signedAt: '2026-01-01T00:00:00.000Z',
  };

  it('creates a pair in the key folder once and reads the same pair afterwards', () => {
    const first = loadCheckpointKeys({ dir: join(dir, 'checkpoints') });
    const second = loadCheckpointKeys({ dir: join(dir, 'checkpoints') });

    expect(first.signer?.keyId).toBeDefined();
    expect(second.signer?.keyId).toBe(first.signer?.keyId);
    expect(second.verifier?.keyId).toBe(first.signer?.keyId);
    expect(statSync(join(dir, 'checkpoints', KEY_DIR_FILES.privateKey)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'checkpoints', KEY_DIR_FILES.publicKey), 'utf8')).toContain(
      'BEGIN PUBLIC KEY',
    );
  });

  it('lets the primary sign with the private key file and the embassy verify with the public one', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const privateFile = join(dir, 'private.pem');
    const publicFile = join(dir, 'public.pem');
    writeFileSync(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(publicFile, publicKey.export({ format: 'pem', type: 'spki' }));

    const primary = loadCheckpointKeys({ privateKeyFile: privateFile });
    const embassy = loadCheckpointKeys({ publicKeyFile: publicFile });

    expect(primary.verifier).toBeUndefined();
    expect(embassy.signer).toBeUndefined();
    if (!primary.signer || !embassy.verifier) throw new Error('keys missing');
    expect(
      signatureProblem(signCheckpoint(payload, primary.signer), embassy.verifier),
    ).toBeUndefined();
  });

  it('refuses a key that is not Ed25519', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const file = join(dir, 'ec.pem');
    writeFileSync(file, publicKey.export({ format: 'pem', type: 'spki' }));

    expect(() => loadCheckpointKeys({ publicKeyFile: file })).toThrow(/not Ed25519/);
  });

  it('has nothing to sign or verify with without keys', () => {
    expect(loadCheckpointKeys({})).toEqual({});
  });
});
