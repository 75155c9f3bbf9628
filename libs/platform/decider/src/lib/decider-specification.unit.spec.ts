import { DomainRejection, evolveAll, isDomainRejection } from './decider';
import type { Decider } from './decider';
import { DeciderSpecification, SpecificationFailure } from './decider-specification';

// A small account aggregate in the style domain libraries use.
type AccountCommand =
  | { readonly type: 'OpenAccount'; readonly owner: string; readonly at: Date }
  | { readonly type: 'Deposit'; readonly amount: bigint; readonly at: Date }
  | { readonly type: 'Withdraw'; readonly amount: bigint; readonly at: Date };

type AccountEvent =
  | { readonly type: 'AccountOpened'; readonly owner: string; readonly at: Date }
  | { readonly type: 'Deposited'; readonly amount: bigint; readonly at: Date }
  | { readonly type: 'Withdrawn'; readonly amount: bigint; readonly at: Date };

type AccountState =
  { readonly status: 'none' } | { readonly status: 'open'; readonly balance: bigint };

type AccountRejection = 'not-open' | 'already-open' | 'insufficient-funds' | 'invalid-amount';

const reject = (code: AccountRejection, message: string, field?: string): never => {
  throw new DomainRejection(code, message, field === undefined ? [] : [{ field, code, message }]);
};

