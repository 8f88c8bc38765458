import { pickFallback } from './fallback.js';

const channels = [
  { id: 'zap', canSend: true, deliversTo: ['whatsapp', 'phone'] },
  { id: 'mail', canSend: true, deliversTo: ['email'] },
  { id: 'form', canSend: false, deliversTo: [] },
  { id: 'mail2', canSend: true, deliversTo: ['email'] },
];

describe('pickFallback', () => {
  test('the next channel in order that reaches one of the requester identities', () => {
    expect(
      pickFallback(['zap', 'mail', 'mail2'], ['zap'], channels, [
        { kind: 'phone', address: '+5511' },
        { kind: 'email', address: 'a@x' },
      ]),
    ).toEqual({ channelId: 'mail', recipient: { kind: 'email', address: 'a@x' } });
  });
  test('the configured order decides', () => {
    expect(pickFallback(['mail2', 'mail'], ['zap'], channels, [{ kind: 'email', address: 'a@x' }])?.channelId).toBe('mail2');
  });
  test('none when every reachable channel was tried, or no identity fits', () => {
    expect(pickFallback(['zap', 'mail'], ['zap', 'mail'], channels, [{ kind: 'email', address: 'a@x' }])).toBeUndefined();
    expect(pickFallback(['zap', 'mail'], ['zap'], channels, [{ kind: 'phone', address: '+55' }])).toBeUndefined();
    expect(pickFallback(['form'], [], channels, [{ kind: 'email', address: 'a@x' }])).toBeUndefined();
  });
});
