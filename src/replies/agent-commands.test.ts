import { parseAgentCommand } from './agent-commands.js';

describe('parseAgentCommand', () => {
  test.each([
    ['Olá, já enviamos.', { internal: false, body: 'Olá, já enviamos.' }],
    ['#note cliente ligou', { internal: true, body: 'cliente ligou' }],
    ['#note\nverificar estoque', { internal: true, body: 'verificar estoque' }],
    ['#10001 Seu pedido saiu hoje', { ticketNumber: 10001, internal: false, body: 'Seu pedido saiu hoje' }],
    ['#10001 #note só interno', { ticketNumber: 10001, internal: true, body: 'só interno' }],
    ['Resolvido, obrigado!\n#solved', { status: 'solved', body: 'Resolvido, obrigado!' }],
    ['Aguardo retorno\n #pending ', { status: 'pending', body: 'Aguardo retorno' }],
    ['#close', { status: 'closed', body: '' }],
    ['a cor é #solved no texto', { body: 'a cor é #solved no texto' }],
  ])('%j', (input, expected) => expect(parseAgentCommand(input)).toMatchObject(expected));
});