const account: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: { status: 'none' },
  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount':
        if (state.status === 'open') {
          // Opening twice for the same owner is a repeat, not an error.
          return [];
        }
        return [{ type: 'AccountOpened', owner: command.owner, at: command.at }];
      case 'Deposit':
        if (state.status !== 'open') return reject('not-open', 'no such account');
        if (command.amount <= 0n) return reject('invalid-amount', 'must be positive', 'amount');
        return [{ type: 'Deposited', amount: command.amount, at: command.at }];
      case 'Withdraw':
        if (state.status !== 'open') return reject('not-open', 'no such account');
        if (command.amount > state.balance) {
          return reject('insufficient-funds', 'balance too low', 'amount');
        }
        return [{ type: 'Withdrawn', amount: command.amount, at: command.at }];
      default: {
        const unhandled: never = command;
        throw new Error(`unhandled command ${JSON.stringify(unhandled)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'open', balance: 0n };
      case 'Deposited':
        return state.status === 'open'
          ? { ...state, balance: state.balance + event.amount }
          : state;
      case 'Withdrawn':
        return state.status === 'open'
          ? { ...state, balance: state.balance - event.amount }
          : state;
      default: {
        const unhandled: never = event;
        throw new Error(`unhandled event ${JSON.stringify(unhandled)}`);
      }
    }
  },
};

const at = new Date('2026-01-02T03:04:05.000Z');
const opened: AccountEvent = { type: 'AccountOpened', owner: 'ada', at };
const spec = DeciderSpecification.for(account);

describe('DeciderSpecification', () => {
  it('passes when decide returns exactly the expected events', () => {
    spec
      .given([opened, { type: 'Deposited', amount: 10n, at }])
      .when({ type: 'Withdraw', amount: 7n, at })
      .then([{ type: 'Withdrawn', amount: 7n, at: new Date(at.getTime()) }]);
  });

  it('starts from the initial state when nothing is given', () => {
    spec.given().when({ type: 'OpenAccount', owner: 'ada', at }).then([opened]);
  });

  it('fails, printing both sides, when the events differ', () => {
    const check = () => {
      spec
        .given([opened])
        .when({ type: 'Deposit', amount: 5n, at })
        .then([{ type: 'Deposited', amount: 6n, at }]);
    };
    expect(check).toThrow(SpecificationFailure);
    expect(check).toThrow(/"amount":"6n"[\s\S]*decide returned[\s\S]*"amount":"5n"/);
  });

  it('fails when an event is missing or extra', () => {
    expect(() => {
      spec.given([opened]).when({ type: 'Deposit', amount: 5n, at }).then([]);
    }).toThrow(SpecificationFailure);
    expect(() => {
      spec.given([]).when({ type: 'OpenAccount', owner: 'ada', at }).then([opened, opened]);
    }).toThrow(SpecificationFailure);
  });

  it('fails when events were expected but the command was rejected', () => {
    expect(() => {
      spec.given([]).when({ type: 'Deposit', amount: 5n, at }).then([]);
    }).toThrow(/rejected: "not-open"/);
  });

  it('expects no events for an idempotent repeat', () => {
    spec.given([opened]).when({ type: 'OpenAccount', owner: 'ada', at }).thenNothing();
    expect(() => {
      spec.given([]).when({ type: 'OpenAccount', owner: 'ada', at }).thenNothing();
    }).toThrow(SpecificationFailure);
  });

  it('checks the code and fields of a rejection and returns it', () => {
    const rejection = spec
      .given([opened, { type: 'Deposited', amount: 3n, at }])
      .when({ type: 'Withdraw', amount: 4n, at })
      .thenRejects('insufficient-funds', [
        { field: 'amount', code: 'insufficient-funds', message: 'balance too low' },
      ]);
    expect(rejection.message).toBe('balance too low');
    spec.given([]).when({ type: 'Withdraw', amount: 4n, at }).thenRejects();
  });

  it('fails when the rejection has another code or other fields, or there is none', () => {
    expect(() =>
      spec.given([opened]).when({ type: 'Deposit', amount: 0n, at }).thenRejects('not-open'),
    ).toThrow(/code "not-open"[\s\S]*but got "invalid-amount"/);
    expect(() =>
      spec
        .given([opened])
        .when({ type: 'Deposit', amount: 0n, at })
        .thenRejects('invalid-amount', [{ field: 'at', code: 'invalid-amount', message: 'x' }]),
    ).toThrow(SpecificationFailure);
    expect(() =>
      spec.given([opened]).when({ type: 'Deposit', amount: 1n, at }).thenRejects(),
    ).toThrow(/expected a rejection[\s\S]*decide returned/);
  });

  it('matches a field given as a string by the field alone, and still counts the fields', () => {
    const deposit = spec.given([opened]).when({ type: 'Deposit', amount: 0n, at });
    deposit.thenRejects('invalid-amount', ['amount']);
    expect(() => deposit.thenRejects('invalid-amount', ['at'])).toThrow(SpecificationFailure);
    expect(() => deposit.thenRejects('invalid-amount', [])).toThrow(SpecificationFailure);
    expect(() => deposit.thenRejects('invalid-amount', ['amount', 'amount'])).toThrow(
      SpecificationFailure,
    );
  });

  it('re-throws errors that are not rejections: they are bugs', () => {
    const broken: Decider<string, string, null> = {
      initialState: null,
      decide: () => {
        throw new TypeError('boom');
      },
      evolve: (state) => state,
    };
    expect(() => {
      DeciderSpecification.for(broken).given([]).when('go').then([]);
    }).toThrow(TypeError);
  });

  it('compares dates by instant, bytes by content, and ignores undefined properties', () => {
    const bytes: Decider<null, object, null> = {
      initialState: null,
      decide: () => [{ at: new Date(0), data: new Uint8Array([1, 2]), note: undefined }],
      evolve: (state) => state,
    };
    const bytesSpec = DeciderSpecification.for(bytes).given([]).when(null);
    bytesSpec.then([{ at: new Date(0), data: new Uint8Array([1, 2]) }]);
    expect(() => {
      bytesSpec.then([{ at: new Date(1), data: new Uint8Array([1, 2]) }]);
    }).toThrow(SpecificationFailure);
    expect(() => {
      bytesSpec.then([{ at: new Date(0), data: new Uint8Array([1, 3]) }]);
    }).toThrow(SpecificationFailure);
    expect(() => {
      bytesSpec.then([{ at: new Date(0), data: [1, 2] }]);
    }).toThrow(SpecificationFailure);
  });
});

describe('evolveAll', () => {
  it('folds events in order from the initial state or a given state', () => {
    const deposited: AccountEvent = { type: 'Deposited', amount: 4n, at };
    expect(evolveAll(account, [opened, deposited, deposited])).toEqual({
      status: 'open',
      balance: 8n,
    });
    expect(evolveAll(account, [deposited], { status: 'open', balance: 1n })).toEqual({
      status: 'open',
      balance: 5n,
    });
    expect(evolveAll(account, [])).toBe(account.initialState);
  });
});

describe('isDomainRejection', () => {
  it('recognises rejections, optionally by code', () => {
    const rejection = new DomainRejection<AccountRejection>('not-open', 'no such account');
    expect(isDomainRejection(rejection)).toBe(true);
    expect(isDomainRejection(rejection, 'not-open', 'already-open')).toBe(true);
    expect(isDomainRejection(rejection, 'insufficient-funds')).toBe(false);
    expect(isDomainRejection(new Error('not-open'))).toBe(false);
    expect(rejection).toBeInstanceOf(Error);
    expect(rejection.name).toBe('DomainRejection');
    expect(rejection.fields).toEqual([]);
  });
});
