import { generateKeyPairSync } from 'node:crypto';

import {
  CheckpointDecodeError,
  canonicalPayload,
  decodeCheckpoint,
  encodeCheckpoint,
  keyIdOf,
  signCheckpoint,
  signatureProblem,
} from './checkpoint';
import type { CheckpointPayload, CheckpointSigner, CheckpointVerifierKey } from './checkpoint';

function keyPair(): { signer: CheckpointSigner; verifier: CheckpointVerifierKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signer: { privateKey, keyId: keyIdOf(privateKey) },
    verifier: { publicKey, keyId: keyIdOf(publicKey) },
  };
}

const PAYLOAD: CheckpointPayload = {
  service: 'registry',
  position: '120345',
  digest: `sha256:${'ab'.repeat(32)}`,
  signedAt: '2026-11-22T09:15:00.002Z',
};

/** The same bytes with one bit of byte `index` flipped. */
function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('signed checkpoints', () => {
  const { signer, verifier } = keyPair();

  it('sign the canonical text: the four members in a fixed order, without whitespace', () => {
    const reordered = {
      signedAt: PAYLOAD.signedAt,
      digest: PAYLOAD.digest,
      position: PAYLOAD.position,
      service: PAYLOAD.service,
    };

    expect(canonicalPayload(reordered)).toBe(
      `{"service":"registry","position":"120345","digest":"sha256:${'ab'.repeat(32)}","signedAt":"2026-11-22T09:15:00.002Z"}`,
    );
    expect(canonicalPayload({ ...reordered, extra: 'x' } as CheckpointPayload)).toBe(
      canonicalPayload(PAYLOAD),
    );
  });

  it('verify with the matching public key, after a round trip through the record bytes', () => {
    const checkpoint = signCheckpoint(PAYLOAD, signer);
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint));

    expect(decoded).toEqual(checkpoint);
    expect(checkpoint.keyId).toBe(verifier.keyId);
    expect(checkpoint.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(signatureProblem(decoded, verifier)).toBeUndefined();
  });

  it.each([0, 17, 63])('fail with byte %i of the signature flipped', (index) => {
    const checkpoint = signCheckpoint(PAYLOAD, signer);
    const tampered = { ...checkpoint, signature: flipByte(checkpoint.signature, index) };

    expect(signatureProblem(tampered, verifier)).toBe('bad-signature');
  });

  it.each([
    ['service', { service: 'consent' }],
    ['position', { position: '120346' }],
    ['digest', { digest: `sha256:${'ab'.repeat(31)}ac` }],
    ['signedAt', { signedAt: '2026-11-22T09:15:00.003Z' }],
  ])('fail when the %s was changed after signing', (_, change) => {
    const checkpoint = signCheckpoint(PAYLOAD, signer);

    expect(
      signatureProblem({ ...checkpoint, payload: { ...checkpoint.payload, ...change } }, verifier),
    ).toBe('bad-signature');
  });

  it('fail for another key, whether it claims its own id or ours', () => {
    const other = keyPair();
    const forged = signCheckpoint(PAYLOAD, other.signer);

    expect(signatureProblem(forged, verifier)).toBe('unknown-key');
    expect(signatureProblem({ ...forged, keyId: verifier.keyId }, verifier)).toBe('bad-signature');
  });

  it.each([
    ['not JSON', Buffer.from('{"payload":')],
    ['an array', Buffer.from('[]')],
    ['without a signature', Buffer.from(JSON.stringify({ payload: PAYLOAD, keyId: 'k' }))],
    [
      'with a position that is not a decimal',
      Buffer.from(
        JSON.stringify({
          payload: { ...PAYLOAD, position: '-1' },
          signature: 'A'.repeat(86) + '==',
          keyId: 'k',
        }),
      ),
    ],
    [
      'with an extra payload member',
      Buffer.from(
        JSON.stringify({
          payload: { ...PAYLOAD, note: 'x' },
          signature: 'A'.repeat(86) + '==',
          keyId: 'k',
        }),
      ),
    ],
  ])('refuse to decode a record %s', (_, bytes) => {
    expect(() => decodeCheckpoint(bytes)).toThrow(CheckpointDecodeError);
  });
});
