import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MATCH_END, MATCH_START } from '../../ports/search.ts';
import { highlightHtml } from './highlight.ts';

test('matches become <mark>, everything else is escaped', () => {
  assert.equal(
    highlightHtml(`<script>alert("x")</script> ${MATCH_START}Kettle${MATCH_END} & 'co'`),
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>Kettle</mark> &amp; &#39;co&#39;',
  );
});
