import { looksLikeAgentAutoReply } from './agent-auto-reply.js';

describe('looksLikeAgentAutoReply', () => {
  test.each([
    ['Re: [#10001] Pedido', 'Estou de férias até 10/01 com acesso limitado ao e-mail.'],
    ['Re: [#10001] Pedido', 'Olá!\nEstou fora do escritório e retornarei em 5 de janeiro.'],
    ['Re: [#10001] Pedido', 'Estoy de vacaciones hasta el lunes. Para urgencias escriba a...'],
    ['Re: [#10001] Pedido', 'I am currently out of the office with limited access to email.'],
    ['Re: [#10001] Pedido', 'Ich bin derzeit nicht im Büro und ab dem 3. wieder erreichbar.'],
    ['Re: [#10001] Pedido', 'Je suis absente jusqu’au 4 janvier.'],
    ['Out of Office: [#10001] Pedido', 'Back Monday.'],
    ['Resposta automática: [#10001] Pedido', 'Obrigado pela mensagem.'],
    ['Abwesenheit: [#10001]', 'Danke.'],
  ])('auto-reply: %s / %s', (subject, text) => expect(looksLikeAgentAutoReply(subject, text)).toBeDefined());

  test.each([
    ['Re: [#10001] Pedido', 'Olá Maria, o pedido saiu hoje. Código de rastreio: BR123.'],
    ['Re: [#10001] Pedido', 'Hola, ya enviamos el reembolso.'],
    [
      'Re: [#10001] Pedido',
      'Hi, we shipped it today.\n\n' + 'x'.repeat(600) + '\nI am on vacation next week, my colleague will follow up.',
    ],
    ['Re: [#10001] Cliente ausente na entrega', 'O entregador disse que o cliente estava ausente; reagendamos.'],
    ['Re: Férias coletivas: prazo de envio', 'Sim, enviamos normalmente durante as férias coletivas.'],
  ])('an answer: %s', (subject, text) => expect(looksLikeAgentAutoReply(subject, text)).toBeUndefined());
});
