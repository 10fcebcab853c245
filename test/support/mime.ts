// Just enough of a MIME reader (RFC 5322, 2045–2047) to check what a real
// SMTP server received: unfolded headers, encoded-word headers, multipart
// bodies, and the base64 / quoted-printable transfer encodings. Test-only: it
// trusts its input to be what a mail library produced.

export interface MimePart {
  /** Lower-cased header names, raw (unfolded) values; the first occurrence wins. */
  readonly headers: ReadonlyMap<string, string>;
  /** Lower-cased `type/subtype`; `text/plain` when absent (RFC 2045 §5.2). */
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  /** The decoded body as text (for leaf parts). */
  readonly body: string;
  readonly parts: readonly MimePart[];
}

export function parseMime(raw: string): MimePart {
  const split = /\r?\n\r?\n/.exec(raw);
  const head = split === null ? raw : raw.slice(0, split.index);
  const rawBody = split === null ? '' : raw.slice(split.index + split[0].length);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  const { type, params } = parseContentType(headers.get('content-type') ?? 'text/plain');
  if (type.startsWith('multipart/') && params.boundary !== undefined) {
    return { headers, type, params, body: '', parts: splitMultipart(rawBody, params.boundary) };
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const bytes = decodeTransfer(rawBody, encoding);
  return { headers, type, params, body: decodeCharset(bytes, params.charset), parts: [] };
}

/** A header value with RFC 2047 encoded words decoded. */
export function headerText(part: MimePart, name: string): string | undefined {
  const value = part.headers.get(name.toLowerCase());
  return value === undefined ? undefined : decodeWords(value);
}

/** The first leaf part of a type, depth first. */
export function findPart(part: MimePart, type: string): MimePart | undefined {
  if (part.parts.length === 0) return part.type === type ? part : undefined;
  for (const child of part.parts) {
    const found = findPart(child, type);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq === -1) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    params[key] = param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

function splitMultipart(body: string, boundary: string): MimePart[] {
  const parts: MimePart[] = [];
  let current: string[] | undefined;
  for (const line of body.split(/\r?\n/)) {
    if (line === `--${boundary}--`) break;
    if (line === `--${boundary}`) {
      if (current !== undefined) parts.push(parseMime(current.join('\r\n')));
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current !== undefined) parts.push(parseMime(current.join('\r\n')));
  return parts;
}

function decodeTransfer(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'utf8');
}

function decodeQuotedPrintable(body: string): Buffer {
  const soft = body.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const char = soft[i]!;
    const hex = soft.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  return new TextDecoder((charset ?? 'utf-8').toLowerCase()).decode(bytes);
}

function decodeWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_match, charset: string, kind: string, text: string) => {
        const bytes =
          kind.toUpperCase() === 'B'
            ? Buffer.from(text, 'base64')
            : decodeQuotedPrintable(text.replace(/_/g, ' '));
        return decodeCharset(bytes, charset);
      },
    );
}
