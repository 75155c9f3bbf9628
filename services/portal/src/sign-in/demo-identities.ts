import { readFileSync } from 'node:fs';

import { z } from 'zod';

/** An identity the local sign-in page offers with one click. */
export type DemoIdentity = z.infer<typeof demoIdentitySchema>;

const demoIdentitySchema = z.discriminatedUnion('role', [
  z
    .object({
      role: z.literal('citizen'),
      nationalId: z.string().regex(/^\d{13}$/),
      name: z.string().min(1).max(200),
      description: z.string().max(500).default(''),
    })
    .strict(),
  z
    .object({
      role: z.literal('operator'),
      subject: z.string().regex(/^[\w.@-]{1,64}$/),
      name: z.string().min(1).max(200),
      description: z.string().max(500).default(''),
    })
    .strict(),
]);

/** The demo file's shape: `{ "identities": [...] }`. */
export const demoFileSchema = z
  .object({ identities: z.array(demoIdentitySchema).max(100) })
  .strict();

/**
 * The demo identities in `file`, read at each showing of the sign-in page (`npm start` may
 * write it after the portal started). A missing file offers none; an invalid one is reported
 * by `onInvalid` and offers none.
 */
export function readDemoIdentities(
  file: string | undefined,
  onInvalid: (message: string) => void,
): DemoIdentity[] {
  if (file === undefined) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    return demoFileSchema.parse(JSON.parse(text)).identities;
  } catch (error) {
    onInvalid(
      `${file} is not a demo identities file: ${error instanceof Error ? error.message : String(error)}`,
    );
    return [];
  }
}
