import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  escapeHtml,
  fillTemplate,
  MailTemplateError,
  renderMail,
  type MailTemplate,
} from './mail-templates.ts';

const HOSTILE = '<script>alert(1)</script> & "x"';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;';
const LAYOUT = { senderName: 'Throughline', postalAddress: '1 Example Street, 10115 Berlin' };

const TEMPLATE: MailTemplate = {
  subject: 'Hello {{name}}',
  preheader: 'A note for {{name}}',
  intro: ['Dear {{name}},', 'Here is your link.'],
  action: { label: 'Open it', url: '{{url}}' },
  outro: ['Thanks.'],
  reason: 'You received this email because {{name}} asked for it.',
};

describe('merge variables', () => {
  test('fill in as they are, once, whatever they contain', () => {
    assert.equal(
      fillTemplate('Hi {{name}}, {{ name }}!', { name: HOSTILE }),
      `Hi ${HOSTILE}, ${HOSTILE}!`,
    );
    assert.equal(fillTemplate('{{a}}', { a: '{{b}}', b: 'no' }), '{{b}}');
  });

  test('a missing variable is an error, never an empty string', () => {
    assert.throws(() => fillTemplate('Hi {{name}}', {}), MailTemplateError);
    assert.throws(() => fillTemplate('Hi {{name}}', { other: 'x' }), /\{\{name\}\}/);
    // Inherited properties are not values.
    assert.throws(() => fillTemplate('{{constructor}}', {}), MailTemplateError);
    assert.throws(
      () => renderMail(TEMPLATE, { name: 'Ann' }, LAYOUT, 'ann@example.test'),
      /\{\{url\}\}/,
    );
  });

  test('a malformed placeholder is an error, not literal text', () => {
    assert.throws(
      () => fillTemplate('Hi {{ first-name }}', { 'first-name': 'x' }),
      MailTemplateError,
    );
    assert.throws(() => fillTemplate('Hi {name}}', {}), MailTemplateError);
  });
});

describe('renderMail', () => {
  const render = (name: string, url = 'https://shop.example.test/go?token=a&b=c') =>
    renderMail(TEMPLATE, { name, url }, LAYOUT, 'ann@example.test');

  test('the text part has the values as typed; the HTML part has them escaped', () => {
    const mail = render(HOSTILE);
    assert.equal(mail.to, 'ann@example.test');
    assert.equal(mail.subject, `Hello ${HOSTILE}`);
    assert.ok(mail.text.includes(`Dear ${HOSTILE},`));
    assert.ok(!mail.text.includes('&lt;'));
    assert.ok(mail.html !== undefined);
    assert.ok(mail.html.includes(`Dear ${ESCAPED},`));
    assert.ok(!mail.html.includes('<script>'), 'no markup from a value');
    assert.ok(!mail.html.includes('"x"'));
  });

  test('both parts carry the call to action; the HTML one as a button with the link', () => {
    const mail = render('Ann');
    assert.match(mail.text, /Open it:\nhttps:\/\/shop\.example\.test\/go\?token=a&b=c\n/);
    assert.ok(
      mail.html?.includes('<a href="https://shop.example.test/go?token=a&amp;b=c" style="'),
      mail.html,
    );
    assert.equal(mail.html?.match(/<a /g)?.length, 1, 'one call to action');
  });

  test('the layout: hidden preheader, footer with the reason and the postal address', () => {
    const mail = render(HOSTILE);
    assert.match(mail.html ?? '', /<div style="display:none[^"]*">A note for &lt;script&gt;/);
    assert.ok(!mail.text.includes('A note for'), 'the preheader is HTML only');
    const footer = mail.text.slice(mail.text.indexOf('\n-- \n'));
    assert.ok(footer.includes(`You received this email because ${HOSTILE} asked for it.`));
    assert.ok(footer.includes('Throughline, 1 Example Street, 10115 Berlin'));
    assert.ok(mail.html?.includes(`You received this email because ${ESCAPED} asked for it.`));
    assert.ok(mail.html?.includes('Throughline, 1 Example Street, 10115 Berlin'));

    const noAddress = renderMail(
      TEMPLATE,
      { name: 'Ann', url: 'https://x.test/' },
      { senderName: 'Throughline', postalAddress: undefined },
      'ann@example.test',
    );
    assert.ok(noAddress.text.endsWith('\nThroughline'));
  });

  test('a subject stays one line whatever a value holds', () => {
    assert.equal(render('Ann\r\nBcc: eve@example.test').subject, 'Hello Ann Bcc: eve@example.test');
  });

  test('only http(s) links become buttons', () => {
    assert.throws(() => render('Ann', 'javascript:alert(1)'), MailTemplateError);
    assert.throws(() => render('Ann', 'not a url'), MailTemplateError);
  });

  test('escapeHtml covers content and attribute contexts', () => {
    assert.equal(escapeHtml(`<a href='x'>&"`), '&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
  });
});
