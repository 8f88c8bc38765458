import { AuthError, ChannelError, ConfigError, ConflictError, NotFoundError, PolicyError, ValidationError } from '../domain/errors.js';
import { statusFor } from './errors.js';

describe('statusFor', () => {
  test.each([
    ['bad input', new ValidationError('invalid body', []), 400],
    ['no token', new AuthError('unauthenticated', 'x'), 401],
    ['disabled agent', new AuthError('agent_disabled', 'x'), 401],
    ['expired token', new AuthError('token_expired', 'x'), 401],
    ['an admin-only route', new AuthError('forbidden', 'x'), 403],
    ["another agent's upload", new PolicyError('upload_not_yours', 'x'), 403],
    ['an upload used twice', new PolicyError('upload_already_used', 'x'), 409],
    ['a missing ticket', new NotFoundError('ticket', '1'), 404],
    ['a closed ticket', new ConflictError('x', 'ticket_closed'), 409],
    ['a refusing SMTP server', new ChannelError('smtp_550', 'x', false), 502],
    ['an unreachable channel', new ChannelError('network', 'x', true), 502],
    ['a broken configuration', new ConfigError('x', []), 500],
    ['anything else', new Error('boom'), 500],
    ['a thrown string', 'boom', 500],
  ])('%s → %i', (_what, err, status) => {
    expect(statusFor(err)).toBe(status);
  });
});
