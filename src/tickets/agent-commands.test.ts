import { parseAgentCommand } from './agent-commands.js';

describe('parseAgentCommand', () => {
  test.each([
    ['Olá, já enviamos.', { internal: false, body: 'Olá, já enviamos.' }],
    ['#note cliente ligou', { internal: true, body: 'cliente ligou' }],
    ['#note: cliente ligou', { internal: true, body: 'cliente ligou' }],
    ['#note\nverificar estoque', { internal: true, body: 'verificar estoque' }],
    ['#10001 Seu pedido saiu hoje', { ticketNumber: 10001, internal: false, body: 'Seu pedido saiu hoje' }],
    ['#10001 #note só interno', { ticketNumber: 10001, internal: true, body: 'só interno' }],
    ['Resolvido, obrigado!\n#solved', { status: 'solved', body: 'Resolvido, obrigado!' }],
    ['Aguardo retorno\n #pending ', { status: 'pending', body: 'Aguardo retorno' }],
    ['#close', { status: 'closed', body: '' }],
    ['a cor é #solved no texto', { internal: false, body: 'a cor é #solved no texto' }],
  ])('%j', (input, expected) => expect(parseAgentCommand(input)).toMatchObject(expected));

  // Every placement of the three commands: number, note, status; same line, several lines, any order.
  const placements: Array<[string, string]> = [
    ['#10004 #note #solved', 'same line: number, note, status'],
    ['#note #10004 #solved', 'same line: note, number, status'],
    ['#solved #note #10004', 'same line: status, note, number'],
    ['#10004\n#note\n#solved', 'one per line'],
    ['#10004\n\n#note #solved', 'blank line inside the block'],
    ['#solved\n#10004 #note', 'status first, then number and note'],
    ['  #10004\t#note\r\n#solved', 'tabs and CRLF'],
    ['#10004 #note: #solved', 'note with a colon'],
  ];
  test.each(placements)('command block %j (%s) keeps the message internal', (block) => {
    const cmd = parseAgentCommand(`${block}\nendereço do cliente: Rua X, 10`);
    expect(cmd).toMatchObject({ ticketNumber: 10004, internal: true, status: 'solved', body: 'endereço do cliente: Rua X, 10' });
  });

  test('#10004 then a newline then #note never reaches the customer', () => {
    expect(parseAgentCommand('#10004\n#note cliente é difícil')).toMatchObject({
      ticketNumber: 10004,
      internal: true,
      body: 'cliente é difícil',
    });
  });

  test('#note opening a later line makes the whole message internal', () => {
    expect(parseAgentCommand('#10004 Segue o código\n#note não enviar ao cliente')).toMatchObject({ internal: true });
    expect(parseAgentCommand('Texto\n\n#nota interna')).toMatchObject({ internal: true, body: 'Texto\n\ninterna' });
  });

  test('words that only look like commands stay text', () => {
    expect(parseAgentCommand('#notebook chegou')).toMatchObject({ internal: false, body: '#notebook chegou' });
    expect(parseAgentCommand('#12 itens')).toMatchObject({ internal: false, body: '#12 itens' });
    expect(parseAgentCommand('Pedido #10001 enviado')).toMatchObject({ internal: false, body: 'Pedido #10001 enviado' });
    expect(parseAgentCommand('Pedido\n#10001\nenviado').ticketNumber).toBeUndefined();
  });

  test('linear on long runs of hashes and spaces', () => {
    const evil = `${'# '.repeat(200_000)}\n${'#'.repeat(500_000)}`;
    const t0 = process.hrtime.bigint();
    parseAgentCommand(evil);
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(5000);
  });
});
