import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../domain/errors.js';
import { checkTemplate, loadTemplates, renderTemplate, TEMPLATE_LOCALES, TEMPLATE_NAMES } from './templates.js';

describe('checkTemplate', () => {
  test.each([
    ['Olá {{requester_name}}', ['requester_name'], []],
    ['Olá {{ requester_name }}', ['requester_name'], []],
    ['x\n#{{ticket_numbr}}', ['ticket_number'], [{ line: 2, message: expect.stringContaining('unknown placeholder {{ticket_numbr}}') }]],
    ['{{ticket_number}', ['ticket_number'], [{ line: 1, message: 'unbalanced "{{" or "}}"' }]],
    ['  \n', [], [{ line: 1, message: 'the template is empty' }]],
  ])('%j', (text, allowed, issues) => {
    expect(checkTemplate(text, allowed)).toEqual(issues);
  });
});

describe('renderTemplate', () => {
  test('fills values, drops empty lines left by empty values', () => {
    expect(renderTemplate('Olá {{name}}!\n\n{{hint}}\n\n\nTchau {{ name }}  \n', { name: 'Maria', hint: '' })).toBe(
      'Olá Maria!\n\nTchau Maria',
    );
  });
});

describe('loadTemplates', () => {
  test('the shipped templates (pt-BR, es, en) are complete and use only known placeholders', () => {
    const set = loadTemplates('./config/templates');
    const ack = set.render('ack', 'pt-BR', {
      ticket_number: '10001',
      requester_name: 'Maria',
      subject: 'Pedido atrasado',
      status_label: 'Em análise',
      business_hours: '',
      reopen_window: '2 dias',
      label_new: 'Em análise',
      label_open: 'Em andamento',
      label_pending: 'Aguardando sua resposta',
      label_solved: 'Finalizado',
      label_closed: 'Encerrado',
    });
    expect(ack).toContain('#10001');
    expect(ack).toContain('Aguardando sua resposta: precisamos de uma resposta sua');
    expect(ack).not.toMatch(/\{\{|\}\}/);
    for (const locale of TEMPLATE_LOCALES)
      for (const name of TEMPLATE_NAMES) expect(() => set.render(name, locale, {} as never)).not.toThrow();
  });

  test('an unknown locale falls back to English', () => {
    expect(loadTemplates('./config/templates').render('event_new_ticket', 'de', { ticket_number: '7' })).toBe('New ticket #7');
  });

  describe('broken template folders fail at startup with every problem listed', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ponte-templates-'));
      cpSync('./config/templates', dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('a missing file and a misspelt placeholder', () => {
      unlinkSync(join(dir, 'es', 'ack.txt'));
      writeFileSync(join(dir, 'en', 'solved_notice.txt'), 'Hi\nTicket #{{ticket}} solved\n');
      let error: unknown;
      try {
        loadTemplates(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const e = error as ConfigError;
      expect(e.message).toContain('2 problems');
      expect(e.issues).toEqual([
        { path: `automation.templatesDir: ${join(dir, 'es', 'ack.txt')}`, message: 'template file is missing' },
        {
          path: `automation.templatesDir: ${join(dir, 'en', 'solved_notice.txt')}:2`,
          message: expect.stringContaining('unknown placeholder {{ticket}}'),
        },
      ]);
    });

    test('a relative folder is resolved against the given working directory', () => {
      expect(() => loadTemplates('missing-folder', { cwd: dir })).toThrow(/missing-folder/);
    });
  });
});
