// The cut of an agency feed (changes.proto, "AGENCY FEEDS"): a RecordChange of the full feed,
// reduced to what the agency's legal basis names. Pure: no I/O. Generic over the record
// message (the `record` oneof of RecordChange): a register is known by its `Register` value and
// its fields by their proto names, read from the descriptors, so a register added to the
// contract is cut without a change here when its fields are named as the catalogue names them.
import { clearField, clone, create } from '@bufbuild/protobuf';
import type { DescField, DescMessage } from '@bufbuild/protobuf';

import { AgencyViewSchema, RecordChangeSchema, Register, RegisterSchema } from '@gov/contracts';
import type { AgencyView, RecordChange } from '@gov/contracts';
import { categoryOfField } from '@gov/platform-legal-bases';

/** A register's source name from its enum value's name: `PERSONS` → `persons`. */
function sourceName(localName: string): string {
  return localName.toLowerCase().replaceAll('_', '-');
}

/** The catalogue's source name of a register: `REGISTER_PERSONS` → `persons`. */
export function registerSource(register: Register): string | undefined {
  if (register === Register.UNSPECIFIED) return undefined;
  const number: number = register;
  const value = RegisterSchema.values.find((v) => v.number === number);
  return value === undefined ? undefined : sourceName(value.localName);
}

/** What a view sends of one register: the record message's fields it keeps. */
interface RegisterCut {
  readonly kept: ReadonlySet<string>;
  readonly cleared: readonly DescField[];
}

/** The record messages of RecordChange's `record` oneof, by their `Register` value's source. */
function recordMessages(): ReadonlyMap<string, DescMessage> {
  const oneof = RecordChangeSchema.oneofs.find((o) => o.name === 'record');
  const messages = new Map<string, DescMessage>();
  for (const field of oneof?.fields ?? []) {
    if (field.message === undefined) continue;
    // The register of a case is the one whose record message it is, by name: `person` is
    // REGISTER_PERSONS, `business` REGISTER_BUSINESSES (the contract says `register` matches
    // the case of `record`).
    const register = RegisterSchema.values.find((value) =>
      value.localName.toLowerCase().startsWith(field.name.toLowerCase()),
    );
    if (register !== undefined) messages.set(sourceName(register.localName), field.message);
  }
  return messages;
}

const RECORD_MESSAGES = recordMessages();

/**
 * The record message of `register` in RecordChange's `record` oneof, found by its case's name
 * (`undefined` when no case matches: such a register is never cut, so nothing of it is sent).
 */
export function recordMessageOf(register: Register): DescMessage | undefined {
  const source = registerSource(register);
  return source === undefined ? undefined : RECORD_MESSAGES.get(source);
}

/**
 * A view's cut of one register, or `undefined` when the view covers none of it: the basis must
 * name the register's id field (the record message's field number 1, which the key discloses)
 * and at least one other of its fields.
 */
function registerCut(view: AgencyView, source: string): RegisterCut | undefined {
  const message = RECORD_MESSAGES.get(source);
  if (message === undefined) return undefined;
  const named = new Set(view.categories);
  const idField = message.fields.find((field) => field.number === 1);
  if (idField === undefined || !named.has(`${source}.${idField.name}`)) return undefined;
  // A field that qualifies another goes with that field's category (QUALIFYING_FIELDS).
  const kept = new Set(
    message.fields
      .filter((field) => named.has(categoryOfField(source, field.name)))
      .map((field) => field.name),
  );
  if (kept.size < 2) return undefined;
  return { kept, cleared: message.fields.filter((field) => !kept.has(field.name)) };
}

/** The cuts of a view by register, computed once per view (views are few and long-lived). */
const CUTS = new WeakMap<AgencyView, Map<string, RegisterCut | undefined>>();

function cutOf(view: AgencyView, source: string): RegisterCut | undefined {
  let cuts = CUTS.get(view);
  if (cuts === undefined) {
    cuts = new Map();
    CUTS.set(view, cuts);
  }
  if (!cuts.has(source)) cuts.set(source, registerCut(view, source));
  return cuts.get(source);
}

/** Whether a feed with `view` carries records of `register` (and so its tombstones). */
export function viewCovers(view: AgencyView, register: Register): boolean {
  const source = registerSource(register);
  return source !== undefined && cutOf(view, source) !== undefined;
}

/**
 * The fields of `register`'s records that a feed with `view` sends, by their proto names in
 * field-number order: a re-cut's `changed_fields`. Empty when the view does not cover it.
 */
export function viewFields(view: AgencyView, register: Register): string[] {
  const source = registerSource(register);
  const message = recordMessageOf(register);
  const cut = source === undefined ? undefined : cutOf(view, source);
  if (message === undefined || cut === undefined) return [];
  return message.fields.filter((field) => cut.kept.has(field.name)).map((field) => field.name);
}

/**
 * The agency's message of a change on the full feed, as changes.proto's "AGENCY FEEDS" states
 * it, or `undefined` when the agency gets nothing of it: its register is not covered by the
 * view, or none of its changed fields is named. Fields the view does not name are cleared (a
 * qualifying field follows the field it qualifies), `changed_fields` keeps only named fields and
 * `view` is set. `change` itself is left as it is.
 */
export function cutForAgency(change: RecordChange, view: AgencyView): RecordChange | undefined {
  const source = registerSource(change.register);
  const cut = source === undefined ? undefined : cutOf(view, source);
  if (cut === undefined || change.record.case === undefined) return undefined;
  const changedFields = change.changedFields.filter((field) => cut.kept.has(field));
  if (changedFields.length === 0) return undefined;
  const cutChange = clone(RecordChangeSchema, change);
  cutChange.changedFields = changedFields;
  cutChange.view = clone(AgencyViewSchema, view);
  const record = cutChange.record.value;
  if (record === undefined) return undefined;
  for (const field of cut.cleared) clearField(record, field);
  return cutChange;
}

/** The `AgencyView` of a cut (categories sorted, as the contract states them). */
export function agencyView(
  organisationId: string,
  legalBasisId: string,
  version: number,
  categories: readonly string[],
): AgencyView {
  return create(AgencyViewSchema, {
    organisationId,
    legalBasisId,
    version,
    categories: [...categories].sort(),
  });
}
