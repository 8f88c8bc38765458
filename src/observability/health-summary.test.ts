import { createSendHealth, summarizeHealth } from './health-summary.js';

const ok = { id: 'mail', kind: 'email', health: { state: 'ok' as const } };

describe('health summary', () => {
  test('all well: ok and ready', () => {
    expect(summarizeHealth({ database: 'ok', pendingMigrations: [], channels: [ok] })).toEqual({ status: 'ok', ready: true, reasons: [] });
  });

  test('a channel that cannot log in degrades health with its reason but keeps the gateway ready', () => {
    const s = summarizeHealth({
      database: 'ok',
      pendingMigrations: [],
      channels: [ok, { id: 'support', kind: 'email', health: { state: 'auth_failed', lastError: 'AUTHENTICATIONFAILED' } }],
    });
    expect(s).toEqual({ status: 'degraded', ready: true, reasons: ['channel support: auth_failed (AUTHENTICATIONFAILED)'] });
  });

  test('sending failures are a reason until the next success', () => {
    const sends = createSendHealth();
    sends.failed('mail', Date.UTC(2026, 10, 30, 12), 'network', 'connect ECONNREFUSED 127.0.0.1:2525');
    sends.failed('mail', Date.UTC(2026, 10, 30, 13), 'network', 'connect ECONNREFUSED 127.0.0.1:2525');
    const s = summarizeHealth({ database: 'ok', pendingMigrations: [], channels: [{ ...ok, sendFailure: sends.failure('mail') }] });
    expect(s.status).toBe('degraded');
    expect(s.reasons).toEqual([
      'channel mail: sending fails since 2026-11-30T12:00:00.000Z (network: connect ECONNREFUSED 127.0.0.1:2525; 2 attempt(s))',
    ]);
    sends.sent('mail');
    expect(sends.failure('mail')).toBeUndefined();
  });

  test('an unreachable database or pending migrations make the gateway not ready', () => {
    expect(summarizeHealth({ database: 'unreachable', channels: [] })).toEqual({
      status: 'degraded',
      ready: false,
      reasons: ['database unreachable'],
    });
    expect(summarizeHealth({ database: 'ok', pendingMigrations: ['20261130-x'], channels: [] })).toEqual({
      status: 'degraded',
      ready: false,
      reasons: ['migrations pending: 20261130-x'],
    });
  });

  test('connecting and starting are not problems', () => {
    for (const state of ['starting', 'connecting', 'connected', 'stopped'] as const) {
      expect(
        summarizeHealth({ database: 'ok', pendingMigrations: [], channels: [{ id: 'zap', kind: 'whatsapp', health: { state } }] }).status,
      ).toBe('ok');
    }
  });
});
