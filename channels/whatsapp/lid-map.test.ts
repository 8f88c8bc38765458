import { createLidMap, identitiesOfPair, mappingToLearn, pairOfContact } from './lid-map.js';

const LID = '203948571620394@lid';
const PN = '5511987654321@s.whatsapp.net';

describe('LID <-> phone decisions', () => {
  test('a pair is learned once, normalized, and only as LID + phone JID', () => {
    const none = () => undefined;
    expect(mappingToLearn('203948571620394:7@lid', '5511987654321:12@s.whatsapp.net', none)).toEqual({ lid: LID, pn: PN });
    expect(mappingToLearn(LID, PN, () => PN)).toBeUndefined(); // already known
    expect(mappingToLearn(PN, LID, none)).toBeUndefined(); // swapped
    expect(mappingToLearn(LID, '120363041234567890@g.us', none)).toBeUndefined(); // a group is no phone
    expect(mappingToLearn(undefined, PN, none)).toBeUndefined();
    expect(mappingToLearn(LID, '', none)).toBeUndefined();
  });

  test('one person, three identities: phone JID, LID and E.164', () => {
    expect(identitiesOfPair({ lid: LID, pn: PN })).toEqual([
      { kind: 'whatsapp', address: PN },
      { kind: 'whatsapp_lid', address: LID },
      { kind: 'phone', address: '+5511987654321' },
    ]);
  });

  test('history contacts: explicit fields first, else what the id is', () => {
    expect(pairOfContact({ id: LID, phoneNumber: PN })).toEqual({ lid: LID, pn: PN });
    expect(pairOfContact({ id: PN, lid: LID })).toEqual({ lid: LID, pn: PN });
    expect(pairOfContact({ id: PN })).toEqual({ lid: undefined, pn: PN });
  });
});

describe('createLidMap', () => {
  test('remembers a pair in the channel state, joins the identities once, and loads it back after a restart', async () => {
    const state = new Map<string, unknown>();
    const linked: unknown[] = [];
    const ctx = {
      state: {
        keys: async (prefix: string) => [...state.keys()].filter((k) => k.startsWith(prefix)),
        getMany: async <T>(keys: string[]) => new Map(keys.map((k) => [k, state.get(k) as T])),
        set: async (k: string, v: unknown) => void state.set(k, v),
      },
      linkIdentities: async (a: unknown) => {
        linked.push(a);
        return undefined;
      },
    } as unknown as Parameters<typeof createLidMap>[0];
    const map = createLidMap(ctx);
    await map.remember(LID, PN);
    await map.remember(LID, PN);
    expect(map.lookup(LID)).toBe(PN);
    expect(state.get(`lid:${LID}`)).toBe(PN);
    expect(linked).toHaveLength(1);

    const again = createLidMap(ctx);
    expect(again.lookup(LID)).toBeUndefined();
    await again.load();
    expect(again.lookup(LID)).toBe(PN);
  });
});
