// Description sanitising against the payloads attackers actually send: the
// allowed subset survives, everything executable or styling is removed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sanitizeDescription } from './sanitize.ts';

const REL = 'rel="noopener noreferrer nofollow"';

function assertInert(html: string): void {
  const lower = html.toLowerCase();
  for (const marker of ['<script', 'javascript:', 'onerror', 'onload', 'onclick', 'onmouseover']) {
    assert.ok(!lower.includes(marker), `${marker} survived in ${html}`);
  }
  for (const marker of ['<svg', '<iframe', '<img', '<style', 'style=', '<object', '<embed']) {
    assert.ok(!lower.includes(marker), `${marker} survived in ${html}`);
  }
}

describe('sanitizeDescription', () => {
  test('keeps the allowed structure as it is', () => {
    const html =
      '<h3>Sound</h3><p>Closed-back, <strong>32 Ω</strong>, <em>foldable</em>.<br /></p>' +
      '<ul><li>one</li></ul><ol><li>two</li></ol><h4>Specs</h4>' +
      '<blockquote>quiet</blockquote><pre><code>a &lt; b</code></pre>';
    assert.equal(sanitizeDescription(html), html);
  });

  test('links keep http, https and mailto targets and always get a safe rel', () => {
    assert.equal(
      sanitizeDescription('<a href="https://example.com/x?a=1&amp;b=2">spec</a>'),
      `<a href="https://example.com/x?a=1&amp;b=2" ${REL}>spec</a>`,
    );
    assert.equal(
      sanitizeDescription('<a href="mailto:shop@example.com" rel="opener" target="_blank">m</a>'),
      `<a href="mailto:shop@example.com" ${REL}>m</a>`,
    );
    assert.equal(
      sanitizeDescription('<a href="http://example.com" title="t" class="c">h</a>'),
      `<a href="http://example.com" ${REL}>h</a>`,
    );
  });

  test('script tags go, with their content', () => {
    const out = sanitizeDescription('<p>hi</p><script>alert(document.cookie)</script>');
    assert.equal(out, '<p>hi</p>');
    assertInert(sanitizeDescription('<scr<script>ipt>alert(1)</script>'));
    assertInert(sanitizeDescription('<SCRIPT SRC=//evil.example/x.js></SCRIPT>'));
  });

  test('event handler attributes are removed', () => {
    assert.equal(sanitizeDescription('<p onclick="alert(1)">x</p>'), '<p>x</p>');
    assertInert(sanitizeDescription('<img src=x onerror=alert(1)>'));
    assertInert(sanitizeDescription('<body onload=alert(1)>'));
    assertInert(sanitizeDescription('<strong onmouseover="alert(1)">x</strong>'));
  });

  test('javascript:, data: and protocol-relative URLs are removed from links', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java&#x09;script:alert(1)',
      'jav&#x61;script:alert(1)',
      'javascript&colon;alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      '//evil.example/',
    ]) {
      const out = sanitizeDescription(`<a href="${href}">x</a>`);
      assert.equal(out, `<a ${REL}>x</a>`, href);
    }
  });

  test('svg, iframe, object and embed are removed', () => {
    for (const payload of [
      '<svg onload=alert(1)><circle r="1"/></svg>',
      '<svg><script>alert(1)</script></svg>',
      '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
      '<iframe src="https://evil.example"></iframe>',
      '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
      '<object data="x.swf"></object><embed src="x.swf">',
      '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    ]) {
      assertInert(sanitizeDescription(payload));
    }
  });

  test('style attributes and style elements are removed', () => {
    assert.equal(
      sanitizeDescription('<p style="background:url(javascript:alert(1))">x</p>'),
      '<p>x</p>',
    );
    assert.equal(sanitizeDescription('<style>body{display:none}</style><p>x</p>'), '<p>x</p>');
  });

  test('unknown tags go but keep their text, which stays escaped', () => {
    assert.equal(sanitizeDescription('<div><span>plain</span> text</div>'), 'plain text');
    assert.equal(sanitizeDescription('1 < 2 & "ok"'), '1 &lt; 2 &amp; "ok"');
    assert.equal(
      sanitizeDescription('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>'),
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  test('comments and broken markup cannot smuggle a tag through', () => {
    assertInert(sanitizeDescription('<!--<script>alert(1)</script>-->'));
    assertInert(sanitizeDescription('<p title="</p><script>alert(1)</script>">x</p>'));
    assertInert(sanitizeDescription('<a href="https://x" onclick="alert(1)"'));
  });

  test('sanitising is idempotent', () => {
    const once = sanitizeDescription(
      '<p>a <a href="https://x">y</a> <b>b</b></p><script>1</script>',
    );
    assert.equal(sanitizeDescription(once), once);
  });
});
