// Highlights leave the engine as the product's own text with matches between
// two control characters (ports/search.ts). Product titles and descriptions
// are text a client may render as HTML, so the wire form is that text
// HTML-escaped, with each match in <mark>…</mark>: the only markup in it is
// ours, and a title holding `<script>` arrives as `&lt;script&gt;`.

import { MATCH_END, MATCH_START } from '../../ports/search.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function highlightHtml(marked: string): string {
  return marked
    .replace(/[&<>"']/g, (character) => ESCAPES[character]!)
    .replaceAll(MATCH_START, '<mark>')
    .replaceAll(MATCH_END, '</mark>');
}
